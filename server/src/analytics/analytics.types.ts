import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BigIntScalar } from '../graphql/scalars.js';
import type { BoardPeriod } from '../leaderboards/board-query.js';
import { BoardPeriodEnum } from '../leaderboards/leaderboard.types.js';
import { SatisfactionType } from '../surveys/survey.types.js';
import { MAX_PERIOD_DAYS } from './period.js';
import { METRIC_NAMES, type Metric } from './analytics.service.js';
import { DIMENSIONS, type Dimension } from './stats-sql.js';
export const AnalyticsDimensionEnum = Object.fromEntries(DIMENSIONS.map((dimension) => [dimension, dimension])) as Record<Dimension, Dimension>;
registerEnumType(AnalyticsDimensionEnum, {
  name: 'AnalyticsDimension',
  description:
    "What figures are grouped by: the partner's REGION, KIND, SEGMENT or LEVEL as they were when the activity was recorded; the CAMPAIGN or " +
    "SCHEME instance of a reward (reward figures only); or the MONTH, in the program's time zone.",
});

export const AnalyticsMetricEnum = Object.fromEntries(METRIC_NAMES.map((metric) => [metric, metric])) as Record<Metric, Metric>;
registerEnumType(AnalyticsMetricEnum, {
  name: 'AnalyticsMetric',
  description:
    'What a time series charts, each as defined on AnalyticsGroup: EVENTS, SALES (count), GROSS_SALES, REFUNDED, NET_SALES, REWARD_COST (money, one ' +
    'series per currency), NEW_CUSTOMERS, LEADS, NEW_PARTNERS, RECRUITED_PARTNERS, ACTIVE_PARTNERS (distinct, per bucket), POINTS_EARNED, ' +
    'POINTS_REDEEMED (hundredths of a point), PERKS_GRANTED, BADGES, SURVEY_RESPONSES.',
});

export const AnalyticsIntervalEnum = { DAY: 'DAY', WEEK: 'WEEK', MONTH: 'MONTH' } as const;
registerEnumType(AnalyticsIntervalEnum, { name: 'AnalyticsInterval', description: "A time series' buckets: local days, ISO weeks (from Monday) or months." });

@InputType('AnalyticsPeriodInput', {
  description:
    "A period of local days in the program's time zone. Give exactly one form: from and to (ISO dates, to excluded: from 2026-03-01 to " +
    `2026-04-01 is March; at most ${MAX_PERIOD_DAYS} days), a month ("2026-03"), a quarter ("2026-Q1") or a year (2026).`,
})
export class AnalyticsPeriodInput {
  @Field(() => String, { nullable: true, description: 'The first day, "2026-03-01".' })
  from?: string | null;
  @Field(() => String, { nullable: true, description: 'The day after the last, "2026-04-01".' })
  to?: string | null;
  @Field(() => String, { nullable: true })
  month?: string | null;
  @Field(() => String, { nullable: true })
  quarter?: string | null;
  @Field(() => Int, { nullable: true })
  year?: number | null;
}

@InputType('AnalyticsFilterInput', { description: 'Which figures count; all given conditions hold together.' })
export class AnalyticsFilterInput {
  @Field(() => ID, { nullable: true, description: "Only this campaign's rewards: partner, activity, sales and satisfaction figures are then null." })
  campaignId?: string | null;
  @Field(() => String, { nullable: true, description: 'Partners of this region or any of its sub-regions.' })
  regionCode?: string | null;
  @Field(() => String, { nullable: true })
  kind?: string | null;
  @Field(() => String, { nullable: true })
  segment?: string | null;
  @Field(() => Int, { nullable: true })
  level?: number | null;
}

@ObjectType('AnalyticsPartnerFigures')
export class AnalyticsPartnerFigures {
  @Field(() => BigIntScalar, { description: 'Partners who joined in the period.' })
  new!: bigint;
  @Field(() => Int, {
    description:
      'Distinct partners with at least one event that occurred in the period (not the PARTNER_JOINED and PARTNER_APPROVED events Cofactor ' +
      'records itself). In a month, quarter or year a partner counts once, in its slice on its first active day of it; in other periods, ' +
      'once in each slice it was active in.',
  })
  active!: number;
  @Field(() => BigIntScalar, { description: 'Partners who joined before the period ended (in a MONTH group: before that month ended).' })
  total!: bigint;
  @Field(() => Int, {
    description: 'Partners active in the period before: the month, quarter or year before a month, quarter or year; else as many days just before.',
  })
  previouslyActive!: number;
  @Field(() => Int, { description: 'Partners active both in the period and in the one before.' })
  retained!: number;
  @Field(() => Int, { description: 'Partners active in the period before but not in this one.' })
  churned!: number;
  @Field(() => Float, { nullable: true, description: 'retained ÷ previouslyActive, 0–1 to four decimals (halves to even); null when no one was active before.' })
  retention!: number | null;
  @Field(() => BigIntScalar, { description: 'Partners who joined in the period sponsored by partners of the group (counted in the sponsor\'s slice, or for the sponsor in partnerStats): the downline growth.' })
  recruited!: bigint;
}

@ObjectType('AnalyticsActivityFigures')
export class AnalyticsActivityFigures {
  @Field(() => BigIntScalar, { description: 'Events of any type that occurred in the period.' })
  events!: bigint;
  @Field(() => BigIntScalar, { description: 'LEAD events.' })
  leads!: bigint;
  @Field(() => BigIntScalar, { description: 'SALE events, of every currency.' })
  sales!: bigint;
  @Field(() => Float, { nullable: true, description: 'sales ÷ leads, to four decimals (halves to even); null without leads.' })
  conversion!: number | null;
}

@ObjectType('AnalyticsSalesFigures', { description: 'Sales in one currency; currencies are never mixed.' })
export class AnalyticsSalesFigures {
  @Field()
  currency!: string;
  @Field(() => BigIntScalar, { description: 'SALE events.' })
  count!: bigint;
  @Field(() => BigIntScalar, { description: 'The SALE amounts, in minor units.' })
  gross!: bigint;
  @Field(() => BigIntScalar, { description: 'REFUND and CHARGEBACK events that occurred in the period, whatever the period of the sale they return.' })
  refunds!: bigint;
  @Field(() => BigIntScalar, { description: 'Their amounts.' })
  refunded!: bigint;
  @Field(() => BigIntScalar, { description: 'gross − refunded.' })
  net!: bigint;
  @Field(() => BigIntScalar, { nullable: true, description: 'gross ÷ count, rounded to a whole minor unit, halves to even; null without sales.' })
  averageCheck!: bigint | null;
  @Field(() => BigIntScalar, { description: "Sales that were their customer's first purchase." })
  newCustomers!: bigint;
}

@ObjectType('AnalyticsMoneyRewards', {
  description:
    "Money rewards in one currency, of the entries written in the period, by each entry's status now: an approval or payment later moves " +
    "an entry's amount from pending to approved to paid within the period it was written in.",
})
export class AnalyticsMoneyRewards {
  @Field()
  currency!: string;
  @Field(() => BigIntScalar)
  pending!: bigint;
  @Field(() => BigIntScalar)
  approved!: bigint;
  @Field(() => BigIntScalar)
  paid!: bigint;
  @Field(() => BigIntScalar, { description: 'Taken back by refunds: the compensating entries, not rejected, as a positive amount.' })
  reversed!: bigint;
  @Field(() => BigIntScalar, { description: 'Stopped by a budget or a cap.' })
  capped!: bigint;
  @Field(() => BigIntScalar)
  rejected!: bigint;
  @Field(() => BigIntScalar, { description: 'pending + approved + paid − reversed.' })
  cost!: bigint;
  @Field(() => Float, { nullable: true, description: 'cost ÷ net sales of the same currency, to four decimals; null without net sales, or for a campaign or scheme.' })
  costOfSales!: number | null;
}

@ObjectType('AnalyticsPoints', { description: 'Points in hundredths of a point, of entries not rejected or capped.' })
export class AnalyticsPoints {
  @Field(() => BigIntScalar, { description: 'Earned in the period, less refunds taking points back.' })
  earned!: bigint;
  @Field(() => BigIntScalar, { description: 'Spent on redemptions in the period: the bonus usage.' })
  redeemed!: bigint;
  @Field(() => BigIntScalar, { nullable: true, description: 'Earned less spent, from the first day to the end of the period; null for a campaign or scheme.' })
  outstanding!: bigint | null;
}

@ObjectType('AnalyticsPerks')
export class AnalyticsPerks {
  @Field(() => BigIntScalar, { description: 'Perk entries written in the period, not rejected or capped.' })
  granted!: bigint;
  @Field(() => BigIntScalar, { description: 'Of those, deliveries recorded.' })
  delivered!: bigint;
}

@ObjectType('AnalyticsRewards')
export class AnalyticsRewards {
  @Field(() => [AnalyticsMoneyRewards])
  money!: AnalyticsMoneyRewards[];
  @Field(() => AnalyticsPoints)
  points!: AnalyticsPoints;
  @Field(() => AnalyticsPerks)
  perks!: AnalyticsPerks;
  @Field(() => BigIntScalar, { description: 'Badges awarded in the period.' })
  badges!: bigint;
}

/** The key fields of a group or a series: set for the dimensions grouped by. */
@ObjectType()
class AnalyticsKey {
  @Field(() => String, { nullable: true, description: 'The region (null in a REGION group: partners without one).' })
  regionCode?: string | null;
  @Field(() => String, { nullable: true })
  kind?: string;
  @Field(() => String, { nullable: true })
  segment?: string | null;
  @Field(() => Int, { nullable: true })
  level?: number;
  @Field(() => ID, { nullable: true })
  campaignId?: string;
  @Field(() => ID, { nullable: true })
  schemeInstanceId?: string;
  @Field(() => String, { nullable: true, description: '"2026-03" in a MONTH group.' })
  month?: string;
}

@ObjectType('AnalyticsGroup', {
  description:
    "A group's figures. A figure counts in the period its activity occurred in (an event's occurredAt, a partner's joinedAt, a survey's " +
    "answeredAt; a reward's creation), and in the slice of its partner (region, kind, segment, level) as it was when it was recorded: a partner " +
    'who moves later takes none of its past figures along. The key fields are set for the dimensions grouped by.',
})
export class AnalyticsGroup extends AnalyticsKey {
  @Field(() => AnalyticsPartnerFigures, { nullable: true })
  partners!: AnalyticsPartnerFigures | null;
  @Field(() => AnalyticsActivityFigures, { nullable: true })
  activity!: AnalyticsActivityFigures | null;
  @Field(() => [AnalyticsSalesFigures], { nullable: true })
  sales!: AnalyticsSalesFigures[] | null;
  @Field(() => AnalyticsRewards)
  rewards!: AnalyticsRewards;
  @Field(() => SatisfactionType, { nullable: true, description: 'The survey answers given in the period.' })
  satisfaction!: SatisfactionType | null;
}

@ObjectType('ProgramStats')
export class ProgramStatsType {
  @Field({ description: 'The first day of the period.' })
  from!: string;
  @Field({ description: 'The day after its last.' })
  to!: string;
  @Field(() => AnalyticsGroup, { description: 'The whole period, with the filter.' })
  total!: AnalyticsGroup;
  @Field(() => [AnalyticsGroup], { description: 'One per group with any figure; none without groupBy.' })
  groups!: AnalyticsGroup[];
}

@ObjectType('PartnerRegionRank', { description: "A partner's place on its region's board of net sales in the program's currency (its region now, with sub-regions)." })
export class PartnerRegionRank {
  @Field()
  regionCode!: string;
  @Field(() => BoardPeriodEnum, { description: 'The board: the DAY, WEEK, MONTH or QUARTER that the period is.' })
  period!: BoardPeriod;
  @Field(() => Int, { nullable: true, description: 'Null when the partner has no net sales in the period.' })
  rank!: number | null;
  @Field(() => Int, { description: 'Partners on the board.' })
  ranked!: number;
}

@ObjectType('PartnerStats')
export class PartnerStatsType {
  @Field(() => ID)
  partnerId!: string;
  @Field()
  from!: string;
  @Field()
  to!: string;
  @Field(() => AnalyticsGroup, { description: "The partner's figures: partners.active is 1 when it was active, partners.new 1 when it joined in the period." })
  figures!: AnalyticsGroup;
  @Field(() => PartnerRegionRank, { nullable: true, description: 'When the partner has a region and the period is a local day, ISO week, month or quarter; else null.' })
  rank!: PartnerRegionRank | null;
}

@ObjectType('AnalyticsPoint')
export class AnalyticsPoint {
  @Field({ description: 'The first day of the bucket (the first bucket may start before the period; it counts only the period\'s days).' })
  bucket!: string;
  @Field(() => BigIntScalar)
  value!: bigint;
}

@ObjectType('AnalyticsSeries', { description: 'One time series; its key fields are set for the dimension grouped by.' })
export class AnalyticsSeries extends AnalyticsKey {
  @Field(() => String, { nullable: true, description: 'The currency of a money metric; null for counts.' })
  currency!: string | null;
  @Field(() => [AnalyticsPoint], { description: 'Every bucket of the period in order, zero when nothing happened.' })
  points!: AnalyticsPoint[];
}
