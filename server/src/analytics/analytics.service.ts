import type { Sql } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isId } from '../graphql/ids.js';
import type { BoardPeriod } from '../leaderboards/board-query.js';
import type { LeaderboardService } from '../leaderboards/leaderboard.service.js';
import { MAX_CODE_LENGTH } from '../validation.js';
import { foldPendingAnalytics, type Figure } from './rollups.js';
import { addSums, costOf, groupFigures, netOf, zeroSums, type Cumulative, type GroupFigures, type PartnerCounts, type Sums } from './figures.js';
import { bucketOf, bucketsOf, dateOf, dayNumber, monthOf, nextMonth, resolvePeriod, type Interval, type Period, type PeriodInput } from './period.js';
import { activitySql, byCampaign, earlierSql, figuresSql, periodCountsSql, type ActivityRange, type Dimension, type RegionTops, type Slice, type StatsQuery } from './stats-sql.js';

export interface FilterInput {
  campaignId?: string | null;
  regionCode?: string | null;
  kind?: string | null;
  segment?: string | null;
  level?: number | null;
}

/** What a group is a group of; a field is set when the figures are grouped by it. */
export interface GroupKey {
  regionCode?: string | null;
  kind?: string;
  segment?: string | null;
  level?: number;
  campaignId?: string;
  schemeInstanceId?: string;
  month?: string;
}

export interface StatsGroup extends GroupFigures {
  key: GroupKey;
}

/** A partner's place on its region's board of net sales (the program's currency) for the period. */
export interface RegionRank {
  regionCode: string;
  period: BoardPeriod;
  /** Null when the partner has no net sales in the period. */
  rank: number | null;
  /** Partners on the board. */
  ranked: number;
}

export interface ProgramStats {
  period: Period;
  total: StatsGroup;
  groups: StatsGroup[];
}

/** The most dimensions figures are grouped by at once. */
export const MAX_GROUP_DIMENSIONS = 2;
/** The most buckets a time series has (a DAY series of about two years and nine months). */
export const MAX_SERIES_BUCKETS = 1_000;
/** The most groups one programStats or regionComparison answers. */
export const MAX_STATS_GROUPS = 5_000;
/** The most points (series × buckets) one timeSeries answers. */
export const MAX_SERIES_POINTS = 20_000;
/** The most buckets of a series of distinct active partners, each a pass over the program's partners. */
export const MAX_ACTIVE_BUCKETS = 60;

type Row = Record<string, string | null>;

/**
 * Program analytics from the rollups (see rollups.ts and stats-sql.ts): a period's figures,
 * grouped or not, per region side by side, of one partner, and as time series.
 */
export class AnalyticsService {
  constructor(
    private readonly sql: Sql,
    private readonly leaderboards: LeaderboardService,
    private readonly limits = { groups: MAX_STATS_GROUPS, seriesPoints: MAX_SERIES_POINTS },
  ) {}

  /** The figures of a period, in total and per group of `groupBy`. */
  async programStats(programId: string, input: { period: PeriodInput; filter?: FilterInput | null; groupBy?: Dimension[] | null }): Promise<ProgramStats> {
    const period = checkedPeriod(input.period);
    const dimensions = checkedDimensions(input.groupBy ?? [], 'groupBy');
    const slice = await this.slice(programId, input.filter ?? {});
    const base = { programId, period, slice };
    const read = new ReadOnce(this.sql, programId);
    const [total, groups] = await Promise.all([this.groups({ ...base, dimensions: [] }, read), dimensions.length ? this.groups({ ...base, dimensions }, read) : null]);
    return { period, total: total[0], groups: groups ?? [] };
  }

  /** One partner's figures of a period, and its rank on its region's board of net sales when the period is one a board ranks. */
  async partnerStats(programId: string, partnerId: string, periodInput: PeriodInput): Promise<{ period: Period; figures: GroupFigures; rank: RegionRank | null }> {
    const period = checkedPeriod(periodInput);
    const partner = await this.partner(programId, partnerId);
    const slice: Slice = { ...NO_SLICE, partnerId };
    const [[group], rank] = await Promise.all([this.groups({ programId, period, slice, dimensions: [] }, new ReadOnce(this.sql, programId)), this.regionRank(programId, partnerId, partner.regionCode, period)]);
    return { period, figures: group, rank };
  }

  /** One partner's series of a metric — its sales, earnings, points — for its own chart; NOT_FOUND for no such partner. */
  async partnerSeries(programId: string, partnerId: string, input: Omit<SeriesInput, 'filter' | 'groupBy'>): Promise<Series[]> {
    await this.partner(programId, partnerId);
    if (METRICS[input.metric].partners) throw errors.badInput([{ path: 'metric', message: "counts the program's active partners; a partner's series has one at most" }]);
    return this.series(programId, input, { ...NO_SLICE, partnerId });
  }

  private async partner(programId: string, partnerId: string): Promise<{ regionCode: string | null }> {
    const [partner] = isId(partnerId)
      ? await this.sql.query<{ regionCode: string | null }>(`select r.code as "regionCode" from partner p left join region r on r.id = p.region_id where p.program_id = $1 and p.id = $2`, [
          programId,
          partnerId,
        ])
      : [];
    if (!partner) throw errors.notFound('partner', partnerId);
    return partner;
  }

  private async regionRank(programId: string, partnerId: string, regionCode: string | null, period: Period): Promise<RegionRank | null> {
    const boardPeriod = boardPeriodOf(period);
    if (regionCode === null || boardPeriod === null) return null;
    const board = await this.leaderboards.board(programId, { metric: 'NET_SALES', period: boardPeriod, date: period.from, regionCode }, { kind: 'partner', partnerId }, 0);
    return { regionCode, period: boardPeriod, rank: board.me?.rank ?? null, ranked: board.ranked };
  }

  /** Each region under `parentRegionCode` (the top regions without one), rolled up with its sub-regions, and their total. */
  async regionComparison(programId: string, input: { period: PeriodInput; filter?: FilterInput | null; parentRegionCode?: string | null }): Promise<ProgramStats> {
    const period = checkedPeriod(input.period);
    if (input.filter?.regionCode != null) throw errors.badInput([{ path: 'filter.regionCode', message: 'a comparison chooses its regions by parentRegionCode' }]);
    const slice = await this.slice(programId, { ...input.filter, regionCode: input.parentRegionCode ?? null }, 'parentRegionCode');
    const regions = await this.sql.query<{ id: string; code: string; parentId: string | null }>(
      `select id::text, code, parent_id::text as "parentId" from region where program_id = $1 order by code`,
      [programId],
    );
    const parent = input.parentRegionCode == null ? null : regions.find((region) => region.code === input.parentRegionCode)!.id;
    const children = regions.filter((region) => region.parentId === parent);
    const tops = regionTops(regions, new Set(children.map((child) => child.id)));
    const base = { programId, period, slice };
    const read = new ReadOnce(this.sql, programId);
    const [total, groups] = await Promise.all([this.groups({ ...base, dimensions: [] }, read), this.groups({ ...base, dimensions: ['REGION'], regionTops: tops }, read)]);
    const found = new Map(groups.map((group) => [group.key.regionCode, group]));
    const empty = (code: string): StatsGroup => ({ key: { regionCode: code }, ...groupFigures(new Map(), null, ZERO_CUMULATIVE, byCampaign({ slice, dimensions: [] })) });
    return { period, total: total[0], groups: children.map((child) => found.get(child.code) ?? empty(child.code)) };
  }

  /**
   * The figures of each group of `query`: every group with a figure, a partner active now or
   * before, or partners and points from earlier periods. Without dimensions, one: the total.
   */
  private async groups(query: StatsQuery, read: ReadOnce): Promise<StatsGroup[]> {
    const rewardsOnly = byCampaign(query);
    const monthIndex = query.dimensions.indexOf('MONTH');
    const ranges = monthIndex >= 0 ? monthRanges(query.period) : [rangeOf(query.period.from, query.period)];
    const [figureRows, activityRows, earlierRows, codes] = await Promise.all([
      this.rows(figuresSql(query)),
      rewardsOnly ? [] : this.partnerCounts(query, ranges, monthIndex >= 0 ? 'MONTH' : null, read),
      rewardsOnly ? [] : this.rows(earlierSql(query)),
      read.regionCodes(),
    ]);
    // A group is known by its values of the dimensions but MONTH, and its month.
    const groups = new Map<string, { values: Value[]; month: string | null; units: Map<string, Sums> }>();
    const groupOf = (values: Value[], month: string | null) => {
      const key = keyOf(values, month);
      const group = groups.get(key) ?? { values, month, units: new Map<string, Sums>() };
      groups.set(key, group);
      return group;
    };
    for (const row of figureRows) {
      const values = query.dimensions.flatMap((dimension, index) => (dimension === 'MONTH' ? [] : [row[`d${index}`]]));
      const units = groupOf(values, monthIndex >= 0 ? row[`d${monthIndex}`] : null).units;
      const sums = units.get(row.unit!) ?? zeroSums();
      units.set(row.unit!, sums);
      addSums(sums, row as Record<string, string>);
    }
    const counts = new Map<string, PartnerCounts>();
    for (const row of activityRows) {
      const month = monthIndex >= 0 ? row.bucket : null;
      groupOf(valuesOf(row), month);
      counts.set(keyOf(valuesOf(row), month), { active: Number(row.active), before: Number(row.before), retained: Number(row.retained) });
    }
    if (monthIndex < 0) for (const row of earlierRows) groupOf(valuesOf(row), null);
    if (!query.dimensions.length) groupOf([], null);
    if (groups.size > this.limits.groups) throw errors.badInput([{ path: 'groupBy', message: `gives ${groups.size} groups, more than ${this.limits.groups}: filter or group by less` }]);
    const cumulative = rewardsOnly ? () => null : cumulativeOf(earlierRows, groups.values());
    return [...groups.values()].map(({ values, month, units }) => {
      const through = month === null ? query.period.to : min(nextMonth(month), query.period.to);
      return {
        key: groupKey(query, values, month, codes),
        ...groupFigures(units, counts.get(keyOf(values, month)) ?? null, cumulative(keyOf(values, null), through), rewardsOnly),
      };
    });
  }

  /**
   * Distinct active partners of each range: counted ahead when every range is a whole month,
   * quarter or year (after folding what is committed, so the counts hold it), else from the
   * partners' active days. `cut` is how the ranges cut the period (null: not at all).
   */
  private async partnerCounts(query: StatsQuery, ranges: ActivityRange[], cut: Interval | null, read: ReadOnce): Promise<Row[]> {
    const grain = query.slice.partnerId === null ? countedGrain(query.period, cut) : null;
    if (grain === null) return this.rows(activitySql(query, ranges));
    await read.folded();
    const periods = ranges.map((range) => ({ bucket: range.from, previous: previousBucket(range.from, grain) }));
    return this.rows(periodCountsSql(query, grain, periods));
  }

  private async rows(statement: { text: string; values: unknown[] }): Promise<Row[]> {
    return this.sql.query<Row>(statement.text, statement.values);
  }

  /** The filter as a slice of the rollups; an unknown region or campaign is the caller's mistake, named by its path. */
  private async slice(programId: string, filter: FilterInput, regionPath = 'filter.regionCode'): Promise<Slice> {
    const issues: InputIssue[] = [];
    const text = (value: string | null | undefined, path: string) => {
      if (value != null && (value.length === 0 || value.length > MAX_CODE_LENGTH)) issues.push({ path, message: `must be 1–${MAX_CODE_LENGTH} characters` });
      return value ?? null;
    };
    const kind = text(filter.kind, 'filter.kind');
    const segment = text(filter.segment, 'filter.segment');
    const regionCode = text(filter.regionCode, regionPath);
    if (filter.level != null && (!Number.isInteger(filter.level) || filter.level < 1 || filter.level > 1000)) issues.push({ path: 'filter.level', message: 'must be a level from 1 to 1000' });
    if (filter.campaignId != null && !isId(filter.campaignId)) issues.push({ path: 'filter.campaignId', message: `"${String(filter.campaignId).slice(0, MAX_CODE_LENGTH)}" is not an id` });
    if (issues.length) throw errors.badInput(issues);
    const [regions, campaigns] = await Promise.all([
      regionCode === null ? null : this.regionAndBelow(programId, regionCode),
      filter.campaignId == null ? [] : this.sql.query(`select 1 from campaign where program_id = $1 and id = $2`, [programId, filter.campaignId]),
    ]);
    if (regions?.length === 0) issues.push({ path: regionPath, message: `no region with code "${regionCode}" in this program` });
    if (filter.campaignId != null && !campaigns.length) issues.push({ path: 'filter.campaignId', message: `no campaign with id "${filter.campaignId}" in this program` });
    if (issues.length) throw errors.badInput(issues);
    return { regionIds: regions, kind, segment, level: filter.level ?? null, campaignId: filter.campaignId ?? null, partnerId: null };
  }

  private async regionAndBelow(programId: string, code: string): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `with recursive area as (select id from region where program_id = $1 and code = $2
                               union select r.id from region r join area a on r.parent_id = a.id)
       select id::text from area`,
      [programId, code],
    );
    return rows.map((row) => row.id);
  }

  /** A time series of one metric: per bucket of `interval`, per group of `groupBy` and, for money, per currency; empty buckets are zeros. */
  async timeSeries(programId: string, input: SeriesInput): Promise<Series[]> {
    checkedPeriod(input.period);
    return this.series(programId, input, await this.slice(programId, input.filter ?? {}));
  }

  private async series(programId: string, input: SeriesInput, slice: Slice): Promise<Series[]> {
    const period = checkedPeriod(input.period);
    const dimensions = input.groupBy ? checkedDimensions([input.groupBy], 'groupBy') : [];
    if (dimensions.includes('MONTH')) throw errors.badInput([{ path: 'groupBy', message: 'a series is cut by its interval; group it by another dimension' }]);
    const buckets = bucketsOf(period, input.interval);
    const metric = METRICS[input.metric];
    const limit = metric.partners ? MAX_ACTIVE_BUCKETS : MAX_SERIES_BUCKETS;
    if (buckets.length > limit) throw errors.badInput([{ path: 'interval', message: `the period has ${buckets.length} buckets of ${input.interval}; at most ${limit}` }]);
    const query: StatsQuery = { programId, period, slice, dimensions, interval: input.interval };
    if (metric.partners && byCampaign(query)) throw errors.badInput([{ path: 'metric', message: 'partners are counted for the program, not for a campaign or scheme' }]);
    const read = new ReadOnce(this.sql, programId);
    const codes = await read.regionCodes();
    const points = new Map<string, { key: GroupKey; currency: string | null; values: Map<string, bigint> }>();
    const add = (row: Row, bucket: string, currency: string | null, value: bigint) => {
      // d0 is the group's value when grouped (the bucket's column comes after it).
      const values = dimensions.length ? [row.d0] : [];
      const id = keyOf(values, currency);
      const series = points.get(id) ?? { key: groupKey(query, values, null, codes), currency, values: new Map<string, bigint>() };
      points.set(id, series);
      series.values.set(bucket, (series.values.get(bucket) ?? 0n) + value);
    };
    if (metric.partners) {
      const ranges = buckets.map((bucket) => rangeOf(bucket, period, input.interval));
      for (const row of await this.partnerCounts(query, ranges, input.interval, read)) add(row, row.bucket!, null, BigInt(row.active!));
    } else {
      for (const row of await this.rows(figuresSql(query, metric.figures))) {
        const sums = zeroSums();
        addSums(sums, row as Record<string, string>);
        const value = metric.value(sums);
        if (metric.money ? row.unit !== '' && value !== 0n : value !== 0n) add(row, row[`d${dimensions.length}`]!, metric.money ? row.unit : null, value);
      }
    }
    if (!points.size && !dimensions.length && !metric.money) points.set('[]', { key: {}, currency: null, values: new Map() });
    if (points.size * buckets.length > this.limits.seriesPoints) {
      const message = `gives ${points.size} series of ${buckets.length} buckets, more than ${this.limits.seriesPoints} points: filter, group by less or take a longer interval`;
      throw errors.badInput([{ path: 'groupBy', message }]);
    }
    return [...points.values()].map((series) => ({ key: series.key, currency: series.currency, points: buckets.map((bucket) => ({ bucket, value: series.values.get(bucket) ?? 0n })) }));
  }
}

export const METRIC_NAMES = ['EVENTS', 'SALES', 'GROSS_SALES', 'REFUNDED', 'NET_SALES', 'NEW_CUSTOMERS', 'LEADS', 'NEW_PARTNERS', 'RECRUITED_PARTNERS', 'ACTIVE_PARTNERS',
  'REWARD_COST', 'POINTS_EARNED', 'POINTS_REDEEMED', 'PERKS_GRANTED', 'BADGES', 'SURVEY_RESPONSES'] as const;
export type Metric = (typeof METRIC_NAMES)[number];

export interface SeriesInput {
  metric: Metric;
  interval: Interval;
  period: PeriodInput;
  filter?: FilterInput | null;
  groupBy?: Dimension | null;
}

export interface Series {
  key: GroupKey;
  /** The currency of a money metric; null for counts. */
  currency: string | null;
  points: { bucket: string; value: bigint }[];
}

interface MetricDefinition {
  /** Per currency. */
  money?: boolean;
  /** Distinct active partners, not a sum. */
  partners?: boolean;
  /** The figures `value` reads: a series sums only those. */
  figures: readonly Figure[];
  value: (sums: Sums) => bigint;
}

/** What a time series can chart: each a figure of the rollups (see figures.ts), or distinct active partners. */
export const METRICS: Record<Metric, MetricDefinition> = {
  EVENTS: { figures: ['events'], value: (sums: Sums) => sums.events },
  SALES: { figures: ['sales'], value: (sums: Sums) => sums.sales },
  GROSS_SALES: { money: true, figures: ['gross'], value: (sums: Sums) => sums.gross },
  REFUNDED: { money: true, figures: ['refunded'], value: (sums: Sums) => sums.refunded },
  NET_SALES: { money: true, figures: ['gross', 'refunded'], value: netOf },
  NEW_CUSTOMERS: { figures: ['new_customers'], value: (sums: Sums) => sums.new_customers },
  LEADS: { figures: ['leads'], value: (sums: Sums) => sums.leads },
  NEW_PARTNERS: { figures: ['joined'], value: (sums: Sums) => sums.joined },
  RECRUITED_PARTNERS: { figures: ['recruits'], value: (sums: Sums) => sums.recruits },
  ACTIVE_PARTNERS: { partners: true, figures: [], value: () => 0n },
  REWARD_COST: { money: true, figures: ['money_pending', 'money_approved', 'money_paid', 'money_reversed'], value: costOf },
  POINTS_EARNED: { figures: ['points_earned'], value: (sums: Sums) => sums.points_earned },
  POINTS_REDEEMED: { figures: ['points_redeemed'], value: (sums: Sums) => sums.points_redeemed },
  PERKS_GRANTED: { figures: ['perks'], value: (sums: Sums) => sums.perks },
  BADGES: { figures: ['badges'], value: (sums: Sums) => sums.badges },
  SURVEY_RESPONSES: { figures: ['responses'], value: (sums: Sums) => sums.responses },
};

/**
 * What the statements of one read share, asked once however many of them need it: the
 * program's region codes, and the fold of committed deltas before counts kept ahead are read.
 */
class ReadOnce {
  private codes: Promise<Map<string, string>> | null = null;
  private fold: Promise<void> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly programId: string,
  ) {}

  regionCodes(): Promise<Map<string, string>> {
    this.codes ??= this.sql
      .query<{ id: string; code: string }>(`select id::text, code from region where program_id = $1`, [this.programId])
      .then((rows) => new Map(rows.map((row) => [row.id, row.code])));
    return this.codes;
  }

  folded(): Promise<void> {
    this.fold ??= foldPendingAnalytics(this.sql, this.programId);
    return this.fold;
  }
}

const NO_SLICE: Slice = { regionIds: null, kind: null, segment: null, level: null, campaignId: null, partnerId: null };
const ZERO_CUMULATIVE: Cumulative = { joined: 0n, pointsEarned: 0n, pointsRedeemed: 0n };

function checkedPeriod(input: PeriodInput): Period {
  const period = resolvePeriod(input);
  if (Array.isArray(period)) throw errors.badInput(period);
  return period;
}

/** The dimensions to group by, or BAD_USER_INPUT at `path`: at most two, none twice, not both CAMPAIGN and SCHEME. */
export function checkedDimensions(dimensions: Dimension[], path: string): Dimension[] {
  if (new Set(dimensions).size !== dimensions.length) throw errors.badInput([{ path, message: 'names a dimension twice' }]);
  if (dimensions.length > MAX_GROUP_DIMENSIONS) throw errors.badInput([{ path, message: `at most ${MAX_GROUP_DIMENSIONS} dimensions` }]);
  if (dimensions.includes('CAMPAIGN') && dimensions.includes('SCHEME')) throw errors.badInput([{ path, message: 'a scheme instance belongs to one campaign: group by SCHEME alone' }]);
  return dimensions;
}

/**
 * The period kind whose distinct partners are counted ahead that the ranges are, or null: a
 * period cut by months that starts and ends on a month's first day (ranges of MONTH), a period
 * that is one whole month, quarter or year (one range), or a partner's own figures (never).
 */
function countedGrain(period: Period, cut: Interval | null): 'MONTH' | 'QUARTER' | 'YEAR' | null {
  const aligned = period.from === monthOf(period.from) && period.to === monthOf(period.to);
  if (cut !== null) return cut === 'MONTH' && aligned ? 'MONTH' : null;
  if (!aligned) return null;
  const start = Number(period.from.slice(5, 7));
  if (period.to === nextMonth(period.from)) return 'MONTH';
  if ((start - 1) % 3 === 0 && period.to === addMonths(period.from, 3)) return 'QUARTER';
  if (start === 1 && period.to === addMonths(period.from, 12)) return 'YEAR';
  return null;
}

const addMonths = (month: string, count: number) => Array.from({ length: count }).reduce<string>((at) => nextMonth(at), month);

function previousBucket(bucket: string, grain: 'MONTH' | 'QUARTER' | 'YEAR'): string {
  const months = grain === 'MONTH' ? 1 : grain === 'QUARTER' ? 3 : 12;
  const year = Number(bucket.slice(0, 4));
  const month = Number(bucket.slice(5, 7)) - 1 - months;
  return dateOf(Date.UTC(year, month, 1) / 86_400_000);
}

/** The board period that is exactly `period` (a local day, ISO week, month or quarter), or null. */
function boardPeriodOf(period: Period): BoardPeriod | null {
  const from = dayNumber(period.from)!;
  const to = dayNumber(period.to)!;
  if (to - from === 1) return 'DAY';
  if (to - from === 7 && bucketOf(from, 'WEEK') === from) return 'WEEK';
  if (period.from.endsWith('-01') && period.to === nextMonth(period.from)) return 'MONTH';
  const quarterStart = ['01', '04', '07', '10'].includes(period.from.slice(5, 7)) && period.from.endsWith('-01');
  if (quarterStart && period.to === nextMonth(nextMonth(nextMonth(period.from)))) return 'QUARTER';
  return null;
}

const min = (a: string, b: string) => (a < b ? a : b);
const max = (a: string, b: string) => (a > b ? a : b);

/** The part of the bucket starting at `bucket` inside the period, and the range of the same length before it. */
function rangeOf(bucket: string, period: Period, interval: Interval | null = null): ActivityRange {
  const end = interval === null ? period.to : interval === 'MONTH' ? nextMonth(bucket) : dateOf(dayNumber(bucket)! + (interval === 'WEEK' ? 7 : 1));
  const from = max(bucket, period.from);
  const to = min(end, period.to);
  return { bucket, from, to, previousFrom: dateOf(2 * dayNumber(from)! - dayNumber(to)!) };
}

function monthRanges(period: Period): ActivityRange[] {
  return bucketsOf(period, 'MONTH').map((month) => rangeOf(month, period, 'MONTH'));
}

/** Each region's id to the id of the region among `tops` it is in or under; regions outside them are left out. */
function regionTops(regions: { id: string; parentId: string | null }[], tops: Set<string>): RegionTops {
  const parentOf = new Map(regions.map((region) => [region.id, region.parentId]));
  const result: RegionTops = new Map();
  for (const region of regions) {
    // Regions nest a few levels deep; the walk stops at a top or at the root.
    for (let at: string | null = region.id, steps = 0; at !== null && steps <= regions.length; at = parentOf.get(at) ?? null, steps++) {
      if (tops.has(at)) {
        result.set(region.id, at);
        break;
      }
    }
  }
  return result;
}

/** Joined partners and points since the first day, summed per group over months before `through` (rows of month '' are not by month: always). */
/**
 * Partners joined and points earned and redeemed from the first day up to `through`, per group:
 * what came before the period (`earlier`), and the group's figures of the period's months
 * before `through` (all of them when not grouped by month).
 */
function cumulativeOf(earlier: Row[], groups: Iterable<{ values: Value[]; month: string | null; units: Map<string, Sums> }>): (key: string, through: string) => Cumulative {
  const before = new Map<string, Cumulative>();
  for (const row of earlier) before.set(keyOf(valuesOf(row), null), { joined: BigInt(row.joined ?? 0), pointsEarned: BigInt(row.points_earned ?? 0), pointsRedeemed: BigInt(row.points_redeemed ?? 0) });
  const months = new Map<string, { month: string | null; sums: Cumulative }[]>();
  for (const { values, month, units } of groups) {
    const sums: Cumulative = { joined: 0n, pointsEarned: 0n, pointsRedeemed: 0n };
    for (const unit of units.values()) {
      sums.joined += unit.joined;
      sums.pointsEarned += unit.points_earned;
      sums.pointsRedeemed += unit.points_redeemed;
    }
    const key = keyOf(values, null);
    const list = months.get(key) ?? [];
    months.set(key, list);
    list.push({ month, sums });
  }
  return (key, through) => {
    const total: Cumulative = { ...(before.get(key) ?? ZERO_CUMULATIVE) };
    for (const { month, sums } of months.get(key) ?? []) {
      if (month !== null && month >= through) continue;
      total.joined += sums.joined;
      total.pointsEarned += sums.pointsEarned;
      total.pointsRedeemed += sums.pointsRedeemed;
    }
    return total;
  };
}

function groupKey(query: StatsQuery, values: Value[], month: string | null, codes: Map<string, string>): GroupKey {
  const key: GroupKey = {};
  let next = 0;
  for (const dimension of query.dimensions) {
    const value = dimension === 'MONTH' ? month : values[next++];
    if (dimension === 'REGION') key.regionCode = value === null || String(value) === '0' ? null : (codes.get(String(value)) ?? null);
    else if (dimension === 'KIND') key.kind = String(value);
    else if (dimension === 'SEGMENT') key.segment = value ? String(value) : null;
    else if (dimension === 'LEVEL') key.level = Number(value);
    else if (dimension === 'CAMPAIGN') key.campaignId = String(value);
    else if (dimension === 'SCHEME') key.schemeInstanceId = String(value);
    else key.month = String(value).slice(0, 7);
  }
  return key;
}

/** A dimension's value in a row: a region's, campaign's or scheme's id, a kind, a segment, a level or a month. */
type Value = string | number | null;

const keyOf = (values: Value[], month: string | null) => JSON.stringify([values, month]);

/** The dimension columns of a row (d0, d1, ...), in order. */
function valuesOf(row: Row): Value[] {
  return Object.keys(row)
    .filter((name) => /^d\d+$/.test(name))
    .sort()
    .map((name) => row[name]);
}
