// The office's reports, one section each: what the service counted, turned into the wide rows a chart, its table and
// its CSV share (series.ts), with the totals in a sentence.
import { useTranslation } from "react-i18next";
import type { components as CatalogTypes } from "../../../api/types/catalog";
import type { components as CreditTypes } from "../../../api/types/credit";
import type { components as BoardTypes } from "../../../api/types/board-reporting";
import { QueryState } from "../../../components/QueryState";
import { formatCredits, formatDateTime, formatFee } from "../../../lib/format";
import { useLabels } from "../../../lib/labels";
import {
  useAttendanceReport,
  useBoardReportsReport,
  useCreditsReport,
  useRegistrationsReport,
  type ReportParams,
} from "../queries";
import { ReportChart } from "./ReportChart";
import { bucketStarts, distinct, pivot, total } from "./series";
import { usePeriodLabel } from "./usePeriodLabel";

type RegistrationsRow = CatalogTypes["schemas"]["RegistrationsRow"];
type AttendanceRow = CatalogTypes["schemas"]["AttendanceRow"];
type CreditsRow = CreditTypes["schemas"]["CreditsRow"];
type BoardRow = BoardTypes["schemas"]["BoardReportsRow"];

function useCount() {
  const { i18n } = useTranslation();
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  return (value: number) => number.format(value);
}

export function RegistrationsSection({ params }: { params: ReportParams }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const count = useCount();
  const period = usePeriodLabel(params.bucket);
  const report = useRegistrationsReport(params);
  return (
    <QueryState query={report}>
      {({ rows: counted }) => {
        const categories = distinct(counted, (r) => r.category).sort();
        const items = counted.flatMap((r: RegistrationsRow) => [
          { period: r.period, series: `confirmed:${r.category}`, n: r.confirmed },
          { period: r.period, series: "cancelled", n: r.cancelled },
          { period: r.period, series: "fees", n: r.fees_cents },
        ]);
        const series = [
          ...categories.map((c) => ({ key: `confirmed:${c}`, label: labels.category(c), stack: "confirmed" })),
          { key: "cancelled", label: t("officeReports.cancelled") },
        ];
        const rows = pivot(
          items,
          bucketStarts(params.from, params.to, params.bucket),
          (i) => i.period,
          [...series.map((s) => s.key), "fees"],
          (i) => i.series,
          (i) => i.n,
        );
        const confirmed = categories.reduce((sum, c) => sum + total(rows, `confirmed:${c}`), 0);
        return (
          <ReportChart
            title={t("officeReports.registrations")}
            lead={t("officeReports.registrationsLead")}
            rows={rows}
            keyLabel={period.heading}
            keyFormat={period.label}
            axisFormat={period.short}
            series={series}
            extras={[
              {
                key: "fees",
                label: t("officeReports.fees"),
                format: (cents) => formatFee(cents, i18n.language),
                csv: (cents) => (cents / 100).toFixed(2),
              },
            ]}
            format={count}
            whole
            totals={t("officeReports.registrationsTotals", {
              confirmed,
              cancelled: total(rows, "cancelled"),
              fees: formatFee(total(rows, "fees"), i18n.language),
            })}
            empty={t("officeReports.noRegistrations")}
            csvName={`registrations-${params.from}-${params.to}.csv`}
          />
        );
      }}
    </QueryState>
  );
}

export function AttendanceSection({ params }: { params: ReportParams }) {
  const { t, i18n } = useTranslation();
  const count = useCount();
  const period = usePeriodLabel(params.bucket);
  const report = useAttendanceReport(params);
  // One activity: a bar per session; every activity: a bar per activity.
  const bySession = Boolean(params.activity_id);
  const seriesOf = (r: AttendanceRow) => (bySession ? r.session_id : r.activity_id);
  return (
    <QueryState query={report}>
      {({ rows: counted }) => {
        const named = new Map<string, string>();
        for (const r of counted) {
          named.set(
            seriesOf(r),
            bySession ? `${r.session_title} (${formatDateTime(r.session_starts_at, i18n.language)})` : r.activity_title,
          );
        }
        const series = [...named].map(([key, label]) => ({ key, label, stack: "attended" }));
        const rows = pivot(
          counted,
          bucketStarts(params.from, params.to, params.bucket),
          (r) => r.period,
          series.map((s) => s.key),
          seriesOf,
          (r) => r.attended,
        );
        return (
          <ReportChart
            title={t("officeReports.attendance")}
            lead={t(bySession ? "officeReports.attendanceLeadSessions" : "officeReports.attendanceLead")}
            rows={rows}
            keyLabel={period.heading}
            keyFormat={period.label}
            axisFormat={period.short}
            series={series}
            format={count}
            whole
            totals={t("officeReports.attendanceTotals", { count: series.reduce((sum, s) => sum + total(rows, s.key), 0) })}
            empty={t("officeReports.noAttendance")}
            csvName={`attendance-${params.from}-${params.to}.csv`}
          />
        );
      }}
    </QueryState>
  );
}

export function CreditsSection({ params }: { params: ReportParams }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const count = useCount();
  const period = usePeriodLabel(params.bucket);
  const report = useCreditsReport(params);
  const credits = (value: number) => formatCredits(value, i18n.language);
  return (
    <QueryState query={report}>
      {({ rows: counted }) => {
        const types = distinct(counted, (r: CreditsRow) => r.credit_type).sort();
        const items = counted.flatMap((r) => [
          { period: r.period, series: r.credit_type, n: Number(r.credits) },
          { period: r.period, series: `claims:${r.credit_type}`, n: r.claims },
        ]);
        const rows = pivot(
          items,
          bucketStarts(params.from, params.to, params.bucket),
          (i) => i.period,
          [...types, ...types.map((type) => `claims:${type}`)],
          (i) => i.series,
          (i) => i.n,
        );
        return (
          <ReportChart
            title={t("officeReports.credits")}
            lead={t("officeReports.creditsLead")}
            rows={rows}
            keyLabel={period.heading}
            keyFormat={period.label}
            axisFormat={period.short}
            series={types.map((type) => ({ key: type, label: labels.creditType(type) }))}
            extras={types.map((type) => ({
              key: `claims:${type}`,
              label: t("officeReports.claimsOf", { type: labels.creditType(type) }),
              format: count,
            }))}
            format={credits}
            totals={
              types.length
                ? types
                    .map((type) =>
                      t("officeReports.creditsTotal", {
                        type: labels.creditType(type),
                        credits: credits(total(rows, type)),
                        count: total(rows, `claims:${type}`),
                      }),
                    )
                    .join(" ")
                : t("officeReports.noCredits")
            }
            empty={t("officeReports.noCredits")}
            csvName={`credits-${params.from}-${params.to}.csv`}
          />
        );
      }}
    </QueryState>
  );
}

export function BoardReportsSection({ params }: { params: ReportParams }) {
  const { t } = useTranslation();
  const count = useCount();
  const report = useBoardReportsReport(params);
  return (
    <QueryState query={report}>
      {({ rows: counted }) => {
        const boards = new Map(counted.map((r: BoardRow) => [r.board_code, r.board_name]));
        const statuses = distinct(counted, (r) => r.status);
        const series = statuses.map((status) => ({
          key: status,
          label: t(`worklist.statuses.${status}`, { defaultValue: status }),
          stack: "reports",
        }));
        const rows = pivot(counted, [...boards.keys()], (r) => r.board_code, statuses, (r) => r.status, (r) => r.reports);
        return (
          <ReportChart
            title={t("officeReports.boardReports")}
            lead={t("officeReports.boardReportsLead")}
            rows={rows}
            keyLabel={t("officeReports.board")}
            keyFormat={(code) => `${boards.get(code) ?? code} (${code})`}
            axisFormat={(code) => code}
            series={series}
            format={count}
            whole
            totals={t("officeReports.boardReportsTotals", { count: statuses.reduce((sum, s) => sum + total(rows, s), 0) })}
            empty={t("officeReports.noBoardReports")}
            csvName={`board-reports-${params.from}-${params.to}.csv`}
          />
        );
      }}
    </QueryState>
  );
}
