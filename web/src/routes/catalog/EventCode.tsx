// Grand rounds give attendees a code; entering it records attendance and unlocks the evaluation and claim.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { api, isApiError, unwrap } from "../../api";
import { Alert } from "../../components/Alert";
import { Button, ButtonLink } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { SupportContact } from "../../components/SupportContact";
import { formatDateTime } from "../../lib/format";

export function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, "").toUpperCase();
}

const schema = z.object({
  code: z
    .string()
    .transform(normaliseCode)
    .pipe(z.string().regex(/^[A-Z0-9]{4,20}$/, "validation.codeLength")),
});
type Values = z.infer<typeof schema>;

export function EventCodeForm() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [help, setHelp] = useState<"wrong" | "expired" | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { code: "" } });
  const enter = useMutation({
    mutationFn: (values: Values) =>
      // Codes are letters and digits: what a slide or a printout adds (spaces, dashes, lower case) is not the code.
      unwrap(api.catalog.POST("/attendance/event-code", { body: { code: normaliseCode(values.code) } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["claimable"] });
      form.reset();
    },
  });
  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    setHelp(null);
    try {
      await enter.mutateAsync(values);
    } catch (error) {
      setHelp(isApiError(error, 404) ? "wrong" : isApiError(error, 422) ? "expired" : null);
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["code"])));
    }
  });
  const attendance = enter.data;
  return (
    <>
      {attendance ? (
        <Alert tone="success" role="status" title={t("eventCode.done", { session: attendance.session_title })}>
          <p>{t("eventCode.doneAt", { date: formatDateTime(attendance.recorded_at, i18n.language) })}</p>
          <p>{t("eventCode.creditSoon")}</p>
          <p>
            <ButtonLink to={`/activities/${attendance.activity_id}/claim`}>{t("eventCode.claim")}</ButtonLink>
          </p>
        </Alert>
      ) : null}
      {problem && problem.titleKey !== "errors.fixFields" ? <FormAlert problem={problem} /> : null}
      {help ? (
        <Alert tone="warning" title={t(`eventCode.${help}Title`)}>
          <p>{t(`eventCode.${help}Help`)}</p>
          <SupportContact compact />
        </Alert>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        <FormTextField
          control={form.control}
          name="code"
          label={t("eventCode.code")}
          description={t("eventCode.codeHint")}
          autoComplete="off"
          spellCheck={false}
          maxLength={20}
          isRequired
        />
        <Button type="submit" isPending={enter.isPending}>
          {t("eventCode.submit")}
        </Button>
      </form>
    </>
  );
}

export function EventCode() {
  const { t } = useTranslation();
  return (
    <Page title={t("eventCode.title")} lead={t("eventCode.lead")} narrow>
      <EventCodeForm />
    </Page>
  );
}
