import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection.js';
import { DateTimeScalar } from '../graphql/scalars.js';

@ObjectType('Partner', { description: 'A brand ambassador, co-factor, influencer, reseller, dealer, service centre, ...' })
export class PartnerType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: "The brand's own id for this partner." })
  externalId!: string | null;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field({ description: 'AMBASSADOR, COFACTOR, INFLUENCER, CONTENT_PARTNER, RESELLER, AFFILIATE, DEALER, SERVICE_CENTER or a kind the program added.' })
  kind!: string;

  @Field(() => String, { nullable: true, description: 'SMALL, MEDIUM or LARGE.' })
  segment!: string | null;

  @Field(() => Int)
  level!: number;

  @Field({ description: 'PENDING (awaiting approval), ACTIVE, SUSPENDED or TERMINATED. Only ACTIVE partners earn rewards.' })
  status!: string;

  @Field({ description: 'The code recruits and customers use to name this partner.' })
  referralCode!: string;

  @Field(() => DateTimeScalar)
  joinedAt!: Date;

  regionId!: string | null;
  sponsorId!: string | null;
}

@ObjectType()
export class UplineMember {
  @Field(() => Int, { description: '1 = the sponsor, 2 = the sponsor’s sponsor, ...' })
  depth!: number;

  @Field(() => PartnerType)
  partner!: PartnerType;
}

@ObjectType()
export class DownlineLevel {
  @Field(() => Int)
  depth!: number;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "A summary of a partner's downline within a depth." })
export class Downline {
  @Field(() => Int)
  depth!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => [DownlineLevel], { description: 'Partners per level; levels without partners are left out.' })
  levels!: DownlineLevel[];

  partnerId!: string;
}

export const PartnerConnection = Connection(PartnerType, 'Partner');

/** What both creating and updating a partner may set. */
@InputType()
abstract class PartnerAttributesInput {
  @Field(() => String, { nullable: true, description: "The brand's own id for this partner." })
  externalId?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => ID, { nullable: true })
  regionId?: string | null;

  @Field(() => String, { nullable: true, description: 'Alternative to regionId.' })
  regionCode?: string | null;

  @Field(() => String, { nullable: true, description: 'SMALL, MEDIUM or LARGE.' })
  segment?: string | null;

  @Field(() => Int, { nullable: true })
  level?: number | null;

  @Field(() => String, { nullable: true, description: 'PENDING, ACTIVE (default), SUSPENDED or TERMINATED. PENDING → ACTIVE records a PARTNER_APPROVED event.' })
  status?: string | null;
}

@InputType()
export class CreatePartnerInput extends PartnerAttributesInput {
  @Field()
  name!: string;

  @Field()
  kind!: string;

  @Field(() => String, { nullable: true, description: 'Generated (8 characters) when left out.' })
  referralCode?: string | null;

  @Field(() => ID, { nullable: true })
  sponsorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Alternative to sponsorId.' })
  sponsorReferralCode?: string | null;
}

@InputType({ description: 'Only the fields given change. The sponsor changes through movePartner.' })
export class UpdatePartnerInput extends PartnerAttributesInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  kind?: string | null;
}

@InputType()
export class PartnerFilter {
  @Field(() => String, { nullable: true })
  kind?: string | null;

  @Field(() => ID, { nullable: true })
  regionId?: string | null;

  @Field(() => String, { nullable: true })
  status?: string | null;

  @Field(() => ID, { nullable: true, description: 'Direct recruits of this sponsor.' })
  sponsorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Partners whose name, referral code or external id contains this text, in any case; 1 to 200 characters.' })
  search?: string | null;
}
