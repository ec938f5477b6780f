// The frame of every page: a skip link, the header with the navigation (a menu button on a phone), the page, and
// the footer with the organisation's support contact. The session warning and toasts live here once.
import { useEffect, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { auth } from "../api";
import { useAuth } from "../hooks/useAuth";
import { useOrganisation } from "../hooks/useOrganisation";
import { clearAllDrafts } from "../lib/drafts";
import { OFFICE, hasRole } from "./RequireRole";
import { SessionWarning } from "./SessionWarning";
import { SupportContact } from "./SupportContact";
import { Toasts } from "./Toasts";
import styles from "./Layout.module.css";

function navClass({ isActive }: { isActive: boolean }) {
  return isActive ? `${styles.navLink} ${styles.active}` : styles.navLink;
}

export function Layout() {
  const { t } = useTranslation();
  const state = useAuth();
  const organisation = useOrganisation().data;
  const location = useLocation();
  const navigate = useNavigate();
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  const signedIn = state.status === "signed-in";

  useEffect(() => setMenuOpen(false), [location.pathname]);

  async function signOut() {
    clearAllDrafts();
    await auth.signOut();
    navigate("/sign-in?signed-out=1");
  }

  return (
    <div className={styles.shell}>
      <a className={styles.skip} href="#main">
        {t("nav.skip")}
      </a>
      <header className={styles.header}>
        <div className={styles.headerInner}>
          <NavLink to="/" className={styles.brand}>
            <span aria-hidden="true" className={styles.logo}>
              ✚
            </span>
            {organisation?.name ?? t("app.name")}
          </NavLink>
          <button
            type="button"
            className={styles.menuButton}
            aria-expanded={menuOpen}
            aria-controls={menuId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            {t("nav.menu")}
          </button>
          <nav id={menuId} className={menuOpen ? `${styles.nav} ${styles.navOpen}` : styles.nav} aria-label={t("nav.main")}>
            <ul className={styles.navList}>
              <li>
                <NavLink to="/catalog" className={navClass}>
                  {t("nav.catalog")}
                </NavLink>
              </li>
              {signedIn ? (
                <>
                  <li>
                    <NavLink to="/event-code" className={navClass}>
                      {t("nav.eventCode")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/claims" className={navClass}>
                      {t("nav.claims")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/certificates" className={navClass}>
                      {t("nav.certificates")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/transcript" className={navClass}>
                      {t("nav.transcript")}
                    </NavLink>
                  </li>
                  {hasRole(state.user?.roles, OFFICE) ? (
                    <li>
                      <NavLink to="/office" className={navClass}>
                        {t("nav.office")}
                      </NavLink>
                    </li>
                  ) : null}
                  <li>
                    <NavLink to="/account" className={navClass}>
                      {t("nav.account")}
                    </NavLink>
                  </li>
                  <li>
                    <button type="button" className={styles.navButton} onClick={() => void signOut()}>
                      {t("nav.signOut")}
                    </button>
                  </li>
                </>
              ) : (
                <>
                  <li>
                    <NavLink to="/sign-in" className={navClass}>
                      {t("nav.signIn")}
                    </NavLink>
                  </li>
                  <li>
                    <NavLink to="/sign-up" className={navClass}>
                      {t("nav.signUp")}
                    </NavLink>
                  </li>
                </>
              )}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className={styles.main} tabIndex={-1}>
        <Outlet />
      </main>
      <footer className={styles.footer}>
        <div className={styles.footerInner}>
          <section aria-labelledby="footer-support">
            <h2 id="footer-support" className={styles.footerHeading}>
              {t("footer.support")}
            </h2>
            <SupportContact />
          </section>
          <section aria-labelledby="footer-links">
            <h2 id="footer-links" className={styles.footerHeading}>
              {t("footer.links")}
            </h2>
            <ul className={styles.footerLinks}>
              <li>
                <NavLink to="/verify">{t("footer.verify")}</NavLink>
              </li>
              <li>
                <NavLink to="/catalog">{t("nav.catalog")}</NavLink>
              </li>
              <li>
                <NavLink to="/forgot-password">{t("footer.forgot")}</NavLink>
              </li>
            </ul>
          </section>
        </div>
      </footer>
      <SessionWarning />
      <Toasts />
    </div>
  );
}
