import { statsWindowSpan, type CampaignSnapshot, type Period, type StatsSpan, type StatsWindow } from '@cofactor/schema';
import { parsePeriodKey, shiftPeriodKey } from '../periods/period.js';

/** A stretch of time: from `startsAt` (inclusive) to `endsAt` (exclusive), open-ended when null. */
export type Span = StatsSpan;

export function within(span: Span, at: Date): boolean {
  return at >= span.startsAt && (span.endsAt === null || at < span.endsAt);
}

/**
 * The part of the campaign a stats window covers around `at`, the evaluated event's date: the
 * whole campaign; the local day, month or quarter of `at` in the program's time zone; or the
 * rolling days up to and including `at` — clipped to the campaign (`statsWindowSpan`, the
 * contract's own reading, which the conformance kit uses too). Both stores count stats over
 * this span, so the PostgreSQL and the memory store agree. A window the contract does not know
 * throws: the scheme asking for it has a bug, and its batch fails with the message.
 */
export function windowOf(campaign: CampaignSnapshot, window: StatsWindow, at: Date, timeZone: string): Span {
  return statsWindowSpan(campaign, window, at, timeZone);
}

/** A rolling window's days, or null for a window whose span is the same for many events. */
export function rollingDaysOf(window: StatsWindow): number | null {
  return typeof window === 'object' ? window.rollingDays : null;
}

/**
 * The span a close of `period` counts: `periods` periods of its unit ending with it (a rolling
 * window, default 1), clipped to the campaign's dates. Participants and the progress towards
 * a period's rewards are both counted over it.
 */
export function periodSpan(campaign: CampaignSnapshot, period: Period, periods: number | undefined, timeZone: string): Span & { endsAt: Date } {
  const count = Math.max(1, Math.floor(periods ?? 1));
  const from = count === 1 ? period.startsAt : parsePeriodKey(shiftPeriodKey(period.key, 1 - count), timeZone)!.startsAt;
  return {
    startsAt: from > campaign.startsAt ? from : campaign.startsAt,
    endsAt: campaign.endsAt && campaign.endsAt < period.endsAt ? campaign.endsAt : period.endsAt,
  };
}
