import { parseArgs } from './args.js';
import { MAX_ROLLING_DAYS, rollingDaysArg, type StatsWindow } from './scheme.js';
import { periodAt, statsWindowProblem, statsWindowSpan, type StatsSpan } from './stats-window.js';

const campaign: StatsSpan = { startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: null };
const iso = (span: StatsSpan) => [span.startsAt.toISOString(), span.endsAt?.toISOString() ?? null];

describe('statsWindowSpan', () => {
  it('counts the whole campaign by default', () => {
    const ending = { startsAt: campaign.startsAt, endsAt: new Date('2026-07-01T00:00:00Z') };
    expect(iso(statsWindowSpan(ending, 'CAMPAIGN', new Date('2026-03-05T10:00:00Z'), 'Europe/Moscow'))).toEqual(['2026-01-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z']);
  });

  it('takes the local month of the event: 23:30 on 31 March in Moscow (UTC+3) is still March', () => {
    // 2026-03-31T20:30Z = 23:30 Moscow. March in Moscow runs from 1 March 00:00 MSK (28 Feb 21:00 UTC)
    // to 1 April 00:00 MSK (31 March 21:00 UTC).
    expect(iso(statsWindowSpan(campaign, 'MONTH', new Date('2026-03-31T20:30:00Z'), 'Europe/Moscow'))).toEqual(['2026-02-28T21:00:00.000Z', '2026-03-31T21:00:00.000Z']);
    // An hour later, 00:30 on 1 April Moscow time (still 31 March in UTC): April.
    expect(iso(statsWindowSpan(campaign, 'MONTH', new Date('2026-03-31T21:30:00Z'), 'Europe/Moscow'))).toEqual(['2026-03-31T21:00:00.000Z', '2026-04-30T21:00:00.000Z']);
  });

  it('takes the local quarter of the event: Vladivostok (UTC+10) starts Q2 on 31 March 14:00 UTC', () => {
    // 2026-03-31T14:30Z = 00:30 on 1 April in Vladivostok: Q2, from 1 April 00:00 (+10) to 1 July 00:00 (+10).
    expect(iso(statsWindowSpan(campaign, 'QUARTER', new Date('2026-03-31T14:30:00Z'), 'Asia/Vladivostok'))).toEqual(['2026-03-31T14:00:00.000Z', '2026-06-30T14:00:00.000Z']);
    // 2026-03-31T13:30Z = 23:30 on 31 March there: Q1, clipped to the campaign's start on 1 January UTC.
    expect(iso(statsWindowSpan(campaign, 'QUARTER', new Date('2026-03-31T13:30:00Z'), 'Asia/Vladivostok'))).toEqual(['2026-01-01T00:00:00.000Z', '2026-03-31T14:00:00.000Z']);
    // The fourth quarter ends at the next year's first local midnight.
    expect(iso(statsWindowSpan(campaign, 'QUARTER', new Date('2026-11-15T00:00:00Z'), 'UTC'))).toEqual(['2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('follows a daylight-saving change: Berlin’s March 2026 is 31 days less one hour', () => {
    // Berlin: 1 March 00:00 CET (UTC+1) = 28 Feb 23:00 UTC; 1 April 00:00 CEST (UTC+2) = 31 March 22:00 UTC.
    expect(iso(statsWindowSpan(campaign, 'MONTH', new Date('2026-03-15T12:00:00Z'), 'Europe/Berlin'))).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
  });

  it('takes the local day of the event', () => {
    // 2026-03-09T22:30Z = 01:30 on 10 March in Moscow.
    expect(iso(statsWindowSpan(campaign, 'DAY', new Date('2026-03-09T22:30:00Z'), 'Europe/Moscow'))).toEqual(['2026-03-09T21:00:00.000Z', '2026-03-10T21:00:00.000Z']);
  });

  it('rolls N × 24 hours back from the event, the event’s own instant included and the instant N days before left out', () => {
    const at = new Date('2026-05-31T10:00:00Z');
    // 30 × 24 h before 31 May 10:00 is 1 May 10:00: from just after it to just after the event.
    expect(iso(statsWindowSpan(campaign, { rollingDays: 30 }, at, 'Europe/Moscow'))).toEqual(['2026-05-01T10:00:00.001Z', '2026-05-31T10:00:00.001Z']);
    // Clipped to the campaign: 90 days back from 10 January reaches before 1 January.
    expect(iso(statsWindowSpan(campaign, { rollingDays: 90 }, new Date('2026-01-10T00:00:00Z'), 'UTC'))).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-10T00:00:00.001Z']);
    // And to its end.
    const ending = { startsAt: campaign.startsAt, endsAt: new Date('2026-05-31T00:00:00Z') };
    expect(iso(statsWindowSpan(ending, 'MONTH', new Date('2026-05-20T00:00:00Z'), 'UTC'))).toEqual(['2026-05-01T00:00:00.000Z', '2026-05-31T00:00:00.000Z']);
  });

  it('refuses a window the contract does not know, naming its path', () => {
    const at = new Date('2026-05-31T10:00:00Z');
    expect(() => statsWindowSpan(campaign, { rollingDays: 0 }, at, 'UTC')).toThrow('ctx.stats: window.rollingDays must be a whole number of days from 1 to 366, got 0');
    expect(() => statsWindowSpan(campaign, 'WEEK' as StatsWindow, at, 'UTC')).toThrow('ctx.stats: window must be one of CAMPAIGN, DAY, MONTH, QUARTER or { rollingDays }');
  });
});

describe('statsWindowProblem', () => {
  it('accepts the named windows and 1 to MAX_ROLLING_DAYS rolling days', () => {
    for (const window of ['CAMPAIGN', 'DAY', 'MONTH', 'QUARTER', { rollingDays: 1 }, { rollingDays: MAX_ROLLING_DAYS }]) expect(statsWindowProblem(window)).toBeNull();
  });

  it('refuses the limit’s neighbours, fractions and strangers at their paths', () => {
    expect(MAX_ROLLING_DAYS).toBe(366);
    expect(statsWindowProblem({ rollingDays: 367 })).toEqual({ path: 'window.rollingDays', message: 'must be a whole number of days from 1 to 366, got 367' });
    expect(statsWindowProblem({ rollingDays: 0 })?.path).toBe('window.rollingDays');
    expect(statsWindowProblem({ rollingDays: 1.5 })?.path).toBe('window.rollingDays');
    expect(statsWindowProblem({ rollingDays: '30' })?.path).toBe('window.rollingDays');
    expect(statsWindowProblem({ rollingDays: 30, extra: 1 })?.path).toBe('window');
    expect(statsWindowProblem('day')?.path).toBe('window');
    expect(statsWindowProblem(null)?.path).toBe('window');
  });
});

describe('rollingDaysArg', () => {
  it('refuses, when a campaign is saved, the days ctx.stats would refuse, at the arg’s path', () => {
    const args = { windowDays: { ...rollingDaysArg, label: { en: 'Days', ru: 'Дни' } } };
    expect(parseArgs(args, { windowDays: 366 }).ok).toBe(true);
    expect(parseArgs(args, { windowDays: 367 })).toMatchObject({ ok: false, issues: [{ path: 'args.windowDays' }] });
    expect(parseArgs(args, { windowDays: 0 })).toMatchObject({ ok: false, issues: [{ path: 'args.windowDays' }] });
  });
});

describe('periodAt', () => {
  it('is the local month or quarter, keyed as closes name it', () => {
    // 2026-03-31 22:30 UTC is already April 1st in Moscow (UTC+3).
    const at = new Date('2026-03-31T22:30:00.000Z');
    expect(periodAt('MONTH', at, 'UTC')).toEqual({ key: '2026-03', unit: 'MONTH', startsAt: new Date('2026-03-01T00:00:00.000Z'), endsAt: new Date('2026-04-01T00:00:00.000Z') });
    expect(periodAt('MONTH', at, 'Europe/Moscow')).toEqual({ key: '2026-04', unit: 'MONTH', startsAt: new Date('2026-03-31T21:00:00.000Z'), endsAt: new Date('2026-04-30T21:00:00.000Z') });
    expect(periodAt('QUARTER', at, 'Europe/Moscow')).toEqual({ key: '2026-Q2', unit: 'QUARTER', startsAt: new Date('2026-03-31T21:00:00.000Z'), endsAt: new Date('2026-06-30T21:00:00.000Z') });
  });
});
