import { useTranslation } from "react-i18next";
import type { DownloadProgress } from "../api/download";
import { formatBytes } from "../lib/format";
import { ErrorPanel } from "./ErrorPanel";
import styles from "./ui.module.css";

/** A download's progress: indeterminate while the server renders, then bytes received (of the total when known). */
export function DownloadStatus({ progress, error, label }: { progress: DownloadProgress | null; error: unknown; label: string }) {
  const { t, i18n } = useTranslation();
  if (error) return <ErrorPanel error={error} />;
  if (!progress) return null;
  const lang = i18n.language;
  let text = "";
  let bar = <progress className={styles.progress} aria-label={label} />;
  if (progress.phase === "preparing") text = t("download.preparing", { what: label });
  if (progress.phase === "downloading") {
    text =
      progress.total !== null
        ? t("download.progressOf", { what: label, loaded: formatBytes(progress.loaded, lang), total: formatBytes(progress.total, lang) })
        : t("download.progress", { what: label, loaded: formatBytes(progress.loaded, lang) });
    if (progress.total !== null) {
      bar = <progress className={styles.progress} aria-label={label} max={progress.total} value={progress.loaded} />;
    }
  }
  if (progress.phase === "done") {
    text = t("download.done", { what: label });
    bar = <></>;
  }
  return (
    <div className={styles.alert} role="status">
      <p>{text}</p>
      {bar}
    </div>
  );
}
