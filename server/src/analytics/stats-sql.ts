import { FIGURES, type Family, type Figure } from './rollups.js';
import { splitByMonths, type Interval, type Period } from './period.js';

/**
 * The SQL of analytics reads. A figure of a period is the rollup rows of its whole months
 * (grain MONTH), of its other days (grain DAY) and the deltas not yet folded; without a slice
 * of partners, the program's days (grain PROGRAM_DAY); of one partner, its PARTNER_DAY rows. Distinct partners (active, retained) come from each partner's active days.
 */

/** What figures can be grouped by; MONTH and BUCKET (a time series' interval) cut the period. */
export const DIMENSIONS = ['REGION', 'KIND', 'SEGMENT', 'LEVEL', 'CAMPAIGN', 'SCHEME', 'MONTH'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface Slice {
  /** A region and its sub-regions. */
  regionIds: string[] | null;
  kind: string | null;
  segment: string | null;
  level: number | null;
  campaignId: string | null;
  partnerId: string | null;
}

export interface StatsQuery {
  programId: string;
  period: Period;
  slice: Slice;
  dimensions: Dimension[];
  /** A time series' interval: rows come per bucket too (column `bucket`). */
  interval?: Interval;
  /** Regions grouped by the top region of each (or the child of `parentRegionId` it lies under): a region comparison. */
  regionTops?: RegionTops;
}

/** Each region's group in a comparison: the id of the region it is rolled up into. */
export type RegionTops = Map<string, string>;

/** Collects parameters, returning each one's placeholder. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

const CAMPAIGN_DIMENSIONS: readonly Dimension[] = ['CAMPAIGN', 'SCHEME'];
const PARTNER_DIMENSIONS: readonly Dimension[] = ['REGION', 'KIND', 'SEGMENT', 'LEVEL'];

/** Whether the query reads rewards of campaigns only: the figures of a campaign or scheme. */
export function byCampaign(query: Pick<StatsQuery, 'slice' | 'dimensions'>): boolean {
  return query.slice.campaignId !== null || query.dimensions.some((dimension) => CAMPAIGN_DIMENSIONS.includes(dimension));
}

/**
 * The family of grains a query reads: rolled up over every dimension of the partners' slice it
 * neither filters nor groups by (PROGRAM_ for none used, REGION_ for the region alone, ...), or
 * the whole slice ('') when it uses two or more.
 */
export function familyOf(query: Pick<StatsQuery, 'slice' | 'dimensions'>): Family {
  const { slice } = query;
  const used = new Set<Dimension>(query.dimensions.filter((dimension) => PARTNER_DIMENSIONS.includes(dimension)));
  if (slice.regionIds !== null) used.add('REGION');
  if (slice.kind !== null) used.add('KIND');
  if (slice.segment !== null) used.add('SEGMENT');
  if (slice.level !== null) used.add('LEVEL');
  if (used.size === 0) return 'PROGRAM_';
  return used.size === 1 ? (`${[...used][0]}_` as Family) : '';
}

/** The SQL of each dimension over a row `t` whose local day is `t.day`. */
function dimensionSql(dimension: Dimension, query: StatsQuery): string {
  switch (dimension) {
    case 'REGION':
      return query.regionTops ? 'rt.top_id' : 't.region_id';
    case 'KIND':
      return 't.kind';
    case 'SEGMENT':
      return 't.segment';
    case 'LEVEL':
      return 't.level';
    case 'CAMPAIGN':
      return 't.campaign_id';
    case 'SCHEME':
      return 't.scheme_instance_id';
    case 'MONTH':
      return `date_trunc('month', t.day::timestamp)::date::text`;
  }
}

function groupColumns(query: StatsQuery): string[] {
  const columns = query.dimensions.map((dimension) => dimensionSql(dimension, query));
  // A date cast to timestamp, not timestamptz: no time zone to apply, and several times cheaper.
  if (query.interval) columns.push(`date_trunc('${query.interval.toLowerCase()}', t.day::timestamp)::date::text`);
  return columns;
}

/** The conditions every leg shares: the slice (a row `t`). */
function sliceConditions(query: StatsQuery, params: Params): string[] {
  const { slice } = query;
  const conditions: string[] = [];
  if (slice.regionIds) conditions.push(`t.region_id = any(${params.add(slice.regionIds, 'bigint[]')})`);
  if (slice.kind !== null) conditions.push(`t.kind = ${params.add(slice.kind, 'text')}`);
  if (slice.segment !== null) conditions.push(`t.segment = ${params.add(slice.segment, 'text')}`);
  if (slice.level !== null) conditions.push(`t.level = ${params.add(slice.level, 'int')}`);
  if (slice.campaignId !== null) conditions.push(`t.campaign_id = ${params.add(slice.campaignId, 'bigint')}`);
  else if (byCampaign(query)) conditions.push('t.campaign_id <> 0');
  if (query.regionTops) conditions.push('rt.top_id is not null');
  return conditions;
}

const COLUMNS = `t.region_id, t.kind, t.segment, t.level, t.campaign_id, t.scheme_instance_id, t.unit, ${FIGURES.map((figure) => `t.${figure}`).join(', ')}`;

/** The join of a region comparison: each row's region to the region it is rolled up into (`rt.top_id`). */
function topJoin(query: StatsQuery, params: Params): string {
  if (!query.regionTops) return '';
  const regions = params.add([...query.regionTops.keys()], 'bigint[]');
  const tops = params.add([...query.regionTops.values()], 'bigint[]');
  return `join (select * from unnest(${regions}, ${tops}) as r(region_id, top_id)) rt on rt.region_id = t.region_id`;
}

/**
 * The rows (columns `top_id` in a comparison, the slice, unit, figures and the local `day`)
 * whose figures add up to the period's: rollups of whole months and of single days, and the
 * unfolded deltas. `from` null reads from the first day on.
 */
function legs(query: StatsQuery, from: string | null, params: Params): string {
  const program = params.add(query.programId, 'bigint');
  const conditions = sliceConditions(query, params);
  const join = topJoin(query, params);
  const top = query.regionTops ? 'rt.top_id, ' : '';
  const to = params.add(query.period.to, 'date');
  const start = from === null ? null : params.add(from, 'date');
  const since = (column: string) => (start === null ? 'true' : `${column} >= ${start}`);
  const where = (extra: string) => [extra, ...conditions].join(' and ');
  const partner = query.slice.partnerId === null ? null : params.add(query.slice.partnerId, 'bigint');
  const total = (grain: string, range: string) =>
    `select ${top}${COLUMNS}, t.bucket as day from analytics_total t ${join} where ${where(`t.program_id = ${program} and t.grain = '${grain}' and t.partner_id = ${partner ?? '0'} and ${range}`)}`;
  const deltas = `select ${top}${COLUMNS}, t.day from analytics_delta t ${join} where ${where(`t.program_id = ${program} and ${since('t.day')} and t.day < ${to}${partner ? ` and t.partner_id = ${partner}` : ''}`)}`;
  const days = (grain: string) => [total(grain, `${since('t.bucket')} and t.bucket < ${to}`), deltas].join(' union all ');
  if (partner) return days('PARTNER_DAY');
  const family = familyOf(query);
  // A series by day or week reads days; anything else whole months where it can.
  if (query.interval === 'DAY' || query.interval === 'WEEK') return days(`${family}DAY`);
  const { monthsFrom, monthsTo } = splitByMonths({ from: from ?? '1900-01-01', to: query.period.to });
  const first = params.add(monthsFrom, 'date');
  const last = params.add(monthsTo, 'date');
  return [
    total(`${family}MONTH`, `t.bucket >= ${first} and t.bucket < ${last}`),
    total(`${family}DAY`, `(${since('t.bucket')} and t.bucket < ${first} or t.bucket >= ${last} and t.bucket < ${to})`),
    deltas,
  ].join(' union all ');
}

const sums = (figures: readonly Figure[]) => figures.map((figure) => `sum(x.${figure})::text as ${figure}`).join(', ');

/** The group columns over the legs' rows `x`, named d0, d1, ... */
function outerGroups(query: StatsQuery): string[] {
  return groupColumns(query).map((column, index) => `${column.replace('rt.top_id', 'x.top_id').replace(/\bt\./g, 'x.')} as d${index}`);
}

const positions = (count: number) => Array.from({ length: count }, (_, index) => index + 1).join(', ');

/** The period's figures per group and unit: columns d0, d1, ... (the dimensions, then the bucket), unit and each of `figures` as text. */
export function figuresSql(query: StatsQuery, figures: readonly Figure[] = FIGURES): { text: string; values: unknown[] } {
  const params = new Params();
  const source = legs(query, query.period.from, params);
  const groups = outerGroups(query);
  const text = `select ${[...groups, 'x.unit', sums(figures)].join(', ')} from (${source}) x group by ${positions(groups.length + 1)}`;
  return { text, values: params.values };
}

/**
 * Partners joined and points earned and redeemed before the period, since the first day, per
 * group (the dimensions without MONTH): with the period's own figures, the totals at any day of it.
 */
export function earlierSql(query: StatsQuery): { text: string; values: unknown[] } {
  const params = new Params();
  const plain = { ...query, period: { ...query.period, to: query.period.from }, dimensions: query.dimensions.filter((dimension) => dimension !== 'MONTH'), interval: undefined };
  const source = legs(plain, null, params);
  const groups = outerGroups(plain);
  const text = `select ${[...groups, 'sum(x.joined)::text as joined', 'sum(x.points_earned)::text as points_earned', 'sum(x.points_redeemed)::text as points_redeemed'].join(', ')}
      from (${source}) x${groups.length ? ` group by ${positions(groups.length)}` : ''}`;
  return { text, values: params.values };
}

/** A range whose distinct active partners are counted, with the range before it of the same length. */
export interface ActivityRange {
  bucket: string;
  from: string;
  to: string;
  previousFrom: string;
}

/**
 * Distinct partners per group (the dimensions without MONTH) and range: active in the range,
 * active in the range before it, and in both. A partner's active days are its rows of
 * `analytics_activity`, and each unfolded delta with events is one more active day.
 */
export function activitySql(query: StatsQuery, ranges: ActivityRange[]): { text: string; values: unknown[] } {
  const params = new Params();
  const plain: StatsQuery = { ...query, dimensions: query.dimensions.filter((dimension) => dimension !== 'MONTH'), interval: undefined };
  const program = params.add(query.programId, 'bigint');
  const conditions = sliceConditions(plain, params);
  if (query.slice.partnerId !== null) conditions.push(`t.partner_id = ${params.add(query.slice.partnerId, 'bigint')}`);
  const earliest = params.add(ranges.reduce((min, range) => (range.previousFrom < min ? range.previousFrom : min), ranges[0].previousFrom), 'date');
  const latest = params.add(ranges.reduce((max, range) => (range.to > max ? range.to : max), ranges[0].to), 'date');
  const join = topJoin(query, params);
  const where = (extra: string) => [extra, ...conditions].join(' and ');
  const rangeRows = `select * from unnest(${params.add(ranges.map((range) => range.bucket), 'date[]')}, ${params.add(ranges.map((range) => range.from), 'date[]')},
    ${params.add(ranges.map((range) => range.to), 'date[]')}, ${params.add(ranges.map((range) => range.previousFrom), 'date[]')}) as m(bucket, range_from, range_to, previous_from)`;
  const groups = groupColumns(plain).map((column) => column.replace('rt.top_id', 't.top_id'));
  const keys = groups.map((column, index) => `${column} as d${index}`);
  const outer = groups.map((_, index) => `d${index}`);
  const days = `select ${query.regionTops ? 'rt.top_id, ' : ''}t.region_id, t.kind, t.segment, t.level, t.partner_id, t.first_day, t.days from analytics_activity t ${join}
      where ${where(`t.program_id = ${program} and t.last_day >= ${earliest} and t.first_day < ${latest}`)}
    union all
    select ${query.regionTops ? 'rt.top_id, ' : ''}t.region_id, t.kind, t.segment, t.level, t.partner_id, t.day, B'1'::varbit from analytics_delta t ${join}
      where ${where(`t.program_id = ${program} and t.events > 0 and t.day >= ${earliest} and t.day < ${latest}`)}`;
  const text = `select ${[...outer, 'bucket::text as bucket'].join(', ')}, count(*) filter (where now)::int as active, count(*) filter (where before)::int as before,
           count(*) filter (where now and before)::int as retained
      from (select ${[...keys, 'm.bucket'].join(', ')}, t.partner_id,
                   bool_or(analytics_active(t.first_day, t.days, m.range_from, m.range_to)) as now,
                   bool_or(analytics_active(t.first_day, t.days, m.previous_from, m.range_from)) as before
              from (${days}) t cross join (${rangeRows}) m
             group by ${positions(groups.length + 2)}) p
     group by ${positions(outer.length + 1)}`;
  return { text, values: params.values };
}

/** A month, quarter or year whose distinct partners are counted ahead (analytics_active), with the one before it. */
export interface CountedPeriod {
  bucket: string;
  previous: string;
}

/**
 * Distinct partners per group (the dimensions without MONTH) and period of `grain`, read from
 * the counts kept per period and slice: active in the period (in its slice there), active in the
 * one before (in its slice then), and of those, active in both. Same columns as activitySql.
 */
export function periodCountsSql(query: StatsQuery, grain: 'MONTH' | 'QUARTER' | 'YEAR', periods: CountedPeriod[]): { text: string; values: unknown[] } {
  const params = new Params();
  const plain: StatsQuery = { ...query, dimensions: query.dimensions.filter((dimension) => dimension !== 'MONTH'), interval: undefined };
  const program = params.add(query.programId, 'bigint');
  const conditions = sliceConditions(plain, params);
  const join = topJoin(query, params);
  const buckets = params.add(periods.map((period) => period.bucket), 'date[]');
  const previous = params.add(periods.map((period) => period.previous), 'date[]');
  const groups = groupColumns(plain);
  const keys = groups.map((column, index) => `${column} as d${index}`);
  const text = `select ${[...keys, 'm.bucket::text as bucket'].join(', ')},
           coalesce(sum(t.active) filter (where t.bucket = m.bucket), 0)::int as active,
           coalesce(sum(t.active) filter (where t.bucket = m.previous), 0)::int as before,
           coalesce(sum(t.retained_next) filter (where t.bucket = m.previous), 0)::int as retained
      from analytics_active t ${join}
      join unnest(${buckets}, ${previous}) as m(bucket, previous) on t.bucket in (m.bucket, m.previous)
     where ${[`t.program_id = ${program}`, `t.grain = ${params.add(familyOf(query) + grain, 'text')}`, ...conditions].join(' and ')}
     group by ${positions(groups.length + 1)}`;
  return { text, values: params.values };
}
