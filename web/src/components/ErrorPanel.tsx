// What a failed fetch shows: the service's reason when it refused, a retry when it could not answer. Never blank.
import { useTranslation } from "react-i18next";
import { ApiError, isRetryable, NetworkError } from "../api/problem";
import { Alert } from "./Alert";
import { Button } from "./Button";
import { SupportContact } from "./SupportContact";

export function errorTitleKey(error: unknown): string {
  if (error instanceof NetworkError) return "errors.network";
  if (error instanceof ApiError) {
    if (error.status === 404) return "errors.notFound";
    if (error.status === 401) return "errors.signedOut";
    if (error.status === 403) return "errors.forbidden";
    if (error.status >= 500) return "errors.server";
    return "errors.refused";
  }
  return "errors.unexpected";
}

export function ErrorPanel({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const detail = error instanceof ApiError && error.status < 500 ? error.problem.detail : undefined;
  return (
    <Alert tone="error" title={t(errorTitleKey(error))}>
      {detail ? <p>{detail}</p> : null}
      {onRetry && (isRetryable(error) || !(error instanceof ApiError)) ? (
        <p>
          <Button variant="secondary" onPress={onRetry}>
            {t("common.retry")}
          </Button>
        </p>
      ) : null}
      <SupportContact compact />
    </Alert>
  );
}
