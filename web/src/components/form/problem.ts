// Maps a refusal onto a form: each of the problem's `errors[].field` (a dotted path of the request body, e.g.
// "credits.AMA_PRA_1") goes beside the input that holds it; what has no input goes to the top of the form, with the
// problem's detail. The service decides; the form only shows where.

import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { ApiError, NetworkError } from "../../api/problem";

export interface FormProblem {
  /** i18n key of the headline (refused / could not reach / unexpected). */
  titleKey: string;
  /** The service's own words, shown as they are. */
  messages: string[];
  retryable: boolean;
}

/**
 * Sets server errors on the form's fields and returns what belongs at the top (null when there is nothing).
 * `fieldFor` maps a problem field path to a form field name, or null when the form has no input for it.
 */
export function applyProblem<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fieldFor: (path: string) => Path<T> | null,
): FormProblem {
  if (error instanceof NetworkError) {
    return { titleKey: "errors.network", messages: [], retryable: true };
  }
  if (!(error instanceof ApiError)) {
    return { titleKey: "errors.unexpected", messages: [], retryable: true };
  }
  const { problem } = error;
  if (problem.status >= 500) {
    return { titleKey: "errors.server", messages: [], retryable: true };
  }
  const top: string[] = [];
  let focused = false;
  for (const item of problem.errors ?? []) {
    const name = fieldFor(item.field);
    const reason = readable(item.reason);
    if (name) {
      setError(name, { type: "server", message: reason }, { shouldFocus: !focused });
      focused = true;
    } else {
      top.push(reason);
    }
  }
  if (!problem.errors?.length && problem.detail) top.push(problem.detail);
  if (problem.status === 429) return { titleKey: "errors.tooMany", messages: top, retryable: true };
  return { titleKey: focused && top.length === 0 ? "errors.fixFields" : "errors.refused", messages: top, retryable: false };
}

/** A field map from the form's own names: a problem path maps to itself when the form has that field. */
export function sameNames<T extends FieldValues>(names: readonly string[]): (path: string) => Path<T> | null {
  const known = new Set(names);
  return (path) => (known.has(path) ? (path as Path<T>) : null);
}

/** The service's words, without the validation library's "Value error, " prefix. */
export function readable(reason: string): string {
  const text = reason.replace(/^Value error, /, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
