// Names of codes the services use (formats, credit types, attendee categories, statuses), from the i18n file.
import { useTranslation } from "react-i18next";

export const FORMATS = [
  "live_course",
  "grand_rounds",
  "webcast",
  "text_based",
  "journal_based",
  "board_review",
  "enduring",
] as const;

/** Credit types the catalog filter offers besides each board's MOC points. */
export const CREDIT_TYPES = ["AMA_PRA_1", "ANCC", "ACPE", "AAPA"] as const;

function humanize(code: string): string {
  const words = code.replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function useLabels() {
  const { t } = useTranslation();
  return {
    format: (format: string) => t(`formats.${format}`, { defaultValue: humanize(format) }),
    creditType: (code: string) => {
      const known = t(`creditTypes.${code}`, { defaultValue: "" });
      if (known) return known;
      if (code.startsWith("MOC_")) return t("creditTypes.MOC", { board: code.slice(4) });
      return code;
    },
    category: (category: string) => t(`categories.${category}`, { defaultValue: humanize(category) }),
  };
}
