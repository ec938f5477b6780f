// An administrator edits the organisation's settings: what the portal's footer, error pages and every email show.
// Identity stores them and tells the other services; the next page load and the next email use them.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useController, useForm, type Control } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { Organisation } from "../../api/extra";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { useOrganisation } from "../../hooks/useOrganisation";
import { formatDateTime } from "../../lib/format";
import styles from "./office.module.css";

const schema = z.object({
  name: z.string().trim().min(1, "validation.required").max(200, "validation.tooLong"),
  address: z.string().max(500, "validation.tooLong"),
  phone: z.string().trim().min(1, "validation.required").regex(/^[+0-9 ().-]+$/, "validation.phone"),
  support_email: z.string().trim().email("validation.email"),
  brand_colour: z.string().regex(/^#[0-9a-fA-F]{6}$/, "admin.colourFormat"),
});
type Values = z.infer<typeof schema>;
const NAMES = ["name", "address", "phone", "support_email", "brand_colour"] as const;

export function AdminOrganisation() {
  const { t } = useTranslation();
  const organisation = useOrganisation();
  return (
    <Page title={t("admin.organisationTitle")} lead={t("admin.organisationLead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <QueryState query={organisation}>{(data) => <OrganisationForm organisation={data} />}</QueryState>
    </Page>
  );
}

function OrganisationForm({ organisation }: { organisation: Organisation }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: organisation.name,
      address: organisation.address,
      phone: organisation.phone,
      support_email: organisation.support_email,
      brand_colour: organisation.brand_colour,
    },
  });
  const save = useMutation({
    mutationFn: (values: Values) => unwrap(api.identity.PUT("/organisation", { body: values })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["organisation"], saved); // the footer shows it at once
      form.reset(saved);
      toast(t("admin.organisationSaved"));
    },
  });
  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await save.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, sameNames<Values>(NAMES)));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );
  return (
    <>
      <p>
        {organisation.updated_at
          ? t("admin.organisationRevision", {
              revision: organisation.revision,
              at: formatDateTime(organisation.updated_at, i18n.language),
            })
          : t("admin.organisationConfigured")}
      </p>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate className={styles.form}>
        <FormTextField control={form.control} name="name" label={t("admin.orgName")} isRequired maxLength={200} />
        <FormTextField control={form.control} name="address" label={t("admin.orgAddress")} description={t("admin.orgAddressHelp")} multiline maxLength={500} />
        <FormTextField control={form.control} name="phone" label={t("admin.orgPhone")} type="tel" autoComplete="off" isRequired />
        <FormTextField control={form.control} name="support_email" label={t("admin.orgEmail")} type="email" autoComplete="off" isRequired />
        <ColourField control={form.control} />
        <Button type="submit" isPending={save.isPending}>
          {t("admin.saveOrganisation")}
        </Button>
      </form>
    </>
  );
}

/** The brand colour: a colour picker and its "#rrggbb" text side by side (the text for whoever has the code). */
function ColourField({ control }: { control: Control<Values> }) {
  const { t } = useTranslation();
  const { field, fieldState } = useController({ control, name: "brand_colour" });
  const valid = /^#[0-9a-fA-F]{6}$/.test(field.value);
  return (
    <div className={styles.field}>
      <span id="brand-colour-label">{t("admin.orgColour")}</span>
      <span className={styles.help} id="brand-colour-help">
        {t("admin.orgColourHelp")}
      </span>
      <span className={styles.row}>
        <input
          type="color"
          aria-label={t("admin.orgColourPicker")}
          value={valid ? field.value.toLowerCase() : "#000000"}
          onChange={(event) => field.onChange(event.target.value)}
          className={styles.swatch}
        />
        <input
          ref={field.ref}
          className={styles.control}
          aria-labelledby="brand-colour-label"
          aria-describedby="brand-colour-help"
          aria-invalid={fieldState.error ? true : undefined}
          value={field.value}
          onChange={(event) => field.onChange(event.target.value)}
          onBlur={field.onBlur}
          spellCheck={false}
          maxLength={7}
        />
      </span>
      {fieldState.error?.message ? (
        <span className={styles.errorText} role="alert">
          {fieldState.error.type === "server" ? fieldState.error.message : t(fieldState.error.message)}
        </span>
      ) : null}
    </div>
  );
}
