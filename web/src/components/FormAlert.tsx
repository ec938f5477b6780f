import { useTranslation } from "react-i18next";
import type { FormProblem } from "./form/problem";
import { Alert } from "./Alert";
import { SupportContact } from "./SupportContact";

/** The top of a form: why it was refused, in the service's words, for what has no field of its own. */
export function FormAlert({ problem }: { problem: FormProblem | null }) {
  const { t } = useTranslation();
  if (!problem) return null;
  return (
    <Alert tone="error" title={t(problem.titleKey)} focus>
      {problem.messages.length === 1 ? <p>{problem.messages[0]}</p> : null}
      {problem.messages.length > 1 ? (
        <ul>
          {problem.messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      ) : null}
      {problem.retryable ? <p>{t("errors.keptTyped")}</p> : null}
      {problem.retryable ? <SupportContact compact /> : null}
    </Alert>
  );
}
