// The office's reports: their own chunk, so the chart library loads only when a report is opened.
export { OfficeReports } from "./OfficeReports";
