// Registration for a course with fees: the attendee category, the fee it costs shown before confirming, and what a
// guest does. The catalog decides (window, capacity, category); its reason shows here when it refuses.
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm, useWatch } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { z } from "zod";
import { api, unwrap } from "../../api";
import type { Activity } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { FormAlert } from "../../components/FormAlert";
import { FormRadioGroup } from "../../components/form/fields";
import { applyProblem, sameNames, type FormProblem } from "../../components/form/problem";
import { Loading } from "../../components/Loading";
import { toast } from "../../components/Toasts";
import { useAuth } from "../../hooks/useAuth";
import { formatDateTime, formatFee } from "../../lib/format";
import { useIdempotencyKeys } from "../../lib/idempotency";
import { useLabels } from "../../lib/labels";
import { useRegistrations } from "./queries";

const paidSchema = z.object({ attendee_category: z.string({ error: "validation.chooseCategory" }).min(1, "validation.chooseCategory") });
const freeSchema = z.object({ attendee_category: z.string().optional() });
type Values = { attendee_category?: string };

export function RegisterSection({ activity }: { activity: Activity }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const { status } = useAuth();
  const queryClient = useQueryClient();
  const registrations = useRegistrations();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const fees = activity.fees ?? {};
  const categories = Object.keys(fees);
  const free = categories.length === 0;
  const form = useForm<Values>({
    resolver: zodResolver(free ? freeSchema : paidSchema),
    defaultValues: { attendee_category: categories.length === 1 ? categories[0] : (undefined as unknown as string) },
  });
  const category = useWatch({ control: form.control, name: "attendee_category" });
  const keys = useIdempotencyKeys();
  const register = useMutation({
    mutationFn: (values: Values) => {
      // A free activity has no categories: the catalog's default applies.
      const body = values.attendee_category ? { attendee_category: values.attendee_category } : {};
      const request = { activity_id: activity.id, body };
      return unwrap(
        api.catalog.POST("/activities/{activity_id}/registrations", {
          params: { path: { activity_id: activity.id }, header: { "Idempotency-Key": keys.keyFor(request) } },
          body,
        }),
      );
    },
    onSuccess: (registration) => {
      keys.answered();
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["registrations"] });
      void queryClient.invalidateQueries({ queryKey: ["activity", activity.id] });
      void queryClient.invalidateQueries({ queryKey: ["catalog"] });
      toast(t("register.done", { number: registration.number }));
    },
  });

  if (status !== "signed-in") {
    return (
      <p>
        <Link to={`/sign-in?next=${encodeURIComponent(`/activities/${activity.id}`)}`}>{t("register.signIn")}</Link>{" "}
        {t("register.orSignUp")} <Link to="/sign-up">{t("nav.signUp")}</Link>
      </p>
    );
  }
  if (registrations.isPending) return <Loading />;
  const mine = registrations.data?.find((r) => r.activity_id === activity.id && r.status !== "cancelled");
  if (mine) {
    return (
      <Alert tone="success" title={t("register.already", { number: mine.number })}>
        <p>
          {t("register.alreadyDetail", {
            category: labels.category(mine.attendee_category),
            fee: mine.fee_cents ? formatFee(mine.fee_cents, i18n.language) : t("register.noFee"),
          })}
        </p>
        <p>
          <Link to="/registrations">{t("register.manage")}</Link>
        </p>
      </Alert>
    );
  }

  const now = Date.now();
  const notOpen = activity.registration_opens_at && new Date(activity.registration_opens_at).getTime() > now;
  const closed = activity.registration_closes_at && new Date(activity.registration_closes_at).getTime() < now;
  const full = activity.seats_left === 0;
  const fee = free ? 0 : category && category in fees ? fees[category] : undefined;

  const ask = form.handleSubmit(() => {
    setProblem(null);
    setConfirming(true);
  });
  async function confirm() {
    try {
      await register.mutateAsync(form.getValues());
    } catch (error) {
      setConfirming(false);
      setProblem(applyProblem(error, form.setError, sameNames<Values>(["attendee_category"])));
    }
  }

  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">{t(free ? "register.freeTitle" : "register.title")}</h2>
      {notOpen ? (
        <Alert tone="warning" title={t("register.notOpen", { date: formatDateTime(activity.registration_opens_at, i18n.language) })} />
      ) : null}
      {closed ? <Alert tone="warning" title={t("register.closed")} /> : null}
      {full ? <Alert tone="warning" title={t("register.full")} /> : null}
      <p>{t(free ? "register.freeText" : "register.guests")}</p>
      <FormAlert problem={problem} />
      <form onSubmit={ask} noValidate>
        {free ? null : (
          <>
            <FormRadioGroup
              control={form.control}
              name="attendee_category"
              label={t("register.category")}
              isRequired
              choices={categories.map((c) => ({
                value: c,
                label: `${labels.category(c)} — ${formatFee(fees[c] ?? 0, i18n.language)}`,
              }))}
            />
            <p aria-live="polite">
              {fee !== undefined ? <strong>{t("register.feeToPay", { fee: formatFee(fee, i18n.language) })}</strong> : null}
            </p>
          </>
        )}
        <Button type="submit">{t("register.continue")}</Button>
      </form>
      <ConfirmDialog
        isOpen={confirming}
        onOpenChange={setConfirming}
        title={t("register.confirmTitle")}
        confirmLabel={t("register.confirm")}
        onConfirm={() => void confirm()}
        isPending={register.isPending}
      >
        <dl>
          <dt>{t("register.activity")}</dt>
          <dd>{activity.title}</dd>
          {free ? null : (
            <>
              <dt>{t("register.category")}</dt>
              <dd>{category ? labels.category(category) : ""}</dd>
            </>
          )}
          <dt>{t("activity.fee")}</dt>
          <dd>{free ? t("register.noFee") : fee !== undefined ? formatFee(fee, i18n.language) : ""}</dd>
        </dl>
        <p>{t("register.receipt")}</p>
      </ConfirmDialog>
    </section>
  );
}
