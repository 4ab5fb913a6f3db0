import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { HIDDEN_FROM_PARTNERS, HiddenFromPartners } from '../auth/partner-view.js';
import { Connection } from '../graphql/connection.js';
import { BigIntScalar, DateTimeScalar, JSONObjectScalar } from '../graphql/scalars.js';

@ObjectType('SchemeInstance', {
  description: 'One configured scheme of a campaign, with the exact terms it runs with. A partner token reads its name, description and terms in words, not its args.',
})
export class SchemeInstanceType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Names the slot across edits; reward idempotency keys use it.' })
  key!: string;

  @Field(() => Int)
  position!: number;

  @Field({ description: 'The scheme code, e.g. percentage-of-sales.' })
  schemeCode!: string;

  @Field()
  schemeVersion!: string;

  @Field(() => JSONObjectScalar, { description: `The validated args (money as integer strings); \`terms\` says them in words. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  args!: object;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Set when a campaign edit replaced this instance.' })
  retiredAt!: Date | null;
}

@ObjectType()
export class CampaignTargeting {
  @Field(() => [ID], { description: 'Targeted regions (their sub-regions are included).' })
  regionIds!: string[];

  @Field(() => [String])
  partnerKinds!: string[];

  @Field(() => [String])
  segments!: string[];

  @Field(() => [Int])
  levels!: number[];
}

@ObjectType('Campaign', {
  description:
    'A partner token reads its public face: name, period, status, currency, hold days, its schemes in words and its catalog; not its budget, caps, targeting or scheme args.',
})
export class CampaignType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'DRAFT, ACTIVE, PAUSED or ENDED.' })
  status!: string;

  @Field(() => DateTimeScalar)
  startsAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Exclusive; null = open-ended.' })
  endsAt!: Date | null;

  @Field()
  currency!: string;

  @Field(() => Int)
  holdDays!: number;

  @Field(() => BigIntScalar, {
    nullable: true,
    description: `The most money the campaign grants in all, in minor units of its currency (net of refunds); null = no limit. A reward past it is recorded as CAPPED. ${HIDDEN_FROM_PARTNERS}`,
  })
  @HiddenFromPartners()
  budget!: string | null;

  @Field(() => BigIntScalar, { nullable: true, description: `The most money one partner is granted per capPeriod, in minor units; null = no cap. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  partnerCap!: string | null;

  @Field({ description: `MONTH or QUARTER (in the program's time zone, by when the reward is recorded), or CAMPAIGN. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  capPeriod!: string;

  @Field(() => CampaignTargeting, { description: `Who the campaign is for. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  targeting!: CampaignTargeting;
}

export const CampaignConnection = Connection(CampaignType, 'Campaign');

@InputType('SchemeInstanceInput')
export class SchemeInstanceInputType {
  @Field(() => String, { nullable: true, description: 'Defaults to the scheme code; needed when one scheme is used twice.' })
  key?: string | null;

  @Field()
  code!: string;

  @Field(() => JSONObjectScalar, { nullable: true, description: "Validated against the scheme's arg definitions." })
  args?: Record<string, unknown> | null;
}

@InputType('TargetingInput')
export class TargetingInputType {
  @Field(() => [String], { nullable: true })
  regionCodes?: string[] | null;

  @Field(() => [String], { nullable: true })
  partnerKinds?: string[] | null;

  @Field(() => [String], { nullable: true })
  segments?: string[] | null;

  @Field(() => [Int], { nullable: true })
  levels?: number[] | null;
}

@InputType('CampaignInput', { description: 'For createCampaign, name, startsAt and currency are required.' })
export class CampaignInputType {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  startsAt?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  endsAt?: Date | null;

  @Field(() => String, { nullable: true })
  currency?: string | null;

  @Field(() => Int, { nullable: true })
  holdDays?: number | null;

  @Field(() => BigIntScalar, { nullable: true, description: 'Null for no limit.' })
  budget?: bigint | null;

  @Field(() => BigIntScalar, { nullable: true, description: 'Null for no cap.' })
  partnerCap?: bigint | null;

  @Field(() => String, { nullable: true, description: 'MONTH (default), QUARTER or CAMPAIGN.' })
  capPeriod?: string | null;

  @Field(() => TargetingInputType, { nullable: true })
  targeting?: TargetingInputType | null;

  @Field(() => [SchemeInstanceInputType], { nullable: true, description: 'Run in this order for each event.' })
  schemes?: SchemeInstanceInputType[] | null;
}
