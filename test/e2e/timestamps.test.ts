/**
 * Timestamps read through `Sql` are the instants PostgreSQL holds, whatever the session's time
 * zone makes it write: offsets of hours, of minutes (Kolkata, St John's) and of seconds (Monrovia
 * before 1972), and microseconds, which are cut to milliseconds.
 */
import { sqlOfOneConnection } from '../support/harness.js';

// One connection, so the session's time zone each test sets is the one its reads use.
const sql = sqlOfOneConnection();

const INSTANTS = `select t, to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as iso, t::text as written
  from unnest(array['2026-12-04 09:55:30.570123+00', '2026-12-31 23:59:59.999999+00', '2027-03-28 01:30:00+00', '1930-06-01 12:00:00.25+00',
                    '2000-02-29 00:00:00+00', '1999-12-31 23:00:00.5-01', '1960-06-01 12:00:00.001+00']::timestamptz[]) as t`;

it.each(['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Africa/Monrovia'])('reads each instant as PostgreSQL holds it in time zone %s', async (zone) => {
  await sql().query(`select set_config('TimeZone', $1, false)`, [zone]);
  const rows = await sql().query<{ t: Date; iso: string; written: string }>(INSTANTS);
  expect(rows).toHaveLength(7);
  for (const row of rows) expect([row.written, row.t.toISOString()]).toEqual([row.written, row.iso]);
});

it('reads the offsets of minutes and of seconds that those zones write', async () => {
  const written = async (zone: string, instant: string) => {
    await sql().query(`select set_config('TimeZone', $1, false)`, [zone]);
    const [row] = await sql().query<{ t: Date; written: string }>(`select t, t::text as written from (select $1::timestamptz as t) x`, [instant]);
    return [row.written, row.t.toISOString()];
  };
  expect(await written('Asia/Kolkata', '2026-12-04 09:55:30.5+00')).toEqual(['2026-12-04 15:25:30.5+05:30', '2026-12-04T09:55:30.500Z']);
  expect(await written('America/St_Johns', '2026-12-04 09:55:30+00')).toEqual(['2026-12-04 06:25:30-03:30', '2026-12-04T09:55:30.000Z']);
  // Liberia kept Monrovia mean time, 44 minutes 30 seconds behind UTC, until 1972.
  expect(await written('Africa/Monrovia', '1960-06-01 12:00:00+00')).toEqual(['1960-06-01 11:15:30-00:44:30', '1960-06-01T12:00:00.000Z']);
});
