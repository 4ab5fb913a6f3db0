/**
 * The span of time a stats window covers around an event: the one reading of `StatsWindow`
 * that the server's stores and the conformance kit share, so a scheme tested with the kit
 * sees the stats the engine gives it.
 */
import type { ArgIssue } from './args.js';
import { MAX_ROLLING_DAYS, STATS_WINDOWS, type Period, type PeriodUnit, type StatsWindow } from './scheme.js';

/** A stretch of time: from `startsAt` (inclusive) to `endsAt` (exclusive), open-ended when null. */
export interface StatsSpan {
  startsAt: Date;
  endsAt: Date | null;
}

const DAY_MS = 86_400_000;

/**
 * Why `window` is not a stats window, at its path (`window`, `window.rollingDays`), or null
 * when it is one.
 */
export function statsWindowProblem(window: unknown): ArgIssue | null {
  if (typeof window === 'string') {
    return (STATS_WINDOWS as readonly string[]).includes(window) ? null : { path: 'window', message: `must be one of ${STATS_WINDOWS.join(', ')} or { rollingDays }` };
  }
  if (typeof window !== 'object' || window === null || Object.keys(window).join() !== 'rollingDays') {
    return { path: 'window', message: `must be one of ${STATS_WINDOWS.join(', ')} or { rollingDays }` };
  }
  const days = (window as { rollingDays: unknown }).rollingDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_ROLLING_DAYS) {
    return { path: 'window.rollingDays', message: `must be a whole number of days from 1 to ${MAX_ROLLING_DAYS}, got ${JSON.stringify(days)}` };
  }
  return null;
}

/**
 * The part of the campaign `window` covers around `at` (the evaluated event's `occurredAt`):
 * the whole campaign; the local day, month or quarter of `at` in `timeZone`; or, for
 * `{ rollingDays: N }`, the N × 24 hours up to and including `at` — always clipped to the
 * campaign's dates. Throws on a window `statsWindowProblem` refuses.
 */
export function statsWindowSpan(campaign: StatsSpan, window: StatsWindow, at: Date, timeZone: string): StatsSpan {
  const problem = statsWindowProblem(window);
  if (problem) throw new Error(`ctx.stats: ${problem.path} ${problem.message}`);
  if (window === 'CAMPAIGN') return { startsAt: campaign.startsAt, endsAt: campaign.endsAt };
  const span = typeof window === 'object' ? rollingSpan(at, window.rollingDays) : localSpan(at, window, timeZone);
  return {
    startsAt: span.startsAt > campaign.startsAt ? span.startsAt : campaign.startsAt,
    endsAt: campaign.endsAt && campaign.endsAt < span.endsAt ? campaign.endsAt : span.endsAt,
  };
}

/** The month or quarter `at` falls in, in `timeZone`, keyed as period closes name it: '2026-03', '2026-Q1'. */
export function periodAt(unit: PeriodUnit, at: Date, timeZone: string): Period {
  const { year, month } = localParts(at, timeZone);
  const key = unit === 'MONTH' ? `${year}-${String(month).padStart(2, '0')}` : `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
  return { key, unit, ...localSpan(at, unit, timeZone) };
}

/**
 * When an open period's targets are judged (a progress target's `endsAt`): at its close, or at
 * the campaign's end if that comes first. Null when the campaign does not run in the period,
 * so no close of it pays anything.
 */
export function periodJudgedAt(campaign: StatsSpan, period: Period): Date | null {
  if (campaign.startsAt >= period.endsAt || (campaign.endsAt !== null && campaign.endsAt <= period.startsAt)) return null;
  return campaign.endsAt !== null && campaign.endsAt < period.endsAt ? campaign.endsAt : period.endsAt;
}

/** (at − days × 24 h, at], as a half-open span of whole milliseconds, the precision of event times. */
function rollingSpan(at: Date, days: number): { startsAt: Date; endsAt: Date } {
  return { startsAt: new Date(at.getTime() - days * DAY_MS + 1), endsAt: new Date(at.getTime() + 1) };
}

/** The local calendar day, month or quarter of `at` in `timeZone`: [first midnight, next one). */
function localSpan(at: Date, unit: 'DAY' | 'MONTH' | 'QUARTER', timeZone: string): { startsAt: Date; endsAt: Date } {
  const { year, month, day } = localParts(at, timeZone);
  if (unit === 'DAY') return { startsAt: localMidnight(year, month - 1, day, timeZone), endsAt: localMidnight(year, month - 1, day + 1, timeZone) };
  const first = unit === 'MONTH' ? month - 1 : Math.floor((month - 1) / 3) * 3;
  const length = unit === 'MONTH' ? 1 : 3;
  return { startsAt: localMidnight(year, first, 1, timeZone), endsAt: localMidnight(year, first + length, 1, timeZone) };
}

/** One formatter per time zone: making one costs far more than using it, and every event asks. */
const formats = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: Date, timeZone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  let format = formats.get(timeZone);
  if (!format) {
    const options = { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;
    formats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', options)));
  }
  const parts = format.formatToParts(instant);
  return Object.fromEntries(parts.filter((part) => part.type !== 'literal').map((part) => [part.type, Number(part.value)])) as Record<
    'year' | 'month' | 'day' | 'hour' | 'minute' | 'second',
    number
  >;
}

/** The offset of `timeZone` from UTC at `instant`, in whole minutes as milliseconds, read from Intl. */
function offsetMs(instant: number, timeZone: string): number {
  const local = localParts(new Date(instant), timeZone);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return Math.round((asUtc - instant) / 60_000) * 60_000;
}

/** Local midnight starting the given day (months and days past the end roll over, as in Date.UTC). */
function localMidnight(year: number, monthIndex: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, monthIndex, day);
  // The offset at the guess can differ from the one at local midnight around a DST change,
  // so settle it in a second step.
  const first = guess - offsetMs(guess, timeZone);
  return new Date(guess - offsetMs(first, timeZone));
}
