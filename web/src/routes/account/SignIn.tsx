import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { z } from "zod";
import { auth } from "../../api";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { useAuth } from "../../hooks/useAuth";

const schema = z.object({
  email: z.string().trim().min(1, "validation.required"),
  password: z.string().min(1, "validation.required"),
});
type Values = z.infer<typeof schema>;

/** Only paths of this portal: never an absolute URL (an open redirect). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignIn() {
  const { t } = useTranslation();
  const state = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "", password: "" } });

  if (state.status === "signed-in" && !form.formState.isSubmitting) return <Navigate to={next} replace />;

  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await auth.signIn(values.email.trim(), values.password);
      navigate(next, { replace: true });
    } catch (error) {
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["email", "password"])));
    }
  });

  const reason = params.get("reason");
  return (
    <Page title={t("signIn.title")} lead={t("signIn.lead")} narrow>
      {reason === "expired" ? <Alert tone="warning" title={t("signIn.expired")}>{t("signIn.draftsKept")}</Alert> : null}
      {reason === "session-ended" ? <Alert tone="warning" title={t("signIn.sessionEnded")} /> : null}
      {params.get("signed-out") ? <Alert tone="success" role="status" title={t("signIn.signedOut")} /> : null}
      {params.get("reset") ? <Alert tone="success" role="status" title={t("signIn.passwordReset")} /> : null}
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <FormTextField
          control={form.control}
          name="email"
          type="email"
          label={t("signIn.email")}
          description={t("signIn.emailHint")}
          autoComplete="username"
          isRequired
        />
        <FormTextField
          control={form.control}
          name="password"
          type="password"
          label={t("signIn.password")}
          autoComplete="current-password"
          isRequired
        />
        <Button type="submit" isPending={form.formState.isSubmitting}>
          {t("signIn.submit")}
        </Button>
      </form>
      <p>
        <Link to="/forgot-password">{t("signIn.forgot")}</Link>
      </p>
      <p>
        {t("signIn.noAccount")} <Link to="/sign-up">{t("signIn.signUp")}</Link>
      </p>
    </Page>
  );
}
