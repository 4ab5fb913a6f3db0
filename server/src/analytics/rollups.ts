import type { Sql } from '../db/sql.js';

/**
 * The analytics rollups (the analytics migration): `analytics_delta` rows appended by triggers,
 * folded into `analytics_total` and `analytics_activity`. This module folds them, rebuilds them
 * from events, the ledger, perk deliveries, partners and survey answers, and checks them.
 */

/** The notice the triggers send at commit, once per program per transaction. */
export const ANALYTICS_CHANNEL = 'cofactor_analytics';

/** Every figure a rollup row holds, in column order. */
export const FIGURES = [
  'events', 'sales', 'gross', 'refunds', 'refunded', 'new_customers', 'leads', 'joined', 'recruits',
  'money_pending', 'money_approved', 'money_paid', 'money_rejected', 'money_capped', 'money_reversed',
  'points_earned', 'points_redeemed', 'perks', 'perks_delivered', 'badges',
  'responses', 'score_sum', 'promoters', 'detractors',
] as const;
export type Figure = (typeof FIGURES)[number];

const KEY = 'program_id, grain, partner_id, bucket, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit';
const SUMS = FIGURES.map((figure) => `sum(${figure}) as ${figure}`).join(', ');

/** The families of grains: the whole slice (no prefix), or rolled up over all dimensions (PROGRAM_) or all but one. */
export const FAMILIES = ['', 'PROGRAM_', 'REGION_', 'KIND_', 'SEGMENT_', 'LEVEL_'] as const;
export type Family = (typeof FAMILIES)[number];

/** The slice of row `s` projected for each family (see the analytics migration), its columns `named` or not. */
function projections(s: string, named = false): [Family, string][] {
  const kept: Record<Family, (column: string) => boolean> = {
    '': () => true,
    PROGRAM_: () => false,
    REGION_: (column) => column === 'region_id',
    KIND_: (column) => column === 'kind',
    SEGMENT_: (column) => column === 'segment',
    LEVEL_: (column) => column === 'level',
  };
  const blank: Record<string, string> = { region_id: '0::bigint', kind: "''::text", segment: "''::text", level: '0' };
  const project = (family: Family, column: string) => (kept[family](column) ? `${s}.${column}` : blank[column]) + (named ? ` as ${column}` : '');
  return FAMILIES.map((family) => [family, Object.keys(blank).map((column) => project(family, column)).join(', ')]);
}

/** What one grain's rows are summed from: the deltas per slice and day (SLICES), the deltas themselves (DELTAS), or another grain's rows. */
type GrainInput = 'SLICES' | 'DELTAS' | 'MONTH' | 'REGION_DAY';

interface GrainRule {
  grain: string;
  from: GrainInput;
  /** The bucket over a row `s` of the input, whose own bucket is `s.bucket`. */
  bucket: string;
  /** The family whose slice the grain keeps; PARTNER_DAY keeps none, but the partner. */
  family: Family | 'PARTNER_';
}

const MONTH_OF = "date_trunc('month', s.bucket::timestamp)::date";

/**
 * Every grain and the rows it is summed from, each input before the grains summed from it: a
 * grain of one dimension is summed from DAY or MONTH rows (a few per slice and day), not from
 * the deltas, and the program's days from the regions' days. DAY is the deltas per slice and
 * day as they are.
 */
const GRAIN_RULES: GrainRule[] = [
  { grain: 'PARTNER_DAY', from: 'DELTAS', bucket: 's.bucket', family: 'PARTNER_' },
  { grain: 'DAY', from: 'SLICES', bucket: 's.bucket', family: '' },
  { grain: 'MONTH', from: 'SLICES', bucket: MONTH_OF, family: '' },
  ...(['REGION_', 'KIND_', 'SEGMENT_', 'LEVEL_'] as const).map((family): GrainRule => ({ grain: `${family}DAY`, from: 'SLICES', bucket: 's.bucket', family })),
  { grain: 'PROGRAM_DAY', from: 'REGION_DAY', bucket: 's.bucket', family: 'PROGRAM_' },
  ...(['PROGRAM_', 'REGION_', 'KIND_', 'SEGMENT_', 'LEVEL_'] as const).map((family): GrainRule => ({ grain: `${family}MONTH`, from: 'MONTH', bucket: 's.bucket', family })),
];

/** A grain's rows (analytics_total's columns, in KEY order) summed by `rule` from `input`, whose rows have a `bucket`; DAY rows come as they are. */
function grainSelect(rule: GrainRule, input: string): string {
  const perPartner = rule.family === 'PARTNER_';
  const slice = projections('s', true).find(([family]) => family === (perPartner ? 'PROGRAM_' : rule.family))![1];
  const key = [
    `s.program_id, '${rule.grain}'::text as grain, ${perPartner ? 's.partner_id' : '0::bigint'} as partner_id, ${rule.bucket} as bucket, ${slice}`,
    perPartner ? '0::bigint as campaign_id, 0::bigint as scheme_instance_id' : 's.campaign_id, s.scheme_instance_id',
    's.unit',
  ].join(', ');
  if (rule.grain === 'DAY') return `select ${key}, ${FIGURES.map((figure) => `s.${figure}`).join(', ')} from ${input} s`;
  return `select ${key}, ${SUMS} from ${input} s group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`;
}

/**
 * The rows of every grain that the deltas of `source` (a relation with analytics_delta's
 * columns) add up to, as `analytics_fold()` writes them, by the rules a rebuild follows.
 */
function grainRows(source: string): string {
  const inputs: Record<GrainInput, string> = { DELTAS: 'd', SLICES: 'slices', MONTH: 'grain_month', REGION_DAY: 'grain_region_day' };
  const rule = (grain: string) => GRAIN_RULES.find((candidate) => candidate.grain === grain)!;
  return `with d as materialized (select s.*, s.day as bucket from ${source} s),
         slices as materialized (${sliceDays('d')}),
         grain_month as materialized (${grainSelect(rule('MONTH'), 'slices')}),
         grain_region_day as materialized (${grainSelect(rule('REGION_DAY'), 'slices')})
    ${GRAIN_RULES.map((each) => grainSelect(each, inputs[each.from])).join('\n    union all ')}`;
}

/** Deltas of `source` (a relation with analytics_delta's columns) summed per slice and day, the day named `bucket`. */
function sliceDays(source: string): string {
  return `select program_id, day as bucket, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit, ${SUMS}
    from ${source} d group by program_id, day, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit`;
}

/** Each partner's and slice's active days (with at least one event) among the deltas of `source`, as a bit string. */
function activityRows(source: string): string {
  return `select program_id, partner_id, region_id, kind, segment, level, min(day) as first_day, max(day) as last_day, analytics_days(min(day), array_agg(distinct day)) as days
    from ${source} d where events > 0 group by 1, 2, 3, 4, 5, 6`;
}

/**
 * Each partner's first active day of each month, quarter and year among the deltas of `source`,
 * with the slice of that day (of two on one day, the first in key order): where it counts. A
 * quarter's and a year's first day is the first of its months' first days, so those are found
 * among the months' rows, a twelfth of the deltas.
 */
function periodRows(source: string): string {
  const first = (grain: string, rows: string) => `select distinct on (d.program_id, g.bucket, d.partner_id) d.program_id, '${grain}'::text as grain, g.bucket, d.partner_id, d.day, d.region_id, d.kind, d.segment, d.level
      from ${rows} d cross join lateral (select date_trunc('${grain.toLowerCase()}', d.day::timestamp)::date as bucket) g
     order by d.program_id, g.bucket, d.partner_id, d.day, d.region_id, d.kind, d.segment, d.level`;
  return `with months as materialized (${first('MONTH', `(select * from ${source} d where d.events > 0)`)})
    select * from months
    union all (${first('QUARTER', 'months')})
    union all (${first('YEAR', 'months')})`;
}

/** The active partners of each period and slice of program `program` counted from its partner periods, and how many are active in the next period too. */
function activeCounts(program: string): string {
  return `select p.program_id, f.grain, p.bucket, f.region_id, f.kind, f.segment, f.level, count(*), count(n.partner_id)
    from analytics_partner_period p
    left join analytics_partner_period n
      on (n.program_id, n.grain, n.partner_id) = (p.program_id, p.grain, p.partner_id)
     and n.bucket = (p.bucket + case p.grain when 'MONTH' then interval '1 month' when 'QUARTER' then interval '3 months' else interval '1 year' end)::date
    cross join lateral (values ${projections('p').map(([family, slice]) => `('${family}' || p.grain, ${slice})`).join(', ')}) as f(grain, region_id, kind, segment, level)
   where p.program_id = ${program}
   group by 1, 2, 3, 4, 5, 6, 7`;
}

export const ANALYTICS_TABLES = ['analytics_delta', 'analytics_total', 'analytics_activity', 'analytics_partner_period', 'analytics_active'];

/** The transaction advisory lock a fold or a rebuild holds. */
const FOLD_LOCK = 'analytics-fold';
/** The most deltas one fold transaction moves (see FOLD_BATCH of the board totals). */
export const ANALYTICS_FOLD_BATCH = 10_000;

/**
 * Moves committed analytics deltas into the rollups, in transactions of at most `batch`
 * deltas, until none is left or `stopping()` says so; returns how many it folded. When another
 * process is folding, returns 0 at once, or with `wait` waits for it and folds what is left.
 */
export async function foldAnalyticsDeltas(
  sql: Sql,
  { batch = ANALYTICS_FOLD_BATCH, stopping = () => false, wait = false }: { batch?: number; stopping?: () => boolean; wait?: boolean } = {},
): Promise<number> {
  let total = 0;
  for (;;) {
    const folded = await sql.transaction(async (client) => {
      if (wait) await client.query('select pg_advisory_xact_lock(hashtext($1))', [FOLD_LOCK]);
      const [{ locked }] = wait ? [{ locked: true }] : (await client.query<{ locked: boolean }>('select pg_try_advisory_xact_lock(hashtext($1)) as locked', [FOLD_LOCK])).rows;
      if (!locked) return 0;
      return (await client.query<{ folded: number }>('select analytics_fold($1) as folded', [batch])).rows[0].folded;
    });
    total += folded;
    if (folded < batch || stopping()) return total;
  }
}

/**
 * Folds what is committed when program `programId` has deltas waiting, waiting for a fold under
 * way: then counts kept ahead hold everything committed. A program with none waiting (the common
 * case between writes) costs a look at the waiting deltas, not a fold statement.
 */
export async function foldPendingAnalytics(sql: Sql, programId: string): Promise<void> {
  const [{ pending }] = await sql.query<{ pending: boolean }>('select exists (select 1 from analytics_delta where program_id = $1) as pending', [programId]);
  if (pending) await foldAnalyticsDeltas(sql, { wait: true });
}

/**
 * Recomputes one program's rollups from its events, ledger, perk deliveries, partners and
 * survey answers, in one transaction; returns how many rollup rows it wrote. Writers of those
 * wait for it, and a fold for its end, so nothing is counted twice or lost.
 */
export async function rebuildAnalytics(sql: Sql, programId: string): Promise<number> {
  return sql.transaction(async (client) => {
    await client.query(`lock table event, reward, perk_fulfilment, partner, survey_response in share mode`);
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [FOLD_LOCK]);
    for (const table of ANALYTICS_TABLES) await client.query(`delete from ${table} where program_id = $1`, [programId]);
    // Sorts and hashes of millions of rows: more memory than a request's, for this transaction only.
    await client.query(`set local work_mem = '256MB'`);
    await client.query(`create temporary table analytics_rebuilt on commit drop as select *, day as bucket from analytics_source($1)`, [programId]);
    await client.query(`analyze analytics_rebuilt`);
    // Deltas grouped per slice and day, or per partner and day, leave nearly as many groups as
    // rows: sorting streams them, where a hash table of 24 sums per group spills (3× slower).
    await client.query(`set local enable_hashagg = off`);
    await client.query(`create temporary table analytics_rebuilt_slices on commit drop as ${sliceDays('analytics_rebuilt')}`);
    await client.query(`analyze analytics_rebuilt_slices`);
    const written = (grain: string) => `(select * from analytics_total where program_id = $1 and grain = '${grain}')`;
    const inputs: Record<GrainInput, string> = { DELTAS: 'analytics_rebuilt', SLICES: 'analytics_rebuilt_slices', MONTH: written('MONTH'), REGION_DAY: written('REGION_DAY') };
    let rows = 0;
    for (const rule of GRAIN_RULES) {
      await client.query(`set local enable_hashagg = ${rule.from === 'DELTAS' ? 'off' : 'on'}`);
      // In the key's order, so the index grows at its end rather than splitting pages all over.
      const insert = `insert into analytics_total (${KEY}, ${FIGURES.join(', ')}) ${grainSelect(rule, inputs[rule.from])} order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`;
      rows += (await client.query(insert, rule.from === 'MONTH' || rule.from === 'REGION_DAY' ? [programId] : [])).rowCount ?? 0;
    }
    const activity = await client.query(`insert into analytics_activity (program_id, partner_id, region_id, kind, segment, level, first_day, last_day, days) ${activityRows('analytics_rebuilt')}`);
    const periods = await client.query(`insert into analytics_partner_period ${periodRows('analytics_rebuilt')}`);
    await client.query(`insert into analytics_active ${activeCounts('$1')}`, [programId]);
    await client.query(`select pg_notify($1, $2)`, [ANALYTICS_CHANNEL, programId]);
    return rows + (activity.rowCount ?? 0) + (periods.rowCount ?? 0);
  });
}

/** How the rollups differ from what events and the ledger give, with the first few named. */
export interface AnalyticsCheck {
  differing: number;
  examples: string[];
}

const NAMED = 5;
const NONZERO = FIGURES.map((figure) => `${figure} <> 0`).join(' or ');
const ROW = (alias: string) => `(${FIGURES.map((figure) => `${alias}.${figure}`).join(', ')})`;

/**
 * The rollup rows of every grain with the unfolded deltas added, rows of only zeros left out:
 * what reads see, which a fold does not change. `$1` is a program id, or null for every program.
 */
export const ANALYTICS_VALUES = `select ${KEY}, ${SUMS}
    from (select * from analytics_total where $1::bigint is null or program_id = $1
          union all (${grainRows('(select * from analytics_delta where $1::bigint is null or program_id = $1)')})) t
   group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 having ${FIGURES.map((figure) => `sum(${figure}) <> 0`).join(' or ')}`;

/** Compares one program's rollups (and unfolded deltas) with its events and ledger; reads only. */
export async function verifyAnalytics(sql: Sql, programId: string): Promise<AnalyticsCheck> {
  const rows = await sql.query<{ differing: number; examples: string[] | null }>(
    `with expected as (select * from (${grainRows('(select * from analytics_source($1))')}) x where ${NONZERO}),
          actual as (${ANALYTICS_VALUES}),
          differing as (select coalesce(e.grain, a.grain) as grain, coalesce(e.bucket, a.bucket) as bucket, coalesce(e.partner_id, a.partner_id) as partner_id,
                               coalesce(e.region_id, a.region_id) as region_id, coalesce(e.unit, a.unit) as unit,
                               case when a.events is not null then ${ROW('a')}::text end as actual, case when e.events is not null then ${ROW('e')}::text end as expected
                          from expected e full join actual a using (${KEY})
                         where ${ROW('e')} is distinct from ${ROW('a')})
     select count(*)::int as differing,
            (array_agg(format('%s %s partner %s region %s unit "%s": the rollups hold %s, events and the ledger give %s', grain, bucket, partner_id, region_id, unit,
                              coalesce(actual, 'nothing'), coalesce(expected, 'nothing')) order by grain, bucket, partner_id))[1:${NAMED}] as examples
       from differing`,
    [programId],
  );
  const activity = [...(await verifyActivity(sql, programId)), ...(await verifyPeriods(sql, programId))];
  return { differing: rows[0].differing + activity.length, examples: [...(rows[0].examples ?? []), ...activity].slice(0, NAMED) };
}

/** The partners whose active days in the rollups (with unfolded deltas) differ from their events'. */
async function verifyActivity(sql: Sql, programId: string): Promise<string[]> {
  const rows = await sql.query<{ example: string }>(
    `with expected as (${activityRows('(select * from analytics_source($1))')}),
          pending as (${activityRows('(select * from analytics_delta where program_id = $1)')}),
          stored as (select * from analytics_activity where program_id = $1),
          actual as (select coalesce(s.partner_id, p.partner_id) as partner_id, coalesce(s.region_id, p.region_id) as region_id, coalesce(s.kind, p.kind) as kind,
                            coalesce(s.segment, p.segment) as segment, coalesce(s.level, p.level) as level, least(s.first_day, p.first_day) as first_day,
                            case when s.days is null then p.days when p.days is null then s.days else analytics_days_or(s.first_day, s.days, p.first_day, p.days) end as days
                       from stored s full join pending p using (program_id, partner_id, region_id, kind, segment, level))
     select format('partner %s active days from %s: the rollups hold %s, its events give %s', coalesce(e.partner_id, a.partner_id),
                   coalesce(e.first_day, a.first_day), coalesce(a.days::text, 'none'), coalesce(e.days::text, 'none')) as example
       from expected e full join actual a using (partner_id, region_id, kind, segment, level)
      where (e.first_day, e.days) is distinct from (a.first_day, a.days)
      order by 1 limit ${NAMED + 1}`,
    [programId],
  );
  return rows.map((row) => row.example);
}

/**
 * The partners whose periods (with unfolded deltas) differ from their events', and the counts
 * that differ from the periods stored (the fold writes both in one statement).
 */
async function verifyPeriods(sql: Sql, programId: string): Promise<string[]> {
  const key = 'program_id, grain, bucket, partner_id';
  const rows = await sql.query<{ example: string }>(
    `with expected as (${periodRows('(select * from analytics_source($1))')}),
          actual as (select distinct on (${key}) * from (select * from analytics_partner_period where program_id = $1
                       union all (${periodRows('(select * from analytics_delta where program_id = $1)')})) a
                      order by ${key}, first_day, region_id, kind, segment, level)
     select format('partner %s %s %s: the rollups count it from %s in region %s, its events from %s in region %s', coalesce(e.partner_id, a.partner_id), coalesce(e.grain, a.grain),
                   coalesce(e.bucket, a.bucket), coalesce(a.first_day::text, 'nowhere'), a.region_id, coalesce(e.day::text, 'nowhere'), e.region_id) as example
       from expected e full join actual a using (${key})
      where (e.day, e.region_id, e.kind, e.segment, e.level) is distinct from (a.first_day, a.region_id, a.kind, a.segment, a.level)
     union all
     select format('%s %s region %s %s: %s active and %s retained counted, its partners give %s and %s', coalesce(c.grain, x.grain), coalesce(c.bucket, x.bucket),
                   coalesce(c.region_id, x.region_id), coalesce(c.kind, x.kind), c.active, c.retained_next, x.count, x.count_1)
       from (select * from analytics_active where program_id = $1 and (active <> 0 or retained_next <> 0)) c
       full join (${activeCounts('$1')}) as x(program_id, grain, bucket, region_id, kind, segment, level, count, count_1)
         using (program_id, grain, bucket, region_id, kind, segment, level)
      where (c.active, c.retained_next) is distinct from (x.count, x.count_1)
      limit ${NAMED + 1}`,
    [programId],
  );
  return rows.map((row) => row.example);
}
