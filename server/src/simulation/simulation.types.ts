import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { CampaignInputType } from '../campaigns/campaign.types.js';
import { BigIntScalar, DateTimeScalar } from '../graphql/scalars.js';

@InputType('SimulationInput', {
  description:
    'A campaign definition — a new one (campaign), or a stored one (campaignId) with changes (campaign) — and a past span of at most 366 days ' +
    'whose stored events are replayed through it. Nothing is written.',
})
export class SimulationInputType {
  @Field(() => ID, { nullable: true, description: 'The stored campaign to start from; the simulated rewards keep its keys, and its entries from before the span count (refunds, budget used).' })
  campaignId?: string | null;

  @Field(() => CampaignInputType, { nullable: true, description: 'A new campaign (name, startsAt, currency and schemes required), or the changes to campaignId.' })
  campaign?: CampaignInputType | null;

  @Field(() => DateTimeScalar, { description: 'The span replayed: events that occurred from here (inclusive)…' })
  from!: Date;

  @Field(() => DateTimeScalar, { description: '…to here (exclusive).' })
  to!: Date;

  @Field(() => ID, { nullable: true, description: 'A stored campaign whose actual rewards for the same events are compared with the simulated ones.' })
  compareWith?: string | null;
}

@ObjectType('SimulationAmount', { description: 'What entries of one kind and unit add up to.' })
export class SimulationAmountType {
  @Field()
  kind!: string;

  @Field()
  unit!: string;

  @Field(() => BigIntScalar, { description: 'Granted, net of refunds (minor units, hundredths of a point, or a count).' })
  granted!: bigint;

  @Field(() => BigIntScalar, { description: 'Held back by the budget or the partner cap (CAPPED).' })
  capped!: bigint;

  @Field(() => Int)
  entries!: number;
}

@ObjectType('SimulationGroup', { description: 'What one group (a region id, partner kind, level or scheme key) was granted in one kind and unit.' })
export class SimulationGroupType {
  @Field({ description: "The group: a region id ('none' for partners without one), a partner kind, a level, or a scheme instance key." })
  key!: string;

  @Field()
  kind!: string;

  @Field()
  unit!: string;

  @Field(() => BigIntScalar)
  granted!: bigint;
}

@ObjectType('SimulationBudget')
export class SimulationBudgetType {
  @Field(() => BigIntScalar)
  budget!: bigint;

  @Field(() => BigIntScalar, { description: 'Granted before the span.' })
  usedBefore!: bigint;

  @Field(() => BigIntScalar)
  usedInSpan!: bigint;

  @Field(() => BigIntScalar)
  left!: bigint;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the event (or the end of the period) that used the last of the budget occurred; null if it lasted.' })
  ranOutAt!: Date | null;

  @Field(() => BigIntScalar, { description: 'Not granted because the budget was used up.' })
  cappedByBudget!: bigint;
}

@ObjectType('SimulationPartnerCap')
export class SimulationPartnerCapType {
  @Field(() => BigIntScalar)
  partnerCap!: bigint;

  @Field()
  capPeriod!: string;

  @Field(() => Int, { description: 'Partners who reached the cap at least once.' })
  partnersCapped!: number;

  @Field(() => BigIntScalar)
  cappedByCap!: bigint;
}

@ObjectType('SimulationPartnerChange', { description: "One partner's money in the campaign's currency: simulated, actual (compareWith; else 0) and the change." })
export class SimulationPartnerChangeType {
  @Field(() => ID)
  partnerId!: string;

  @Field()
  name!: string;

  @Field(() => BigIntScalar)
  simulated!: bigint;

  @Field(() => BigIntScalar)
  actual!: bigint;

  @Field(() => BigIntScalar, { description: 'simulated − actual.' })
  change!: bigint;
}

@ObjectType('SimulationComparison')
export class SimulationComparisonType {
  @Field(() => ID)
  campaignId!: string;

  @Field(() => [SimulationAmountType], { description: 'What that campaign actually wrote for the replayed events and the closed periods (REJECTED entries grant nothing).' })
  actual!: SimulationAmountType[];

  @Field(() => [SimulationAmountType], { description: 'Simulated minus actual.' })
  difference!: SimulationAmountType[];
}

@ObjectType('Simulation', { description: 'What a campaign definition would have paid for a span of stored events. Lists are bounded: 100 groups per breakdown, 50 partners.' })
export class SimulationType {
  @Field(() => ID, { nullable: true })
  campaignId!: string | null;

  @Field(() => DateTimeScalar)
  from!: Date;

  @Field(() => DateTimeScalar)
  to!: Date;

  @Field(() => Int)
  eventsReplayed!: number;

  @Field(() => [String], { description: 'The months and quarters closed for period schemes.' })
  periodsClosed!: string[];

  @Field()
  currency!: string;

  @Field(() => [SimulationAmountType])
  totals!: SimulationAmountType[];

  @Field(() => BigIntScalar, { description: "Sales less refunds and chargebacks, in the campaign's currency, of the replayed events the campaign covers (its dates and targeting)." })
  netSales!: bigint;

  @Field(() => String, { nullable: true, description: 'Money granted ÷ net sales, as a percent with two decimals (half to even); null without net sales.' })
  costOfSalesPercent!: string | null;

  @Field(() => SimulationBudgetType, { nullable: true })
  budget!: SimulationBudgetType | null;

  @Field(() => SimulationPartnerCapType, { nullable: true })
  partnerCap!: SimulationPartnerCapType | null;

  @Field(() => [SimulationGroupType])
  byRegion!: SimulationGroupType[];

  @Field(() => [SimulationGroupType])
  byPartnerKind!: SimulationGroupType[];

  @Field(() => [SimulationGroupType])
  byLevel!: SimulationGroupType[];

  @Field(() => [SimulationGroupType])
  byScheme!: SimulationGroupType[];

  @Field(() => [SimulationPartnerChangeType], { description: 'The 50 partners whose money changes most, largest change first.' })
  partnerChanges!: SimulationPartnerChangeType[];

  @Field(() => SimulationComparisonType, { nullable: true })
  comparison!: SimulationComparisonType | null;
}

@ObjectType('RewardPreview', { description: 'An entry a previewed event would write now.' })
export class RewardPreviewType {
  @Field(() => String, { nullable: true, description: 'The previewed event it is for.' })
  eventExternalId!: string | null;

  @Field(() => ID)
  partnerId!: string;

  @Field()
  partnerName!: string;

  @Field()
  schemeKey!: string;

  @Field()
  kind!: string;

  @Field(() => BigIntScalar)
  amount!: string;

  @Field()
  unit!: string;

  @Field({ description: 'PENDING, or CAPPED for what the budget or a cap would hold back.' })
  status!: string;
}
