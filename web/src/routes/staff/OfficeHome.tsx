// The CME office's start page: what each role of the signed-in person can do here, and the activities to open.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Badge } from "../../components/Badge";
import { ButtonLink } from "../../components/Button";
import { Page } from "../../components/Page";
import { ADMIN, COORDINATOR, HELP_DESK, hasRole } from "../../components/RequireRole";
import { useAuth } from "../../hooks/useAuth";
import { formatDateTime } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { useOfficeActivities } from "./queries";
import { OfficeTable } from "./OfficeTable";
import { SearchField } from "./SearchField";

export function OfficeHome() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const { user } = useAuth();
  const [q, setQ] = useState("");
  const [status, setStatus] = useState<"" | "draft" | "published">("");
  const coordinator = hasRole(user?.roles, COORDINATOR);
  const activities = useOfficeActivities(q, status, coordinator);
  return (
    <Page title={t("office.title")} lead={t("office.lead")}>
      {hasRole(user?.roles, HELP_DESK) ? (
        <section aria-labelledby="help-desk-heading">
          <h2 id="help-desk-heading">{t("office.helpDesk")}</h2>
          <ul>
            <li>
              <Link to="/office/learners">{t("office.findLearner")}</Link>
            </li>
            <li>
              <Link to="/office/board-reports">{t("worklist.title")}</Link>
            </li>
            <li>
              <Link to="/office/admin/audit">{t("admin.auditTitle")}</Link>
            </li>
          </ul>
        </section>
      ) : null}
      {hasRole(user?.roles, ADMIN) ? (
        <section aria-labelledby="admin-heading">
          <h2 id="admin-heading">{t("admin.heading")}</h2>
          <ul>
            <li>
              <Link to="/office/admin/people">{t("admin.peopleTitle")}</Link>
            </li>
            <li>
              <Link to="/office/admin/organisation">{t("admin.organisationTitle")}</Link>
            </li>
            <li>
              <Link to="/office/admin/boards">{t("admin.boardsTitle")}</Link>
            </li>
            <li>
              <Link to="/office/admin/keys">{t("admin.keysTitle")}</Link>
            </li>
          </ul>
        </section>
      ) : null}
      {coordinator ? (
        <section aria-labelledby="activities-heading">
          <h2 id="activities-heading">{t("office.activities")}</h2>
          <p className={styles.actions}>
            <ButtonLink to="/office/activities/new">{t("office.newActivity")}</ButtonLink>
            <ButtonLink variant="secondary" to="/office/reports">
              {t("office.reports")}
            </ButtonLink>
          </p>
          <div className={styles.filters}>
            <SearchField label={t("office.search")} value={q} onChange={setQ} />
            <label className={styles.field}>
              {t("office.status")}
              <select className={styles.control} value={status} onChange={(event) => setStatus(event.target.value as typeof status)}>
                <option value="">{t("office.allStatuses")}</option>
                <option value="draft">{t("office.drafts")}</option>
                <option value="published">{t("office.publishedOnes")}</option>
              </select>
            </label>
          </div>
          <OfficeTable
            query={activities}
            label={t("office.activities")}
            empty={t("office.noActivities")}
            headers={[t("office.activity"), t("office.format"), t("office.when"), t("office.manage")]}
            row={(activity) => (
              <tr key={activity.id}>
                <th scope="row" className={styles.wraps}>
                  <Link to={`/office/activities/${activity.id}`}>{activity.title}</Link>{" "}
                  {activity.status === "draft" ? <Badge tone="warn">{t("officeActivity.draft")}</Badge> : null}
                </th>
                <td>{labels.format(activity.format)}</td>
                <td>{activity.starts_at ? formatDateTime(activity.starts_at, i18n.language) : t("office.anyTime")}</td>
                <td>
                  <span className={styles.actions}>
                    <Link to={`/office/activities/${activity.id}/roster`} aria-label={t("office.rosterOf", { title: activity.title })}>
                      {t("office.roster")}
                    </Link>
                    <Link
                      to={`/office/activities/${activity.id}/sessions`}
                      aria-label={t("office.sessionsOf", { title: activity.title })}
                    >
                      {t("office.sessions")}
                    </Link>
                  </span>
                </td>
              </tr>
            )}
          />
        </section>
      ) : null}
    </Page>
  );
}
