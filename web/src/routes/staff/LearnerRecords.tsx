// The parts of the help desk's learner page that other services keep: registrations (catalog; cancel one), valid
// certificates and the transcript PDF (certificates), the emails sent (notifications; send one again) and the merges
// the account took part in (identity). Each action is confirmed and cannot be sent twice while it runs.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { DownloadStatus } from "../../components/DownloadStatus";
import { ErrorPanel } from "../../components/ErrorPanel";
import { toast } from "../../components/Toasts";
import { useDownload } from "../../hooks/useDownload";
import { formatCredits, formatDate, formatDateTime, formatDay, formatFee } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";
import { useLearnerCertificates, useLearnerMessages, useLearnerRegistrations, useMerges } from "./queries";

interface Target {
  id: string;
  title: string;
}

/** A confirmed action on one item of a list: which item is being confirmed, and the call. */
function useConfirmed(learnerId: string, call: (id: string) => Promise<unknown>, done: (target: Target) => string) {
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<Target | null>(null);
  const mutation = useMutation({
    mutationFn: (chosen: Target) => call(chosen.id),
    onSuccess: (_, chosen) => {
      setTarget(null);
      void queryClient.invalidateQueries({ queryKey: ["office", "learner", learnerId] });
      toast(done(chosen));
    },
  });
  const ask = (chosen: Target) => {
    mutation.reset();
    setTarget(chosen);
  };
  return { target, setTarget, mutation, ask };
}

export function LearnerRegistrations({ learnerId }: { learnerId: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const registrations = useLearnerRegistrations(learnerId);
  const [reason, setReason] = useState("");
  const cancel = useConfirmed(
    learnerId,
    (id) =>
      unwrap(
        api.catalog.POST("/registrations/{registration_id}/cancel", {
          params: { path: { registration_id: id } },
          body: { reason: reason.trim() || null },
        }),
      ),
    (chosen) => t("learnerRecords.cancelled", { title: chosen.title }),
  );
  return (
    <section aria-labelledby="registrations-heading">
      <h2 id="registrations-heading">{t("learnerRecords.registrations")}</h2>
      <OfficeTable
        query={registrations}
        label={t("learnerRecords.registrations")}
        empty={t("learnerRecords.noRegistrations")}
        headers={[
          t("worklist.activity"),
          t("registrations.number"),
          t("roster.category"),
          t("roster.fee"),
          t("roster.status"),
          t("officeSessions.actions"),
        ]}
        row={(registration) => (
          <tr key={registration.id}>
            <th scope="row" className={styles.wraps}>
              {registration.activity_title}
            </th>
            <td>{registration.number}</td>
            <td>{t(`categories.${registration.attendee_category}`, { defaultValue: registration.attendee_category })}</td>
            <td>{formatFee(registration.fee_cents, lang)}</td>
            <td className={styles.wraps}>
              {registration.status === "cancelled" ? (
                <>
                  <Badge tone="neutral">
                    {t("registrations.statuses.cancelled")} {formatDate(registration.cancelled_at, lang)}
                  </Badge>
                  {registration.cancellation_reason ? ` ${registration.cancellation_reason}` : ""}
                </>
              ) : (
                <Badge tone="good">{t(`registrations.statuses.${registration.status}`, { defaultValue: registration.status })}</Badge>
              )}
            </td>
            <td>
              {registration.status === "cancelled" ? null : (
                <Button
                  variant="secondary"
                  onPress={() => {
                    setReason("");
                    cancel.ask({ id: registration.id, title: registration.activity_title });
                  }}
                  aria-label={t("learnerRecords.cancel", { title: registration.activity_title })}
                >
                  {t("learnerRecords.cancelShort")}
                </Button>
              )}
            </td>
          </tr>
        )}
      />
      <ConfirmDialog
        isOpen={cancel.target !== null}
        onOpenChange={(open) => (open ? null : cancel.setTarget(null))}
        title={t("learnerRecords.cancelTitle")}
        confirmLabel={t("learnerRecords.cancelConfirm")}
        cancelLabel={t("registrations.keep")}
        confirmVariant="danger"
        onConfirm={() => cancel.target && cancel.mutation.mutate(cancel.target)}
        isPending={cancel.mutation.isPending}
      >
        <p>{t("learnerRecords.cancelText", { title: cancel.target?.title ?? "" })}</p>
        <label className={styles.field}>
          {t("learnerRecords.cancelReason")}
          <textarea className={styles.control} value={reason} onChange={(event) => setReason(event.target.value)} rows={3} />
        </label>
        {cancel.mutation.error ? <ErrorPanel error={cancel.mutation.error} /> : null}
      </ConfirmDialog>
    </section>
  );
}

export function LearnerCertificates({ learnerId, name }: { learnerId: string; name: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = useLabels();
  const certificates = useLearnerCertificates(learnerId);
  const download = useDownload();
  return (
    <section aria-labelledby="certificates-heading">
      <h2 id="certificates-heading">{t("learnerRecords.certificates")}</h2>
      <OfficeTable
        query={certificates}
        label={t("learnerRecords.certificates")}
        empty={t("learnerRecords.noCertificates")}
        headers={[t("worklist.activity"), t("learnerRecords.number"), t("learner.completed"), t("learner.credits")]}
        above={() => (
          <p>
            <Button
              variant="secondary"
              isPending={download.busy}
              onPress={() =>
                void download.start(t("learnerRecords.transcriptOf", { name }), `transcript-${learnerId}.pdf`, () =>
                  api.certificates.GET("/transcript.pdf", {
                    params: { query: { learner_id: learnerId } },
                    parseAs: "stream",
                  }),
                )
              }
            >
              {t("learnerRecords.transcript")}
            </Button>
          </p>
        )}
        row={(row) => (
          <tr key={row.certificate_id}>
            <th scope="row" className={styles.wraps}>
              {row.activity_title}
            </th>
            <td>{row.certificate_number}</td>
            <td>{formatDay(row.completed_on, lang)}</td>
            <td>{row.credits.map((c) => `${formatCredits(c.amount, lang)} ${labels.creditType(c.credit_type)}`).join("; ")}</td>
          </tr>
        )}
      />
      <DownloadStatus progress={download.progress} error={download.error} label={download.label} />
    </section>
  );
}

export function LearnerMessages({ learnerId }: { learnerId: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const messages = useLearnerMessages(learnerId);
  const resend = useConfirmed(
    learnerId,
    (id) => unwrap(api.notifications.POST("/messages/{message_id}/resend", { params: { path: { message_id: id } } })),
    (chosen) => t("learnerRecords.resent", { subject: chosen.title }),
  );
  return (
    <section aria-labelledby="messages-heading">
      <h2 id="messages-heading">{t("learnerRecords.messages")}</h2>
      <OfficeTable
        query={messages}
        label={t("learnerRecords.messages")}
        empty={t("learnerRecords.noMessages")}
        headers={[t("messages.subject"), t("messages.to"), t("messages.when"), t("messages.status"), t("officeSessions.actions")]}
        row={(message) => {
          const subject = message.subject ?? t(`messages.kinds.${message.kind}`, { defaultValue: message.kind });
          return (
            <tr key={message.id}>
              <th scope="row" className={styles.wraps}>
                {subject}
                {message.resend_of ? ` (${t("messages.copy")})` : ""}
              </th>
              <td>{message.to ?? "—"}</td>
              <td>{formatDateTime(message.sent_at ?? message.created_at, lang)}</td>
              <td className={styles.wraps}>
                <Badge tone={message.status === "sent" ? "good" : message.status === "failed" ? "bad" : "neutral"}>
                  {t(`messages.statuses.${message.status}`, { defaultValue: message.status })}
                </Badge>
                {message.status === "failed" && message.last_error ? ` ${message.last_error}` : ""}
              </td>
              <td>
                <Button
                  variant="secondary"
                  onPress={() => resend.ask({ id: message.id, title: subject })}
                  aria-label={t("learnerRecords.resend", { subject })}
                >
                  {t("messages.resend")}
                </Button>
              </td>
            </tr>
          );
        }}
      />
      <ConfirmDialog
        isOpen={resend.target !== null}
        onOpenChange={(open) => (open ? null : resend.setTarget(null))}
        title={t("learnerRecords.resendTitle")}
        confirmLabel={t("messages.resend")}
        onConfirm={() => resend.target && resend.mutation.mutate(resend.target)}
        isPending={resend.mutation.isPending}
      >
        <p>{t("learnerRecords.resendText", { subject: resend.target?.title ?? "" })}</p>
        {resend.mutation.error ? <ErrorPanel error={resend.mutation.error} /> : null}
      </ConfirmDialog>
    </section>
  );
}

/** The merges the account took part in, each with the audit's reason and what moved, and the way to merge another. */
export function LearnerMerges({ learnerId, canMerge }: { learnerId: string; canMerge: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const merges = useMerges(learnerId);
  return (
    <section aria-labelledby="merges-heading">
      <h2 id="merges-heading">{t("learnerRecords.merges")}</h2>
      {canMerge ? (
        <p>
          <Link to={`/office/learners/${learnerId}/merge`}>{t("learnerRecords.mergeInto")}</Link>
        </p>
      ) : null}
      <OfficeTable
        query={merges}
        label={t("learnerRecords.merges")}
        empty={t("learnerRecords.noMerges")}
        headers={[t("learner.when"), t("learnerRecords.mergedAway"), t("learnerRecords.survivor"), t("learnerRecords.by"), t("worklist.why")]}
        row={(merge) => (
          <tr key={merge.id}>
            <td>{formatDateTime(merge.merged_at, lang)}</td>
            <th scope="row">
              <Link to={`/office/learners/${merge.merged_user_id}`}>{merge.merged_name}</Link>
            </th>
            <td>
              <Link to={`/office/learners/${merge.surviving_user_id}`}>{merge.surviving_name}</Link>
            </td>
            <td>{merge.actor_name}</td>
            <td className={styles.wraps}>{merge.reason}</td>
          </tr>
        )}
      />
    </section>
  );
}
