// Certificates: the list, one download each, and several selected -> one PDF (with progress: the server joins them).
import { useState } from "react";
import { Cell, Checkbox, Column, Row, Table, TableBody, TableHeader, type Selection } from "react-aria-components";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Certificate } from "../../api/schemas";
import { Badge } from "../../components/Badge";
import { Button } from "../../components/Button";
import { DownloadStatus } from "../../components/DownloadStatus";
import { CheckMark } from "../../components/form/fields";
import fieldStyles from "../../components/form/Field.module.css";
import { Page } from "../../components/Page";
import { QueryState } from "../../components/QueryState";
import { useDownload } from "../../hooks/useDownload";
import { formatCredits, formatDate } from "../../lib/format";
import { useLabels } from "../../lib/labels";
import { awaitingCertificates } from "../../lib/pending";
import ui from "../../components/ui.module.css";
import styles from "./certificates.module.css";
import { downloadBundle, downloadCertificate, useCertificates } from "./queries";

/** A row's selection box; the header's ("select all") also shows its words on a phone, where it stands alone. */
function SelectBox({ label, phoneLabel = false }: { label: string; phoneLabel?: boolean }) {
  return (
    <Checkbox slot="selection" className={fieldStyles.checkbox} aria-label={label}>
      {({ isSelected, isIndeterminate }) => (
        <>
          <span className={fieldStyles.box} aria-hidden="true">
            {isSelected ? <CheckMark /> : isIndeterminate ? "–" : null}
          </span>
          {phoneLabel ? (
            <span className={styles.phoneOnly} aria-hidden="true">
              {label}
            </span>
          ) : null}
        </>
      )}
    </Checkbox>
  );
}

export function Certificates() {
  const { t } = useTranslation();
  const certificates = useCertificates();
  const waiting = certificates.data ? awaitingCertificates(certificates.data) : [];
  return (
    <Page title={t("certificates.title")} lead={t("certificates.lead")}>
      {waiting.length ? (
        <div className={ui.loading} role="status">
          <span className={ui.spinner} aria-hidden="true" />
          <span>{t("certificates.preparing", { titles: waiting.map((w) => w.title).join(", ") })}</span>
        </div>
      ) : null}
      <QueryState query={certificates}>
        {(list) =>
          list.length === 0 ? (
            waiting.length ? null : <p>
              {t("certificates.none")} <Link to="/claims">{t("nav.claims")}</Link>
            </p>
          ) : (
            <CertificateTable list={list} />
          )
        }
      </QueryState>
    </Page>
  );
}

function CertificateTable({ list }: { list: Certificate[] }) {
  const { t, i18n } = useTranslation();
  const labels = useLabels();
  const [selection, setSelection] = useState<Selection>(new Set());
  const download = useDownload();
  const selected = selection === "all" ? list.map((c) => c.id) : list.filter((c) => selection.has(c.id)).map((c) => c.id);
  const lang = i18n.language;

  return (
    <>
      <p className={ui.muted}>{t("certificates.selectHelp")}</p>
      <div className={ui.actions}>
        <Button
          isDisabled={selected.length === 0 || download.busy}
          isPending={download.busy && download.label === t("certificates.bundleLabel", { count: selected.length })}
          onPress={() =>
            void download.start(t("certificates.bundleLabel", { count: selected.length }), "certificates.pdf", () =>
              downloadBundle(selected),
            )
          }
        >
          {t("certificates.downloadSelected", { count: selected.length })}
        </Button>
        <Link to="/transcript">{t("certificates.transcriptLink")}</Link>
      </div>
      <DownloadStatus progress={download.progress} error={download.error} label={download.label} />
      <div className={ui.tableWrap}>
        <Table
          aria-label={t("certificates.tableLabel")}
          selectionMode="multiple"
          selectedKeys={selection}
          onSelectionChange={setSelection}
          className={styles.table}
        >
          <TableHeader>
            <Column className={styles.selectColumn}>
              <SelectBox label={t("certificates.selectAll")} phoneLabel />
            </Column>
            <Column isRowHeader>{t("certificates.activity")}</Column>
            <Column>{t("certificates.issued")}</Column>
            <Column>{t("certificates.credits")}</Column>
            <Column>{t("certificates.number")}</Column>
            <Column>{t("certificates.download")}</Column>
          </TableHeader>
          <TableBody items={list}>
            {(certificate) => (
              <Row id={certificate.id} className={styles.row}>
                <Cell>
                  <SelectBox label={t("certificates.select", { title: certificate.activity_title })} />
                </Cell>
                <Cell>
                  <Link to={`/certificates/${certificate.id}`}>{certificate.activity_title}</Link>{" "}
                  {certificate.revoked ? <Badge tone="bad">{t("certificates.revoked")}</Badge> : null}
                  {certificate.superseded ? <Badge tone="neutral">{t("certificates.superseded")}</Badge> : null}
                </Cell>
                <Cell data-label={t("certificates.issued")}>{formatDate(certificate.issued_at, lang)}</Cell>
                <Cell data-label={t("certificates.credits")}>
                  {certificate.credits.map((credit) => (
                    <div key={credit.credit_type}>
                      {formatCredits(credit.amount, lang)} {credit.label || labels.creditType(credit.credit_type)}
                    </div>
                  ))}
                </Cell>
                <Cell data-label={t("certificates.number")}>{certificate.number}</Cell>
                <Cell>
                  <Button
                    variant="secondary"
                    isDisabled={download.busy}
                    onPress={() =>
                      void download.start(
                        t("certificates.oneLabel", { number: certificate.number }),
                        `certificate-${certificate.number}.pdf`,
                        () => downloadCertificate(certificate.id),
                      )
                    }
                  >
                    {t("certificates.pdf")}
                    <span className="visually-hidden"> {certificate.activity_title}</span>
                  </Button>
                </Cell>
              </Row>
            )}
          </TableBody>
        </Table>
      </div>
    </>
  );
}
