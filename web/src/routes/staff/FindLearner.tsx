// The help desk finds a learner by name, any email, NPI or board ID, or on the roster of an activity they registered
// for, and opens their page.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Button } from "../../components/Button";
import { Page } from "../../components/Page";
import { ActivityPicker } from "./HelpDeskActions";
import { useLearnerSearch, useRoster } from "./queries";
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
      <ByActivity />
    </Page>
  );
}

/** An activity found by its title, then its registrants (cancelled ones too), each a link to their page. */
function ByActivity() {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<{ id: string; title: string } | null>(null);
  const roster = useRoster(chosen?.id ?? "", true, chosen !== null);
  return (
    <section aria-labelledby="by-activity">
      <h2 id="by-activity">{t("learners.byActivity")}</h2>
      {chosen === null ? (
        <ActivityPicker onChoose={setChosen} />
      ) : (
        <>
          <p>
            {t("learners.registeredFor", { title: chosen.title })}{" "}
            <Button variant="quiet" onPress={() => setChosen(null)}>
              {t("helpDesk.otherActivity")}
            </Button>
          </p>
          <OfficeTable
            query={roster}
            label={t("learners.registrants", { title: chosen.title })}
            empty={t("roster.none")}
            headers={[t("roster.name"), t("roster.email"), t("roster.status")]}
            row={(entry) => (
              <tr key={entry.registration_id}>
                <th scope="row">
                  <Link to={`/office/learners/${entry.learner_id}`}>{entry.name ?? t("roster.noName")}</Link>
                </th>
                <td>{entry.email}</td>
                <td>{t(`registrations.statuses.${entry.status}`, { defaultValue: entry.status })}</td>
              </tr>
            )}
          />
        </>
      )}
    </section>
  );
}
