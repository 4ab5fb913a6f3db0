import pg from 'pg';

/** PostgreSQL's type id of `timestamptz`. */
export const TIMESTAMPTZ_OID = 1184;

const parseAnyTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date;

/**
 * A `timestamptz` as PostgreSQL writes it in text (DateStyle ISO): `2026-12-04 09:55:30.57+00`,
 * with 0–6 digits of fraction and an offset of hours, minutes and seconds. Read by position:
 * every list row carries timestamps, and pg's general parser (regular expressions, for every
 * form a date can take) was 3% of a CPU profile of the server answering rewards lists; this
 * one takes a third of its time. Years before 1000, BC dates, infinities and anything else
 * unexpected go to that parser. Milliseconds are truncated, as that parser does.
 */
export function parseTimestamptz(text: string): Date {
  const n = text.length;
  if (n < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return parseAnyTimestamptz(text);
  }
  const year = digits(text, 0, 4);
  let at = 19;
  let milliseconds = 0;
  if (text.charCodeAt(at) === 46) {
    let end = at + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    const fraction = end - at - 1;
    if (fraction < 1 || fraction > 6) return parseAnyTimestamptz(text);
    milliseconds = fraction >= 3 ? digits(text, at + 1, 3) : digits(text, at + 1, fraction) * (fraction === 1 ? 100 : 10);
    at = end;
  }
  const offset = offsetSeconds(text, at);
  if (year < 1000 || Number.isNaN(offset)) return parseAnyTimestamptz(text);
  const utc = Date.UTC(year, digits(text, 5, 2) - 1, digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2), milliseconds);
  return Number.isNaN(utc) ? parseAnyTimestamptz(text) : new Date(utc - offset * 1000);
}

/** `±HH`, `±HH:MM` or `±HH:MM:SS` from `at` to the end, in seconds east of UTC; NaN otherwise. */
function offsetSeconds(text: string, at: number): number {
  const sign = text.charCodeAt(at) === 43 ? 1 : text.charCodeAt(at) === 45 ? -1 : 0;
  const length = text.length - at - 1;
  if (sign === 0 || (length !== 2 && length !== 5 && length !== 8)) return NaN;
  let seconds = digits(text, at + 1, 2) * 3600;
  for (let part = 1; part * 3 + 2 <= length; part++) {
    if (text.charCodeAt(at + part * 3) !== 58) return NaN;
    seconds += digits(text, at + part * 3 + 1, 2) * (part === 1 ? 60 : 1);
  }
  return sign * seconds;
}

/** The decimal number of `count` digits at `at`; NaN if one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return NaN;
    value = value * 10 + (code - 48);
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** pg's type parsers, with `timestamptz` read by `parseTimestamptz`. */
export const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? parseTimestamptz : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};
