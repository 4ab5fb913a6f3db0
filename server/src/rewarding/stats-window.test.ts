import type { CampaignSnapshot } from '@cofactor/schema';
import { localDayOf, periodOf } from '../periods/period.js';
import { rollingDaysOf, windowOf } from './stats-window.js';

const campaign: CampaignSnapshot = { id: '1', name: 'All year', currency: 'RUB', startsAt: new Date('2025-01-01T00:00:00Z'), endsAt: null };

describe('windowOf', () => {
  it('agrees with the period closes on every local day, month and quarter, DST and far zones included', () => {
    // Every 13 hours through 2026, in zones east and west of UTC and one that changes to summer time:
    // a stats window and the period a close would pay are the same span.
    for (const timeZone of ['Europe/Moscow', 'Asia/Vladivostok', 'Europe/Berlin', 'America/New_York']) {
      for (let at = Date.parse('2026-01-01T00:00:00Z'); at < Date.parse('2027-01-01T00:00:00Z'); at += 13 * 3_600_000) {
        const instant = new Date(at);
        for (const unit of ['MONTH', 'QUARTER'] as const) {
          const period = periodOf(instant, unit, timeZone);
          expect(windowOf(campaign, unit, instant, timeZone)).toEqual({ startsAt: period.startsAt, endsAt: period.endsAt });
        }
        expect(windowOf(campaign, 'DAY', instant, timeZone)).toEqual(localDayOf(instant, timeZone));
      }
    }
  });

  it('counts a month from the campaign start when the campaign starts inside it', () => {
    const march = { ...campaign, startsAt: new Date('2026-03-15T00:00:00Z') };
    // March in Moscow ends at 1 April 00:00 MSK = 31 March 21:00 UTC.
    expect(windowOf(march, 'MONTH', new Date('2026-03-20T00:00:00Z'), 'Europe/Moscow')).toEqual({
      startsAt: new Date('2026-03-15T00:00:00Z'),
      endsAt: new Date('2026-03-31T21:00:00Z'),
    });
  });

  it('tells a rolling window, whose span moves with each event, from the calendar ones', () => {
    expect([rollingDaysOf({ rollingDays: 30 }), rollingDaysOf('MONTH'), rollingDaysOf('CAMPAIGN')]).toEqual([30, null, null]);
  });
});
