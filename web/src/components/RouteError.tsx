// The error boundary of every route: a page that failed to render (or to load its code) shows what happened, a
// retry and the support contact, inside the normal frame; never a blank page.
import { useTranslation } from "react-i18next";
import { isRouteErrorResponse, useNavigate, useRouteError } from "react-router";
import { ErrorPanel } from "./ErrorPanel";
import { Page } from "./Page";
import { NotFound } from "./NotFound";

export function RouteError() {
  const error = useRouteError();
  const { t } = useTranslation();
  const navigate = useNavigate();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFound />;
  if (import.meta.env.DEV) console.error(error);
  return (
    <Page title={t("errors.pageTitle")}>
      <ErrorPanel error={error} onRetry={() => navigate(0)} />
    </Page>
  );
}
