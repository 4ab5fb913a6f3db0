/**
 * RFC 4180 CSV, guarded against formula injection: a spreadsheet opening the file must show
 * every text cell as text, never run it. A text cell that a spreadsheet would read as a
 * formula or a command is prefixed with an apostrophe ('), which spreadsheets hide and which
 * makes the rest plain text (OWASP's advice for CSV injection).
 */

/**
 * What a spreadsheet may take for the start of a formula: = + - @, tab or CR, also after
 * leading spaces (ASCII or ideographic), and the full-width ＝ ＋ － ＠ that some spreadsheets
 * fold to their ASCII forms.
 */
const FORMULA_START = /^[ \u3000]*[=+\-@\t\r＝＋－＠]/;
/** A field holding any of these is quoted. */
const NEEDS_QUOTES = /[",\r\n]/;
/** RFC 4180 ends every record, the last one too, with CRLF. */
export const CSV_LINE_END = '\r\n';

/** A text cell (names, ids a sender chose, free text): guarded, then quoted when it must be. */
export function csvText(value: string): string {
  return quoted(FORMULA_START.test(value) ? `'${value}` : value);
}

/**
 * A cell the exporter itself formats (amounts, ids, counts, ISO times, true/false): never
 * guarded, so a negative amount such as -500 stays a number a spreadsheet can add up.
 */
export function csvValue(value: string): string {
  return quoted(value);
}

/** One record: its cells joined with commas, ended with CRLF. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.join(',')}${CSV_LINE_END}`;
}

function quoted(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
