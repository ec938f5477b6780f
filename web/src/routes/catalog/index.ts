export { ActivityPage } from "./ActivityPage";
export { Catalog } from "./Catalog";
export { EventCode } from "./EventCode";
export { Registrations } from "./Registrations";
