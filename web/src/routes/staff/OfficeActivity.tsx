// One activity as the coordinator sees it, a draft or published: what learners will read (the credit designation
// statements as the catalog words them), what to do next (edit, publish), and its roster and sessions.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api";
import type { Activity } from "../../api/schemas";
import { Badge } from "../../components/Badge";
import { ButtonLink, Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatDateTime, formatFee, formatRange } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { useOfficeActivity } from "./queries";

export function OfficeActivity() {
  const { t } = useTranslation();
  const activityId = useParams().id ?? "";
  const activity = useOfficeActivity(activityId);
  return (
    <Page title={activity.data?.title ?? t("officeActivity.title")} heading={activity.data?.title ?? t("officeActivity.title")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <QueryState query={activity}>{(data) => <Details activity={data} />}</QueryState>
    </Page>
  );
}

function Details({ activity }: { activity: Activity }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [unpublishing, setUnpublishing] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState("");
  const changed = (updated: Activity, message: string) => {
    queryClient.setQueryData(["office", "activity", activity.id], updated);
    void queryClient.invalidateQueries({ queryKey: ["office", "activities"] });
    toast(message);
  };
  const publish = useMutation({
    mutationFn: () =>
      unwrap(api.catalog.POST("/activities/{activity_id}/publish", { params: { path: { activity_id: activity.id } } })),
    onSuccess: (published) => {
      queryClient.setQueryData(["office", "activity", activity.id], published);
      void queryClient.invalidateQueries({ queryKey: ["office", "activities"] });
      setConfirming(false);
      toast(t("officeActivity.publishedToast", { title: published.title }));
    },
  });
  const unpublish = useMutation({
    mutationFn: () =>
      unwrap(
        api.catalog.POST("/activities/{activity_id}/unpublish", {
          params: { path: { activity_id: activity.id } },
          body: { reason },
        }),
      ),
    onSuccess: (updated) => {
      setUnpublishing(false);
      changed(updated, t("officeActivity.unpublishedToast", { title: updated.title }));
    },
  });
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(
        api.catalog.POST("/activities/{activity_id}/cancel", {
          params: { path: { activity_id: activity.id } },
          body: { reason },
        }),
      ),
    onSuccess: (updated) => {
      setCancelling(false);
      changed(updated, t("officeActivity.cancelledToast", { title: updated.title }));
    },
  });
  const startCancel = () => {
    setReason("");
    cancel.reset();
    setCancelling(true);
  };
  const startUnpublish = () => {
    setReason("");
    unpublish.reset();
    setUnpublishing(true);
  };
  const draft = activity.status === "draft";
  const cancelled = activity.status === "cancelled";
  const nobodyRegistered = activity.capacity === null || activity.seats_left === activity.capacity;
  const fees = Object.entries(activity.fees);
  return (
    <>
      {cancelled ? (
        <p>
          <Badge tone="bad">{t("officeActivity.cancelled")}</Badge>{" "}
          {t("officeActivity.cancelledLead", {
            at: activity.cancelled_at ? formatDateTime(activity.cancelled_at, i18n.language) : "",
            reason: activity.cancellation_reason ?? "",
          })}
        </p>
      ) : (
        <p>
          <Badge tone={draft ? "warn" : "good"}>{draft ? t("officeActivity.draft") : t("officeActivity.published")}</Badge>{" "}
          {draft ? t("officeActivity.draftLead") : t("officeActivity.publishedLead")}
          {draft && activity.unpublish_reason
            ? ` ${t("officeActivity.unpublishedLead", {
                at: activity.unpublished_at ? formatDateTime(activity.unpublished_at, i18n.language) : "",
                reason: activity.unpublish_reason,
              })}`
            : ""}
        </p>
      )}
      <div className={styles.actionsBar}>
        {cancelled ? null : (
          <ButtonLink variant="secondary" to={`/office/activities/${activity.id}/edit`}>
            {t("officeActivity.edit")}
          </ButtonLink>
        )}
        {draft ? <Button onPress={() => setConfirming(true)}>{t("officeActivity.publish")}</Button> : null}
        {activity.status === "published" && nobodyRegistered ? (
          <Button variant="secondary" onPress={startUnpublish}>
            {t("officeActivity.unpublish")}
          </Button>
        ) : null}
        {activity.status === "published" ? (
          <Button variant="danger" onPress={startCancel}>
            {t("officeActivity.cancel")}
          </Button>
        ) : null}
        {draft ? null : (
          <>
            <Link to={`/office/activities/${activity.id}/roster`}>{t("office.roster")}</Link>
            <Link to={`/office/activities/${activity.id}/sessions`}>{t("office.sessions")}</Link>
            <Link to={`/office/reports?activity=${activity.id}`}>{t("office.reports")}</Link>
            <Link to={`/activities/${activity.id}`}>{t("officeActivity.asLearnersSee")}</Link>
          </>
        )}
      </div>
      {publish.error ? <ErrorPanel error={publish.error} /> : null}
      <dl className={styles.facts}>
        <dt>{t("activityForm.format")}</dt>
        <dd>{t(`activityForm.formats.${activity.format}`, { defaultValue: labels.format(activity.format) })}</dd>
        <dt>{t("officeActivity.when")}</dt>
        <dd>
          {activity.starts_at
            ? formatRange(activity.starts_at, activity.ends_at, i18n.language)
            : activity.available_until
              ? t("officeActivity.availableUntil", { until: formatDateTime(activity.available_until, i18n.language) })
              : t("office.anyTime")}
        </dd>
        {activity.location ? (
          <>
            <dt>{t("activityForm.location")}</dt>
            <dd>{activity.location}</dd>
          </>
        ) : null}
        <dt>{t("activityForm.capacity")}</dt>
        <dd>{activity.capacity ? t("officeActivity.seats", { capacity: activity.capacity, left: activity.seats_left ?? activity.capacity }) : t("officeActivity.noLimit")}</dd>
        <dt>{t("activityForm.fees")}</dt>
        <dd>
          {fees.length
            ? fees.map(([category, cents]) => `${labels.category(category)}: ${formatFee(cents, i18n.language)}`).join(" · ")
            : t("officeActivity.free")}
        </dd>
        <dt>{t("officeActivity.claimWindowLabel")}</dt>
        <dd>{t("officeActivity.claimWindow", { count: activity.claim_window_days })}</dd>
        {activity.moc_boards.length ? (
          <>
            <dt>{t("activityForm.boards")}</dt>
            <dd>{activity.moc_boards.join(", ")}</dd>
          </>
        ) : null}
        <dt>{t("officeActivity.code")}</dt>
        <dd>{activity.requires_event_code ? t("officeActivity.codeNeeded") : t("officeActivity.codeNotNeeded")}</dd>
      </dl>
      <section aria-labelledby="statements-heading">
        <h2 id="statements-heading">{t("officeActivity.statements")}</h2>
        <p>{t("officeActivity.statementsLead")}</p>
        {activity.credit_designations.map((designation) => (
          <blockquote key={designation.credit_type} className={styles.statement}>
            {designation.statement}
          </blockquote>
        ))}
      </section>
      {activity.description ? (
        <section aria-labelledby="description-heading">
          <h2 id="description-heading">{t("activityForm.description")}</h2>
          <p className={styles.prewrap}>{activity.description}</p>
        </section>
      ) : null}
      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={t("officeActivity.confirmPublish")}
        confirmLabel={t("officeActivity.publish")}
        onConfirm={() => publish.mutate()}
        isPending={publish.isPending}
      >
        <p>{t("officeActivity.confirmPublishText")}</p>
      </ConfirmDialog>
      <ConfirmDialog
        isOpen={unpublishing}
        onOpenChange={setUnpublishing}
        title={t("officeActivity.confirmUnpublish")}
        confirmLabel={t("officeActivity.unpublish")}
        onConfirm={() => unpublish.mutate()}
        isPending={unpublish.isPending}
      >
        <p>{t("officeActivity.confirmUnpublishText")}</p>
        <label className={styles.field}>
          {t("officeActivity.unpublishReason")}
          <input className={styles.control} value={reason} onChange={(event) => setReason(event.target.value)} required />
        </label>
        {unpublish.error ? <ErrorPanel error={unpublish.error} /> : null}
      </ConfirmDialog>
      <ConfirmDialog
        isOpen={cancelling}
        onOpenChange={setCancelling}
        title={t("officeActivity.confirmCancel")}
        confirmLabel={t("officeActivity.cancel")}
        cancelLabel={t("officeActivity.keep")}
        confirmVariant="danger"
        alert
        onConfirm={() => cancel.mutate()}
        isPending={cancel.isPending}
      >
        <p>{t("officeActivity.confirmCancelText")}</p>
        <label className={styles.field}>
          {t("officeActivity.cancelReason")}
          <input className={styles.control} value={reason} onChange={(event) => setReason(event.target.value)} required />
        </label>
        {cancel.error ? <ErrorPanel error={cancel.error} /> : null}
      </ConfirmDialog>
    </>
  );
}
