import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import type { Activity } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { ButtonLink } from "../../components/Button";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useAuth } from "../../hooks/useAuth";
import { formatCredits, formatDate, formatDateTime, formatFee, formatRange } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import styles from "./catalog.module.css";
import { EventCodeForm } from "./EventCode";
import { useActivity, useClaimable } from "./queries";
import { RegisterSection } from "./RegisterSection";

export function ActivityPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const activity = useActivity(id);
  return (
    <Page
      title={activity.data?.title ?? t("activity.title")}
      lead={activity.data ? <ActivityLead activity={activity.data} /> : undefined}
    >
      <QueryState query={activity}>{(data) => <ActivityDetails activity={data} />}</QueryState>
    </Page>
  );
}

function ActivityLead({ activity }: { activity: Activity }) {
  const labels = useLabels();
  return <span>{labels.format(activity.format)}</span>;
}

function ActivityDetails({ activity }: { activity: Activity }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const { status } = useAuth();
  const claimable = useClaimable();
  const canClaim = claimable.data?.some((c) => c.activity_id === activity.id) ?? false;
  const lang = i18n.language;
  const fees = Object.entries(activity.fees ?? {});
  const cancelled = activity.status === "cancelled";
  return (
    <>
      {cancelled ? (
        <Alert tone="warning" title={t("activity.cancelledTitle")}>
          <p>{t("activity.cancelledText", { reason: activity.cancellation_reason ?? "" })}</p>
        </Alert>
      ) : null}
      {canClaim ? (
        <Alert tone="success" title={t("activity.claimable")}>
          <p>
            <ButtonLink to={`/activities/${activity.id}/claim`}>{t("activity.claimNow")}</ButtonLink>
          </p>
        </Alert>
      ) : null}
      {activity.description ? <p>{activity.description}</p> : null}
      <dl className={ui.facts}>
        {activity.starts_at ? (
          <>
            <dt>{t("activity.when")}</dt>
            <dd>{formatRange(activity.starts_at, activity.ends_at, lang)}</dd>
          </>
        ) : null}
        {activity.available_until ? (
          <>
            <dt>{t("activity.availableUntil")}</dt>
            <dd>{formatDate(activity.available_until, lang)}</dd>
          </>
        ) : null}
        {activity.location ? (
          <>
            <dt>{t("activity.where")}</dt>
            <dd>{activity.location}</dd>
          </>
        ) : null}
        {activity.registration_opens_at || activity.registration_closes_at ? (
          <>
            <dt>{t("activity.registrationWindow")}</dt>
            <dd>
              {activity.registration_opens_at ? t("activity.opens", { date: formatDateTime(activity.registration_opens_at, lang) }) : null}
              {activity.registration_opens_at && activity.registration_closes_at ? " · " : null}
              {activity.registration_closes_at ? t("activity.closes", { date: formatDateTime(activity.registration_closes_at, lang) }) : null}
            </dd>
          </>
        ) : null}
        {activity.capacity ? (
          <>
            <dt>{t("activity.seats")}</dt>
            <dd>
              {activity.seats_left === 0
                ? t("activity.full")
                : t("activity.seatsOf", { count: activity.seats_left ?? activity.capacity, capacity: activity.capacity })}
            </dd>
          </>
        ) : null}
        <dt>{t("activity.claimWindow")}</dt>
        <dd>{t("activity.claimWindowDays", { count: activity.claim_window_days })}</dd>
        {activity.moc_boards.length ? (
          <>
            <dt>{t("activity.moc")}</dt>
            <dd>{activity.moc_boards.join(", ")}</dd>
          </>
        ) : null}
      </dl>

      <h2>{t("activity.creditsTitle")}</h2>
      <ul className={ui.cardList}>
        {activity.credit_designations.map((designation) => (
          <li key={designation.credit_type} className={ui.card}>
            <h3>
              {t("activity.upTo", {
                amount: formatCredits(designation.max_credits, lang),
                type: labels.creditType(designation.credit_type),
              })}
            </h3>
            <p className={styles.statement}>{designation.statement}</p>
          </li>
        ))}
      </ul>

      {fees.length ? (
        <>
          <h2>{t("activity.feesTitle")}</h2>
          <div className={ui.tableWrap}>
            <table className={styles.fees}>
              <caption className="visually-hidden">{t("activity.feesCaption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("activity.category")}</th>
                  <th scope="col">{t("activity.fee")}</th>
                </tr>
              </thead>
              <tbody>
                {fees.map(([category, cents]) => (
                  <tr key={category}>
                    <th scope="row">{labels.category(category)}</th>
                    <td>{formatFee(cents, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {activity.requires_event_code || cancelled ? null : <RegisterSection activity={activity} />}

      {activity.requires_event_code && !cancelled ? (
        <>
          <h2>{t("activity.eventCodeTitle")}</h2>
          <p>{t("activity.eventCodeText")}</p>
          {status === "signed-in" ? (
            <EventCodeForm />
          ) : (
            <p>
              <Link to={`/sign-in?next=${encodeURIComponent(`/activities/${activity.id}`)}`}>{t("activity.signInForCode")}</Link>
            </p>
          )}
        </>
      ) : null}
    </>
  );
}
