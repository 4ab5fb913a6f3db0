import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../graphql/connection.js';
import { BigIntScalar, DateTimeScalar } from '../graphql/scalars.js';
import { BOARD_METRICS, BOARD_NAMES, BOARD_PERIODS, type BoardMetric, type BoardNames, type BoardPeriod } from './board-query.js';

export const BoardMetricEnum = Object.fromEntries(BOARD_METRICS.map((metric) => [metric, metric])) as Record<BoardMetric, BoardMetric>;
registerEnumType(BoardMetricEnum, {
  name: 'BoardMetric',
  description: 'NET_SALES (SALE less REFUND and CHARGEBACK, in a currency), SALES, REWARD_MONEY (in a currency, corrections included), POINTS earned, NEW_CUSTOMERS, RECRUITS (partners sponsored), EVENTS_HOSTED, LEADS, or EVENTS of the type named by `unit`.',
});
export const BoardPeriodEnum = Object.fromEntries(BOARD_PERIODS.map((period) => [period, period])) as Record<BoardPeriod, BoardPeriod>;
registerEnumType(BoardPeriodEnum, {
  name: 'BoardPeriod',
  description: "A day, ISO week, month or quarter in the program's time zone; CAMPAIGN, the dates of the board's campaign in whole local days (from the day it starts through the day of its last moment; its end instant is excluded); or ALL time.",
});

export const BoardNamesEnum = Object.fromEntries(BOARD_NAMES.map((names) => [names, names])) as Record<BoardNames, BoardNames>;
registerEnumType(BoardNamesEnum, { name: 'BoardNames', description: 'What partners see of each other\'s names on boards: FULL, SHORT ("Ivan P.") or ALIAS (only the alias each partner chose; none: no name).' });

@ObjectType({ description: 'What partners see of each other on boards; admins see everything.' })
export class LeaderboardVisibility {
  @Field(() => BoardNamesEnum)
  names!: BoardNames;

  @Field({ description: "Whether partners see each other's values, or only ranks." })
  values!: boolean;
}

/** One board; the live subscription takes the same input. */
@InputType()
export class LeaderboardInput {
  @Field(() => BoardMetricEnum)
  metric!: BoardMetric;

  @Field(() => String, { nullable: true, description: "The currency of NET_SALES or REWARD_MONEY (default: the program's), or the event type counted by EVENTS." })
  unit?: string | null;

  @Field(() => BoardPeriodEnum)
  period!: BoardPeriod;

  @Field(() => ID, {
    nullable: true,
    description: "Ranks the partners this campaign targets (its regions with sub-regions, kinds, segments, levels); REWARD_MONEY and POINTS count this campaign's rewards only. Required for the CAMPAIGN period.",
  })
  campaignId?: string | null;

  @Field(() => String, { nullable: true, description: "A day (YYYY-MM-DD, the program's time zone) inside the period to rank; default today. Not used by CAMPAIGN and ALL." })
  date?: string | null;

  @Field(() => String, { nullable: true, description: 'Partners of this region and its sub-regions.' })
  regionCode?: string | null;

  @Field(() => String, { nullable: true })
  partnerKind?: string | null;

  @Field(() => String, { nullable: true })
  segment?: string | null;

  @Field(() => Int, { nullable: true })
  level?: number | null;
}

@ObjectType({ description: 'A partner as boards show it.' })
export class LeaderboardPartner {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: "As the program's board visibility shows it to a partner token; null where it shows none." })
  name!: string | null;
}

@ObjectType()
export class LeaderboardEntry {
  /** The board position, for the cursor. */
  id!: string;

  @Field(() => Int, { description: 'Standard competition rank ("1224"); ties are listed by partner id.' })
  rank!: number;

  @Field(() => LeaderboardPartner)
  partner!: LeaderboardPartner;

  @Field(() => BigIntScalar, { nullable: true, description: "Null for another partner's entry where the program shows partners only ranks." })
  value!: bigint | null;

  @Field(() => Int, { nullable: true, description: 'The rank in the previous period of the same length; null when unranked then, or for ALL.' })
  previousRank!: number | null;
}

@ObjectType()
export class Leaderboard extends Connection(LeaderboardEntry, 'LeaderboardEntry') {
  @Field(() => LeaderboardEntry, { nullable: true, description: "The calling partner's own entry, even outside the page." })
  me!: LeaderboardEntry | null;

  @Field(() => Int, { description: 'How many partners are ranked.' })
  ranked!: number;

  @Field(() => BoardMetricEnum, { description: 'What the board ranks partners by.' })
  metric!: BoardMetric;

  @Field(() => BoardPeriodEnum)
  period!: BoardPeriod;

  @Field(() => String, { nullable: true, description: 'What values count in: the currency of NET_SALES and REWARD_MONEY (values in its minor units), the event type of EVENTS; null for other counts.' })
  unit!: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a total on this board last changed.' })
  changedAt!: Date | null;
}

@ObjectType({ description: 'A published board: a link that reads that one board and nothing else.' })
export class LeaderboardLink {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class PublishedLeaderboard {
  @Field(() => LeaderboardLink)
  link!: LeaderboardLink;

  @Field({ description: 'The token publicLeaderboard reads the board with. Shown only now: store it.' })
  token!: string;
}
