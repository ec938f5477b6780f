// The transcript: every claimed activity (past years included) in a date range, totals per credit type, and the PDF.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../../api";
import { Button } from "../../components/Button";
import { DateRange } from "../../components/DateRange";
import { DownloadStatus } from "../../components/DownloadStatus";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useDownload } from "../../hooks/useDownload";
import { formatCredits, formatDay } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import ui from "../../components/ui.module.css";
import styles from "./certificates.module.css";

export function Transcript() {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const [params, setParams] = useSearchParams();
  const from = params.get("from");
  const to = params.get("to");
  const range = from && to ? { from, to } : null;
  const query = range ? { from: range.from, to: range.to } : {};
  const transcript = useQuery({
    queryKey: ["transcript", from, to],
    queryFn: () => unwrap(api.certificates.GET("/transcript", { params: { query } })),
  });
  const download = useDownload();
  const lang = i18n.language;
  const filename = range ? `transcript-${range.from}-to-${range.to}.pdf` : "transcript.pdf";

  return (
    <Page title={t("transcript.title")} lead={t("transcript.lead")}>
      <DateRange
        label={t("transcript.range")}
        description={t("transcript.rangeHint")}
        value={range}
        onChange={(next) => setParams(next ? { from: next.from, to: next.to } : {}, { replace: true })}
      />
      <div className={ui.actions}>
        <Button
          onPress={() =>
            void download.start(t("transcript.pdfLabel"), filename, () =>
              api.certificates.GET("/transcript.pdf", { params: { query }, parseAs: "stream" }),
            )
          }
          isPending={download.busy}
        >
          {t("transcript.downloadPdf")}
        </Button>
        <Link to="/certificates">{t("transcript.printCertificates")}</Link>
      </div>
      <DownloadStatus progress={download.progress} error={download.error} label={download.label} />
      <QueryState query={transcript}>
        {(data) => (
          <>
            <h2 id="totals-heading">{t("transcript.totals")}</h2>
            {data.totals.length === 0 ? (
              <p>{t("transcript.noneInRange")}</p>
            ) : (
              <div className={ui.tableWrap}>
                <table className={styles.totals} aria-labelledby="totals-heading">
                  <thead>
                    <tr>
                      <th scope="col">{t("transcript.creditType")}</th>
                      <th scope="col">{t("transcript.total")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.totals.map((total) => (
                      <tr key={total.credit_type}>
                        <th scope="row">{total.label || labels.creditType(total.credit_type)}</th>
                        <td data-testid={`total-${total.credit_type}`}>{formatCredits(total.amount, lang)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <h2 id="activities-heading">{t("transcript.activities")}</h2>
            {data.rows.length ? (
              <div className={ui.tableWrap}>
                <table aria-labelledby="activities-heading">
                  <thead>
                    <tr>
                      <th scope="col">{t("transcript.completed")}</th>
                      <th scope="col">{t("certificates.activity")}</th>
                      <th scope="col">{t("certificates.credits")}</th>
                      <th scope="col">{t("certificates.number")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.rows.map((row) => (
                      <tr key={row.certificate_id}>
                        <td>{formatDay(row.completed_on, lang)}</td>
                        <th scope="row">
                          {row.activity_title}
                          {row.activity_format ? <span className={ui.muted}> · {labels.format(row.activity_format)}</span> : null}
                        </th>
                        <td>
                          {row.credits.map((credit) => (
                            <div key={credit.credit_type}>
                              {formatCredits(credit.amount, lang)} {credit.label || labels.creditType(credit.credit_type)}
                            </div>
                          ))}
                        </td>
                        <td>
                          <Link to={`/certificates/${row.certificate_id}`}>{row.certificate_number}</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p>{t("transcript.noneInRange")}</p>
            )}
          </>
        )}
      </QueryState>
    </Page>
  );
}
