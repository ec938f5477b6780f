// The help desk finds a learner by name, any email, NPI or board ID, and opens their page.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import styles from "./office.module.css";
import { useLearnerSearch } from "./queries";
import { TableBox } from "./TableBox";

export function FindLearner() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const results = useLearnerSearch(q);
  return (
    <Page title={t("learners.title")} lead={t("learners.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <div className={styles.filters}>
        <label className={styles.field}>
          {t("learners.search")}
          <input
            className={`${styles.control} ${styles.search}`}
            type="search"
            value={q}
            onChange={(event) => setQ(event.target.value)}
          />
        </label>
      </div>
      {q.trim().length < 2 ? (
        <p>{t("learners.hint")}</p>
      ) : (
        <QueryState query={results}>
          {(page) =>
            page.items.length === 0 ? (
              <p>{t("learners.none")}</p>
            ) : (
              <TableBox label={t("learners.found")}>
                <table className={styles.table} aria-label={t("learners.found")}>
                  <thead>
                    <tr>
                      <th scope="col">{t("learners.name")}</th>
                      <th scope="col">{t("learners.emails")}</th>
                      <th scope="col">{t("learners.npi")}</th>
                      <th scope="col">{t("learners.boardIds")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((learner) => (
                      <tr key={learner.id}>
                        <th scope="row">
                          <Link to={`/office/learners/${learner.id}`}>
                            {learner.name}
                            {learner.degree ? `, ${learner.degree}` : ""}
                          </Link>
                        </th>
                        <td>{learner.emails.join(", ")}</td>
                        <td>{learner.npi ?? "—"}</td>
                        <td>
                          {Object.entries(learner.board_ids)
                            .map(([board, id]) => `${board} ${id}`)
                            .join(", ") || "—"}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
            )
          }
        </QueryState>
      )}
    </Page>
  );
}
