import { Arg, Ctx, Extensions, ID, Query, Resolver } from 'type-graphql';
import { requirePartnerAccess, requireReader } from '../auth/access.js';
import type { RequestContext } from '../graphql/context.js';
import { MAX_ACTIVE_BUCKETS, MAX_GROUP_DIMENSIONS, MAX_SERIES_BUCKETS, type Metric, type StatsGroup } from './analytics.service.js';
import {
  AnalyticsDimensionEnum,
  AnalyticsFilterInput,
  AnalyticsIntervalEnum,
  AnalyticsMetricEnum,
  AnalyticsPeriodInput,
  AnalyticsSeries,
  PartnerStatsType,
  ProgramStatsType,
} from './analytics.types.js';
import type { Interval } from './period.js';
import type { Dimension } from './stats-sql.js';

const flat = ({ key, ...figures }: StatsGroup) => ({ ...key, ...figures });

/**
 * What an analytics query costs by itself in the query limits (see graphql/cost.ts): a few
 * statements over rollups, each a pass over up to a year of a program's slices or its partners'
 * active days, where a field elsewhere reads a row. Twenty of them fill the budget of a request.
 */
export const ANALYTICS_QUERY_COST = 2_500;

@Resolver()
export class AnalyticsResolver {
  @Extensions({ cost: ANALYTICS_QUERY_COST })
  @Query(() => ProgramStatsType, {
    description:
      `The program's figures over a period, in total and per group of up to ${MAX_GROUP_DIMENSIONS} dimensions, read from rollups. ` +
      'An analytics:read or admin key. A bad period, filter or groupBy is BAD_USER_INPUT naming it.',
  })
  async programStats(
    @Ctx() ctx: RequestContext,
    @Arg('period', () => AnalyticsPeriodInput) period: AnalyticsPeriodInput,
    @Arg('filter', () => AnalyticsFilterInput, { nullable: true }) filter?: AnalyticsFilterInput,
    @Arg('groupBy', () => [AnalyticsDimensionEnum], { nullable: true }) groupBy?: Dimension[],
  ): Promise<ProgramStatsType> {
    const stats = await ctx.app.analytics.programStats(requireReader(ctx.principal), { period, filter, groupBy });
    return { ...stats.period, total: flat(stats.total), groups: stats.groups.map(flat) };
  }

  @Extensions({ cost: ANALYTICS_QUERY_COST })
  @Query(() => ProgramStatsType, {
    description:
      'Regions side by side: each child region of parentRegionCode (the top regions without it), with the figures of its partners and of its ' +
      "sub-regions' partners, and the program's total over the same regions. An analytics:read or admin key.",
  })
  async regionComparison(
    @Ctx() ctx: RequestContext,
    @Arg('period', () => AnalyticsPeriodInput) period: AnalyticsPeriodInput,
    @Arg('filter', () => AnalyticsFilterInput, { nullable: true }) filter?: AnalyticsFilterInput,
    @Arg('parentRegionCode', () => String, { nullable: true }) parentRegionCode?: string,
  ): Promise<ProgramStatsType> {
    const stats = await ctx.app.analytics.regionComparison(requireReader(ctx.principal), { period, filter, parentRegionCode });
    return { ...stats.period, total: flat(stats.total), groups: stats.groups.map(flat) };
  }

  @Extensions({ cost: ANALYTICS_QUERY_COST })
  @Query(() => PartnerStatsType, {
    description: "One partner's figures over a period. An analytics:read or admin key, or that partner's own token (another partner's is FORBIDDEN).",
  })
  async partnerStats(
    @Ctx() ctx: RequestContext,
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('period', () => AnalyticsPeriodInput) period: AnalyticsPeriodInput,
  ): Promise<PartnerStatsType> {
    const stats = await ctx.app.analytics.partnerStats(requirePartnerAccess(ctx.principal, partnerId), partnerId, period);
    return { partnerId, ...stats.period, figures: flat({ key: {}, ...stats.figures }), rank: stats.rank };
  }

  @Extensions({ cost: ANALYTICS_QUERY_COST })
  @Query(() => [AnalyticsSeries], {
    description:
      `A metric per bucket of the period, for charts: one series per group of groupBy and, for money, per currency. At most ${MAX_SERIES_BUCKETS} ` +
      `buckets (${MAX_ACTIVE_BUCKETS} for ACTIVE_PARTNERS). An analytics:read or admin key.`,
  })
  async timeSeries(
    @Ctx() ctx: RequestContext,
    @Arg('metric', () => AnalyticsMetricEnum) metric: Metric,
    @Arg('interval', () => AnalyticsIntervalEnum) interval: Interval,
    @Arg('period', () => AnalyticsPeriodInput) period: AnalyticsPeriodInput,
    @Arg('filter', () => AnalyticsFilterInput, { nullable: true }) filter?: AnalyticsFilterInput,
    @Arg('groupBy', () => AnalyticsDimensionEnum, { nullable: true }) groupBy?: Dimension,
  ): Promise<AnalyticsSeries[]> {
    const series = await ctx.app.analytics.timeSeries(requireReader(ctx.principal), { metric, interval, period, filter, groupBy });
    return series.map(({ key, currency, points }) => ({ ...key, currency, points }));
  }

  @Extensions({ cost: ANALYTICS_QUERY_COST })
  @Query(() => [AnalyticsSeries], {
    description:
      "One partner's metric per bucket of the period — its net sales, its rewards' cost (what it earned), its points — for its own chart: for money, one series " +
      `per currency. At most ${MAX_SERIES_BUCKETS} buckets; not ACTIVE_PARTNERS. An analytics:read or admin key, or that partner's own token (another partner's is FORBIDDEN).`,
  })
  async partnerSeries(
    @Ctx() ctx: RequestContext,
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('metric', () => AnalyticsMetricEnum) metric: Metric,
    @Arg('interval', () => AnalyticsIntervalEnum) interval: Interval,
    @Arg('period', () => AnalyticsPeriodInput) period: AnalyticsPeriodInput,
  ): Promise<AnalyticsSeries[]> {
    const series = await ctx.app.analytics.partnerSeries(requirePartnerAccess(ctx.principal, partnerId), partnerId, { metric, interval, period });
    return series.map(({ key, currency, points }) => ({ ...key, currency, points }));
  }
}
