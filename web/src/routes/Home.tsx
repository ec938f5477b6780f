import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { ButtonLink } from "../components/Button";
import { Page } from "../components/Page";
import { useAuth } from "../hooks/useAuth";
import { useOrganisation } from "../hooks/useOrganisation";
import styles from "./account/account.module.css";

export function Home() {
  const { t } = useTranslation();
  const { status } = useAuth();
  const organisation = useOrganisation().data;
  const signedIn = status === "signed-in";
  const tasks = [
    ["/catalog?format=live_course", "live"],
    ["/catalog", "catalog"],
    ["/event-code", "eventCode"],
    ["/claims", "claims"],
    ["/certificates", "certificates"],
    ["/transcript", "transcript"],
  ] as const;
  return (
    <Page title={t("home.title")} heading={t("home.heading", { name: organisation?.name ?? t("app.name") })} lead={t("home.lead")}>
      {!signedIn ? (
        <div className={styles.row}>
          <ButtonLink to="/sign-in">{t("nav.signIn")}</ButtonLink>
          <ButtonLink to="/sign-up" variant="secondary">
            {t("nav.signUp")}
          </ButtonLink>
        </div>
      ) : null}
      <h2>{t("home.tasks")}</h2>
      <ul className={styles.links}>
        {tasks.map(([to, key]) => (
          <li key={key}>
            <Link to={to}>
              <strong>{t(`home.links.${key}.title`)}</strong>
              <span>{t(`home.links.${key}.text`)}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Page>
  );
}
