import { useTranslation } from "react-i18next";
import { formatDay } from "../../../lib/format";
import type { Bucket } from "./series";

/** How a bucket's first day reads: in the table ("Week of Mar 3, 2031", "March 2031"), shorter on the chart's axis
 * ("Mar 3", "Mar 2031"), and the table's header for the column. */
export function usePeriodLabel(bucket: Bucket) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const at = (day: string) => new Date(`${day}T00:00:00Z`);
  const month = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric", timeZone: "UTC" });
  const shortMonth = new Intl.DateTimeFormat(lang, { month: "short", year: "numeric", timeZone: "UTC" });
  const shortDay = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: "UTC" });
  return {
    heading: t(`officeReports.buckets.${bucket}`),
    label: (day: string) =>
      bucket === "month" ? month.format(at(day)) : bucket === "week" ? t("officeReports.weekOf", { day: formatDay(day, lang) }) : formatDay(day, lang),
    short: (day: string) => (bucket === "month" ? shortMonth.format(at(day)) : shortDay.format(at(day))),
  };
}
