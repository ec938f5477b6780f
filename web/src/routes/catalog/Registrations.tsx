import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api, unwrap } from "../../api";
import type { Registration } from "../../api/schemas";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatDateTime, formatFee } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import { useRegistrations } from "./queries";

export function Registrations() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const queryClient = useQueryClient();
  const registrations = useRegistrations();
  const [cancelling, setCancelling] = useState<Registration | null>(null);
  const cancel = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.catalog.POST("/registrations/{registration_id}/cancel", { params: { path: { registration_id: id } } })),
    onSuccess: (registration) => {
      setCancelling(null);
      void queryClient.invalidateQueries({ queryKey: ["registrations"] });
      void queryClient.invalidateQueries({ queryKey: ["activity", registration.activity_id] });
      toast(t("registrations.cancelled", { number: registration.number }));
    },
    onError: () => setCancelling(null),
  });
  const resend = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.notifications.POST("/registrations/{registration_id}/confirmation/resend", {
          params: { path: { registration_id: id } },
        }),
      ),
    onSuccess: (message) => toast(t("registrations.resent", { to: message.to ?? "" })),
  });
  return (
    <Page title={t("registrations.title")} lead={t("registrations.lead")}>
      {cancel.isError ? <ErrorPanel error={cancel.error} /> : null}
      {resend.isError ? <ErrorPanel error={resend.error} /> : null}
      <QueryState query={registrations}>
        {(list) =>
          list.length === 0 ? (
            <p>
              {t("registrations.none")} <Link to="/catalog?format=live_course">{t("registrations.findCourse")}</Link>
            </p>
          ) : (
            <ul className={ui.cardList}>
              {list.map((registration) => {
                const active = registration.status !== "cancelled";
                return (
                  <li key={registration.id} className={ui.card}>
                    <h2 className={ui.small}>
                      <Link to={`/activities/${registration.activity_id}`}>{registration.activity_title}</Link>
                    </h2>
                    <p>
                      <Badge tone={active ? "good" : "neutral"}>
                        {t(`registrations.statuses.${registration.status}`, { defaultValue: registration.status })}
                      </Badge>
                    </p>
                    {registration.cancellation_reason ? (
                      <p>{t("registrations.activityCancelled", { reason: registration.cancellation_reason })}</p>
                    ) : null}
                    <dl className={ui.facts}>
                      <dt>{t("registrations.number")}</dt>
                      <dd>{registration.number}</dd>
                      <dt>{t("register.category")}</dt>
                      <dd>{labels.category(registration.attendee_category)}</dd>
                      <dt>{t("activity.fee")}</dt>
                      <dd>
                        {formatFee(registration.fee_cents, i18n.language)} (
                        {t(`registrations.payment.${registration.payment_status}`, { defaultValue: registration.payment_status })})
                      </dd>
                      <dt>{t("registrations.registeredOn")}</dt>
                      <dd>{formatDateTime(registration.created_at, i18n.language)}</dd>
                      {registration.cancelled_at ? (
                        <>
                          <dt>{t("registrations.cancelledOn")}</dt>
                          <dd>{formatDateTime(registration.cancelled_at, i18n.language)}</dd>
                        </>
                      ) : null}
                    </dl>
                    {active ? (
                      <div className={ui.actions}>
                        <Button
                          variant="secondary"
                          onPress={() => resend.mutate(registration.id)}
                          isPending={resend.isPending && resend.variables === registration.id}
                        >
                          {t("registrations.resend")}
                          <span className="visually-hidden"> {registration.activity_title}</span>
                        </Button>
                        <Button variant="quiet" onPress={() => setCancelling(registration)}>
                          {t("registrations.cancel")}
                          <span className="visually-hidden"> {registration.activity_title}</span>
                        </Button>
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )
        }
      </QueryState>
      <ConfirmDialog
        isOpen={cancelling !== null}
        onOpenChange={(open) => !open && setCancelling(null)}
        title={t("registrations.cancelTitle")}
        confirmLabel={t("registrations.cancelConfirm")}
        cancelLabel={t("registrations.keep")}
        confirmVariant="danger"
        onConfirm={() => cancelling && cancel.mutate(cancelling.id)}
        isPending={cancel.isPending}
      >
        <p>{t("registrations.cancelBody", { title: cancelling?.activity_title ?? "" })}</p>
      </ConfirmDialog>
    </Page>
  );
}
