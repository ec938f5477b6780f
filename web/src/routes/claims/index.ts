export { BoardReports } from "./BoardReports";
export { ClaimPage } from "./ClaimForm";
export { Claimable } from "./Claimable";
