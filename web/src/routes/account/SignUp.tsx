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
import { useBoards } from "../../hooks/useBoards";
import { emptyProfile, profileBody, profileFieldNames, ProfileFields, profileShape } from "./profileFields";

const schema = z
  .object({
    email: z.string().trim().min(1, "validation.required").email("validation.email"),
    password: z.string().min(12, "validation.passwordLength").max(256, "validation.tooLong"),
    password_again: z.string(),
    ...profileShape,
  })
  .refine((values) => values.password === values.password_again, {
    path: ["password_again"],
    message: "validation.passwordsDiffer",
  });
type Values = z.infer<typeof schema>;

export function SignUp() {
  const { t } = useTranslation();
  const boards = useBoards();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { email: "", password: "", password_again: "", ...emptyProfile() },
  });
  const signUp = useMutation({
    mutationFn: (values: Values) =>
      unwrap(
        api.identity.POST("/users", {
          body: { email: values.email.trim(), password: values.password, ...profileBody(values) },
        }),
      ),
  });

  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await signUp.mutateAsync(values);
      } catch (error) {
        const names = ["email", "password", ...profileFieldNames(boards.data ?? [])];
        setProblem(applyProblem(error, form.setError, sameNames<Values>(names)));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );

  if (signUp.isSuccess) {
    return (
      <Page title={t("signUp.doneTitle")} narrow>
        <Alert tone="success" role="status" title={t("signUp.doneHeading")}>
          <p>{t("signUp.doneBody", { email: signUp.data.email ?? form.getValues("email") })}</p>
        </Alert>
        <p>{t("signUp.doneJunk")}</p>
        <p>
          <Link to="/sign-in">{t("signUp.signInNow")}</Link>
        </p>
      </Page>
    );
  }

  return (
    <Page title={t("signUp.title")} lead={t("signUp.lead")}>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <fieldset>
          <legend>{t("signUp.accountLegend")}</legend>
          <FormTextField
            control={form.control}
            name="email"
            type="email"
            label={t("signUp.email")}
            description={t("signUp.emailHint")}
            autoComplete="email"
            isRequired
          />
          <FormTextField
            control={form.control}
            name="password"
            type="password"
            label={t("signUp.password")}
            description={t("password.rules")}
            autoComplete="new-password"
            isRequired
          />
          <FormTextField
            control={form.control}
            name="password_again"
            type="password"
            label={t("signUp.passwordAgain")}
            autoComplete="new-password"
            isRequired
          />
        </fieldset>
        <ProfileFields control={form.control} />
        <Button type="submit" isPending={signUp.isPending}>
          {t("signUp.submit")}
        </Button>
      </form>
      <p>
        {t("signUp.haveAccount")} <Link to="/sign-in">{t("nav.signIn")}</Link>
      </p>
    </Page>
  );
}
