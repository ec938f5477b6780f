// The public verification page a certificate's QR code or printed link opens (/verify/<code>): no sign-in.
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { api, isApiError, unwrap } from "../../api";
import type { Verification } from "../../api/schemas";
import { Alert } from "../../components/Alert";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { ErrorPanel } from "../../components/ErrorPanel";
import fieldStyles from "../../components/form/Field.module.css";
import { Loading } from "../../components/Loading";
import { Page } from "../../components/Page";
import { formatCredits, formatDate } from "../../lib/format";
import ui from "../../components/ui.module.css";
import styles from "./certificates.module.css";

export function Verify() {
  const { code = "" } = useParams();
  const { t } = useTranslation();
  const verification = useQuery({
    queryKey: ["verify", code],
    queryFn: () => unwrap(api.certificates.GET("/verify/{code}", { params: { path: { code } } })),
    enabled: code !== "",
    retry: (count, error) => !isApiError(error, 404, 422) && count < 2,
  });
  return (
    <Page title={t("verify.title")} lead={t("verify.lead")}>
      {code ? (
        <>
          {verification.isPending ? <Loading label={t("verify.checking")} /> : null}
          {verification.isError && isApiError(verification.error, 404, 422) ? (
            <Alert tone="error" title={t("verify.unknown", { code })}>
              <p>{t("verify.unknownHelp")}</p>
            </Alert>
          ) : null}
          {verification.isError && !isApiError(verification.error, 404, 422) ? (
            <ErrorPanel error={verification.error} onRetry={() => void verification.refetch()} />
          ) : null}
          {verification.data ? <Result result={verification.data} /> : null}
        </>
      ) : null}
      <CodeForm initial={code} />
    </Page>
  );
}

function Result({ result }: { result: Verification }) {
  const { t, i18n } = useTranslation();
  const tone = result.status === "valid" ? "success" : result.status === "revoked" ? "error" : "warning";
  return (
    <Alert tone={tone} role="status" title={<span className={styles.verified}>{t(`verify.status.${result.status}`)}</span>}>
      <p>
        <Badge tone={result.valid ? "good" : "bad"}>{result.valid ? t("verify.validBadge") : t("verify.invalidBadge")}</Badge>
      </p>
      {result.status === "superseded" && result.superseded_by_number ? (
        <p>{t("verify.supersededBy", { number: result.superseded_by_number })}</p>
      ) : null}
      <dl className={ui.facts}>
        <dt>{t("certificate.learner")}</dt>
        <dd>{result.learner_name}</dd>
        <dt>{t("certificates.activity")}</dt>
        <dd>{result.activity_title}</dd>
        <dt>{t("verify.dates")}</dt>
        <dd>{result.activity_dates}</dd>
        <dt>{t("certificates.credits")}</dt>
        <dd>
          {result.credits.map((credit) => (
            <div key={credit.credit_type}>
              {formatCredits(credit.amount, i18n.language)} {credit.label}
            </div>
          ))}
        </dd>
        <dt>{t("verify.provider")}</dt>
        <dd>{result.provider_name}</dd>
        <dt>{t("certificates.number")}</dt>
        <dd>{result.certificate_number}</dd>
        <dt>{t("certificates.issued")}</dt>
        <dd>{formatDate(result.issued_at, i18n.language)}</dd>
      </dl>
    </Alert>
  );
}

function CodeForm({ initial }: { initial: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [value, setValue] = useState(initial);
  function submit(event: FormEvent) {
    event.preventDefault();
    const code = value.trim();
    if (code) navigate(`/verify/${encodeURIComponent(code)}`);
  }
  return (
    <form onSubmit={submit} className={styles.codeForm}>
      <div className={fieldStyles.field}>
        <label htmlFor="verify-code" className={fieldStyles.label}>
          {t("verify.code")}
        </label>
        <input
          id="verify-code"
          className={fieldStyles.input}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className={fieldStyles.field}>
        <Button type="submit">{t("verify.submit")}</Button>
      </div>
    </form>
  );
}
