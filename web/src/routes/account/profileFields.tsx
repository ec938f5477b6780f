// The profile as sign-up and "edit profile" both ask for it: names, degree, profession, specialty, organisation, NPI,
// board IDs per board and birth month/day, each with why it is asked. The browser checks only the shape (required,
// length, ten digits); identity decides (e.g. the NPI check digit) and its reasons show beside these fields.

import type { Control, FieldValues, Path } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { useBoards } from "../../hooks/useBoards";
import type { Board, Profile, ProfileUpdate } from "../../api/schemas";
import { FormNumberField, FormSelect, FormTextField } from "../../components/form/fields";
import { Loading } from "../../components/Loading";
import styles from "./account.module.css";

const text = (max: number) => z.string().trim().max(max, "validation.tooLong");
const required = (max: number) => text(max).min(1, "validation.required");

export const profileShape = {
  first_name: required(100),
  middle_name: text(100),
  last_name: required(100),
  suffix: text(20),
  degree: text(100),
  profession: text(100),
  specialty: text(100),
  organisation: text(200),
  npi: z
    .string()
    .trim()
    .regex(/^(\d{10})?$/, "validation.npi"),
  phone: z
    .string()
    .trim()
    .regex(/^(\+?[0-9][0-9 ().-]{5,24})?$/, "validation.phone"),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^([A-Z]{2})?$/, "validation.country"),
  state: text(50),
  // A board's field the learner never touched holds undefined.
  board_ids: z.record(z.string(), z.string().trim().max(40, "validation.tooLong").optional()),
  birth_month: z.number().int().min(1).max(12).nullable(),
  birth_day: z.number({ error: "validation.number" }).int("validation.wholeNumber").min(1, "validation.birthDay").max(31, "validation.birthDay").nullable(),
};

export const profileSchema = z.object(profileShape);
export type ProfileValues = z.infer<typeof profileSchema>;

export const PROFILE_TEXT_FIELDS = [
  "first_name",
  "middle_name",
  "last_name",
  "suffix",
  "degree",
  "profession",
  "specialty",
  "organisation",
  "npi",
  "phone",
  "country",
  "state",
] as const;

export function emptyProfile(): ProfileValues {
  return {
    first_name: "",
    middle_name: "",
    last_name: "",
    suffix: "",
    degree: "",
    profession: "",
    specialty: "",
    organisation: "",
    npi: "",
    phone: "",
    country: "",
    state: "",
    board_ids: {},
    birth_month: null,
    birth_day: null,
  };
}

export function profileValues(profile: Profile): ProfileValues {
  const values = emptyProfile();
  for (const name of PROFILE_TEXT_FIELDS) values[name] = (profile[name] as string | null | undefined) ?? "";
  values.board_ids = { ...(profile.board_ids ?? {}) };
  values.birth_month = profile.birth_month ?? null;
  values.birth_day = profile.birth_day ?? null;
  return values;
}

/** The request body: empty answers are absent (null), never empty strings. */
export function profileBody(values: ProfileValues): ProfileUpdate {
  const body: Record<string, unknown> = {};
  for (const name of PROFILE_TEXT_FIELDS) {
    const value = values[name].trim();
    body[name] = value === "" ? null : value;
  }
  body.board_ids = Object.fromEntries(
    Object.entries(values.board_ids)
      .map(([code, id]) => [code, (id ?? "").trim()])
      .filter(([, id]) => id !== ""),
  );
  body.birth_month = values.birth_month;
  body.birth_day = values.birth_day;
  return body as ProfileUpdate;
}

/** Every form field name a profile problem can point at (board IDs by board code). */
export function profileFieldNames(boards: Board[]): string[] {
  return [...PROFILE_TEXT_FIELDS, "birth_month", "birth_day", ...boards.map((b) => `board_ids.${b.code}`)];
}

interface Props<T extends FieldValues> {
  control: Control<T>;
  /** Field names are nested under this prefix when the form holds more than the profile. */
  prefix?: string;
}

export function ProfileFields<T extends FieldValues>({ control, prefix = "" }: Props<T>) {
  const { t } = useTranslation();
  const boards = useBoards();
  const name = (field: string) => `${prefix}${field}` as Path<T>;
  const months = Array.from({ length: 12 }, (_, i) => ({
    value: String(i + 1),
    label: new Intl.DateTimeFormat("en-US", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2000, i, 1))),
  }));
  return (
    <>
      <fieldset>
        <legend>{t("profile.nameLegend")}</legend>
        <p className={styles.hint}>{t("profile.nameHint")}</p>
        <FormTextField control={control} name={name("first_name")} label={t("profile.firstName")} autoComplete="given-name" isRequired />
        <FormTextField control={control} name={name("middle_name")} label={t("profile.middleName")} autoComplete="additional-name" />
        <FormTextField control={control} name={name("last_name")} label={t("profile.lastName")} autoComplete="family-name" isRequired />
        <FormTextField control={control} name={name("suffix")} label={t("profile.suffix")} autoComplete="honorific-suffix" />
        <FormTextField
          control={control}
          name={name("degree")}
          label={t("profile.degree")}
          description={t("profile.degreeHint")}
        />
      </fieldset>
      <fieldset>
        <legend>{t("profile.workLegend")}</legend>
        <FormTextField
          control={control}
          name={name("profession")}
          label={t("profile.profession")}
          description={t("profile.professionHint")}
        />
        <FormTextField control={control} name={name("specialty")} label={t("profile.specialty")} />
        <FormTextField control={control} name={name("organisation")} label={t("profile.organisation")} autoComplete="organization" />
        <FormTextField
          control={control}
          name={name("npi")}
          label={t("profile.npi")}
          description={t("profile.npiHint")}
          inputMode="numeric"
          maxLength={10}
        />
        <FormTextField control={control} name={name("phone")} label={t("profile.phone")} type="tel" autoComplete="tel" />
        <FormTextField
          control={control}
          name={name("country")}
          label={t("profile.country")}
          description={t("profile.countryHint")}
          autoComplete="country"
          maxLength={2}
        />
        <FormTextField control={control} name={name("state")} label={t("profile.state")} autoComplete="address-level1" />
      </fieldset>
      <fieldset id="board-ids" tabIndex={-1} className={styles.anchorTarget}>
        <legend>{t("profile.boardsLegend")}</legend>
        <p className={styles.hint}>{t("profile.boardsWhy")}</p>
        {boards.isPending ? <Loading /> : null}
        {boards.isError ? <p>{t("profile.boardsUnavailable")}</p> : null}
        {boards.data?.map((board) => (
          <FormTextField
            key={board.code}
            control={control}
            name={name(`board_ids.${board.code}`)}
            label={t("profile.boardId", { board: board.name, code: board.code })}
            description={board.mode === "self_report" ? t("profile.selfReportBoard") : undefined}
            id={`board-id-${board.code}`}
          />
        ))}
      </fieldset>
      <fieldset id="birth-date" tabIndex={-1} className={styles.anchorTarget}>
        <legend>{t("profile.birthLegend")}</legend>
        <p className={styles.hint}>{t("profile.birthWhy")}</p>
        <div className={styles.row}>
          <FormSelect control={control} name={name("birth_month")} label={t("profile.birthMonth")} choices={months} numeric />
          <FormNumberField
            control={control}
            name={name("birth_day")}
            label={t("profile.birthDay")}
            minValue={1}
            maxValue={31}
            step={1}
          />
        </div>
      </fieldset>
    </>
  );
}
