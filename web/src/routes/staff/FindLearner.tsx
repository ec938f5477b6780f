// The help desk finds a learner by name, any email, NPI or board ID, and opens their page.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "../../components/Page";
import { useLearnerSearch } from "./queries";
import { OfficeTable } from "./OfficeTable";
import { SearchField } from "./SearchField";

export function FindLearner() {
  const { t } = useTranslation();
  const [q, setQ] = useState("");
  const results = useLearnerSearch(q);
  return (
    <Page title={t("learners.title")} lead={t("learners.lead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <SearchField label={t("learners.search")} value={q} onChange={setQ} />
      {q.trim().length < 2 ? (
        <p>{t("learners.hint")}</p>
      ) : (
        <OfficeTable
          query={results}
          label={t("learners.found")}
          empty={t("learners.none")}
          headers={[t("learners.name"), t("learners.emails"), t("learners.npi"), t("learners.boardIds")]}
          row={(learner) => (
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
          )}
        />
      )}
    </Page>
  );
}
