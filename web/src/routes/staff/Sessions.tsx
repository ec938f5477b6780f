// A coordinator's sessions of one activity (a grand-rounds series has one per week): add one with its event code, see
// each code with its validity and how often it was entered, show it large for a slide, record attendance.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormDateField, FormNumberField, FormTextField } from "../../components/form/fields";
import { applyProblem, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { toast } from "../../components/Toasts";
import { formatDateTime, formatRange, localToInstant } from "../../lib/format";
import { useActivity } from "../catalog/queries";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";
import { useSessions } from "./queries";

const sessionSchema = z
  .object({
    title: z.string().trim().min(1, "validation.required").max(200, "validation.tooLong"),
    starts_at: z.string({ message: "validation.required" }).min(1, "validation.required"),
    ends_at: z.string({ message: "validation.required" }).min(1, "validation.required"),
    code_valid_days: z
      .number({ message: "validation.required" })
      .int("validation.wholeNumber")
      .min(1, "officeSessions.codeValidRange")
      .max(365, "officeSessions.codeValidRange"),
  })
  .refine((v) => v.ends_at > v.starts_at, { path: ["ends_at"], message: "officeSessions.endsBeforeStart" });

type SessionValues = z.infer<typeof sessionSchema>;

const FIELDS: Record<string, keyof SessionValues> = {
  title: "title",
  starts_at: "starts_at",
  ends_at: "ends_at",
  code_valid_days: "code_valid_days",
};

export function Sessions() {
  const { t, i18n } = useTranslation();
  const activityId = useParams().id ?? "";
  const activity = useActivity(activityId);
  const sessions = useSessions(activityId);
  const title = activity.data?.title ?? t("officeSessions.title");
  return (
    <Page title={t("officeSessions.pageTitle", { title })} heading={t("officeSessions.heading", { title })} lead={t("officeSessions.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <OfficeTable
        query={sessions}
        label={t("officeSessions.tableLabel", { title })}
        empty={t("officeSessions.none")}
        headers={[t("officeSessions.session"), t("officeSessions.when"), t("officeSessions.code"), t("officeSessions.validUntil"), t("officeSessions.entered"), t("officeSessions.actions")]}
        row={(session) => (
          <tr key={session.id}>
            <th scope="row" className={styles.wraps}>
              {session.title}
            </th>
            <td>{formatRange(session.starts_at, session.ends_at, i18n.language)}</td>
            <td className={styles.code}>{session.event_code ?? t("officeSessions.noCode")}</td>
            <td>{session.code_valid_until ? formatDateTime(session.code_valid_until, i18n.language) : "—"}</td>
            <td>{t("officeSessions.enteredCount", { accepted: session.accepted_uses, count: session.uses })}</td>
            <td>
              <span className={styles.actions}>
                {session.event_code ? (
                  <Link
                    to={`/office/activities/${activityId}/sessions/${session.id}/code`}
                    aria-label={t("officeSessions.showCodeOf", { title: session.title })}
                  >
                    {t("officeSessions.showCode")}
                  </Link>
                ) : null}
                <Link
                  to={`/office/activities/${activityId}/sessions/${session.id}/attendance`}
                  aria-label={t("officeSessions.attendanceOf", { title: session.title })}
                >
                  {t("officeSessions.attendance")}
                </Link>
              </span>
            </td>
          </tr>
        )}
      />
      <NewSession activityId={activityId} />
    </Page>
  );
}

function NewSession({ activityId }: { activityId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<SessionValues>({
    resolver: zodResolver(sessionSchema),
    defaultValues: { title: "", starts_at: "", ends_at: "", code_valid_days: 30 },
  });
  const add = useMutation({
    mutationFn: (values: SessionValues) =>
      unwrap(
        api.catalog.POST("/activities/{activity_id}/sessions", {
          params: { path: { activity_id: activityId } },
          body: {
            title: values.title,
            starts_at: localToInstant(values.starts_at) ?? values.starts_at,
            ends_at: localToInstant(values.ends_at) ?? values.ends_at,
            code_valid_days: values.code_valid_days,
          },
        }),
      ),
    onSuccess: (session) => {
      void queryClient.invalidateQueries({ queryKey: ["office", "sessions", activityId] });
      form.reset();
      toast(t("officeSessions.added", { title: session.title }), t("officeSessions.addedCode", { code: session.event_code }));
    },
  });
  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await add.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, (path) => FIELDS[path] ?? null));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );
  return (
    <section aria-labelledby="new-session-heading">
      <h2 id="new-session-heading">{t("officeSessions.new")}</h2>
      <p>{t("officeSessions.newLead")}</p>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate className={styles.form}>
        <FormTextField control={form.control} name="title" label={t("officeSessions.sessionTitle")} isRequired maxLength={200} />
        <FormDateField control={form.control} name="starts_at" label={t("officeSessions.startsAt")} isRequired withTime />
        <FormDateField control={form.control} name="ends_at" label={t("officeSessions.endsAt")} isRequired withTime />
        <FormNumberField
          control={form.control}
          name="code_valid_days"
          label={t("officeSessions.codeValidDays")}
          description={t("officeSessions.codeValidDaysHelp")}
          isRequired
          minValue={1}
          maxValue={365}
        />
        <Button type="submit" isPending={add.isPending}>
          {t("officeSessions.add")}
        </Button>
      </form>
    </section>
  );
}
