// What the help desk does for a learner from their page: correct a claim (credit revokes it and issues the corrected
// one, so the certificate is reissued), and grant or withdraw a claim-window extension. Each asks for a reason and
// is confirmed; the services check the role and the rules, this page only shows their answer.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { toast } from "../../components/Toasts";
import { formatDate, formatDay, todayIso } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";
import { useActivitiesByTitle, useExtensionsInForce } from "./queries";
import { SearchField } from "./SearchField";

interface ClaimToCorrect {
  id: string;
  activity_title: string;
  credits: { credit_type: string; amount: string | number }[];
}

/** "Correct" on a claim: the corrected amounts and a reason, confirmed in a dialog. */
export function CorrectClaim({ learnerId, claim }: { learnerId: string; claim: ClaimToCorrect }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  const correct = useMutation({
    mutationFn: () =>
      unwrap(
        api.credit.POST("/claims/{claim_id}/correction", {
          params: { path: { claim_id: claim.id } },
          body: { credits: amounts, reason },
        }),
      ),
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ["office", "learner", learnerId] });
      toast(t("helpDesk.corrected", { title: claim.activity_title }));
    },
  });
  const start = () => {
    setAmounts(Object.fromEntries(claim.credits.map((c) => [c.credit_type, String(c.amount)])));
    setReason("");
    correct.reset();
    setOpen(true);
  };
  return (
    <>
      <Button variant="secondary" onPress={start} aria-label={t("helpDesk.correct", { title: claim.activity_title })}>
        {t("helpDesk.correctShort")}
      </Button>
      <ConfirmDialog
        isOpen={open}
        onOpenChange={setOpen}
        title={t("helpDesk.correctTitle", { title: claim.activity_title })}
        confirmLabel={t("helpDesk.correctConfirm")}
        onConfirm={() => correct.mutate()}
        isPending={correct.isPending}
      >
        <p>{t("helpDesk.correctLead")}</p>
        {Object.entries(amounts).map(([type, amount]) => (
          <label key={type} className={styles.field}>
            {labels.creditType(type)}
            <input
              className={styles.control}
              inputMode="decimal"
              value={amount}
              onChange={(event) => setAmounts({ ...amounts, [type]: event.target.value })}
            />
          </label>
        ))}
        <label className={styles.field}>
          {t("helpDesk.reason")}
          <textarea className={styles.control} value={reason} onChange={(event) => setReason(event.target.value)} rows={3} />
        </label>
        {correct.error ? <ErrorPanel error={correct.error} /> : null}
      </ConfirmDialog>
    </>
  );
}



/** The extensions in force (withdraw one) and a form to grant one for an activity found by its title. */
export function Extensions({ learnerId }: { learnerId: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const inForce = useExtensionsInForce(learnerId);
  const [withdrawing, setWithdrawing] = useState<{ activity_id: string; activity_title: string } | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["office", "learner", learnerId] });
  const withdraw = useMutation({
    mutationFn: (activityId: string) =>
      unwrap(
        api.credit.DELETE("/learners/{learner_id}/extensions/{activity_id}", {
          params: { path: { learner_id: learnerId, activity_id: activityId } },
        }),
      ),
    onSuccess: () => {
      setWithdrawing(null);
      refresh();
      toast(t("helpDesk.withdrawn"));
    },
  });
  return (
    <>
      <h3>{t("helpDesk.inForce")}</h3>
      <OfficeTable
        query={inForce}
        label={t("helpDesk.inForce")}
        empty={t("helpDesk.noneInForce")}
        headers={[t("worklist.activity"), t("learner.until"), t("worklist.why"), t("officeSessions.actions")]}
        row={(extension) => (
          <tr key={extension.activity_id}>
            <th scope="row" className={styles.wraps}>
              {extension.activity_title}
            </th>
            <td>{formatDay(extension.until, i18n.language)}</td>
            <td className={styles.wraps}>{extension.reason}</td>
            <td>
              <Button
                variant="secondary"
                onPress={() => setWithdrawing(extension)}
                aria-label={t("helpDesk.withdraw", { title: extension.activity_title })}
              >
                {t("helpDesk.withdrawConfirm")}
              </Button>
            </td>
          </tr>
        )}
      />
      <GrantExtension learnerId={learnerId} onGranted={refresh} />
      <ConfirmDialog
        isOpen={withdrawing !== null}
        onOpenChange={(open) => (open ? undefined : setWithdrawing(null))}
        title={t("helpDesk.withdrawTitle")}
        confirmLabel={t("helpDesk.withdrawConfirm")}
        confirmVariant="danger"
        onConfirm={() => withdrawing && withdraw.mutate(withdrawing.activity_id)}
        isPending={withdraw.isPending}
      >
        <p>{withdrawing ? t("helpDesk.withdrawText", { title: withdrawing.activity_title }) : null}</p>
        {withdraw.error ? <ErrorPanel error={withdraw.error} /> : null}
      </ConfirmDialog>
    </>
  );
}

function GrantExtension({ learnerId, onGranted }: { learnerId: string; onGranted: () => void }) {
  const { t } = useTranslation();
  const [activity, setActivity] = useState<{ id: string; title: string } | null>(null);
  const [until, setUntil] = useState("");
  const [reason, setReason] = useState("");
  const grant = useMutation({
    mutationFn: () =>
      unwrap(
        api.credit.PUT("/learners/{learner_id}/extensions/{activity_id}", {
          params: { path: { learner_id: learnerId, activity_id: activity?.id ?? "" } },
          body: { until, reason },
        }),
      ),
    onSuccess: (granted) => {
      onGranted();
      setActivity(null);
      setUntil("");
      setReason("");
      toast(t("helpDesk.granted", { title: granted.activity_title }));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    grant.mutate();
  };
  return (
    <section aria-labelledby="grant-heading">
      <h3 id="grant-heading">{t("helpDesk.grantHeading")}</h3>
      {activity ? (
        <form onSubmit={submit} className={styles.form} noValidate>
          <p>
            {t("helpDesk.grantFor", { title: activity.title })}{" "}
            <Button variant="quiet" onPress={() => setActivity(null)}>
              {t("helpDesk.otherActivity")}
            </Button>
          </p>
          <label className={styles.field}>
            {t("helpDesk.until")}
            <input className={styles.control} type="date" min={todayIso()} value={until} onChange={(event) => setUntil(event.target.value)} />
          </label>
          <label className={styles.field}>
            {t("helpDesk.reason")}
            <textarea className={styles.control} value={reason} onChange={(event) => setReason(event.target.value)} rows={3} />
          </label>
          {grant.error ? <ErrorPanel error={grant.error} /> : null}
          <Button type="submit" isPending={grant.isPending}>
            {t("helpDesk.grant")}
          </Button>
        </form>
      ) : (
        <ActivityPicker onChoose={setActivity} />
      )}
    </section>
  );
}

/** An activity found by its title (current and upcoming first, then past ones), chosen from a table. */
export function ActivityPicker({ onChoose }: { onChoose: (activity: { id: string; title: string }) => void }) {
  const { t, i18n } = useTranslation();
  const [q, setQ] = useState("");
  const found = useActivitiesByTitle(q);
  return (
    <>
      <SearchField label={t("helpDesk.findActivity")} value={q} onChange={setQ} />
      {q.trim().length >= 2 ? (
        <OfficeTable
          query={found}
          label={t("helpDesk.activitiesFound")}
          empty={t("office.noActivities")}
          headers={[t("worklist.activity"), t("learners.starts"), t("officeSessions.actions")]}
          row={(item) => (
            <tr key={item.id}>
              <th scope="row" className={styles.wraps}>
                {item.title}
              </th>
              <td>{formatDate(item.starts_at, i18n.language) || "—"}</td>
              <td>
                <Button
                  variant="secondary"
                  onPress={() => onChoose({ id: item.id, title: item.title })}
                  aria-label={t("helpDesk.choose", { title: item.title })}
                >
                  {t("helpDesk.chooseShort")}
                </Button>
              </td>
            </tr>
          )}
        />
      ) : null}
    </>
  );
}
