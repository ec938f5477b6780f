// The help desk's board reports across learners: by board and status, the nearest deadline first; a failed one can be
// sent again (after a confirmation: the learner is told of it).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import { Badge, type Tone } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { toast } from "../../components/Toasts";
import { formatDay } from "../../lib/format";
import ui from "../../components/ui.module.css";
import styles from "./office.module.css";
import { useBoards } from "../../hooks/useBoards";
import { useWorklist, type WorklistFilter } from "./queries";
import { OfficeTable } from "./OfficeTable";

const STATUSES = ["failed", "held", "queued", "submitted", "rejected", "accepted", "self_report", "withdrawn"] as const;
const TONES: Record<string, Tone> = { accepted: "good", failed: "bad", rejected: "bad", held: "warn" };

interface Retrying {
  id: string;
  title: string;
  board: string;
}

export function BoardWorklist() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [filter, setFilter] = useState<WorklistFilter>({ status: "failed" });
  const boards = useBoards();
  const worklist = useWorklist(filter);
  const [retrying, setRetrying] = useState<Retrying | null>(null);
  const retry = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.boardReporting.POST("/reports/{report_id}/retry", { params: { path: { report_id: id } } })),
    onSuccess: (report) => {
      setRetrying(null);
      void queryClient.invalidateQueries({ queryKey: ["office", "worklist"] });
      toast(t("worklist.retried", { title: report.activity_title, board: report.board_code }));
    },
    onError: () => setRetrying(null),
  });
  return (
    <Page title={t("worklist.title")} lead={t("worklist.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <form className={styles.filters} aria-label={t("worklist.filters")} onSubmit={(event) => event.preventDefault()}>
        <label className={styles.field}>
          {t("worklist.board")}
          <select
            className={styles.control}
            value={filter.board ?? ""}
            onChange={(event) => setFilter({ ...filter, board: event.target.value })}
          >
            <option value="">{t("worklist.allBoards")}</option>
            {(boards.data ?? []).map((board) => (
              <option key={board.code} value={board.code}>
                {board.code}: {board.name}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          {t("worklist.status")}
          <select
            className={styles.control}
            value={filter.status ?? ""}
            onChange={(event) => setFilter({ ...filter, status: event.target.value })}
          >
            <option value="">{t("worklist.allStatuses")}</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {t(`worklist.statuses.${status}`, { defaultValue: status })}
              </option>
            ))}
          </select>
        </label>
        <label className={styles.field}>
          {t("worklist.dueBefore")}
          <input
            className={styles.control}
            type="date"
            value={filter.dueBefore ?? ""}
            onChange={(event) => setFilter({ ...filter, dueBefore: event.target.value })}
          />
        </label>
      </form>
      {retry.isError ? <ErrorPanel error={retry.error} /> : null}
      <OfficeTable
        query={worklist}
        label={t("worklist.title")}
        empty={t("worklist.none")}
        headers={[
          t("worklist.due"),
          t("worklist.activity"),
          t("worklist.board"),
          t("worklist.status"),
          t("worklist.why"),
          t("worklist.learner"),
          t("worklist.action"),
        ]}
        row={(report) => (
          <tr key={report.id}>
            <td>{report.due_by ? formatDay(report.due_by, i18n.language) : "—"}</td>
            <th scope="row" className={styles.wraps}>
              {report.activity_title}
            </th>
            <td>{report.board_code}</td>
            <td>
              <Badge tone={TONES[report.status] ?? "neutral"}>
                {t(`worklist.statuses.${report.status}`, { defaultValue: report.status })}
              </Badge>
            </td>
            <td className={styles.wraps}>
              {report.reason ?? ""}
              {report.last_error ? <div className={ui.muted}>{report.last_error}</div> : null}
            </td>
            <td className={ui.small}>
              <Link to={`/office/learners/${report.learner_id}`}>{t("worklist.openLearner")}</Link>
            </td>
            <td>
              {report.status === "failed" && report.credit_type ? (
                <Button
                  variant="secondary"
                  onPress={() => setRetrying({ id: report.id, title: report.activity_title, board: report.board_code })}
                >
                  {t("worklist.retry")}
                </Button>
              ) : null}
            </td>
          </tr>
        )}
      />
      <ConfirmDialog
        isOpen={retrying !== null}
        onOpenChange={(open) => (open ? null : setRetrying(null))}
        title={t("worklist.confirmTitle")}
        confirmLabel={t("worklist.retry")}
        onConfirm={() => (retrying ? retry.mutate(retrying.id) : undefined)}
        isPending={retry.isPending}
      >
        <p>{retrying ? t("worklist.confirmText", { title: retrying.title, board: retrying.board }) : null}</p>
      </ConfirmDialog>
    </Page>
  );
}
