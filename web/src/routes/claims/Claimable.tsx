// "Claim credit": what the learner can claim now, each with the last day of its window.
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Alert } from "../../components/Alert";
import { Badge } from "../../components/Badge";
import { ButtonLink } from "../../components/Button";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { daysUntil, formatCredits, formatDay } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import { useClaimable } from "../catalog/queries";

export function Claimable() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  // A registration or attendance just recorded reaches the credit service a moment later: keep the list current.
  const claimable = useClaimable(true, () => true, 5000);
  return (
    <Page title={t("claims.title")} lead={t("claims.lead")}>
      <QueryState query={claimable}>
        {(list) => (
          <>
            {list.length === 0 ? <p>{t("claims.none")}</p> : null}
            <ul className={ui.cardList}>
              {list.map((item) => {
                const days = daysUntil(item.window_closes);
                return (
                  <li key={item.activity_id} className={ui.card}>
                    <h2 className={ui.small}>{item.title}</h2>
                    <p className={ui.muted}>
                      {labels.format(item.format)} · {t("claims.completedOn", { date: formatDay(item.completed_on, i18n.language) })}
                    </p>
                    <p>
                      <Badge tone={days <= 7 ? "warn" : "neutral"}>
                        {t("claims.closes", { date: formatDay(item.window_closes, i18n.language) })}
                      </Badge>{" "}
                      <span>{days === 0 ? t("claims.today") : t("claims.daysLeft", { count: days })}</span>
                      {item.window_extended ? <> · {t("claims.extended")}</> : null}
                    </p>
                    <p>
                      {Object.entries(item.designations)
                        .map(([type, max]) => t("activity.upTo", { amount: formatCredits(max, i18n.language), type: labels.creditType(type) }))
                        .join(" · ")}
                    </p>
                    <ButtonLink to={`/activities/${item.activity_id}/claim`}>
                      {t("claims.claim")}
                      <span className="visually-hidden"> {item.title}</span>
                    </ButtonLink>
                  </li>
                );
              })}
            </ul>
            <Alert title={t("claims.missingTitle")}>
              <ul>
                <li>
                  {t("claims.missingEmail")} <Link to="/account/emails">{t("claims.addEmail")}</Link>
                </li>
                <li>
                  {t("claims.missingCode")} <Link to="/event-code">{t("nav.eventCode")}</Link>
                </li>
                <li>{t("claims.missingWindow")}</li>
              </ul>
            </Alert>
          </>
        )}
      </QueryState>
    </Page>
  );
}
