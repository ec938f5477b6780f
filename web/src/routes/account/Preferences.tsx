import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { ErrorPanel } from "../../components/ErrorPanel";
import { FormCheckbox } from "../../components/form/fields";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";

interface Values {
  reminders: boolean;
}

/** Optional email only (claim-window reminders): confirmations, receipts and certificates always go. */
export function Preferences() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const preferences = useQuery({ queryKey: ["preferences"], queryFn: () => unwrap(api.notifications.GET("/preferences/mine")) });
  const form = useForm<Values>({ defaultValues: { reminders: true } });
  useEffect(() => {
    if (preferences.data) form.reset(preferences.data);
  }, [preferences.data, form]);
  const save = useMutation({
    mutationFn: (values: Values) => unwrap(api.notifications.PUT("/preferences/mine", { body: values })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["preferences"], saved);
      toast(t("preferences.saved"));
    },
  });
  return (
    <Page title={t("preferences.title")} lead={t("preferences.lead")} narrow>
      {save.isError ? <ErrorPanel error={save.error} /> : null}
      <QueryState query={preferences}>
        {() => (
          <form onSubmit={form.handleSubmit((values) => save.mutate(values))} noValidate>
            <FormCheckbox control={form.control} name="reminders" description={t("preferences.remindersHint")}>
              {t("preferences.reminders")}
            </FormCheckbox>
            <Button type="submit" isPending={save.isPending}>
              {t("preferences.save")}
            </Button>
          </form>
        )}
      </QueryState>
    </Page>
  );
}
