// Recording a session's attendance from a list of addresses: pasted from a sign-in sheet or a webinar report, or read
// from the file itself. Each address gets its answer: recorded, recorded already, or waiting for its owner to verify
// it (a learner without an account yet, or with the address unconfirmed: recorded for them once they do).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ChangeEvent, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api";
import type { EmailAttendanceResult } from "../../api/schemas";
import { Button } from "../../components/Button";
import { FormAlert } from "../../components/FormAlert";
import { applyProblem, type FormProblem } from "../../components/form/problem";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../lib/format";
import { useActivity } from "../catalog/queries";
import styles from "./office.module.css";
import { TableBox } from "./TableBox";
import { useSessionAttendance, useSessions } from "./queries";

/** The service takes this many addresses per request; a longer list is sent in parts. */
const PART = 500;

/** The addresses in pasted text or a file: anything between spaces, commas, semicolons, quotes or angle brackets that
 * holds an @ ("Jane Doe <jane@example.org>" gives jane@example.org), each once, in the order first seen. */
export function addressesIn(text: string): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const token of text.split(/[\s,;<>"'()]+/)) {
    const address = token.trim();
    if (!address.includes("@")) continue;
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    found.push(address);
  }
  return found;
}

export function Attendance() {
  const { t } = useTranslation();
  const { id: activityId = "", sessionId = "" } = useParams();
  const activity = useActivity(activityId);
  const sessions = useSessions(activityId);
  const session = sessions.data?.find((s) => s.id === sessionId);
  const name = session ? `${activity.data?.title ?? ""} — ${session.title}` : t("attendance.title");
  return (
    <Page title={t("attendance.pageTitle", { name })} heading={t("attendance.heading", { name })} lead={t("attendance.lead")}>
      <p>
        <Link to={`/office/activities/${activityId}/sessions`}>{t("sessionCode.back")}</Link>
      </p>
      <RecordFromList sessionId={sessionId} />
      <SessionAttendance sessionId={sessionId} />
    </Page>
  );
}

function RecordFromList({ sessionId }: { sessionId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const textId = useId();
  const fileId = useId();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [results, setResults] = useState<EmailAttendanceResult[] | null>(null);
  const record = useMutation({
    mutationFn: async (emails: string[]) => {
      const answers: EmailAttendanceResult[] = [];
      for (let start = 0; start < emails.length; start += PART) {
        const part = emails.slice(start, start + PART);
        const answer = await unwrap(
          api.catalog.POST("/sessions/{session_id}/attendance", {
            params: { path: { session_id: sessionId } },
            body: { emails: part },
          }),
        );
        answers.push(...answer.results);
      }
      return answers;
    },
    onSuccess: (answers) => {
      setResults(answers);
      setText("");
      void queryClient.invalidateQueries({ queryKey: ["office", "attendance", sessionId] });
    },
  });
  const emails = addressesIn(text);

  async function readFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    const content = await file.text();
    setText((current) => (current ? `${current}\n${content}` : content));
    event.target.value = "";
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    if (emails.length === 0) {
      setProblem({ titleKey: "attendance.noAddresses", messages: [], retryable: false });
      return;
    }
    try {
      await record.mutateAsync(emails);
    } catch (error) {
      setProblem(applyProblem(error, () => undefined, () => null)); // no input per address: every reason on top
    }
  }

  return (
    <section aria-labelledby="record-heading">
      <h2 id="record-heading">{t("attendance.record")}</h2>
      <FormAlert problem={problem} />
      <form onSubmit={(event) => void submit(event)} noValidate className={styles.form}>
        <div className={styles.field}>
          <label htmlFor={textId}>{t("attendance.paste")}</label>
          <span className={styles.help} id={`${textId}-help`}>
            {t("attendance.pasteHelp")}
          </span>
          <textarea
            id={textId}
            aria-describedby={`${textId}-help`}
            className={`${styles.control} ${styles.addresses}`}
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={8}
            spellCheck={false}
            autoCapitalize="off"
          />
        </div>
        <div className={styles.field}>
          <label htmlFor={fileId}>{t("attendance.file")}</label>
          <input id={fileId} type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(event) => void readFile(event)} />
        </div>
        <p aria-live="polite">{t("attendance.found", { count: emails.length })}</p>
        <Button type="submit" isPending={record.isPending}>
          {t("attendance.submit", { count: emails.length })}
        </Button>
      </form>
      {results ? <Results results={results} /> : null}
    </section>
  );
}

function Results({ results }: { results: EmailAttendanceResult[] }) {
  const { t } = useTranslation();
  const count = (status: EmailAttendanceResult["status"]) => results.filter((r) => r.status === status).length;
  return (
    <div role="status">
      <h3>{t("attendance.results")}</h3>
      <p>
        {t("attendance.summary", {
          recorded: count("recorded"),
          already: count("already_recorded"),
          pending: count("pending"),
        })}
      </p>
      <TableBox label={t("attendance.results")}>
        <table className={styles.table} aria-label={t("attendance.results")}>
          <thead>
            <tr>
              <th scope="col">{t("attendance.address")}</th>
              <th scope="col">{t("attendance.result")}</th>
            </tr>
          </thead>
          <tbody>
            {results.map((result) => (
              <tr key={result.email}>
                <th scope="row">{result.email}</th>
                <td>{t(`attendance.status.${result.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </div>
  );
}

function SessionAttendance({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const attendance = useSessionAttendance(sessionId);
  return (
    <section aria-labelledby="attended-heading">
      <h2 id="attended-heading">{t("attendance.attended")}</h2>
      <QueryState query={attendance}>
        {(data) => (
          <>
            <p>{t("attendance.recordedCount", { count: data.recorded.length })}</p>
            {data.recorded.length ? (
              <TableBox label={t("attendance.attended")}>
                <table className={styles.table} aria-label={t("attendance.attended")}>
                  <thead>
                    <tr>
                      <th scope="col">{t("attendance.learner")}</th>
                      <th scope="col">{t("attendance.how")}</th>
                      <th scope="col">{t("attendance.when")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.recorded.map((row) => (
                      <tr key={row.learner_id}>
                        <th scope="row" className={styles.wraps}>
                          {row.name ?? t("attendance.unnamed")}
                          {row.email ? <span className={styles.sub}>{row.email}</span> : null}
                        </th>
                        <td>{t(`attendance.method.${row.method}`, { defaultValue: row.method })}</td>
                        <td>{formatDateTime(row.recorded_at, i18n.language)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableBox>
            ) : null}
            <h3>{t("attendance.pendingHeading")}</h3>
            {data.pending.length ? (
              <ul>
                {data.pending.map((row) => (
                  <li key={row.email}>{row.email}</li>
                ))}
              </ul>
            ) : (
              <p>{t("attendance.nonePending")}</p>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
