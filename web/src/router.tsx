// Every page of the portal. Each area (account, catalog, claims, certificates) is its own chunk, loaded when one of
// its pages is first opened. Each route has its own error boundary (errorElement) inside the frame, so a failure
// shows a retry and the support contact, never a blank page. Pages of a signed-in learner wait for the silent
// sign-in, else go to sign-in and come back.
import type { ComponentType } from "react";
import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Loading";
import { NotFound } from "./components/NotFound";
import { RequireAuth } from "./components/RequireAuth";
import { ADMIN, COORDINATOR, HELP_DESK, OFFICE, RequireRole } from "./components/RequireRole";
import { RouteError } from "./components/RouteError";
import { Home } from "./routes/Home";

type Area = Record<string, ComponentType>;
const account = () => import("./routes/account") as Promise<Area>;
const catalog = () => import("./routes/catalog") as Promise<Area>;
const claims = () => import("./routes/claims") as Promise<Area>;
const certificates = () => import("./routes/certificates") as Promise<Area>;
const office = () => import("./routes/staff") as Promise<Area>;
// The office's reports apart from the rest of the office: the chart library is loaded with them only.
const officeReports = () => import("./routes/staff/reports") as Promise<Area>;

function route(path: string, area: () => Promise<Area>, name: string, signedIn: boolean): RouteObject {
  return {
    path,
    errorElement: <RouteError />,
    lazy: async () => {
      const Component = (await area())[name];
      if (!Component) throw new Error(`no page ${name}`);
      return { element: signedIn ? <RequireAuth><Component /></RequireAuth> : <Component /> };
    },
  };
}
const page = (path: string, area: () => Promise<Area>, name: string) => route(path, area, name, false);

/** A page of the CME office: refused in words to anyone without one of `roles` (the services answer them 403). */
function staff(path: string, area: () => Promise<Area>, name: string, roles: readonly string[]): RouteObject {
  return {
    path,
    errorElement: <RouteError />,
    lazy: async () => {
      const Component = (await area())[name];
      if (!Component) throw new Error(`no page ${name}`);
      return { element: <RequireRole roles={roles}><Component /></RequireRole> };
    },
  };
}
const learner = (path: string, area: () => Promise<Area>, name: string) => route(path, area, name, true);

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, element: <Home />, errorElement: <RouteError /> },
      // Public: the catalog, and the links the system mails or prints.
      page("catalog", catalog, "Catalog"),
      page("activities/:id", catalog, "ActivityPage"),
      page("verify", certificates, "Verify"),
      page("verify/:code", certificates, "Verify"),
      page("sign-in", account, "SignIn"),
      page("sign-up", account, "SignUp"),
      page("verify-email", account, "VerifyEmail"),
      page("forgot-password", account, "ForgotPassword"),
      page("reset-password", account, "ResetPassword"),
      // A signed-in learner's.
      learner("account", account, "Account"),
      learner("profile", account, "Profile"),
      learner("account/password", account, "ChangePassword"),
      learner("account/emails", account, "Emails"),
      learner("account/sessions", account, "Sessions"),
      learner("messages", account, "Messages"),
      learner("preferences", account, "Preferences"),
      learner("registrations", catalog, "Registrations"),
      learner("event-code", catalog, "EventCode"),
      learner("claims", claims, "Claimable"),
      learner("activities/:id/claim", claims, "ClaimPage"),
      learner("certificates", certificates, "Certificates"),
      learner("certificates/:id", certificates, "CertificateDetail"),
      learner("transcript", certificates, "Transcript"),
      learner("board-reports", claims, "BoardReports"),
      // The CME office's: coordinators (staff), the help desk (support), administrators.
      staff("office", office, "OfficeHome", OFFICE),
      staff("office/activities/new", office, "NewActivity", COORDINATOR),
      staff("office/activities/:id", office, "OfficeActivity", COORDINATOR),
      staff("office/activities/:id/edit", office, "EditActivity", COORDINATOR),
      staff("office/activities/:id/roster", office, "Roster", COORDINATOR),
      staff("office/activities/:id/sessions", office, "Sessions", COORDINATOR),
      staff("office/activities/:id/sessions/:sessionId/code", office, "SessionCode", COORDINATOR),
      staff("office/activities/:id/sessions/:sessionId/attendance", office, "Attendance", COORDINATOR),
      staff("office/reports", officeReports, "OfficeReports", COORDINATOR),
      staff("office/board-reports", office, "BoardWorklist", HELP_DESK),
      staff("office/learners", office, "FindLearner", HELP_DESK),
      staff("office/learners/:id", office, "LearnerPage", HELP_DESK),
      staff("office/learners/:id/merge", office, "MergeAccounts", HELP_DESK),
      staff("office/admin/organisation", office, "AdminOrganisation", ADMIN),
      staff("office/admin/people", office, "AdminPeople", ADMIN),
      staff("office/admin/boards", office, "AdminBoards", ADMIN),
      staff("office/admin/audit", office, "AdminAudit", HELP_DESK),
      staff("office/admin/keys", office, "AdminKeys", ADMIN),
      { path: "*", element: <NotFound /> },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
