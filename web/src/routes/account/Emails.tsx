import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { EmailInfo } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { FormAlert } from "../../components/FormAlert";
import { FormTextField } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatDateTime } from "../../lib/format";
import ui from "../../components/ui.module.css";

const schema = z.object({ email: z.string().trim().min(1, "validation.required").email("validation.email") });
type Values = z.infer<typeof schema>;

/** More than one address: registrations and attendance recorded under any verified one are the learner's. */
export function Emails() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const emails = useQuery({ queryKey: ["emails"], queryFn: () => unwrap(api.identity.GET("/me/emails")) });
  const [removing, setRemoving] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "" } });

  const updated = (list: EmailInfo[] | undefined) => {
    if (list) queryClient.setQueryData(["emails"], list);
    else void queryClient.invalidateQueries({ queryKey: ["emails"] });
    void queryClient.invalidateQueries({ queryKey: ["me"] });
  };
  const add = useMutation({
    mutationFn: (email: string) => unwrap(api.identity.POST("/me/emails", { body: { email } })),
    onSuccess: (list, email) => {
      updated(list);
      form.reset();
      toast(t("emails.added", { email }));
    },
  });
  const resend = useMutation({
    mutationFn: (email: string) =>
      unwrap(api.identity.POST("/me/emails/{email}/verification", { params: { path: { email } } })),
    onSuccess: (_, email) => toast(t("emails.resent", { email })),
    onError: setActionError,
  });
  const primary = useMutation({
    mutationFn: (email: string) => unwrap(api.identity.POST("/me/emails/{email}/primary", { params: { path: { email } } })),
    onSuccess: (list, email) => {
      updated(list);
      toast(t("emails.primaryDone", { email }));
    },
    onError: setActionError,
  });
  const remove = useMutation({
    mutationFn: (email: string) => unwrap(api.identity.DELETE("/me/emails/{email}", { params: { path: { email } } })),
    onSuccess: (_, email) => {
      updated(undefined);
      setRemoving(null);
      toast(t("emails.removed", { email }));
    },
    onError: (error) => {
      setRemoving(null);
      setActionError(error);
    },
  });

  const onSubmit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await add.mutateAsync(values.email.trim());
    } catch (error) {
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["email"])));
    }
  });

  return (
    <Page title={t("emails.title")} lead={t("emails.lead")}>
      {actionError ? <ErrorPanel error={actionError} /> : null}
      <QueryState query={emails}>
        {(list) => (
          <ul className={ui.cardList}>
            {list.map((item) => (
              <li key={item.email} className={ui.card}>
                <h2 className={ui.small}>{item.email}</h2>
                <p>
                  {item.primary ? <Badge tone="good">{t("emails.primary")}</Badge> : null}{" "}
                  {item.verified ? (
                    <Badge tone="good">{t("emails.verified")}</Badge>
                  ) : (
                    <Badge tone="warn">{t("emails.unverified")}</Badge>
                  )}
                </p>
                <p className={ui.muted}>
                  {item.verified && item.verified_at
                    ? t("emails.verifiedAt", { date: formatDateTime(item.verified_at, i18n.language) })
                    : t("emails.addedAt", { date: formatDateTime(item.added_at, i18n.language) })}
                </p>
                <div className={ui.actions}>
                  {!item.verified ? (
                    <Button variant="secondary" onPress={() => resend.mutate(item.email)} isPending={resend.isPending && resend.variables === item.email}>
                      {t("emails.resend")}
                    </Button>
                  ) : null}
                  {item.verified && !item.primary ? (
                    <Button variant="secondary" onPress={() => primary.mutate(item.email)} isPending={primary.isPending && primary.variables === item.email}>
                      {t("emails.makePrimary")}
                    </Button>
                  ) : null}
                  {!item.primary ? (
                    <Button variant="quiet" onPress={() => setRemoving(item.email)}>
                      {t("emails.remove")}
                      <span className="visually-hidden"> {item.email}</span>
                    </Button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <h2>{t("emails.addTitle")}</h2>
      <Alert>
        <p>{t("emails.why")}</p>
      </Alert>
      <FormAlert problem={problem} />
      <form onSubmit={onSubmit} noValidate>
        <FormTextField control={form.control} name="email" type="email" label={t("emails.newAddress")} autoComplete="email" isRequired />
        <Button type="submit" isPending={add.isPending}>
          {t("emails.add")}
        </Button>
      </form>
      <ConfirmDialog
        isOpen={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={t("emails.removeTitle")}
        confirmLabel={t("emails.removeConfirm")}
        confirmVariant="danger"
        onConfirm={() => removing && remove.mutate(removing)}
        isPending={remove.isPending}
      >
        <p>{t("emails.removeBody", { email: removing ?? "" })}</p>
      </ConfirmDialog>
    </Page>
  );
}
