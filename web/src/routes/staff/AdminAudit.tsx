// The security audit log: sign-ins, resets, role changes, merges, email and organisation changes, newest first;
// filtered by kind, older pages on request. Who did what, to whom, from where.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Button } from "../../components/Button";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { formatDateTime } from "../../lib/format";
import styles from "./office.module.css";
import { useAuditLog } from "./queries";
import { TableBox } from "./TableBox";

/** The kinds identity records, as the filter offers them. */
export const AUDIT_KINDS = [
  "sign_in.succeeded",
  "sign_in.failed",
  "sign_in.throttled",
  "signed_out",
  "signed_out_everywhere",
  "session.refresh_token_reused",
  "user.registered",
  "sign_up.throttled",
  "password.changed",
  "password.change_failed",
  "password_reset.requested",
  "password_reset.completed",
  "email.added",
  "email.verification_sent",
  "email.verified",
  "email.made_primary",
  "email.removed",
  "email.released",
  "role.granted",
  "role.removed",
  "account.merged",
  "organisation.updated",
  "signing_key.added",
  "signing_key.retired",
] as const;


export function AdminAudit() {
  const { t } = useTranslation();
  const [kind, setKind] = useState("");
  const log = useAuditLog({ kind });
  return (
    <Page title={t("admin.auditTitle")} lead={t("admin.auditLead")}>
      <p>
        <Link to="/office">{t("roster.back")}</Link>
      </p>
      <div className={styles.filters}>
        <label className={styles.field}>
          {t("admin.kind")}
          <select className={styles.control} value={kind} onChange={(event) => setKind(event.target.value)}>
            <option value="">{t("admin.allKinds")}</option>
            {AUDIT_KINDS.map((value) => (
              <option key={value} value={value}>
                {t(`admin.kinds.${value}`, { defaultValue: value })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <AuditTable log={log} label={t("admin.auditTitle")} />
    </Page>
  );
}

export function AuditTable({ log, label }: { log: ReturnType<typeof useAuditLog>; label: string }) {
  const { t, i18n } = useTranslation();
  return (
    <QueryState query={log}>
      {(data) => {
        const events = data.pages.flatMap((page) => page.items);
        if (!events.length) return <p>{t("admin.noEvents")}</p>;
        return (
          <>
            <TableBox label={label}>
              <table className={styles.table} aria-label={label}>
                <thead>
                  <tr>
                    <th scope="col">{t("admin.when")}</th>
                    <th scope="col">{t("admin.kind")}</th>
                    <th scope="col">{t("admin.account")}</th>
                    <th scope="col">{t("admin.by")}</th>
                    <th scope="col">{t("admin.from")}</th>
                    <th scope="col">{t("admin.detail")}</th>
                  </tr>
                </thead>
                <tbody>
                  {events.map((event) => (
                    <tr key={event.id}>
                      <th scope="row">{formatDateTime(event.at, i18n.language)}</th>
                      <td>{t(`admin.kinds.${event.kind}`, { defaultValue: event.kind })}</td>
                      <td className={styles.wraps}>
                        {event.user_id ? (
                          <>
                            <Link to={`/office/learners/${event.user_id}`}>{event.user_name ?? t("admin.account")}</Link>
                            <span className={styles.sub}>{event.user_email ?? event.email}</span>
                          </>
                        ) : (
                          (event.email ?? "—")
                        )}
                      </td>
                      <td>
                        {event.actor_id && event.actor_id !== event.user_id
                          ? (event.actor_name ?? t("admin.staffMember"))
                          : t("admin.themselves")}
                      </td>
                      <td>{event.client_ip ?? "—"}</td>
                      <td className={styles.wraps}>{describe(event.detail)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableBox>
            {log.hasNextPage ? (
              <Button variant="secondary" isPending={log.isFetchingNextPage} onPress={() => void log.fetchNextPage()}>
                {t("admin.older")}
              </Button>
            ) : null}
          </>
        );
      }}
    </QueryState>
  );
}

/** An event's details as "role: support; reason: …", nested values as JSON. */
function describe(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(([key, value]) => `${key.replace(/_/g, " ")}: ${typeof value === "string" || typeof value === "number" ? value : JSON.stringify(value)}`)
    .join("; ");
}
