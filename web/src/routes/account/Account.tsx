import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "../../components/Page";
import { useAuth } from "../../hooks/useAuth";
import styles from "./account.module.css";

const LINKS = [
  ["/profile", "profile"],
  ["/registrations", "registrations"],
  ["/board-reports", "boardReports"],
  ["/messages", "messages"],
  ["/account/emails", "emails"],
  ["/account/password", "password"],
  ["/account/sessions", "sessions"],
  ["/preferences", "preferences"],
] as const;

export function Account() {
  const { t } = useTranslation();
  const { user } = useAuth();
  return (
    <Page title={t("account.title")} lead={user?.email ? t("account.signedInAs", { email: user.email }) : undefined}>
      <ul className={styles.links}>
        {LINKS.map(([to, key]) => (
          <li key={to}>
            <Link to={to}>
              <strong>{t(`account.links.${key}.title`)}</strong>
              <span>{t(`account.links.${key}.text`)}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Page>
  );
}
