// A coordinator's roster of one activity: who registered, in which category, for what fee; as a CSV file too.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { DownloadStatus } from "../../components/DownloadStatus";
import { Page } from "../../components/Page";
import { useDownload } from "../../hooks/useDownload";
import { formatDateTime, formatFee } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import styles from "./office.module.css";
import { OfficeTable } from "./OfficeTable";
import { useActivity } from "../catalog/queries";
import { useRoster } from "./queries";

export function Roster() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const activityId = useParams().id ?? "";
  const [cancelled, setCancelled] = useState(false);
  const activity = useActivity(activityId);
  const roster = useRoster(activityId, cancelled);
  const download = useDownload();
  const title = activity.data?.title ?? t("roster.title");
  return (
    <Page title={t("roster.pageTitle", { title })} heading={t("roster.heading", { title })} lead={t("roster.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <div className={styles.filters}>
        <label className={styles.check}>
          <input type="checkbox" checked={cancelled} onChange={(event) => setCancelled(event.target.checked)} />
          {t("roster.showCancelled")}
        </label>
        <Button
          variant="secondary"
          isPending={download.busy}
          onPress={() =>
            void download.start(t("roster.csv"), `roster-${activityId}.csv`, () =>
              api.catalog.GET("/activities/{activity_id}/registrations.csv", {
                params: { path: { activity_id: activityId }, query: { cancelled } },
                parseAs: "stream",
              }),
            )
          }
        >
          {t("roster.download")}
        </Button>
      </div>
      <DownloadStatus progress={download.progress} error={download.error} label={download.label} />
      <OfficeTable
        query={roster}
        label={t("roster.tableLabel", { title })}
        empty={t("roster.none")}
        above={(entries) => <p>{t("roster.count", { count: entries.filter((e) => e.status === "confirmed").length })}</p>}
        headers={[
          t("roster.name"),
          t("roster.email"),
          t("roster.category"),
          t("roster.fee"),
          t("roster.status"),
          t("roster.number"),
          t("roster.registeredAt"),
        ]}
        row={(entry) => (
          <tr key={entry.registration_id}>
            <th scope="row">
              {entry.name ? (
                <>
                  {entry.name}
                  {entry.degree ? `, ${entry.degree}` : ""}
                </>
              ) : (
                <span className={ui.muted}>{t("roster.noName")}</span>
              )}
            </th>
            <td>{entry.email}</td>
            <td>{labels.category(entry.attendee_category)}</td>
            <td>{formatFee(entry.fee_cents, i18n.language)}</td>
            <td>
              <Badge tone={entry.status === "confirmed" ? "good" : "neutral"}>
                {t(`registrations.statuses.${entry.status}`, { defaultValue: entry.status })}
              </Badge>
            </td>
            <td>{entry.number}</td>
            <td>{formatDateTime(entry.registered_at, i18n.language)}</td>
          </tr>
        )}
      />
    </Page>
  );
}
