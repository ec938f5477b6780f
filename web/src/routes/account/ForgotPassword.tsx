import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { SupportContact } from "../../components/SupportContact";

const schema = z.object({ email: z.string().trim().min(1, "validation.required").email("validation.email") });
type Values = z.infer<typeof schema>;

/** The same answer for every address, so nobody can learn which addresses have accounts. */
export function ForgotPassword() {
  const { t } = useTranslation();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "" } });
  const request = useMutation({
    mutationFn: (values: Values) => unwrap(api.identity.POST("/password-resets", { body: { email: values.email.trim() } })),
  });
  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await request.mutateAsync(values);
    } catch (error) {
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["email"])));
    }
  });
  if (request.isSuccess) {
    return (
      <Page title={t("forgot.sentTitle")} narrow>
        <Alert tone="success" role="status" title={t("forgot.sentHeading")}>
          <p>{t("forgot.sentBody", { email: form.getValues("email").trim() })}</p>
        </Alert>
        <p>{t("forgot.sentHelp")}</p>
        <SupportContact compact />
        <p>
          <Link to="/sign-in">{t("nav.signIn")}</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title={t("forgot.title")} lead={t("forgot.lead")} narrow>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <FormTextField control={form.control} name="email" type="email" label={t("forgot.email")} autoComplete="email" isRequired />
        <Button type="submit" isPending={request.isPending}>
          {t("forgot.submit")}
        </Button>
      </form>
    </Page>
  );
}
