// The CME office's start page: what each role of the signed-in person can do here, and the activities to open.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { COORDINATOR, HELP_DESK, hasRole } from "../../components/RequireRole";
import { useAuth } from "../../hooks/useAuth";
import { formatDateTime } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import styles from "./office.module.css";
import { usePublishedActivities } from "./queries";
import { TableBox } from "./TableBox";

export function OfficeHome() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const { user } = useAuth();
  const [q, setQ] = useState("");
  const coordinator = hasRole(user?.roles, COORDINATOR);
  const activities = usePublishedActivities(q);
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
          </ul>
        </section>
      ) : null}
      {coordinator ? (
        <section aria-labelledby="activities-heading">
          <h2 id="activities-heading">{t("office.activities")}</h2>
          <div className={styles.filters}>
            <label className={styles.field}>
              {t("office.search")}
              <input
                className={`${styles.control} ${styles.search}`}
                type="search"
                value={q}
                onChange={(event) => setQ(event.target.value)}
              />
            </label>
          </div>
          <QueryState query={activities}>
            {(list) =>
              list.length === 0 ? (
                <p>{t("office.noActivities")}</p>
              ) : (
                <TableBox label={t("office.activities")}>
                  <table className={styles.table} aria-labelledby="activities-heading">
                    <thead>
                      <tr>
                        <th scope="col">{t("office.activity")}</th>
                        <th scope="col">{t("office.format")}</th>
                        <th scope="col">{t("office.when")}</th>
                        <th scope="col">{t("office.roster")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((activity) => (
                        <tr key={activity.id}>
                          <th scope="row" className={styles.wraps}>
                            <Link to={`/activities/${activity.id}`}>{activity.title}</Link>
                          </th>
                          <td>{labels.format(activity.format)}</td>
                          <td>{activity.starts_at ? formatDateTime(activity.starts_at, i18n.language) : t("office.anyTime")}</td>
                          <td>
                            <Link to={`/office/activities/${activity.id}/roster`} aria-label={t("office.rosterOf", { title: activity.title })}>
                              {t("office.roster")}
                            </Link>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableBox>
              )
            }
          </QueryState>
        </section>
      ) : null}
    </Page>
  );
}
