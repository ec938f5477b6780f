// Merging a duplicate account into the one whose page this is (the help desk). The duplicate is found by name, email,
// NPI or board ID; a side-by-side preview shows what each account holds in every service and what identity would
// fill, keep or drop; a reason is required and the merge is confirmed once more, because it cannot be undone. Identity
// refuses merges that make no sense (the preview already says so) and tells every service to move its records.
import { useMutation, useQuery, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import ui from "../../components/ui.module.css";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";
import {
  useLearner,
  useLearnerCertificates,
  useLearnerClaims,
  useLearnerRegistrations,
  useLearnerReports,
  useLearnerSearch,
} from "./queries";
import { SearchField } from "./SearchField";

type Profile = NonNullable<ReturnType<typeof useLearner>["data"]>;

const fullName = (p: Profile) => [p.first_name, p.middle_name, p.last_name, p.suffix].filter(Boolean).join(" ");

export function MergeAccounts() {
  const { t } = useTranslation();
  const survivorId = useParams().id ?? "";
  const survivor = useLearner(survivorId);
  const [duplicateId, setDuplicateId] = useState<string | null>(null);
  return (
    <Page title={t("merge.title")} lead={t("merge.lead")}>
      <p>
        <Link to={`/office/learners/${survivorId}`}>{t("merge.back")}</Link>
      </p>
      <QueryState query={survivor}>
        {(kept) =>
          duplicateId === null ? (
            <ChooseDuplicate survivor={kept} onChoose={setDuplicateId} />
          ) : (
            <Preview survivor={kept} duplicateId={duplicateId} onAnother={() => setDuplicateId(null)} />
          )
        }
      </QueryState>
    </Page>
  );
}

function ChooseDuplicate({ survivor, onChoose }: { survivor: Profile; onChoose: (id: string) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const results = useLearnerSearch(q);
  return (
    <section aria-labelledby="find-duplicate">
      <h2 id="find-duplicate">{t("merge.findHeading", { name: fullName(survivor) })}</h2>
      <SearchField label={t("learners.search")} value={q} onChange={setQ} />
      {q.trim().length < 2 ? (
        <p>{t("learners.hint")}</p>
      ) : (
        <OfficeTable
          query={results}
          keep={(learner) => learner.id !== survivor.id}
          label={t("learners.found")}
          empty={t("learners.none")}
          headers={[t("learners.name"), t("learners.emails"), t("learners.npi"), t("officeSessions.actions")]}
          row={(learner) => (
            <tr key={learner.id}>
              <th scope="row">
                {learner.name}
                {learner.degree ? `, ${learner.degree}` : ""}
              </th>
              <td>{learner.emails.join(", ")}</td>
              <td>{learner.npi ?? "—"}</td>
              <td>
                <Button variant="secondary" onPress={() => onChoose(learner.id)} aria-label={t("merge.choose", { name: learner.name })}>
                  {t("merge.chooseShort")}
                </Button>
              </td>
            </tr>
          )}
        />
      )}
    </section>
  );
}

/** What one account holds in one service, by activity: for the duplicate, what moves. */
function Holding<T>({ label, query, title }: { label: string; query: UseQueryResult<T[]>; title: (item: T) => string }) {
  const { t } = useTranslation();
  return (
    <>
      <h4>{t("merge.holding", { what: label, count: query.data?.length ?? 0 })}</h4>
      <QueryState query={query}>
        {(items) =>
          items.length === 0 ? (
            <p>{t("merge.nothing")}</p>
          ) : (
            <ul aria-label={label}>
              {items.map((item, i) => (
                <li key={i}>{title(item)}</li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </>
  );
}

function Holdings({ learnerId }: { learnerId: string }) {
  const { t } = useTranslation();
  const byTitle = (item: { activity_title: string }) => item.activity_title;
  return (
    <>
      <Holding
        label={t("learnerRecords.registrations")}
        query={useLearnerRegistrations(learnerId)}
        title={(r) => (r.status === "cancelled" ? t("merge.cancelled", { title: r.activity_title }) : r.activity_title)}
      />
      <Holding label={t("learner.claims")} query={useLearnerClaims(learnerId)} title={byTitle} />
      <Holding label={t("learnerRecords.certificates")} query={useLearnerCertificates(learnerId)} title={byTitle} />
      <Holding
        label={t("worklist.title")}
        query={useLearnerReports(learnerId)}
        title={(report) => `${report.activity_title} (${report.board_code})`}
      />
    </>
  );
}

function Account({ profile, heading }: { profile: Profile; heading: string }) {
  const { t } = useTranslation();
  return (
    <section aria-label={heading} className={styles.side}>
      <h3>{heading}</h3>
      <dl className={ui.facts}>
        <dt>{t("learners.name")}</dt>
        <dd>
          {fullName(profile)}
          {profile.degree ? `, ${profile.degree}` : ""}
        </dd>
        <dt>{t("learners.emails")}</dt>
        <dd>{profile.emails.join(", ") || "—"}</dd>
        <dt>{t("learners.npi")}</dt>
        <dd>{profile.npi ?? "—"}</dd>
        <dt>{t("learners.boardIds")}</dt>
        <dd>
          {Object.entries(profile.board_ids ?? {})
            .map(([board, id]) => `${board} ${id}`)
            .join(", ") || "—"}
        </dd>
      </dl>
      <Holdings learnerId={profile.id} />
    </section>
  );
}

function Preview({ survivor, duplicateId, onAnother }: { survivor: Profile; duplicateId: string; onAnother: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const duplicate = useLearner(duplicateId);
  const [reason, setReason] = useState("");
  const [missingReason, setMissingReason] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const pair = { surviving_user_id: survivor.id, merged_user_id: duplicateId };
  const preview = useQuery({
    queryKey: ["office", "merge-preview", pair],
    queryFn: () => unwrap(api.identity.POST("/merges/preview", { body: pair })),
    retry: false,
  });
  const merge = useMutation({
    mutationFn: () => unwrap(api.identity.POST("/merges", { body: { ...pair, reason: reason.trim() } })),
    onSuccess: () => {
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["office"] });
      toast(t("merge.done"));
      void navigate(`/office/learners/${survivor.id}`);
    },
    onError: () => setConfirming(false),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const blank = reason.trim().length === 0;
    setMissingReason(blank);
    if (!blank) setConfirming(true);
  };
  return (
    <>
      <p>
        <Button variant="quiet" onPress={onAnother}>
          {t("merge.another")}
        </Button>
      </p>
      <QueryState query={preview}>
        {(plan) => (
          <section aria-labelledby="what-changes">
            <h2 id="what-changes">{t("merge.changes")}</h2>
            <ul>
              {plan.moving_emails.map((e) => (
                <li key={e.email}>{t(e.verified ? "merge.emailVerified" : "merge.emailUnverified", { email: e.email })}</li>
              ))}
              {plan.filled.map((field) => (
                <li key={field}>{t("merge.filled", { field: t(`merge.fields.${field}`, { defaultValue: field }) })}</li>
              ))}
              {Object.entries(plan.conflicts).map(([field, values]) => (
                <li key={field}>
                  {t("merge.conflict", {
                    field: t(`merge.fields.${field}`, { defaultValue: field }),
                    kept: String(values.kept),
                    dropped: String(values.dropped),
                  })}
                </li>
              ))}
              {plan.boards_added.map((board) => (
                <li key={board}>{t("merge.boardAdded", { board })}</li>
              ))}
              {Object.entries(plan.board_id_conflicts).map(([board, ids]) => (
                <li key={board}>{t("merge.boardConflict", { board, kept: ids.kept, dropped: ids.dropped })}</li>
              ))}
              {plan.roles_not_carried_over.length > 0 ? (
                <li>{t("merge.roles", { roles: plan.roles_not_carried_over.join(", ") })}</li>
              ) : null}
              <li>{t("merge.sessions", { count: plan.sessions_to_end })}</li>
              <li>{t("merge.records")}</li>
            </ul>
          </section>
        )}
      </QueryState>
      <div className={styles.sideBySide}>
        <Account profile={survivor} heading={t("merge.stays")} />
        <QueryState query={duplicate}>{(merged) => <Account profile={merged} heading={t("merge.goes")} />}</QueryState>
      </div>
      {preview.isSuccess ? (
        <form onSubmit={submit} className={styles.form} noValidate>
          <label className={styles.field}>
            {t("merge.reason")}
            <textarea
              className={styles.control}
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              rows={3}
              required
              aria-invalid={missingReason}
              aria-describedby={missingReason ? "reason-error" : undefined}
            />
          </label>
          {missingReason ? (
            <p id="reason-error" className={styles.errorText}>
              {t("merge.reasonNeeded")}
            </p>
          ) : null}
          {merge.error ? <ErrorPanel error={merge.error} /> : null}
          <Button type="submit" variant="danger">
            {t("merge.submit")}
          </Button>
        </form>
      ) : null}
      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={t("merge.confirmTitle")}
        confirmLabel={t("merge.confirm")}
        confirmVariant="danger"
        onConfirm={() => merge.mutate()}
        isPending={merge.isPending}
        alert
      >
        <p>
          {t("merge.confirmText", {
            merged: duplicate.data ? fullName(duplicate.data) : "",
            survivor: fullName(survivor),
          })}
        </p>
      </ConfirmDialog>
    </>
  );
}
