// Board reports (MOC): each report's status per board, and what the learner can do: add a board ID or birth date
// when a report is held (a link straight to that field), fix the profile when a board rejects it (its reason).
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import type { BoardReport } from "../../api/schemas";
import { Badge, type Tone } from "../../components/Badge";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { SupportContact } from "../../components/SupportContact";
import { formatCredits, formatDateTime, formatDay } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";

const TONE: Record<BoardReport["status"], Tone> = {
  held: "warn",
  queued: "neutral",
  submitted: "neutral",
  accepted: "good",
  rejected: "bad",
  self_report: "warn",
  failed: "bad",
  withdrawn: "neutral",
};

const IN_FLIGHT = new Set<BoardReport["status"]>(["held", "queued", "submitted"]);

/** Which profile fields a held report's reason asks for (board-reporting names them in its reason). */
export function fieldsToFix(reason: string | null | undefined): ("board-ids" | "birth-date")[] {
  const text = (reason ?? "").toLowerCase();
  const fields: ("board-ids" | "birth-date")[] = [];
  if (/\bboard\b.*\bid\b|diplomate|not matched|no diplomate/.test(text)) fields.push("board-ids");
  if (/birth/.test(text)) fields.push("birth-date");
  return fields;
}

/** Straight to the field: the board's ID input (/profile#board-id-ABIM), or the birth date. */
export function profileLink(field: "board-ids" | "birth-date", boardCode: string): string {
  return field === "board-ids" ? `/profile#board-id-${boardCode}` : "/profile#birth-date";
}

export function BoardReports() {
  const { t } = useTranslation();
  const reports = useQuery({
    queryKey: ["reports"],
    queryFn: () => unwrap(api.boardReporting.GET("/reports/mine")),
    // Reports move on their own (queued -> sent -> accepted): the page follows while one is on its way. A report is
    // opened moments after its claim (board reporting reads the claim's event), so an empty list is looked at again
    // too: a learner who comes here straight from claiming MOC points sees the report arrive without reloading.
    refetchInterval: (query) => {
      const list = query.state.data;
      return list?.length === 0 || list?.some((r) => IN_FLIGHT.has(r.status)) ? 5000 : false;
    },
  });
  return (
    <Page title={t("reports.title")} lead={t("reports.lead")}>
      <QueryState query={reports}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("reports.none")}</p>
          ) : (
            <ul className={ui.cardList}>
              {list.map((report) => (
                <ReportCard key={report.id} report={report} />
              ))}
            </ul>
          )
        }
      </QueryState>
    </Page>
  );
}

function ReportCard({ report }: { report: BoardReport }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const lang = i18n.language;
  const fix = fieldsToFix(report.reason);
  return (
    <li className={ui.card}>
      <h2 className={ui.small}>
        {report.board_name} ({report.board_code}) — {report.activity_title}
      </h2>
      <p>
        <Badge tone={TONE[report.status]}>{t(`reports.statuses.${report.status}`)}</Badge>{" "}
        <span className={ui.muted}>{t("reports.updated", { date: formatDateTime(report.updated_at, lang) })}</span>
      </p>
      <dl className={ui.facts}>
        <dt>{t("reports.completed")}</dt>
        <dd>{formatDay(report.completed_on, lang)}</dd>
        {report.credits ? (
          <>
            <dt>{t("reports.points")}</dt>
            <dd>
              {formatCredits(report.credits, lang)} {report.credit_type ? labels.creditType(report.credit_type) : ""}
            </dd>
          </>
        ) : null}
        {report.due_by ? (
          <>
            <dt>{t("reports.dueBy")}</dt>
            <dd>{formatDay(report.due_by, lang)}</dd>
          </>
        ) : null}
      </dl>
      {report.status === "held" ? (
        <div className={`${ui.alert} ${ui.alertWarning}`}>
          <p className={ui.alertTitle}>{t("reports.heldTitle")}</p>
          {report.reason ? <p>{report.reason}</p> : null}
          <ul>
            {(fix.length ? fix : (["board-ids", "birth-date"] as const)).map((field) => (
              <li key={field}>
                <Link to={profileLink(field, report.board_code)}>{t(`reports.fix.${field}`)}</Link>
              </li>
            ))}
          </ul>
          <p>{t("reports.heldAfter")}</p>
        </div>
      ) : null}
      {report.status === "rejected" ? (
        <div className={`${ui.alert} ${ui.alertError}`}>
          <p className={ui.alertTitle}>{t("reports.rejectedTitle")}</p>
          <p>{report.reason}</p>
          <p>
            {t("reports.rejectedHelp")}{" "}
            <Link to={profileLink(fix[0] ?? "board-ids", report.board_code)}>{t("reports.checkProfile")}</Link>
          </p>
        </div>
      ) : null}
      {report.status === "self_report" ? (
        <div className={ui.alert}>
          <p className={ui.alertTitle}>{t("reports.selfTitle")}</p>
          {report.reason ? <p>{report.reason}</p> : null}
        </div>
      ) : null}
      {report.status === "failed" ? (
        <div className={`${ui.alert} ${ui.alertError}`}>
          <p className={ui.alertTitle}>{t("reports.failedTitle")}</p>
          {report.reason ? <p>{report.reason}</p> : null}
          <SupportContact compact />
        </div>
      ) : null}
      {report.status === "withdrawn" && (report.revoked_reason || report.reason) ? <p>{report.reason ?? report.revoked_reason}</p> : null}
      {report.status === "queued" || report.status === "submitted" ? <p>{t("reports.onItsWay")}</p> : null}
    </li>
  );
}
