// Short names for the generated response types the pages use.
import type { components as BoardReporting } from "./types/board-reporting";
import type { components as Catalog } from "./types/catalog";
import type { components as Certificates } from "./types/certificates";
import type { components as Credit } from "./types/credit";
import type { components as Identity } from "./types/identity";
import type { components as Notifications } from "./types/notifications";

export type Activity = Catalog["schemas"]["Activity"];
export type Registration = Catalog["schemas"]["Registration"];
export type Attendance = Catalog["schemas"]["Attendance"];
export type EmailAttendanceResult = Catalog["schemas"]["EmailAttendanceResult"];
export type ActivityFormat = NonNullable<Catalog["schemas"]["ActivityCreate"]["format"]>;
export type Claimable = Credit["schemas"]["Claimable"];
export type Claim = Credit["schemas"]["Claim"];
export type ClaimRequest = Credit["schemas"]["ClaimRequest"];
export type Certificate = Certificates["schemas"]["Certificate"];
export type Transcript = Certificates["schemas"]["Transcript"];
export type Verification = Certificates["schemas"]["Verification"];
export type Profile = Identity["schemas"]["Profile"];
export type ProfileUpdate = Identity["schemas"]["ProfileUpdate"];
export type SignUp = Identity["schemas"]["SignUp"];
export type EmailInfo = Identity["schemas"]["EmailInfo"];
export type SessionInfo = Identity["schemas"]["SessionInfo"];
export type Board = BoardReporting["schemas"]["Board"];
export type BoardReport = BoardReporting["schemas"]["Report"];
export type Message = Notifications["schemas"]["Message"];
export type Preferences = Notifications["schemas"]["Preferences"];
