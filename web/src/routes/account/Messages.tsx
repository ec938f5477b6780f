import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api";
import type { Message } from "../../api/schemas";
import { Badge, type Tone } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { formatDateTime } from "../../lib/format";
import ui from "../../components/ui.module.css";

/** The kinds notifications will send again (the service decides; this only avoids offering a button it refuses). */
const RESENDABLE = new Set(["registration_confirmed", "certificate_issued", "verify_email"]);

const STATUS_TONE: Record<Message["status"], Tone> = {
  queued: "neutral",
  waiting_for_recipient: "warn",
  sent: "good",
  failed: "bad",
  cancelled: "neutral",
};

/** "My emails": what OpenCME sent and when, with a fresh copy on request. */
export function Messages() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const messages = useQuery({ queryKey: ["messages"], queryFn: () => unwrap(api.notifications.GET("/messages/mine")) });
  const resend = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.notifications.POST("/messages/{message_id}/resend", { params: { path: { message_id: id } } })),
    onSuccess: (message) => {
      void queryClient.invalidateQueries({ queryKey: ["messages"] });
      toast(t("messages.resent", { to: message.to ?? "" }));
    },
  });
  return (
    <Page title={t("messages.title")} lead={t("messages.lead")}>
      {resend.isError ? <ErrorPanel error={resend.error} /> : null}
      <QueryState query={messages}>
        {(list) =>
          list.length === 0 ? (
            <p>{t("messages.none")}</p>
          ) : (
            <div className={ui.tableWrap}>
              <table>
                <caption className="visually-hidden">{t("messages.caption")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("messages.subject")}</th>
                    <th scope="col">{t("messages.to")}</th>
                    <th scope="col">{t("messages.when")}</th>
                    <th scope="col">{t("messages.status")}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t("common.actions")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((message) => (
                    <tr key={message.id}>
                      <td>
                        {message.subject ?? t(`messages.kinds.${message.kind}`, { defaultValue: message.kind })}
                        {message.resend_of ? <span className={ui.muted}> ({t("messages.copy")})</span> : null}
                      </td>
                      <td>{message.to ?? ""}</td>
                      <td>{formatDateTime(message.sent_at ?? message.created_at, i18n.language)}</td>
                      <td>
                        <Badge tone={STATUS_TONE[message.status]}>{t(`messages.statuses.${message.status}`)}</Badge>
                      </td>
                      <td>
                        {RESENDABLE.has(message.kind) ? (
                          <Button
                            variant="secondary"
                            onPress={() => resend.mutate(message.id)}
                            isPending={resend.isPending && resend.variables === message.id}
                          >
                            {t("messages.resend")}
                            <span className="visually-hidden"> {message.subject ?? ""}</span>
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </Page>
  );
}
