// The CME office's reports over a period, for every activity or one: registrations, attendance, credit claimed,
// board reports and (for one activity) its evaluation results; each a chart, its table and its CSV. The period,
// bucket and activity are in the address, so a report can be bookmarked or linked from an activity.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { DateRange, type IsoRange } from "../../../components/DateRange";
import { Page } from "../../../components/Page";
import styles from "../office.module.css";
import { useOfficeActivities, type ReportParams } from "../queries";
import { EvaluationSection } from "./EvaluationSection";
import { AttendanceSection, BoardReportsSection, CreditsSection, RegistrationsSection } from "./sections";
import { defaultPeriod, type Bucket } from "./series";

const BUCKETS: readonly Bucket[] = ["day", "week", "month"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function readParams(search: URLSearchParams): ReportParams {
  const fallback = defaultPeriod(new Date());
  const from = search.get("from") ?? "";
  const to = search.get("to") ?? "";
  const bucket = search.get("bucket") as Bucket | null;
  const activity = search.get("activity") ?? "";
  return {
    ...(DAY.test(from) && DAY.test(to) ? { from, to } : fallback),
    bucket: bucket && BUCKETS.includes(bucket) ? bucket : "week",
    activity_id: activity || undefined,
  };
}

export function OfficeReports() {
  const { t } = useTranslation();
  const [search, setSearch] = useSearchParams();
  // The choices live here, copied to the address: choices made in quick succession each count.
  const [params, setParams] = useState(() => readParams(search));
  const activities = useOfficeActivities("", "");
  useEffect(() => {
    const { from, to, bucket, activity_id } = params;
    setSearch(activity_id ? { from, to, bucket, activity: activity_id } : { from, to, bucket }, { replace: true });
  }, [params, setSearch]);
  const change = (next: Partial<ReportParams>) => setParams((previous) => ({ ...previous, ...next }));
  return (
    <Page title={t("officeReports.title")} lead={t("officeReports.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <div className={styles.filters}>
        <DateRange
          label={t("officeReports.period")}
          description={t("officeReports.periodHint")}
          value={{ from: params.from, to: params.to }}
          onChange={(range: IsoRange | null) => change(range ?? defaultPeriod(new Date()))}
        />
        <label className={styles.field}>
          {t("officeReports.bucket")}
          <select className={styles.control} value={params.bucket} onChange={(event) => change({ bucket: event.target.value as Bucket })}>
            {BUCKETS.map((bucket) => (
              <option key={bucket} value={bucket}>
                {t(`officeReports.bucketChoices.${bucket}`)}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          {t("officeReports.activity")}
          <select
            className={`${styles.control} ${styles.search}`}
            value={params.activity_id ?? ""}
            onChange={(event) => change({ activity_id: event.target.value || undefined })}
          >
            <option value="">{t("officeReports.allActivities")}</option>
            {(activities.data ?? []).map((activity) => (
              <option key={activity.id} value={activity.id}>
                {activity.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      <RegistrationsSection params={params} />
      <AttendanceSection params={params} />
      <CreditsSection params={params} />
      <BoardReportsSection params={params} />
      {params.activity_id ? (
        <EvaluationSection params={params} />
      ) : (
        <section aria-labelledby="evaluation-heading" className={styles.report}>
          <h2 id="evaluation-heading">{t("officeReports.evaluation")}</h2>
          <p>{t("officeReports.chooseActivity")}</p>
        </section>
      )}
    </Page>
  );
}
