// One learner as the help desk sees them, each part from the service that owns it: the profile (identity),
// registrations (catalog), claims (credit), certificates (certificates), board reports (board-reporting), claim-window
// extensions with their history (credit), the emails sent (notifications) and merges (identity). Sending a password
// reset link asks for confirmation first.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatCredits, formatDateTime, formatDay } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import styles from "./office.module.css";
import { useExtensionHistory, useLearner, useLearnerClaims, useLearnerReports } from "./queries";
import { CorrectClaim, Extensions } from "./HelpDeskActions";
import { LearnerCertificates, LearnerMerges, LearnerMessages, LearnerRegistrations } from "./LearnerRecords";
import { OfficeTable } from "./OfficeTable";

export function LearnerPage() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const learnerId = useParams().id ?? "";
  const learner = useLearner(learnerId);
  const claims = useLearnerClaims(learnerId);
  const reports = useLearnerReports(learnerId);
  const history = useExtensionHistory(learnerId);
  const [confirming, setConfirming] = useState(false);
  const reset = useMutation({
    mutationFn: () =>
      unwrap(api.identity.POST("/users/{user_id}/password-resets", { params: { path: { user_id: learnerId } } })),
    onSuccess: () => {
      setConfirming(false);
      toast(t("learner.resetSent", { to: learner.data?.email ?? "" }));
    },
    onError: () => setConfirming(false),
  });
  const name = learner.data ? [learner.data.first_name, learner.data.last_name].join(" ") : t("learner.title");
  const lang = i18n.language;
  return (
    <Page title={name} lead={t("learner.lead")}>
      <p>
        <Link to="/office/learners">{t("learner.back")}</Link>
      </p>
      <QueryState query={learner}>
        {(profile) => (
          <section aria-labelledby="profile-heading">
            <h2 id="profile-heading">{t("learner.profile")}</h2>
            <dl className={ui.facts}>
              <dt>{t("learners.name")}</dt>
              <dd>
                {[profile.first_name, profile.middle_name, profile.last_name, profile.suffix].filter(Boolean).join(" ")}
                {profile.degree ? `, ${profile.degree}` : ""}
              </dd>
              <dt>{t("learners.emails")}</dt>
              <dd>{profile.emails.join(", ") || "—"}</dd>
              <dt>{t("learners.npi")}</dt>
              <dd>{profile.npi ?? "—"}</dd>
              <dt>{t("learner.status")}</dt>
              <dd>{profile.status === "merged" ? t("learner.merged") : t("learner.active")}</dd>
            </dl>
            {reset.isError ? <ErrorPanel error={reset.error} /> : null}
            <Button variant="secondary" onPress={() => setConfirming(true)} isDisabled={profile.status === "merged"}>
              {t("learner.sendReset")}
            </Button>
          </section>
        )}
      </QueryState>

      <LearnerRegistrations learnerId={learnerId} />

      <section aria-labelledby="claims-heading">
        <h2 id="claims-heading">{t("learner.claims")}</h2>
        <OfficeTable
          query={claims}
          label={t("learner.claims")}
          empty={t("learner.noClaims")}
          headers={[t("worklist.activity"), t("learner.completed"), t("learner.credits"), t("roster.status"), t("officeSessions.actions")]}
          row={(claim) => (
            <tr key={claim.id}>
              <th scope="row" className={styles.wraps}>
                {claim.activity_title}
              </th>
              <td>{formatDay(claim.completed_on, lang)}</td>
              <td>
                {claim.credits.map((c) => `${formatCredits(c.amount, lang)} ${labels.creditType(c.credit_type)}`).join("; ")}
              </td>
              <td>
                {claim.revoked_at ? (
                  <Badge tone="neutral">{t("learner.revoked")}</Badge>
                ) : (
                  <Badge tone="good">{t("learner.valid")}</Badge>
                )}
              </td>
              <td>{claim.revoked_at ? null : <CorrectClaim learnerId={learnerId} claim={claim} />}</td>
            </tr>
          )}
        />
      </section>

      <LearnerCertificates learnerId={learnerId} name={name} />

      <section aria-labelledby="reports-heading">
        <h2 id="reports-heading">{t("worklist.title")}</h2>
        <OfficeTable
          query={reports}
          label={t("worklist.title")}
          empty={t("learner.noReports")}
          headers={[t("worklist.activity"), t("worklist.board"), t("worklist.status"), t("worklist.due")]}
          row={(report) => (
            <tr key={report.id}>
              <th scope="row" className={styles.wraps}>
                {report.activity_title}
              </th>
              <td>{report.board_code}</td>
              <td>{t(`worklist.statuses.${report.status}`, { defaultValue: report.status })}</td>
              <td>{report.due_by ? formatDay(report.due_by, lang) : "—"}</td>
            </tr>
          )}
        />
      </section>

      <section aria-labelledby="extensions-heading">
        <h2 id="extensions-heading">{t("learner.extensions")}</h2>
        <Extensions learnerId={learnerId} />
        <h3>{t("helpDesk.history")}</h3>
        <OfficeTable
          query={history}
          label={t("learner.extensions")}
          empty={t("learner.noExtensions")}
          headers={[t("learner.when"), t("worklist.activity"), t("learner.change"), t("learner.until"), t("worklist.why")]}
          row={(change) => (
            <tr key={`${change.activity_id}-${change.acted_at}-${change.action}`}>
              <td>{formatDateTime(change.acted_at, lang)}</td>
              <th scope="row" className={styles.wraps}>
                {change.activity_title}
              </th>
              <td>{t(`learner.changes.${change.action}`)}</td>
              <td>{formatDay(change.until, lang)}</td>
              <td className={styles.wraps}>{change.reason}</td>
            </tr>
          )}
        />
      </section>

      <LearnerMessages learnerId={learnerId} />
      <LearnerMerges learnerId={learnerId} canMerge={learner.data?.status !== "merged"} />

      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={t("learner.confirmReset")}
        confirmLabel={t("learner.sendReset")}
        onConfirm={() => reset.mutate()}
        isPending={reset.isPending}
      >
        <p>{t("learner.confirmResetText", { to: learner.data?.email ?? "" })}</p>
      </ConfirmDialog>
    </Page>
  );
}
