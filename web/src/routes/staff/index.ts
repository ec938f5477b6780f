export { Attendance } from "./Attendance";
export { BoardWorklist } from "./BoardWorklist";
export { FindLearner } from "./FindLearner";
export { LearnerPage } from "./LearnerPage";
export { OfficeHome } from "./OfficeHome";
export { Roster } from "./Roster";
export { SessionCode } from "./SessionCode";
export { Sessions } from "./Sessions";
