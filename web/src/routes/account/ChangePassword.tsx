import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { api, auth, unwrap } from "../../api";
import type { TokenResponse } from "../../api/auth";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { useAuth } from "../../hooks/useAuth";

const schema = z
  .object({
    current_password: z.string().min(1, "validation.required"),
    new_password: z.string().min(12, "validation.passwordLength").max(256, "validation.tooLong"),
    password_again: z.string(),
  })
  .refine((v) => v.new_password === v.password_again, { path: ["password_again"], message: "validation.passwordsDiffer" });
type Values = z.infer<typeof schema>;

/** Every other session ends; this one continues with the new tokens identity answers. */
export function ChangePassword() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { current_password: "", new_password: "", password_again: "" },
  });
  const change = useMutation({
    mutationFn: (values: Values) =>
      unwrap(
        api.identity.POST("/me/password", {
          body: { current_password: values.current_password, new_password: values.new_password },
        }),
      ),
    onSuccess: (tokens) => {
      auth.acceptTokens(tokens as TokenResponse);
      form.reset();
    },
  });
  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await change.mutateAsync(values);
    } catch (error) {
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["current_password", "new_password"])));
    }
  });
  return (
    <Page title={t("changePassword.title")} lead={t("changePassword.lead")} narrow>
      {change.isSuccess ? <Alert tone="success" role="status" title={t("changePassword.done")} /> : null}
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <input type="text" name="username" autoComplete="username" hidden readOnly value={user?.email ?? ""} />
        <FormTextField
          control={form.control}
          name="current_password"
          type="password"
          label={t("changePassword.current")}
          autoComplete="current-password"
          isRequired
        />
        <FormTextField
          control={form.control}
          name="new_password"
          type="password"
          label={t("changePassword.new")}
          description={t("password.rules")}
          autoComplete="new-password"
          isRequired
        />
        <FormTextField
          control={form.control}
          name="password_again"
          type="password"
          label={t("changePassword.again")}
          autoComplete="new-password"
          isRequired
        />
        <Button type="submit" isPending={change.isPending}>
          {t("changePassword.submit")}
        </Button>
      </form>
    </Page>
  );
}
