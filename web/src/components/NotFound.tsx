import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { Page } from "./Page";
import { SupportContact } from "./SupportContact";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Page title={t("notFound.title")} lead={t("notFound.lead")}>
      <p>
        <Link to="/">{t("notFound.home")}</Link> · <Link to="/catalog">{t("nav.catalog")}</Link>
      </p>
      <h2>{t("footer.support")}</h2>
      <SupportContact />
    </Page>
  );
}
