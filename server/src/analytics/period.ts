import type { InputIssue } from '../graphql/errors.js';

/**
 * Analytics periods are ranges of local days in the program's time zone, [from, to), written
 * as ISO dates ("2026-03-01"). A period is given as from/to, or named: a month "2026-03", a
 * quarter "2026-Q1" or a year 2026.
 */
export interface PeriodInput {
  from?: string | null;
  to?: string | null;
  month?: string | null;
  quarter?: string | null;
  year?: number | null;
}

export interface Period {
  /** The first local day, "YYYY-MM-DD". */
  from: string;
  /** The day after the last, "YYYY-MM-DD". */
  to: string;
}

/** The longest period, in days: ten years. */
export const MAX_PERIOD_DAYS = 3_660;
const FIRST_YEAR = 2000;
const LAST_YEAR = 2100;
const DAY_MS = 86_400_000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date as days since 1970-01-01, or null when it is not a real date of the years allowed. */
export function dayNumber(date: string): number | null {
  const match = DATE.exec(date);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const time = Date.UTC(year, month - 1, day);
  if (year < FIRST_YEAR || year > LAST_YEAR || new Date(time).getUTCDate() !== day || new Date(time).getUTCMonth() !== month - 1) return null;
  return time / DAY_MS;
}

/** Days since 1970-01-01 as "YYYY-MM-DD". */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The period the input names, or the issues with it (each with its path under `path`). */
export function resolvePeriod(input: PeriodInput, path = 'period'): Period | InputIssue[] {
  const forms = (['from', 'month', 'quarter', 'year'] as const).filter((form) => input[form] !== undefined && input[form] !== null);
  if (input.to != null && input.from == null) return [{ path: `${path}.from`, message: 'from and to come together' }];
  if (forms.length !== 1) return [{ path, message: 'give exactly one of from and to, month, quarter or year' }];
  if (input.year != null) {
    if (!Number.isInteger(input.year) || input.year < FIRST_YEAR || input.year > LAST_YEAR) return [{ path: `${path}.year`, message: `must be a year from ${FIRST_YEAR} to ${LAST_YEAR}` }];
    return { from: `${input.year}-01-01`, to: `${input.year + 1}-01-01` };
  }
  if (input.month != null) return named(input.month, /^(\d{4})-(0[1-9]|1[0-2])$/, 1, `${path}.month`, 'a month like 2026-03');
  if (input.quarter != null) return named(input.quarter, /^(\d{4})-Q([1-4])$/, 3, `${path}.quarter`, 'a quarter like 2026-Q1');
  return range(input.from!, input.to, path);
}

function named(text: string, pattern: RegExp, months: number, path: string, form: string): Period | InputIssue[] {
  const match = pattern.exec(text);
  const year = Number(match?.[1]);
  if (!match || year < FIRST_YEAR || year >= LAST_YEAR) return [{ path, message: `must be ${form}, of the years ${FIRST_YEAR}–${LAST_YEAR - 1}` }];
  const first = (Number(match[2]) - 1) * months;
  return { from: dateOf(Date.UTC(year, first, 1) / DAY_MS), to: dateOf(Date.UTC(year, first + months, 1) / DAY_MS) };
}

function range(from: string, to: string | null | undefined, path: string): Period | InputIssue[] {
  const start = dayNumber(from);
  if (start === null) return [{ path: `${path}.from`, message: `must be a date like 2026-03-01, of the years ${FIRST_YEAR}–${LAST_YEAR}` }];
  if (to == null) return [{ path: `${path}.to`, message: 'from and to come together' }];
  const end = dayNumber(to);
  if (end === null) return [{ path: `${path}.to`, message: `must be a date like 2026-04-01, of the years ${FIRST_YEAR}–${LAST_YEAR}` }];
  if (end <= start) return [{ path: `${path}.to`, message: 'must be after from (to is the day after the last)' }];
  if (end - start > MAX_PERIOD_DAYS) return [{ path: `${path}.to`, message: `a period is at most ${MAX_PERIOD_DAYS} days` }];
  return { from, to };
}

/** The period of the same length just before (what retention compares with). */
export function previousPeriod(period: Period): Period {
  const from = dayNumber(period.from)!;
  const to = dayNumber(period.to)!;
  return { from: dateOf(from - (to - from)), to: period.from };
}

/** The first day of the month of `date`. */
export function monthOf(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** The first day of the month after the one of `date`. */
export function nextMonth(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return dateOf(Date.UTC(year, month, 1) / DAY_MS);
}

/**
 * A period cut into whole months [monthsFrom, monthsTo) and the days around them: the days in
 * [from, monthsFrom) and [monthsTo, to). Without a whole month, monthsFrom = monthsTo = to and
 * every day is in the first part.
 */
export function splitByMonths(period: Period): { monthsFrom: string; monthsTo: string } {
  const monthsFrom = period.from === monthOf(period.from) ? period.from : nextMonth(period.from);
  const monthsTo = monthOf(period.to);
  return monthsFrom < monthsTo ? { monthsFrom, monthsTo } : { monthsFrom: period.to, monthsTo: period.to };
}

export type Interval = 'DAY' | 'WEEK' | 'MONTH';

/** The first day of the bucket of `interval` that `day` falls in: itself, its week's Monday, its month's first day. */
export function bucketOf(day: number, interval: Interval): number {
  if (interval === 'DAY') return day;
  if (interval === 'WEEK') return day - ((new Date(day * DAY_MS).getUTCDay() + 6) % 7);
  return dayNumber(monthOf(dateOf(day)))!;
}

/** Every bucket of `interval` that the period touches, by first day (the first may start before `from`). */
export function bucketsOf(period: Period, interval: Interval): string[] {
  const buckets: string[] = [];
  const to = dayNumber(period.to)!;
  for (let day = bucketOf(dayNumber(period.from)!, interval); day < to; ) {
    buckets.push(dateOf(day));
    day = interval === 'DAY' ? day + 1 : interval === 'WEEK' ? day + 7 : dayNumber(nextMonth(dateOf(day)))!;
  }
  return buckets;
}
