import type { CampaignSnapshot, StatsWindow } from '@cofactor/schema';
import { localDayOf } from '../periods/period.js';

/** A stretch of time: from `startsAt` (inclusive) to `endsAt` (exclusive), open-ended when null. */
export interface Span {
  startsAt: Date;
  endsAt: Date | null;
}

export function within(span: Span, at: Date): boolean {
  return at >= span.startsAt && (span.endsAt === null || at < span.endsAt);
}

/**
 * The part of the campaign a stats window covers around `at`: the whole campaign, or the
 * local day of `at` in the program's time zone (clipped to the campaign). Both stores count
 * stats over this span, so the PostgreSQL and the memory store agree.
 */
export function windowOf(campaign: CampaignSnapshot, window: StatsWindow, at: Date, timeZone: string): Span {
  if (window === 'CAMPAIGN') return campaign;
  const day = localDayOf(at, timeZone);
  return {
    startsAt: day.startsAt > campaign.startsAt ? day.startsAt : campaign.startsAt,
    endsAt: campaign.endsAt && campaign.endsAt < day.endsAt ? campaign.endsAt : day.endsAt,
  };
}
