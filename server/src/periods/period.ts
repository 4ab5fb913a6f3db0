import type { Period, PeriodUnit } from '@cofactor/schema';

function localParts(instant: Date, timeZone: string): Record<string, number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  return Object.fromEntries(parts.filter((part) => part.type !== 'literal').map((part) => [part.type, Number(part.value)]));
}

/**
 * The offset of `timeZone` from UTC at `instant`, in minutes (e.g. +180 for Moscow), read
 * from Intl so no time-zone database has to ship with the server.
 */
function offsetMinutes(instant: Date, timeZone: string): number {
  const local = localParts(instant, timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/** Midnight at the start of the given local day in `timeZone`, as an instant. */
export function startOfLocalDay(year: number, monthIndex: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, monthIndex, day);
  // The offset at the guess can differ from the offset at local midnight around a DST
  // change, so settle it in a second step.
  const first = guess - offsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess - offsetMinutes(new Date(first), timeZone) * 60_000);
}

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a period key — a month '2026-03' or a quarter '2026-Q1' — as a span of local time
 * in the program's time zone. Returns null for anything else.
 */
export function parsePeriodKey(key: string, timeZone: string): Period | null {
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(key);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (!month && !quarter) return null;
  const year = Number((month ?? quarter)![1]);
  const first = month ? Number(month[2]) - 1 : (Number(quarter![2]) - 1) * 3;
  const length = month ? 1 : 3;
  return {
    key,
    unit: month ? 'MONTH' : 'QUARTER',
    startsAt: startOfLocalDay(year, first, 1, timeZone),
    endsAt: startOfLocalDay(year + Math.floor((first + length) / 12), (first + length) % 12, 1, timeZone),
  };
}

/** The local calendar day in `timeZone` that contains `instant`: [start, end). */
export function localDayOf(instant: Date, timeZone: string): { startsAt: Date; endsAt: Date } {
  const { year, month, day } = localParts(instant, timeZone);
  return { startsAt: startOfLocalDay(year, month - 1, day, timeZone), endsAt: startOfLocalDay(year, month - 1, day + 1, timeZone) };
}

/** The key `delta` periods of the same unit away: shiftPeriodKey('2026-02', -2) = '2025-12'. */
export function shiftPeriodKey(key: string, delta: number): string {
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  if (month) {
    const index = Number(month[1]) * 12 + Number(month[2]) - 1 + delta;
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  }
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (!quarter) throw new Error(`not a period key: ${key}`);
  const index = Number(quarter[1]) * 4 + Number(quarter[2]) - 1 + delta;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/** The month or quarter, in `timeZone`, that contains `instant`. */
export function periodOf(instant: Date, unit: PeriodUnit, timeZone: string): Period {
  const { year, month } = localParts(instant, timeZone);
  const key = unit === 'MONTH' ? `${year}-${String(month).padStart(2, '0')}` : `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
  return parsePeriodKey(key, timeZone)!;
}
