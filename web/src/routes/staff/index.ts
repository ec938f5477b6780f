export { BoardWorklist } from "./BoardWorklist";
export { FindLearner } from "./FindLearner";
export { LearnerPage } from "./LearnerPage";
export { OfficeHome } from "./OfficeHome";
export { Roster } from "./Roster";
