// Pages of the CME office: signed in, and holding one of the roles the page is for. The services refuse the calls
// behind these pages anyway (403); this says so in words instead of showing a page that cannot load.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useAuth } from "../hooks/useAuth";
import { Page } from "./Page";
import { RequireAuth } from "./RequireAuth";

export const COORDINATOR = ["staff", "admin"];
export const HELP_DESK = ["support", "admin"];
export const OFFICE = ["staff", "support", "admin"];
export const ADMIN = ["admin"];

export function hasRole(roles: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return (roles ?? []).some((role) => wanted.includes(role));
}

function Refused() {
  const { t } = useTranslation();
  return (
    <Page title={t("office.refused.title")} lead={t("office.refused.lead")}>
      <p>
        <Link to="/">{t("office.refused.home")}</Link>
      </p>
    </Page>
  );
}

export function RequireRole({ roles, children }: { roles: readonly string[]; children: ReactNode }) {
  const { user } = useAuth();
  return <RequireAuth>{hasRole(user?.roles, roles) ? children : <Refused />}</RequireAuth>;
}
