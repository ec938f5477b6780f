export { BoardWorklist } from "./BoardWorklist";
export { OfficeHome } from "./OfficeHome";
export { Roster } from "./Roster";
