import { useTranslation } from "react-i18next";
import { useOrganisation } from "../hooks/useOrganisation";
import styles from "./Layout.module.css";

/** The organisation's support contact, from configuration: in the footer and on every error. */
export function SupportContact({ compact }: { compact?: boolean }) {
  const { t } = useTranslation();
  const { data: organisation } = useOrganisation();
  if (!organisation) {
    return compact ? null : <p>{t("support.unavailable")}</p>;
  }
  const phoneHref = `tel:${organisation.phone.replace(/[^+\d]/g, "")}`;
  if (compact) {
    return (
      <p>
        {t("support.compact")} <a href={phoneHref}>{organisation.phone}</a> {t("support.or")}{" "}
        <a href={`mailto:${organisation.support_email}`}>{organisation.support_email}</a>
      </p>
    );
  }
  return (
    <address className={styles.address}>
      <strong>{organisation.name}</strong>
      <span>{organisation.address}</span>
      <span>
        {t("support.phone")} <a href={phoneHref}>{organisation.phone}</a>
      </span>
      <span>
        {t("support.email")} <a href={`mailto:${organisation.support_email}`}>{organisation.support_email}</a>
      </span>
    </address>
  );
}
