import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";

const schema = z
  .object({
    new_password: z.string().min(12, "validation.passwordLength").max(256, "validation.tooLong"),
    password_again: z.string(),
  })
  .refine((v) => v.new_password === v.password_again, { path: ["password_again"], message: "validation.passwordsDiffer" });
type Values = z.infer<typeof schema>;

/** The single-use link from the reset email. */
export function ResetPassword() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token") ?? "";
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { new_password: "", password_again: "" } });
  const reset = useMutation({
    mutationFn: (values: Values) =>
      unwrap(api.identity.POST("/password-resets/confirm", { body: { token, new_password: values.new_password } })),
  });
  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await reset.mutateAsync(values);
      navigate("/sign-in?reset=1", { replace: true });
    } catch (error) {
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["new_password"])));
    }
  });
  return (
    <Page title={t("reset.title")} lead={t("reset.lead")} narrow>
      {token === "" ? (
        <Alert tone="error" title={t("reset.noToken")}>
          <p>
            <Link to="/forgot-password">{t("reset.askAgain")}</Link>
          </p>
        </Alert>
      ) : null}
      <FormAlert problem={problem} />
      {problem && !problem.retryable ? (
        <p>
          <Link to="/forgot-password">{t("reset.askAgain")}</Link>
        </p>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        {/* Lets password managers save the new password under the right account. */}
        <input type="text" name="username" autoComplete="username" hidden readOnly value="" />
        <FormTextField
          control={form.control}
          name="new_password"
          type="password"
          label={t("reset.newPassword")}
          description={t("password.rules")}
          autoComplete="new-password"
          isRequired
        />
        <FormTextField
          control={form.control}
          name="password_again"
          type="password"
          label={t("reset.passwordAgain")}
          autoComplete="new-password"
          isRequired
        />
        <Button type="submit" isPending={reset.isPending} isDisabled={token === ""}>
          {t("reset.submit")}
        </Button>
      </form>
    </Page>
  );
}
