import type { ReactNode } from "react";
import ui from "../../components/ui.module.css";

/** A wide table's box: it scrolls sideways on a narrow screen, so it is a labelled region the keyboard can reach
 * (Tab, then the arrow keys) as well as the mouse. */
export function TableBox({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className={ui.tableWrap} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
