import { localDayOf, parsePeriodKey, shiftPeriodKey } from './period.js';

describe('period keys', () => {
  it('reads a month in the program time zone', () => {
    // Moscow is UTC+3 all year: March 2026 starts at 2026-02-28T21:00Z.
    expect(parsePeriodKey('2026-03', 'Europe/Moscow')).toEqual({
      key: '2026-03',
      unit: 'MONTH',
      startsAt: new Date('2026-02-28T21:00:00Z'),
      endsAt: new Date('2026-03-31T21:00:00Z'),
    });
  });

  it('reads a quarter, across a year end', () => {
    expect(parsePeriodKey('2026-Q4', 'UTC')).toEqual({
      key: '2026-Q4',
      unit: 'QUARTER',
      startsAt: new Date('2026-10-01T00:00:00Z'),
      endsAt: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('follows daylight saving time', () => {
    // Berlin: UTC+1 on 1 March, UTC+2 on 1 April (clocks change on 29 March 2026).
    const march = parsePeriodKey('2026-03', 'Europe/Berlin')!;
    expect(march.startsAt).toEqual(new Date('2026-02-28T23:00:00Z'));
    expect(march.endsAt).toEqual(new Date('2026-03-31T22:00:00Z'));
  });

  it.each(['2026-13', '2026-3', '2026-Q5', '26-01', 'March'])('refuses %p', (key) => {
    expect(parsePeriodKey(key, 'UTC')).toBeNull();
  });
});

describe('local days', () => {
  it('finds the day of an instant in the program time zone', () => {
    // 22:30 UTC on 9 March is already 10 March in Moscow (UTC+3).
    expect(localDayOf(new Date('2026-03-09T22:30:00Z'), 'Europe/Moscow')).toEqual({
      startsAt: new Date('2026-03-09T21:00:00Z'),
      endsAt: new Date('2026-03-10T21:00:00Z'),
    });
  });

  it('has 23 hours on the day clocks go forward', () => {
    const day = localDayOf(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(day).toEqual({ startsAt: new Date('2026-03-28T23:00:00Z'), endsAt: new Date('2026-03-29T22:00:00Z') });
  });

  it('crosses a month end', () => {
    expect(localDayOf(new Date('2026-01-31T12:00:00Z'), 'UTC')).toEqual({
      startsAt: new Date('2026-01-31T00:00:00Z'),
      endsAt: new Date('2026-02-01T00:00:00Z'),
    });
  });
});

describe('shifting period keys', () => {
  it.each([
    ['2026-02', -2, '2025-12'],
    ['2026-12', 1, '2027-01'],
    ['2026-Q1', -1, '2025-Q4'],
    ['2026-Q4', 2, '2027-Q2'],
    ['2026-03', 0, '2026-03'],
  ])('%s %+d = %s', (key, delta, expected) => {
    expect(shiftPeriodKey(key, delta)).toBe(expected);
  });
});
