// One certificate (the link in the "certificate issued" email): what it says, its PDF, and its public check.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { api, unwrap } from "../../api";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { DownloadStatus } from "../../components/DownloadStatus";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useDownload } from "../../hooks/useDownload";
import { formatCredits, formatDateTime } from "../../lib/format";
import ui from "../../components/ui.module.css";
import { downloadCertificate } from "./queries";

export function CertificateDetail() {
  const { id = "" } = useParams();
  const { t, i18n } = useTranslation();
  const download = useDownload();
  const certificate = useQuery({
    queryKey: ["certificate", id],
    queryFn: () => unwrap(api.certificates.GET("/certificates/{certificate_id}", { params: { path: { certificate_id: id } } })),
  });
  const data = certificate.data;
  return (
    <Page title={data ? t("certificate.title", { number: data.number }) : t("certificate.titleGeneric")} lead={data?.activity_title}>
      <QueryState query={certificate}>
        {(cert) => (
          <>
            {cert.revoked ? <Badge tone="bad">{t("certificates.revoked")}</Badge> : null}
            {cert.superseded ? <Badge tone="neutral">{t("certificates.superseded")}</Badge> : null}
            <dl className={ui.facts}>
              <dt>{t("certificate.learner")}</dt>
              <dd>{cert.learner_name}</dd>
              <dt>{t("certificates.activity")}</dt>
              <dd>{cert.activity_title}</dd>
              <dt>{t("certificates.issued")}</dt>
              <dd>{formatDateTime(cert.issued_at, i18n.language)}</dd>
              <dt>{t("certificates.credits")}</dt>
              <dd>
                {cert.credits.map((credit) => (
                  <div key={credit.credit_type}>
                    {formatCredits(credit.amount, i18n.language)} {credit.label}
                  </div>
                ))}
              </dd>
              <dt>{t("certificate.verification")}</dt>
              <dd>
                <Link to={`/verify/${encodeURIComponent(cert.verification_code)}`}>{cert.verification_code}</Link>
              </dd>
            </dl>
            <div className={ui.actions}>
              <Button
                onPress={() =>
                  void download.start(t("certificates.oneLabel", { number: cert.number }), `certificate-${cert.number}.pdf`, () =>
                    downloadCertificate(cert.id),
                  )
                }
                isPending={download.busy}
              >
                {t("certificate.downloadPdf")}
              </Button>
              <Link to="/certificates">{t("certificate.all")}</Link>
            </div>
            <DownloadStatus progress={download.progress} error={download.error} label={download.label} />
            <p className={ui.muted}>{t("certificate.frozen")}</p>
          </>
        )}
      </QueryState>
    </Page>
  );
}
