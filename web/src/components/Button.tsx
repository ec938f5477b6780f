import type { ReactNode } from "react";
import { Button as AriaButton, type ButtonProps } from "react-aria-components";
import { Link as RouterLink, type LinkProps } from "react-router";
import styles from "./ui.module.css";

export type Variant = "primary" | "secondary" | "danger" | "quiet";

export function variantClass(variant: Variant = "primary"): string {
  return [styles.button, variant !== "primary" ? styles[variant] : ""].filter(Boolean).join(" ");
}

interface Props extends Omit<ButtonProps, "className" | "children"> {
  variant?: Variant;
  children: ReactNode;
  /** Pending: the button stays focusable but does nothing (no double submit), and says so. */
  isPending?: boolean;
}

export function Button({ variant, children, isPending, ...rest }: Props) {
  return (
    <AriaButton {...rest} isPending={isPending} className={variantClass(variant)}>
      {isPending ? <span className={styles.spinner} aria-hidden="true" /> : null}
      {children}
    </AriaButton>
  );
}

/** A link that looks like a button (it navigates: it is a link). */
export function ButtonLink({ variant, ...rest }: LinkProps & { variant?: Variant }) {
  return <RouterLink {...rest} className={variantClass(variant)} />;
}
