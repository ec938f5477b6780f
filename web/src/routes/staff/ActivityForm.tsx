// A coordinator creates an activity (a draft) or edits one. What a published activity may still change is the
// catalog's decision: the form shows the rest read-only and says why, and the service refuses it anyway (409).
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useController, useFieldArray, useForm, useWatch, type Control } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { Activity, ActivityCreate, ActivityFormat, ActivityUpdate } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormCheckbox, FormDateField, FormNumberField, FormSelect, FormTextField } from "../../components/form/fields";
import { applyProblem, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { useBoards } from "../../hooks/useBoards";
import { instantToLocal, localToInstant } from "../../lib/format";
import { CREDIT_TYPES, FORMATS, useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { useOfficeActivity } from "./queries";

/** The attendee categories a fee may be set for (the portal names them; the catalog takes any lower-case name). */
const CATEGORIES = ["physician", "resident", "nurse", "pharmacist", "student", "other", "guest"] as const;
/** What a published activity may still change (the catalog's rule, mirrored to show the rest read-only). */
const EDITABLE_ONCE_PUBLISHED = new Set(["description", "capacity", "fees", "registration_opens_at", "registration_closes_at"]);
/** Formats without a date: available on demand until `available_until`. */
const ON_DEMAND = new Set(["webcast", "text_based", "journal_based", "board_review", "enduring"]);

const optionalDate = z.string().nullable();
const schema = z
  .object({
    title: z.string().trim().min(1, "validation.required").max(200, "validation.tooLong"),
    format: z.string({ message: "activityForm.chooseFormat" }).min(1, "activityForm.chooseFormat"),
    description: z.string().max(5000, "validation.tooLong"),
    starts_at: optionalDate,
    ends_at: optionalDate,
    location: z.string().max(200, "validation.tooLong"),
    available_until: optionalDate,
    capacity: z.number().int("validation.wholeNumber").min(1, "activityForm.capacityRange").nullable(),
    registration_opens_at: optionalDate,
    registration_closes_at: optionalDate,
    fees: z.array(
      z.object({
        category: z.string({ message: "validation.chooseCategory" }).min(1, "validation.chooseCategory"),
        dollars: z.number({ message: "validation.required" }).min(0, "activityForm.feeRange"),
      }),
    ),
    credit_designations: z
      .array(
        z.object({
          credit_type: z.string({ message: "activityForm.chooseCreditType" }).min(1, "activityForm.chooseCreditType"),
          max_credits: z.number({ message: "validation.required" }).positive("activityForm.creditsRange"),
        }),
      )
      .min(1, "activityForm.oneDesignation"),
    claim_window_days: z.number({ message: "validation.required" }).int("validation.wholeNumber").min(1).max(3650),
    moc_boards: z.array(z.string()),
    requires_event_code: z.boolean(),
  })
  .refine((v) => !v.starts_at || !v.ends_at || v.ends_at >= v.starts_at, { path: ["ends_at"], message: "activityForm.endsBeforeStart" })
  .refine((v) => new Set(v.fees.map((f) => f.category)).size === v.fees.length, { path: ["fees"], message: "activityForm.feeTwice" });

export type ActivityValues = z.infer<typeof schema>;

const EMPTY: ActivityValues = {
  title: "",
  format: "",
  description: "",
  starts_at: null,
  ends_at: null,
  location: "",
  available_until: null,
  capacity: null,
  registration_opens_at: null,
  registration_closes_at: null,
  fees: [],
  credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: 1 }],
  claim_window_days: 30,
  moc_boards: [],
  requires_event_code: false,
};

export function valuesOf(activity: Activity): ActivityValues {
  return {
    title: activity.title,
    format: activity.format,
    description: activity.description,
    starts_at: instantToLocal(activity.starts_at),
    ends_at: instantToLocal(activity.ends_at),
    location: activity.location ?? "",
    available_until: instantToLocal(activity.available_until),
    capacity: activity.capacity ?? null,
    registration_opens_at: instantToLocal(activity.registration_opens_at),
    registration_closes_at: instantToLocal(activity.registration_closes_at),
    fees: Object.entries(activity.fees).map(([category, cents]) => ({ category, dollars: cents / 100 })),
    credit_designations: activity.credit_designations.map((d) => ({ credit_type: d.credit_type, max_credits: Number(d.max_credits) })),
    claim_window_days: activity.claim_window_days,
    moc_boards: activity.moc_boards,
    requires_event_code: activity.requires_event_code,
  };
}

/** The request body: instants from local date-times, fees in cents, credit amounts as the decimals they are. With
 * `only`, just those fields (a published activity sends what it may still change, so that a date read back to the
 * minute is not taken for a change). */
export function bodyOf(values: ActivityValues): ActivityCreate;
export function bodyOf(values: ActivityValues, only: ReadonlySet<string> | undefined): ActivityUpdate;
export function bodyOf(values: ActivityValues, only?: ReadonlySet<string>): ActivityCreate | ActivityUpdate {
  const body: ActivityCreate = {
    title: values.title,
    format: values.format as ActivityFormat,
    description: values.description,
    starts_at: localToInstant(values.starts_at),
    ends_at: localToInstant(values.ends_at),
    location: values.location.trim() || null,
    available_until: localToInstant(values.available_until),
    capacity: values.capacity,
    registration_opens_at: localToInstant(values.registration_opens_at),
    registration_closes_at: localToInstant(values.registration_closes_at),
    fees: Object.fromEntries(values.fees.map((fee) => [fee.category, Math.round(fee.dollars * 100)])),
    credit_designations: values.credit_designations.map((d) => ({ credit_type: d.credit_type, max_credits: String(d.max_credits) })),
    claim_window_days: values.claim_window_days,
    moc_boards: values.moc_boards,
    requires_event_code: values.requires_event_code,
  };
  if (!only) return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => only.has(name))) as ActivityUpdate;
}

/** Where a refusal's field goes: "fees.nurse" to that fee's row, "credit_designations.0.max_credits" as it is. */
function fieldFor(values: ActivityValues) {
  return (path: string): never | null => {
    const [head, second, third] = path.split(".");
    if (head === "fees" && second) {
      const index = values.fees.findIndex((fee) => fee.category === second);
      return (index >= 0 ? `fees.${index}.dollars` : "fees") as never;
    }
    if (head === "credit_designations" && second !== undefined) {
      return (third ? `credit_designations.${second}.${third}` : `credit_designations.${second}.credit_type`) as never;
    }
    return (head && head in EMPTY ? head : null) as never;
  };
}

export function NewActivity() {
  const { t } = useTranslation();
  return (
    <Page title={t("activityForm.newTitle")} lead={t("activityForm.newLead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <ActivityForm />
    </Page>
  );
}

export function EditActivity() {
  const { t } = useTranslation();
  const activityId = useParams().id ?? "";
  const activity = useOfficeActivity(activityId);
  return (
    <Page title={t("activityForm.editTitle", { title: activity.data?.title ?? "" })} heading={t("activityForm.editHeading")}>
      <p>
        <Link to={`/office/activities/${activityId}`}>{t("activityForm.backToActivity")}</Link>
      </p>
      <QueryState query={activity}>{(data) => <ActivityForm activity={data} />}</QueryState>
    </Page>
  );
}


function ActivityForm({ activity }: { activity?: Activity }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const boards = useBoards();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const published = activity?.status === "published";
  const locked = (name: string) => published && !EDITABLE_ONCE_PUBLISHED.has(name);
  const form = useForm<ActivityValues>({ resolver: zodResolver(schema), defaultValues: activity ? valuesOf(activity) : EMPTY });
  const format = useWatch({ control: form.control, name: "format" });
  const save = useMutation({
    mutationFn: (values: ActivityValues) =>
      activity
        ? unwrap(
            api.catalog.PATCH("/activities/{activity_id}", {
              params: { path: { activity_id: activity.id } },
              body: bodyOf(values, published ? EDITABLE_ONCE_PUBLISHED : undefined),
            }),
          )
        : unwrap(api.catalog.POST("/activities", { body: bodyOf(values) })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["office", "activity", saved.id], saved);
      void queryClient.invalidateQueries({ queryKey: ["office", "activities"] });
      toast(activity ? t("activityForm.saved") : t("activityForm.created", { title: saved.title }));
      void navigate(`/office/activities/${saved.id}`);
    },
  });
  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await save.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, fieldFor(values)));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );
  const onDemand = ON_DEMAND.has(format);
  return (
    <>
      {published ? (
        <Alert title={t("activityForm.publishedTitle")}>
          <p>{t("activityForm.published")}</p>
        </Alert>
      ) : null}
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate className={styles.form}>
        <fieldset className={styles.fieldset}>
          <legend>{t("activityForm.about")}</legend>
          <FormTextField control={form.control} name="title" label={t("activityForm.title")} isRequired maxLength={200} isDisabled={locked("title")} />
          <FormSelect
            control={form.control}
            name="format"
            label={t("activityForm.format")}
            isRequired
            isDisabled={locked("format")}
            choices={FORMATS.map((value) => ({ value, label: t(`activityForm.formats.${value}`) }))}
          />
          <FormTextField control={form.control} name="description" label={t("activityForm.description")} multiline maxLength={5000} />
          <FormTextField control={form.control} name="location" label={t("activityForm.location")} maxLength={200} isDisabled={locked("location")} />
        </fieldset>
        <fieldset className={styles.fieldset}>
          <legend>{t("activityForm.when")}</legend>
          <p className={styles.help}>{onDemand ? t("activityForm.onDemandHelp") : t("activityForm.datedHelp")}</p>
          <FormDateField control={form.control} name="starts_at" label={t("activityForm.startsAt")} withTime isDisabled={locked("starts_at")} />
          <FormDateField control={form.control} name="ends_at" label={t("activityForm.endsAt")} withTime isDisabled={locked("ends_at")} />
          <FormDateField
            control={form.control}
            name="available_until"
            label={t("activityForm.availableUntil")}
            description={t("activityForm.availableUntilHelp")}
            withTime
            isDisabled={locked("available_until")}
          />
        </fieldset>
        <fieldset className={styles.fieldset}>
          <legend>{t("activityForm.registration")}</legend>
          <FormNumberField
            control={form.control}
            name="capacity"
            label={t("activityForm.capacity")}
            description={t("activityForm.capacityHelp")}
            minValue={1}
          />
          <FormDateField control={form.control} name="registration_opens_at" label={t("activityForm.opensAt")} withTime />
          <FormDateField control={form.control} name="registration_closes_at" label={t("activityForm.closesAt")} withTime />
          <Fees control={form.control} categoryLabel={labels.category} />
        </fieldset>
        <fieldset className={styles.fieldset}>
          <legend>{t("activityForm.credit")}</legend>
          <Designations control={form.control} disabled={locked("credit_designations")} creditLabel={labels.creditType} boards={boards.data?.map((b) => b.code) ?? []} />
          <FormNumberField
            control={form.control}
            name="claim_window_days"
            label={t("activityForm.claimWindow")}
            description={t("activityForm.claimWindowHelp")}
            isRequired
            minValue={1}
            maxValue={3650}
            isDisabled={locked("claim_window_days")}
          />
          <Boards control={form.control} boards={boards.data ?? []} disabled={locked("moc_boards")} />
          <FormCheckbox control={form.control} name="requires_event_code" isDisabled={locked("requires_event_code")}>
            {t("activityForm.requiresCode")}
          </FormCheckbox>
        </fieldset>
        <Button type="submit" isPending={save.isPending}>
          {activity ? t("activityForm.save") : t("activityForm.create")}
        </Button>
      </form>
    </>
  );
}

function Fees({ control, categoryLabel }: { control: Control<ActivityValues>; categoryLabel: (c: string) => string }) {
  const { t } = useTranslation();
  const { fields, append, remove } = useFieldArray({ control, name: "fees" });
  return (
    <div className={styles.rows} role="group" aria-labelledby="fees-heading">
      <h3 id="fees-heading" className={styles.groupHeading}>
        {t("activityForm.fees")}
      </h3>
      <p className={styles.help}>{fields.length ? t("activityForm.feesHelp") : t("activityForm.noFees")}</p>
      {fields.map((item, index) => (
        <div key={item.id} className={styles.row}>
          <FormSelect
            control={control}
            name={`fees.${index}.category`}
            label={t("activityForm.category", { n: index + 1 })}
            isRequired
            choices={CATEGORIES.map((value) => ({ value, label: categoryLabel(value) }))}
          />
          <FormNumberField control={control} name={`fees.${index}.dollars`} label={t("activityForm.feeDollars", { n: index + 1 })} isRequired minValue={0} fractionDigits={2} />
          <Button variant="secondary" onPress={() => remove(index)}>
            {t("activityForm.removeFee", { n: index + 1 })}
          </Button>
        </div>
      ))}
      <Button variant="secondary" onPress={() => append({ category: "", dollars: 0 })}>
        {t("activityForm.addFee")}
      </Button>
    </div>
  );
}

function Designations({
  control,
  disabled,
  creditLabel,
  boards,
}: {
  control: Control<ActivityValues>;
  disabled: boolean;
  creditLabel: (c: string) => string;
  boards: string[];
}) {
  const { t } = useTranslation();
  const { fields, append, remove } = useFieldArray({ control, name: "credit_designations" });
  const types = [...CREDIT_TYPES, ...boards.map((board) => `MOC_${board}`)];
  return (
    <div className={styles.rows} role="group" aria-labelledby="designations-heading">
      <h3 id="designations-heading" className={styles.groupHeading}>
        {t("activityForm.designations")}
      </h3>
      <p className={styles.help}>{t("activityForm.designationsHelp")}</p>
      {fields.map((item, index) => (
        <div key={item.id} className={styles.row}>
          <FormSelect
            control={control}
            name={`credit_designations.${index}.credit_type`}
            label={t("activityForm.creditType", { n: index + 1 })}
            isRequired
            isDisabled={disabled}
            choices={types.map((value) => ({ value, label: creditLabel(value) }))}
          />
          <FormNumberField
            control={control}
            name={`credit_designations.${index}.max_credits`}
            label={t("activityForm.maxCredits", { n: index + 1 })}
            isRequired
            isDisabled={disabled}
            minValue={0.25}
            maxValue={100}
            step={0.25}
            fractionDigits={2}
          />
          {fields.length > 1 && !disabled ? (
            <Button variant="secondary" onPress={() => remove(index)}>
              {t("activityForm.removeDesignation", { n: index + 1 })}
            </Button>
          ) : null}
        </div>
      ))}
      {disabled ? null : (
        <Button variant="secondary" onPress={() => append({ credit_type: "", max_credits: 1 })}>
          {t("activityForm.addDesignation")}
        </Button>
      )}
    </div>
  );
}

function Boards({ control, boards, disabled }: { control: Control<ActivityValues>; boards: { code: string; name: string }[]; disabled: boolean }) {
  const { t } = useTranslation();
  const { field } = useController({ control, name: "moc_boards" });
  const selected = field.value;
  if (!boards.length) return null;
  return (
    <fieldset className={styles.checks} disabled={disabled}>
      <legend>{t("activityForm.boards")}</legend>
      <p className={styles.help}>{t("activityForm.boardsHelp")}</p>
      {boards.map((board) => (
        <label key={board.code} className={styles.check}>
          <input
            type="checkbox"
            checked={selected.includes(board.code)}
            onChange={(event) =>
              field.onChange(event.target.checked ? [...selected, board.code] : selected.filter((code) => code !== board.code))
            }
          />
          {board.name} ({board.code})
        </label>
      ))}
    </fieldset>
  );
}
