// CSV as spreadsheets open it (RFC 4180): a cell holding a comma, a quote or a line break is quoted, its quotes
// doubled; a cell a spreadsheet would run as a formula (=, +, -, @, a tab or a carriage return first) is prefixed
// with ', as the catalog's roster CSV does. Numbers are written as they are, so -2 stays a number.

import { saveBlob } from "../api/download";

export type CsvCell = string | number | null | undefined;

const FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"];

/** One cell, quoted when it must be and disarmed when a spreadsheet would run it. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const text = FORMULA_STARTS.some((start) => value.startsWith(start)) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and data rows, CRLF between rows, with a byte-order mark so spreadsheets read UTF-8 names right. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(","));
  return `\ufeff${lines.join("\r\n")}\r\n`;
}

/** Hands the browser a CSV file of these rows to save. */
export function saveCsv(filename: string, header: readonly string[], rows: readonly (readonly CsvCell[])[]): void {
  saveBlob(new Blob([toCsv(header, rows)], { type: "text/csv;charset=utf-8" }), filename);
}
