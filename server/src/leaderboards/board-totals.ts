import type { Sql, SqlClient } from '../db/sql.js';

/**
 * The board totals recomputed from events and rewards, with the rules of the triggers that keep
 * them (the board_totals and board_deltas migrations): what `cofactor verify` compares the
 * totals and deltas with, and what `cofactor leaderboards rebuild` writes. `$1` is a program id, or null for every program.
 */
const BUCKETS = `(values ('DAY', date_trunc('day', t.local)::date), ('WEEK', date_trunc('week', t.local)::date),
                  ('MONTH', date_trunc('month', t.local)::date), ('QUARTER', date_trunc('quarter', t.local)::date),
                  ('ALL', date '1970-01-01')) as g(grain, bucket)`;

const EXPECTED = `
  select t.program_id, m.metric, m.unit, 0::bigint as campaign_id, g.grain, g.bucket, t.partner_id, sum(m.value) as value
    from (select e.*, e.occurred_at at time zone p.time_zone as local from event e join program p on p.id = e.program_id
           where $1::bigint is null or e.program_id = $1) t
    cross join lateral (values
      ('NET_SALES', coalesce(t.currency, ''), case t.type when 'SALE' then t.amount when 'REFUND' then -t.amount when 'CHARGEBACK' then -t.amount end),
      ('NEW_CUSTOMERS', '', case when t.first_purchase then 1 end),
      ('EVENTS', t.type, 1)) as m(metric, unit, value)
    cross join lateral ${BUCKETS}
   where m.value is not null
   group by 1, 2, 3, 4, 5, 6, 7
  union all
  select t.program_id, 'RECRUITS', '', 0, g.grain, g.bucket, t.sponsor_id, count(*)
    from (select e.program_id, r.sponsor_id, e.occurred_at at time zone p.time_zone as local
            from event e join partner r on r.id = e.partner_id join program p on p.id = e.program_id
           where e.type = 'PARTNER_JOINED' and r.sponsor_id is not null and ($1::bigint is null or e.program_id = $1)) t
    cross join lateral ${BUCKETS}
   group by 1, 2, 3, 4, 5, 6, 7
  union all
  select t.program_id, case t.kind when 'MONEY' then 'REWARD_MONEY' else 'POINTS' end, t.unit, c.campaign_id, g.grain, g.bucket, t.partner_id, sum(t.amount)
    from (select r.*, r.created_at at time zone p.time_zone as local from reward r join program p on p.id = r.program_id
           where (r.kind = 'MONEY' or (r.kind = 'POINTS' and (r.amount > 0 or r.corrects_id is not null)))
             and ($1::bigint is null or r.program_id = $1)) t
    cross join lateral (values (0), (t.campaign_id)) as c(campaign_id)
    cross join lateral ${BUCKETS}
   where c.campaign_id is not null
   group by 1, 2, 3, 4, 5, 6, 7`;

/** The totals with the deltas not yet folded into them added: what boards read, which a fold does not change. */
export const BOARD_VALUES = `
  select program_id, metric, unit, campaign_id, grain, bucket, partner_id, sum(value) as value
    from (select program_id, metric, unit, campaign_id, grain, bucket, partner_id, value from board_total where $1::bigint is null or program_id = $1
          union all
          select program_id, metric, unit, campaign_id, g.grain, g.bucket, partner_id, value
            from (select program_id, metric, unit, campaign_id, partner_id, value, day::timestamp as local from board_delta where $1::bigint is null or program_id = $1) t
            cross join lateral ${BUCKETS}) v
   group by 1, 2, 3, 4, 5, 6, 7`;

/** Each board bucket's number of partners and last change, as the totals hold them: what `board_size` keeps. */
const SIZES = `
  select program_id, metric, unit, campaign_id, grain, bucket, count(*)::int as partners, max(changed_at) as changed_at
    from board_total where $1::bigint is null or program_id = $1 group by 1, 2, 3, 4, 5, 6`;

/** A verify problem names at most this many differing totals. */
const NAMED_TOTALS = 5;

export interface BoardTotalsCheck {
  /** Totals that differ from what the events and rewards give (missing or extra rows included). */
  differing: number;
  /** The first few, in words. */
  examples: string[];
}

/** Compares the board totals with the events and rewards; reads only. */
export async function verifyBoardTotals(sql: Sql, programId: string | null = null): Promise<BoardTotalsCheck> {
  const rows = await sql.query<{ differing: number; examples: string[] | null }>(
    `with expected as (${EXPECTED}),
          actual as (${BOARD_VALUES}),
          differing as (
            select coalesce(e.program_id, a.program_id) as program_id, coalesce(e.metric, a.metric) as metric, coalesce(e.unit, a.unit) as unit,
                   coalesce(e.campaign_id, a.campaign_id) as campaign_id, coalesce(e.grain, a.grain) as grain, coalesce(e.bucket, a.bucket) as bucket, coalesce(e.partner_id, a.partner_id) as partner_id,
                   e.value as expected, a.value as actual
              from expected e full join actual a
                on (a.program_id, a.metric, a.unit, a.campaign_id, a.grain, a.bucket, a.partner_id) = (e.program_id, e.metric, e.unit, e.campaign_id, e.grain, e.bucket, e.partner_id)
             where e.value is distinct from a.value)
     select count(*)::int as differing,
            (array_agg(format('program %s partner %s %s %s%s %s %s: %s, events and rewards give %s', program_id, partner_id, metric, unit,
                              case when campaign_id <> 0 then ' campaign ' || campaign_id end, grain, bucket, coalesce(actual::text, 'missing'), coalesce(expected::text, 'nothing'))
                       order by program_id, partner_id, metric, unit, campaign_id, grain, bucket))[1:${NAMED_TOTALS}] as examples
       from differing`,
    [programId],
  );
  // A bucket a rebuild emptied keeps its size row, with no partners (see resize): no totals is 0 partners.
  const sizes = await sql.query<{ example: string }>(
    `select format('program %s %s %s%s %s %s: %s partners counted, the totals hold %s', coalesce(s.program_id, e.program_id), coalesce(s.metric, e.metric), coalesce(s.unit, e.unit),
                   case when coalesce(s.campaign_id, e.campaign_id) <> 0 then ' campaign ' || coalesce(s.campaign_id, e.campaign_id) end,
                   coalesce(s.grain, e.grain), coalesce(s.bucket, e.bucket), coalesce(s.partners, 0), coalesce(e.partners, 0)) as example
       from (select * from board_size where $1::bigint is null or program_id = $1) s
       full join (${SIZES}) e using (program_id, metric, unit, campaign_id, grain, bucket)
      where coalesce(s.partners, 0) is distinct from coalesce(e.partners, 0)`,
    [programId],
  );
  const examples = [...(rows[0].examples ?? []), ...sizes.map((row) => row.example)];
  return { differing: rows[0].differing + sizes.length, examples: examples.slice(0, NAMED_TOTALS) };
}

/** Recomputes a program's board totals (every program's with null) from its events and rewards, in one transaction. */
export async function rebuildBoardTotals(sql: Sql, programId: string | null = null): Promise<number> {
  return sql.transaction(async (client) => {
    // Writers of events and rewards wait for the rebuild, and a fold for its end, so no total is counted twice or lost.
    await client.query(`lock table event, reward in share mode`);
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [FOLD_LOCK]);
    await client.query(`delete from board_delta where $1::bigint is null or program_id = $1`, [programId]);
    await client.query(`delete from board_total where $1::bigint is null or program_id = $1`, [programId]);
    const [{ version }] = (await client.query<{ version: string }>(`select nextval('board_version')::text as version`)).rows;
    const written = await client.query(
      `insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, version) select e.*, $2::bigint from (${EXPECTED}) e`,
      [programId, version],
    );
    await resize(client, programId, version);
    await client.query(`select pg_notify('cofactor_board', id::text) from program where $1::bigint is null or id = $1`, [programId]);
    return written.rowCount ?? 0;
  });
}

/**
 * Sets each bucket's size from the rebuilt totals and the rebuild's version (a number of the
 * folds' sequence, which its totals carry) as a reset: a server's copy of the bucket, which may
 * hold totals the rebuild removed, is read again whole. Rows of emptied buckets stay, with no
 * partners, so a bucket's version never goes back.
 */
async function resize(client: SqlClient, programId: string | null, version: string): Promise<void> {
  await client.query(
    `with sizes as (${SIZES}),
          emptied as (
            update board_size s set partners = 0, version = $2, reset_version = $2
             where ($1::bigint is null or s.program_id = $1)
               and not exists (select from sizes z where (z.program_id, z.metric, z.unit, z.campaign_id, z.grain, z.bucket) = (s.program_id, s.metric, s.unit, s.campaign_id, s.grain, s.bucket)))
     insert into board_size (program_id, metric, unit, campaign_id, grain, bucket, partners, changed_at, version, reset_version)
     select *, $2, $2 from sizes
         on conflict (program_id, metric, unit, campaign_id, grain, bucket)
         do update set partners = excluded.partners, changed_at = excluded.changed_at, version = excluded.version, reset_version = excluded.reset_version`,
    [programId, version],
  );
}

/** The transaction advisory lock a fold or a rebuild holds: `hashtext('board-fold')`, the same number on every process. */
export const FOLD_LOCK = 'board-fold';
/**
 * The most deltas one fold transaction moves: a backlog (say, after a bulk load with no server
 * running) folds in steps of about a second each, and a stopping server waits for one step at
 * most, not for the whole backlog.
 */
export const FOLD_BATCH = 10_000;

/**
 * Moves committed board deltas into the totals (the board_deltas migration), in transactions
 * of at most `batch` deltas, until none is left or `stopping()` says so between two; returns
 * how many it folded. When another process is folding, returns 0 at once: that one folds what
 * this one would. What is left stays a delta, which reads add, for the next fold.
 */
export async function foldBoardDeltas(sql: Sql, { batch = FOLD_BATCH, stopping = () => false }: { batch?: number; stopping?: () => boolean } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const folded = await sql.transaction(async (client) => {
      const [{ locked }] = (await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as locked', [FOLD_LOCK])).rows;
      if (!locked) return 0;
      return (await client.query<{ folded: number }>('select board_fold($1) as folded', [batch])).rows[0].folded;
    });
    total += folded;
    if (folded < batch || stopping()) return total;
  }
}
