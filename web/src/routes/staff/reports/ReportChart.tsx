// One report of the office's: a bar chart, the same numbers as a table (what a screen reader reads, and what the
// chart's bars are drawn from) and a CSV file of exactly that table. The chart itself is hidden from assistive
// technology: the table says everything it shows.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Button } from "../../../components/Button";
import { saveCsv, type CsvCell } from "../../../lib/csv";
import styles from "../office.module.css";
import { TableBox } from "../TableBox";
import type { Row } from "./series";

// Told apart by people with the common colour-vision deficiencies (Okabe–Ito, darkened to 3:1 against white).
const PALETTE = ["#0060a8", "#c25e00", "#007a5a", "#a8447a", "#6b5c00", "#3d7fb8", "#b33a00", "#555555"];

export interface Series {
  key: string;
  label: string;
  /** Bars of one stack are drawn on top of each other. */
  stack?: string;
}

export interface Extra {
  key: string;
  label: string;
  /** How the table shows it (the CSV takes `csv`, else the raw value). */
  format: (value: number) => string;
  csv?: (value: number) => CsvCell;
}

interface Props {
  title: string;
  lead?: string;
  rows: Row[];
  /** The header of the first column (the chart's axis), and how a key reads there. */
  keyLabel: string;
  keyFormat: (key: string) => string;
  /** How a key reads on the axis when shorter than in the table. */
  axisFormat?: (key: string) => string;
  series: Series[];
  /** Columns of the table and CSV that are not drawn. */
  extras?: Extra[];
  /** A sentence with the report's totals. */
  totals: string;
  /** Said instead of the chart when nothing was counted. */
  empty: string;
  csvName: string;
  format: (value: number) => string;
  /** Counts: the axis has whole numbers only. */
  whole?: boolean;
}

export function ReportChart({ title, lead, rows, keyLabel, keyFormat, axisFormat, series, extras = [], totals, empty, csvName, format, whole = false }: Props) {
  const { t } = useTranslation();
  const headingId = useId();
  const nothing = rows.every((row) => series.every((s) => Number(row[s.key] ?? 0) === 0));
  const download = () => {
    const header = [keyLabel, ...series.map((s) => s.label), ...extras.map((e) => e.label)];
    const cells = rows.map((row) => [
      row.key,
      ...series.map((s) => row[s.key]),
      ...extras.map((e) => (e.csv ? e.csv(Number(row[e.key])) : row[e.key])),
    ]);
    saveCsv(csvName, header, cells);
  };
  return (
    <section aria-labelledby={headingId} className={styles.report}>
      <h2 id={headingId}>{title}</h2>
      {lead ? <p>{lead}</p> : null}
      <p className={styles.totals}>{totals}</p>
      {nothing ? (
        <p>{empty}</p>
      ) : (
        <>
          <div className={styles.chart} aria-hidden="true" data-chart={csvName}>
            <ResponsiveContainer width="100%" height={280}>
              <BarChart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="key" tickFormatter={axisFormat ?? keyFormat} />
                <YAxis allowDecimals={!whole} width={48} tickFormatter={(value: number) => format(value)} />
                <Tooltip labelFormatter={(key) => keyFormat(String(key))} formatter={(value) => format(Number(value))} />
                <Legend itemSorter={(item) => series.findIndex((s) => s.key === item.dataKey)} />
                {series.map((s, index) => (
                  <Bar
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    stackId={s.stack}
                    fill={PALETTE[index % PALETTE.length]}
                    maxBarSize={64}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
          <TableBox label={t("officeReports.tableOf", { title })}>
            <table className={styles.table}>
              <caption className={styles.caption}>{t("officeReports.tableOf", { title })}</caption>
              <thead>
                <tr>
                  <th scope="col">{keyLabel}</th>
                  {series.map((s) => (
                    <th key={s.key} scope="col">
                      {s.label}
                    </th>
                  ))}
                  {extras.map((e) => (
                    <th key={e.key} scope="col">
                      {e.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.key}>
                    <th scope="row">{keyFormat(String(row.key))}</th>
                    {series.map((s) => (
                      <td key={s.key} className={styles.number}>
                        {format(Number(row[s.key]))}
                      </td>
                    ))}
                    {extras.map((e) => (
                      <td key={e.key} className={styles.number}>
                        {e.format(Number(row[e.key]))}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </>
      )}
      <p>
        <Button variant="secondary" onPress={download} aria-label={t("officeReports.downloadOf", { title })}>
          {t("officeReports.download")}
        </Button>
      </p>
    </section>
  );
}
