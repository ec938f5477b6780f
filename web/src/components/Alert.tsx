import { useEffect, useRef, type ReactNode } from "react";
import styles from "./ui.module.css";

interface Props {
  tone?: "info" | "error" | "success" | "warning";
  title?: ReactNode;
  children?: ReactNode;
  /** Move focus here when shown (a form's refusal), so keyboard and screen-reader users land on it. */
  focus?: boolean;
  role?: "alert" | "status";
}

export function Alert({ tone = "info", title, children, focus, role }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, [focus]);
  const toneClass = { info: "", error: styles.alertError, success: styles.alertSuccess, warning: styles.alertWarning }[
    tone
  ];
  return (
    <div
      ref={ref}
      className={[styles.alert, toneClass].filter(Boolean).join(" ")}
      role={role ?? (tone === "error" ? "alert" : undefined)}
      tabIndex={focus ? -1 : undefined}
    >
      {title ? <p className={styles.alertTitle}>{title}</p> : null}
      {children}
    </div>
  );
}
