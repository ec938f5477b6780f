import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { api, unwrap } from "../../api";
import type { Profile as ProfileData } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { useBoards } from "../../hooks/useBoards";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { profileBody, profileFieldNames, ProfileFields, profileSchema, profileValues , type ProfileValues } from "./profileFields";

export function useProfile() {
  return useQuery({ queryKey: ["me"], queryFn: () => unwrap(api.identity.GET("/me")) });
}

export function Profile() {
  const { t } = useTranslation();
  const profile = useProfile();
  return (
    <Page title={t("profile.title")} lead={t("profile.lead")}>
      <QueryState query={profile}>{(data) => <ProfileForm profile={data} />}</QueryState>
    </Page>
  );
}

function ProfileForm({ profile }: { profile: ProfileData }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const boards = useBoards();
  const location = useLocation();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<ProfileValues>({ resolver: zodResolver(profileSchema), defaultValues: profileValues(profile) });
  const save = useMutation({
    mutationFn: (values: ProfileValues) => unwrap(api.identity.PUT("/me", { body: profileBody(values) })),
    onSuccess: (updated) => {
      queryClient.setQueryData(["me"], updated);
      // A held board report waits for these fields: let the reports page ask again.
      void queryClient.invalidateQueries({ queryKey: ["reports"] });
      form.reset(profileValues(updated));
      toast(t("profile.saved"));
    },
  });

  // A link from a held board report (/profile#board-id-ABIM, /profile#birth-date) lands on that field once it is on
  // the page: an input is focused itself, a group (fieldset) on its first control.
  const hash = location.hash.slice(1);
  const ready = !boards.isPending;
  useEffect(() => {
    if (!hash || !ready) return;
    const target = document.getElementById(hash);
    if (!target) return;
    const control = target.matches("input, button, select, textarea") ? target : target.querySelector<HTMLElement>("input, button");
    (control ?? target).scrollIntoView({ block: "center" });
    (control ?? target).focus({ preventScroll: true });
  }, [hash, ready]);

  const onSubmit = form.handleSubmit(
    async (values) => {
      setProblem(null);
      try {
        await save.mutateAsync(values);
      } catch (error) {
        setProblem(applyProblem(error, form.setError, sameNames<ProfileValues>(profileFieldNames(boards.data ?? []))));
      }
    },
    () => setProblem({ titleKey: "errors.fixFields", messages: [], retryable: false }),
  );

  return (
    <>
      <Alert title={t("profile.nameChangeTitle")}>
        <p>{t("profile.nameChange")}</p>
      </Alert>
      <p>
        {t("profile.signInEmail", { email: profile.email ?? "" })} <Link to="/account/emails">{t("profile.manageEmails")}</Link>
      </p>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <ProfileFields control={form.control} />
        <Button type="submit" isPending={save.isPending}>
          {t("profile.save")}
        </Button>
      </form>
    </>
  );
}
