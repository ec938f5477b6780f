// Claiming credit: the evaluation, the credit per type (0.25 steps up to each maximum), and MOC reporting per board
// with the learner's permission to share, in words. What is typed is kept as a draft (this tab, this learner, this
// activity) so a refresh or a sign-in after the session ended loses nothing. The credit service decides; when it
// refuses, its reason shows beside the field it names, or at the top.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useForm, useWatch, type Path } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { Board, Claim, Claimable, ClaimRequest, Profile } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Button, ButtonLink } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormCheckbox, FormDateField, FormNumberField, FormRadioGroup, FormTextField } from "../../components/form/fields";
import { applyProblem, type FormProblem } from "../../components/form/problem";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useAuth } from "../../hooks/useAuth";
import { useOrganisation } from "../../hooks/useOrganisation";
import { clearDraft, draftKey, loadDraft, saveDraft } from "../../lib/drafts";
import { useIdempotencyKeys } from "../../lib/idempotency";
import { noteClaimed } from "../../lib/pending";
import { formatCredits, formatDay } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import { useBoards } from "../../hooks/useBoards";
import { useProfile } from "../account/Profile";
import { EventCodeForm } from "../catalog/EventCode";
import { useActivity, useClaimable } from "../catalog/queries";
import ui from "../../components/ui.module.css";

const WAIT_FOR_CLAIMABLE_MS = 20_000;

const yesNo = z.enum(["yes", "no"], { error: "validation.choose" }).nullable();

export const claimSchema = z.object({
  evaluation: z.object({
    overall_rating: z
      .number()
      .int()
      .min(1)
      .max(5)
      .nullable()
      .refine((v): boolean => v !== null, "validation.chooseRating"),
    objectives_met: yesNo.refine((v): boolean => v !== null, "validation.choose"),
    free_of_commercial_bias: yesNo.refine((v): boolean => v !== null, "validation.choose"),
    will_change_practice: z.enum(["yes", "no", "unsure"]).nullable(),
    comments: z.string().max(2000, "validation.tooLong"),
  }),
  credits: z.record(z.string(), z.number().nullable()),
  moc: z.record(z.string(), z.boolean()),
  share_permission: z.boolean(),
  /** Enduring and online material: the day the learner completed it (null: the claim's day). */
  completed_on: z.string().nullable(),
});
export type ClaimValues = z.infer<typeof claimSchema>;

type ClaimShape = Pick<Claimable, "designations" | "moc_boards"> & Partial<Pick<Claimable, "completed_on" | "completed_on_editable">>;

export function emptyClaim(item: ClaimShape): ClaimValues {
  return {
    evaluation: {
      overall_rating: null,
      objectives_met: null,
      free_of_commercial_bias: null,
      will_change_practice: null,
      comments: "",
    },
    credits: Object.fromEntries(Object.keys(item.designations).map((type) => [type, null])),
    moc: Object.fromEntries(item.moc_boards.map((board) => [board, false])),
    share_permission: false,
    completed_on: item.completed_on_editable ? (item.completed_on ?? null) : null,
  };
}

/** A restored draft, kept only where it still fits the activity (its credit types and boards). */
export function restoreDraft(item: ClaimShape, draft: ClaimValues | null): ClaimValues {
  const empty = emptyClaim(item);
  if (!draft) return empty;
  return {
    evaluation: { ...empty.evaluation, ...draft.evaluation },
    credits: Object.fromEntries(Object.keys(empty.credits).map((type) => [type, draft.credits?.[type] ?? null])),
    moc: Object.fromEntries(Object.keys(empty.moc).map((board) => [board, draft.moc?.[board] ?? false])),
    share_permission: draft.share_permission ?? false,
    completed_on: item.completed_on_editable ? (draft.completed_on ?? empty.completed_on) : null,
  };
}

export function claimBody(activityId: string, values: ClaimValues): ClaimRequest {
  const credits: Record<string, string> = {};
  for (const [type, amount] of Object.entries(values.credits)) {
    if (amount !== null && amount !== undefined && !Number.isNaN(amount) && amount > 0) credits[type] = amount.toFixed(2);
  }
  const e = values.evaluation;
  return {
    activity_id: activityId,
    credits,
    evaluation: {
      overall_rating: e.overall_rating ?? 0,
      objectives_met: e.objectives_met === "yes",
      free_of_commercial_bias: e.free_of_commercial_bias === "yes",
      will_change_practice: e.will_change_practice === null ? null : e.will_change_practice === "yes" ? true : e.will_change_practice === "no" ? false : null,
      comments: e.comments.trim(),
    },
    moc_boards: Object.entries(values.moc)
      .filter(([, chosen]) => chosen)
      .map(([board]) => board),
    share_permission: values.share_permission,
    ...(values.completed_on ? { completed_on: values.completed_on } : {}),
  };
}

/** Where a claim problem's field goes on this form; null: at the top. */
export function claimFieldFor(item: ClaimShape) {
  return (path: string): Path<ClaimValues> | null => {
    if (path.startsWith("credits.") && path.slice(8) in item.designations) return path as Path<ClaimValues>;
    if (path.startsWith("evaluation.") && ["overall_rating", "objectives_met", "free_of_commercial_bias", "will_change_practice", "comments"].includes(path.slice(11))) {
      return path as Path<ClaimValues>;
    }
    if (path === "share_permission") return "share_permission";
    if (path === "completed_on" && item.completed_on_editable) return "completed_on";
    if (path === "moc_boards" && item.moc_boards[0]) return `moc.${item.moc_boards[0]}` as Path<ClaimValues>;
    return null;
  };
}

export function ClaimPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const [claimed, setClaimed] = useState<Claim | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setGaveUp(true), WAIT_FOR_CLAIMABLE_MS);
    return () => clearTimeout(timer);
  }, [id]);
  // Attendance or a registration reaches the credit service a moment after it is recorded: ask again for a while.
  const claimable = useClaimable(true, (list) => !claimed && !gaveUp && !list?.some((c) => c.activity_id === id));
  const item = claimable.data?.find((c) => c.activity_id === id);
  const title = item ? t("claim.title", { title: item.title }) : t("claim.titleGeneric");
  return (
    <Page title={claimed ? t("claim.doneTitle") : title} lead={claimed ? undefined : t("claim.lead")}>
      {claimed ? (
        <Claimed claim={claimed} />
      ) : (
        <QueryState query={claimable}>
          {() =>
            item ? (
              <ClaimForm item={item} onClaimed={setClaimed} />
            ) : !gaveUp ? (
              <Loading label={t("claim.checking")} />
            ) : (
              <NotClaimable id={id} />
            )
          }
        </QueryState>
      )}
    </Page>
  );
}

function NotClaimable({ id }: { id: string }) {
  const { t } = useTranslation();
  const activity = useActivity(id);
  return (
    <>
      <Alert tone="warning" title={t("claim.notNow")}>
        {activity.data ? <p>{activity.data.title}</p> : null}
        <ul>
          <li>
            {t("claims.missingEmail")} <Link to="/account/emails">{t("claims.addEmail")}</Link>
          </li>
          <li>{t("claims.missingWindow")}</li>
          <li>
            {t("claim.alreadyClaimed")} <Link to="/certificates">{t("nav.certificates")}</Link>
          </li>
        </ul>
      </Alert>
      {activity.data?.requires_event_code ? (
        <>
          <h2>{t("activity.eventCodeTitle")}</h2>
          <EventCodeForm />
        </>
      ) : null}
    </>
  );
}

function ClaimForm({ item, onClaimed }: { item: Claimable; onClaimed: (claim: Claim) => void }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const { user } = useAuth();
  const queryClient = useQueryClient();
  const boards = useBoards();
  const profile = useProfile();
  const organisation = useOrganisation().data;
  const key = draftKey(user?.sub ?? "anonymous", "claim", item.activity_id);
  const initial = useMemo(() => loadDraft<ClaimValues>(key), [key]);
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<ClaimValues>({ resolver: zodResolver(claimSchema), defaultValues: restoreDraft(item, initial) });

  useEffect(() => {
    const subscription = form.watch((values) => saveDraft(key, values));
    return () => subscription.unsubscribe();
  }, [form, key]);

  const moc = useWatch({ control: form.control, name: "moc" });
  const chosenBoards = Object.entries(moc ?? {})
    .filter(([, chosen]) => chosen)
    .map(([code]) => code);

  const keys = useIdempotencyKeys();
  const claim = useMutation({
    mutationFn: (values: ClaimValues) => {
      const body = claimBody(item.activity_id, values);
      return unwrap(api.credit.POST("/claims", { body, params: { header: { "Idempotency-Key": keys.keyFor(body) } } }));
    },
    onSuccess: (result) => {
      keys.answered();
      clearDraft(key);
      noteClaimed(item.activity_id, item.title);
      for (const query of ["claimable", "certificates", "transcript", "reports"]) {
        void queryClient.invalidateQueries({ queryKey: [query] });
      }
      onClaimed(result);
    },
  });

  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await claim.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, claimFieldFor(item)));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );

  const yesNoChoices = [
    { value: "yes", label: t("common.yes") },
    { value: "no", label: t("common.no") },
  ];
  const boardName = (code: string) => boards.data?.find((b) => b.code === code)?.name ?? code;

  return (
    <>
      <p>
        {labels.format(item.format)} · {t("claims.completedOn", { date: formatDay(item.completed_on, i18n.language) })} ·{" "}
        <strong>{t("claims.closes", { date: formatDay(item.window_closes, i18n.language) })}</strong>
      </p>
      {initial ? (
        <Alert role="status" title={t("claim.restored")}>
          <p>{t("claim.restoredBody")}</p>
        </Alert>
      ) : null}
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <fieldset>
          <legend>{t("claim.evaluationLegend")}</legend>
          <p className={ui.muted}>{t("claim.evaluationWhy")}</p>
          <FormRadioGroup
            control={form.control}
            name="evaluation.overall_rating"
            label={t("claim.rating")}
            orientation="horizontal"
            numeric
            isRequired
            choices={[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: t(`claim.ratings.${n}`) }))}
          />
          <FormRadioGroup control={form.control} name="evaluation.objectives_met" label={t("claim.objectives")} orientation="horizontal" isRequired choices={yesNoChoices} />
          <FormRadioGroup
            control={form.control}
            name="evaluation.free_of_commercial_bias"
            label={t("claim.bias")}
            description={t("claim.biasHint")}
            orientation="horizontal"
            isRequired
            choices={yesNoChoices}
          />
          <FormRadioGroup
            control={form.control}
            name="evaluation.will_change_practice"
            label={t("claim.change")}
            orientation="horizontal"
            choices={[...yesNoChoices, { value: "unsure", label: t("claim.unsure") }]}
          />
          <FormTextField control={form.control} name="evaluation.comments" label={t("claim.comments")} multiline maxLength={2000} />
        </fieldset>

        {item.completed_on_editable ? (
          <fieldset>
            <legend>{t("claim.completedLegend")}</legend>
            <FormDateField
              control={form.control}
              name="completed_on"
              label={t("claim.completedOn")}
              description={t("claim.completedHint")}
              minValue={item.completed_on_earliest}
              maxValue={item.completed_on}
              isRequired
            />
          </fieldset>
        ) : null}

        <fieldset>
          <legend>{t("claim.creditLegend")}</legend>
          <p className={ui.muted}>{t("claim.creditWhy")}</p>
          {Object.entries(item.designations).map(([type, max]) => (
            <FormNumberField
              key={type}
              control={form.control}
              name={`credits.${type}` as Path<ClaimValues>}
              label={labels.creditType(type)}
              description={
                <>
                  {statementOf(item, type) ? <span className={ui.block}>{statementOf(item, type)}</span> : null}
                  {t("claim.creditHint", { max: formatCredits(max, i18n.language) })}
                </>
              }
              minValue={0}
              maxValue={Number(max)}
              step={0.25}
              fractionDigits={2}
              incrementLabel={t("claim.increase")}
              decrementLabel={t("claim.decrease")}
            />
          ))}
        </fieldset>

        {item.moc_boards.length ? (
          <fieldset>
            <legend>{t("claim.mocLegend")}</legend>
            <p className={ui.muted}>{t("claim.mocWhy")}</p>
            {item.moc_boards.map((code) => (
              <FormCheckbox
                key={code}
                control={form.control}
                name={`moc.${code}` as Path<ClaimValues>}
                description={selfReport(boards.data, code) ? t("claim.selfReport") : undefined}
              >
                {t("claim.reportTo", { board: boardName(code), code })}
              </FormCheckbox>
            ))}
            <FormCheckbox control={form.control} name="share_permission" description={t("claim.shareHint")}>
              {t("claim.share", { organisation: organisation?.name ?? t("claim.us") })}
            </FormCheckbox>
            <MissingForBoards profile={profile.data} boards={chosenBoards} boardName={boardName} />
          </fieldset>
        ) : null}

        <Button type="submit" isPending={claim.isPending}>
          {t("claim.submit")}
        </Button>
        {claim.isPending ? <Loading label={t("claim.sending")} /> : null}
      </form>
    </>
  );
}

function statementOf(item: Claimable, type: string): string | undefined {
  return item.credit_designations?.find((d) => d.credit_type === type)?.statement;
}

function selfReport(boards: Board[] | undefined, code: string): boolean {
  return boards?.find((b) => b.code === code)?.mode === "self_report";
}

/** Explains, before claiming, that a report will wait for a missing board ID or birth date (board-reporting holds it). */
function MissingForBoards({ profile, boards, boardName }: { profile: Profile | undefined; boards: string[]; boardName: (code: string) => string }) {
  const { t } = useTranslation();
  if (!profile || boards.length === 0) return null;
  const missingIds = boards.filter((code) => !profile.board_ids?.[code]);
  const missingBirth = !profile.birth_month || !profile.birth_day;
  if (!missingIds.length && !missingBirth) return null;
  return (
    <Alert tone="warning" title={t("claim.profileMissing")}>
      <ul>
        {missingIds.map((code) => (
          <li key={code}>
            {t("claim.missingBoardId", { board: boardName(code) })} <Link to={`/profile#board-id-${code}`}>{t("claim.addInProfile")}</Link>
          </li>
        ))}
        {missingBirth ? (
          <li>
            {t("claim.missingBirth")} <Link to="/profile#birth-date">{t("claim.addInProfile")}</Link>
          </li>
        ) : null}
      </ul>
    </Alert>
  );
}

function Claimed({ claim }: { claim: Claim }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  return (
    <>
      <Alert tone="success" role="status" title={t("claim.done", { title: claim.activity_title })}>
        <ul>
          {claim.credits.map((credit) => (
            <li key={credit.credit_type}>
              {formatCredits(credit.amount, i18n.language)} {labels.creditType(credit.credit_type)}
            </li>
          ))}
        </ul>
      </Alert>
      <p>{t("claim.certificateSoon")}</p>
      {claim.moc_boards.length ? <p>{t("claim.reportSoon", { boards: claim.moc_boards.join(", ") })}</p> : null}
      <div className={ui.actions}>
        <ButtonLink to="/certificates">{t("nav.certificates")}</ButtonLink>
        {claim.moc_boards.length ? (
          <ButtonLink to="/board-reports" variant="secondary">
            {t("account.links.boardReports.title")}
          </ButtonLink>
        ) : null}
        <ButtonLink to="/claims" variant="secondary">
          {t("claim.more")}
        </ButtonLink>
      </div>
    </>
  );
}
