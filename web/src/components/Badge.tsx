import type { ReactNode } from "react";
import styles from "./ui.module.css";

export type Tone = "neutral" | "good" | "bad" | "warn";

const ICONS: Record<Tone, string> = { neutral: "\u2022", good: "\u2713", bad: "\u2715", warn: "!" };

/** A status as words with a mark: never colour alone. */
export function Badge({ tone = "neutral", children }: { tone?: Tone; children: ReactNode }) {
  const toneClass = { neutral: styles.badgeNeutral, good: styles.badgeGood, bad: styles.badgeBad, warn: styles.badgeWarn }[
    tone
  ];
  return (
    <span className={`${styles.badge} ${toneClass}`}>
      <span aria-hidden="true">{ICONS[tone]}</span>
      {children}
    </span>
  );
}
