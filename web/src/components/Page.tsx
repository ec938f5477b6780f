// Every page: a document title, exactly one h1, and focus moved to that h1 after a navigation (so keyboard and
// screen-reader users start at the new page's top, as with a full page load).
import { useEffect, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useOrganisation } from "../hooks/useOrganisation";
import styles from "./Page.module.css";

let firstPage = true;

interface Props {
  title: string;
  /** The h1 when it differs from the document title. */
  heading?: ReactNode;
  lead?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
  narrow?: boolean;
}

export function Page({ title, heading, lead, actions, children, narrow }: Props) {
  const { t } = useTranslation();
  const organisation = useOrganisation().data;
  const h1 = useRef<HTMLHeadingElement>(null);
  const site = organisation?.name ?? t("app.name");

  useEffect(() => {
    document.title = t("app.documentTitle", { page: title, site });
  }, [title, site, t]);

  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    // A link to a place in the page (/profile#board-id-ABIM) focuses that place instead.
    if (window.location.hash) return;
    h1.current?.focus({ preventScroll: false });
  }, []);

  return (
    <div className={narrow ? styles.narrow : styles.page}>
      <div className={styles.header}>
        <div>
          <h1 ref={h1} tabIndex={-1}>
            {heading ?? title}
          </h1>
          {lead ? <div className={styles.lead}>{lead}</div> : null}
        </div>
        {actions ? <div className={styles.actions}>{actions}</div> : null}
      </div>
      {children}
    </div>
  );
}
