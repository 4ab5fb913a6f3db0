import pg from 'pg';
import { parseTimestamptz, TIMESTAMPTZ_OID, TYPES } from './timestamps.js';

const iso = (text: string) => parseTimestamptz(text).toISOString();
const general = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (text: string) => Date | number;

describe('parseTimestamptz', () => {
  it('reads the forms PostgreSQL writes: 0–6 digits of fraction, offsets in hours, minutes and seconds', () => {
    expect(iso('2026-12-04 09:55:30+00')).toBe('2026-12-04T09:55:30.000Z');
    expect(iso('2026-12-04 09:55:30.5+00')).toBe('2026-12-04T09:55:30.500Z');
    expect(iso('2026-12-04 09:55:30.57+00')).toBe('2026-12-04T09:55:30.570Z');
    expect(iso('2026-12-04 09:55:30.123456+00')).toBe('2026-12-04T09:55:30.123Z');
    expect(iso('2026-12-04 09:55:30.999999+00')).toBe('2026-12-04T09:55:30.999Z');
    expect(iso('2026-12-04 10:25:30.1+05:30')).toBe('2026-12-04T04:55:30.100Z');
    expect(iso('2026-12-31 23:00:00-03')).toBe('2027-01-01T02:00:00.000Z');
    expect(iso('1900-01-01 00:00:00+02:30:17')).toBe('1899-12-31T21:29:43.000Z');
  });

  it('leaves years before 1000, BC dates, infinities and unknown forms to pg’s general parser', () => {
    for (const text of ['0099-06-01 12:00:00+00', '2026-12-04 09:55:30+00 BC', '12026-12-04 09:55:30+00', '2026-12-04 09:55:30.1234567+00', '2026-12-04 09:55:30+0', '2026-12-04 09:55:30']) {
      expect(parseTimestamptz(text).getTime()).toBe((general(text) as Date).getTime());
    }
    expect(parseTimestamptz('infinity')).toBe(Infinity);
    expect(parseTimestamptz('-infinity')).toBe(-Infinity);
  });

  it('gives the instant pg’s general parser gives, over random times, fractions and offsets', () => {
    let seed = 7;
    const next = (below: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % below);
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let i = 0; i < 5000; i++) {
      const fraction = next(7);
      const offsetMinutes = next(2) ? next(15 * 60) : 0;
      const text =
        `${1000 + next(9000)}-${pad(1 + next(12))}-${pad(1 + next(28))} ${pad(next(24))}:${pad(next(60))}:${pad(next(60))}` +
        (fraction ? `.${pad(next(10 ** fraction), fraction)}` : '') +
        `${next(2) ? '+' : '-'}${pad(Math.floor(offsetMinutes / 60))}${offsetMinutes % 60 ? `:${pad(offsetMinutes % 60)}` : ''}`;
      expect([text, parseTimestamptz(text).getTime()]).toEqual([text, (general(text) as Date).getTime()]);
    }
  });

  it('is the parser a pool gets for text timestamptz only', () => {
    expect(TYPES.getTypeParser(TIMESTAMPTZ_OID, 'text')).toBe(parseTimestamptz);
    expect(TYPES.getTypeParser(TIMESTAMPTZ_OID, 'binary')).toBe(pg.types.getTypeParser(TIMESTAMPTZ_OID, 'binary'));
    expect(TYPES.getTypeParser(20, 'text')).toBe(pg.types.getTypeParser(20, 'text'));
  });
});
