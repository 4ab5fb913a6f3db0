import { bucketsOf, previousPeriod, resolvePeriod, splitByMonths } from './period.js';

describe('resolvePeriod', () => {
  it('names months, quarters and years as local days, the end excluded', () => {
    expect(resolvePeriod({ month: '2026-02' })).toEqual({ from: '2026-02-01', to: '2026-03-01' });
    expect(resolvePeriod({ month: '2026-12' })).toEqual({ from: '2026-12-01', to: '2027-01-01' });
    expect(resolvePeriod({ quarter: '2026-Q4' })).toEqual({ from: '2026-10-01', to: '2027-01-01' });
    expect(resolvePeriod({ year: 2024 })).toEqual({ from: '2024-01-01', to: '2025-01-01' });
    expect(resolvePeriod({ from: '2026-03-05', to: '2026-03-06' })).toEqual({ from: '2026-03-05', to: '2026-03-06' });
  });

  it('refuses a period that is not one form, not a date, empty or too long, naming the field', () => {
    expect(resolvePeriod({})).toEqual([{ path: 'period', message: 'give exactly one of from and to, month, quarter or year' }]);
    expect(resolvePeriod({ month: '2026-03', year: 2026 })).toEqual([{ path: 'period', message: 'give exactly one of from and to, month, quarter or year' }]);
    expect(resolvePeriod({ to: '2026-03-01' })).toEqual([{ path: 'period.from', message: 'from and to come together' }]);
    expect(resolvePeriod({ from: '2026-02-30', to: '2026-03-01' })).toEqual([{ path: 'period.from', message: 'must be a date like 2026-03-01, of the years 2000–2100' }]);
    expect(resolvePeriod({ from: '2026-03-01', to: '2026-03-01' })).toEqual([{ path: 'period.to', message: 'must be after from (to is the day after the last)' }]);
    expect(resolvePeriod({ from: '2010-01-01', to: '2020-01-19' })).toEqual([{ path: 'period.to', message: 'a period is at most 3660 days' }]);
    expect(resolvePeriod({ quarter: '2026-Q5' })).toEqual([{ path: 'period.quarter', message: 'must be a quarter like 2026-Q1, of the years 2000–2099' }]);
    expect(resolvePeriod({ year: 1999 })).toEqual([{ path: 'period.year', message: 'must be a year from 2000 to 2100' }]);
  });
});

describe('cutting a period', () => {
  it('takes the same number of days just before as the previous period', () => {
    // March has 31 days: Jan 29 – Feb 28 (2026 is no leap year).
    expect(previousPeriod({ from: '2026-03-01', to: '2026-04-01' })).toEqual({ from: '2026-01-29', to: '2026-03-01' });
  });

  it('splits whole months from the days around them', () => {
    expect(splitByMonths({ from: '2026-01-15', to: '2026-04-10' })).toEqual({ monthsFrom: '2026-02-01', monthsTo: '2026-04-01' });
    expect(splitByMonths({ from: '2026-01-01', to: '2026-02-01' })).toEqual({ monthsFrom: '2026-01-01', monthsTo: '2026-02-01' });
    // No whole month: every day is read by day.
    expect(splitByMonths({ from: '2026-01-15', to: '2026-02-10' })).toEqual({ monthsFrom: '2026-02-10', monthsTo: '2026-02-10' });
  });

  it('lists every bucket a period touches: weeks from Monday, the first one starting before the period', () => {
    // 2026-03-01 is a Sunday.
    expect(bucketsOf({ from: '2026-03-01', to: '2026-03-10' }, 'WEEK')).toEqual(['2026-02-23', '2026-03-02', '2026-03-09']);
    expect(bucketsOf({ from: '2026-01-31', to: '2026-03-02' }, 'MONTH')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect(bucketsOf({ from: '2026-12-30', to: '2027-01-02' }, 'DAY')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01']);
  });
});
