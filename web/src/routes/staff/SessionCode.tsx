// A session's event code, large enough to read off a slide or a screen at the back of the room, with where to enter
// it and until when. The code is grouped in fours for reading aloud; learners may type it with or without the gap.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatDateTime } from "../../lib/format";
import { useActivity } from "../catalog/queries";
import styles from "./office.module.css";
import { useSessions } from "./queries";

/** "K7MQ2XPR" as "K7MQ 2XPR": easier to read from a distance and to say out loud. */
export function groupedCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, "$1 ");
}

export function SessionCode() {
  const { t, i18n } = useTranslation();
  const { id: activityId = "", sessionId = "" } = useParams();
  const activity = useActivity(activityId);
  const sessions = useSessions(activityId);
  const where = `${window.location.host}/event-code`;
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const renew = useMutation({
    mutationFn: () => unwrap(api.catalog.POST("/sessions/{session_id}/code", { params: { path: { session_id: sessionId } } })),
    onSuccess: (renewed) => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["office", "sessions", activityId] });
      toast(t("sessionCode.renewed"), t("sessionCode.renewedCode", { code: groupedCode(renewed.event_code ?? "") }));
    },
  });
  const start = () => {
    renew.reset();
    setConfirming(true);
  };
  return (
    <Page title={t("sessionCode.pageTitle", { title: activity.data?.title ?? "" })} heading={t("sessionCode.heading")}>
      <p>
        <Link to={`/office/activities/${activityId}/sessions`}>{t("sessionCode.back")}</Link>
      </p>
      <QueryState query={sessions}>
        {(list) => {
          const session = list.find((s) => s.id === sessionId);
          if (!session?.event_code) return <p>{t("sessionCode.none")}</p>;
          return (
            <section className={styles.slide} aria-labelledby="slide-title">
              <p id="slide-title" className={styles.slideTitle}>
                {activity.data?.title ? `${activity.data.title} — ` : ""}
                {session.title}
              </p>
              <p className={styles.slideLead}>{t("sessionCode.enter", { where })}</p>
              <p className={styles.bigCode} aria-label={t("sessionCode.codeIs", { code: session.event_code.split("").join(" ") })}>
                {groupedCode(session.event_code)}
              </p>
              {session.code_valid_until ? (
                <p className={styles.slideLead}>
                  {t("sessionCode.validUntil", { until: formatDateTime(session.code_valid_until, i18n.language) })}
                </p>
              ) : null}
            </section>
          );
        }}
      </QueryState>
      {activity.data?.status === "cancelled" ? null : (
        <p>
          <Button variant="secondary" onPress={start}>
            {t("sessionCode.renew")}
          </Button>
        </p>
      )}
      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={t("sessionCode.confirmRenew")}
        confirmLabel={t("sessionCode.renew")}
        confirmVariant="danger"
        onConfirm={() => renew.mutate()}
        isPending={renew.isPending}
      >
        <p>{t("sessionCode.confirmRenewText")}</p>
        {renew.error ? <ErrorPanel error={renew.error} /> : null}
      </ConfirmDialog>
    </Page>
  );
}
