import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { api, auth, unwrap } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/Dialog";
import { ErrorPanel } from "../../components/ErrorPanel";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { toast } from "../../components/Toasts";
import { clearAllDrafts } from "../../lib/drafts";
import { formatDateTime } from "../../lib/format";
import ui from "../../components/ui.module.css";

export function Sessions() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: () => unwrap(api.identity.GET("/me/sessions")) });
  const [everywhere, setEverywhere] = useState(false);
  const end = useMutation({
    mutationFn: (id: string) => unwrap(api.identity.DELETE("/me/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["sessions"] });
      toast(t("sessions.ended"));
    },
  });
  const endAll = useMutation({
    mutationFn: () => unwrap(api.identity.DELETE("/sessions")),
    onSuccess: async () => {
      clearAllDrafts();
      await auth.signOut();
      navigate("/sign-in?signed-out=1");
    },
  });
  const format = (value: string) => formatDateTime(value, i18n.language);
  return (
    <Page title={t("sessions.title")} lead={t("sessions.lead")}>
      {end.isError ? <ErrorPanel error={end.error} /> : null}
      {endAll.isError ? <ErrorPanel error={endAll.error} /> : null}
      <QueryState query={sessions}>
        {(list) => (
          <div className={ui.tableWrap}>
            <table>
              <caption className="visually-hidden">{t("sessions.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("sessions.started")}</th>
                  <th scope="col">{t("sessions.lastUsed")}</th>
                  <th scope="col">{t("sessions.from")}</th>
                  <th scope="col">{t("sessions.ends")}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t("common.actions")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((session) => (
                  <tr key={session.id}>
                    <td>
                      {format(session.created_at)}{" "}
                      {session.current ? <Badge tone="good">{t("sessions.thisOne")}</Badge> : null}
                    </td>
                    <td>{format(session.last_refreshed_at)}</td>
                    <td>{session.client_ip ?? t("common.unknown")}</td>
                    <td>{format(session.expires_at)}</td>
                    <td>
                      {session.current ? null : (
                        <Button variant="secondary" onPress={() => end.mutate(session.id)} isPending={end.isPending && end.variables === session.id}>
                          {t("sessions.end")}
                          <span className="visually-hidden"> {t("sessions.startedAt", { date: format(session.created_at) })}</span>
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <div className={ui.actions}>
        <Button variant="danger" onPress={() => setEverywhere(true)}>
          {t("sessions.everywhere")}
        </Button>
      </div>
      <ConfirmDialog
        isOpen={everywhere}
        onOpenChange={setEverywhere}
        title={t("sessions.everywhereTitle")}
        confirmLabel={t("sessions.everywhereConfirm")}
        confirmVariant="danger"
        onConfirm={() => endAll.mutate()}
        isPending={endAll.isPending}
      >
        <p>{t("sessions.everywhereBody")}</p>
      </ConfirmDialog>
    </Page>
  );
}
