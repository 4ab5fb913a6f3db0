import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { HIDDEN_UNLESS_OWN, HiddenFromPartners } from '../auth/partner-view.js';
import { BigIntScalar, DateTimeScalar, JSONObjectScalar } from '../graphql/scalars.js';

@InputType('EventInput', { description: 'One event. Attribute it with exactly one of partnerId, referralCode or couponCode.' })
export class EventInputType {
  @Field({
    description:
      "The sender's unique id for the event, 1–200 characters: an idempotency key. A resend with the same id and content is a " +
      'duplicate and writes nothing; with other content (type, partner, customer, amount, currency, occurredAt, refundOf, ' +
      'attributes) it is a CONFLICT that names both values.',
  })
  externalId!: string;

  @Field({ description: 'SALE, REFUND, CHARGEBACK, LEAD, CLICK, IMPRESSION, SIGNUP, SUBSCRIPTION, INSTALL, EVENT_HOSTED, TRAINING_COMPLETED, PARTNER_JOINED or a custom UPPER_SNAKE name (at most 64 characters).' })
  type!: string;

  @Field(() => ID, { nullable: true })
  partnerId?: string | null;

  @Field(() => String, { nullable: true })
  referralCode?: string | null;

  @Field(() => String, { nullable: true })
  couponCode?: string | null;

  @Field(() => String, { nullable: true, description: "The brand's customer id (at most 200 characters); new-customer rules need it." })
  customerId?: string | null;

  @Field(() => BigIntScalar, {
    nullable: true,
    description: 'Minor units (kopecks, cents), from 0 to the server\'s bound (COFACTOR_MAX_AMOUNT, 10^13 by default); required for SALE, REFUND and CHARGEBACK.',
  })
  amount?: bigint | number | null;

  @Field(() => String, { nullable: true, description: 'An ISO 4217 code of a currency in circulation, e.g. RUB.' })
  currency?: string | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "Defaults to the time of the call. Not before 2000-01-01, nor further ahead of the server's clock than COFACTOR_MAX_CLOCK_SKEW (a day by default).",
  })
  occurredAt?: Date | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Free attributes: at most 16 KB as JSON and 8 levels deep.' })
  attributes?: Record<string, never> | null;

  @Field(() => String, {
    nullable: true,
    description:
      'For a REFUND or CHARGEBACK: the externalId of the SALE it returns money of. Its rewards (every upline level, every boost) ' +
      'are taken back in proportion with compensating entries. Without partnerId, referralCode or couponCode the refund is ' +
      "attributed to the sale's partner. Refunds of a sale can never total more than the sale.",
  })
  refundOf?: string | null;
}

@ObjectType()
export class RecordEventsResult {
  @Field(() => Int, { description: 'Events stored by this call.' })
  accepted!: number;

  @Field(() => Int, { description: 'Events already recorded (or repeated in this call) with the same content; nothing was written for them.' })
  duplicates!: number;

  @Field(() => [String])
  duplicateExternalIds!: string[];

  @Field(() => Int)
  rewardsCreated!: number;
}

/** A reward of a downline partner's order shows that order to the upline partner: its reference, type, amount, currency and date only. */
const ownEventOnly = HiddenFromPartners<EventType>((event) => event.partnerId);

@ObjectType('Event', {
  description:
    "What a partner caused. A partner token reads every field of its own events; of a downline partner's event (behind one of its rewards) only externalId, type, amount, currency and occurredAt.",
})
export class EventType {
  @Field(() => ID, { description: HIDDEN_UNLESS_OWN })
  @ownEventOnly
  id!: string;

  @Field()
  externalId!: string;

  @Field()
  type!: string;

  @Field(() => BigIntScalar, { nullable: true })
  amount!: string | null;

  @Field(() => String, { nullable: true })
  currency!: string | null;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;

  @Field({ description: `True for the SALE that was its customer's first purchase. ${HIDDEN_UNLESS_OWN}` })
  @ownEventOnly
  firstPurchase!: boolean;

  @Field(() => String, { nullable: true, description: `For a REFUND or CHARGEBACK, the externalId of the sale it refunds. ${HIDDEN_UNLESS_OWN}` })
  @ownEventOnly
  refundOf!: string | null;

  /** The partner the event is attributed to. */
  partnerId!: string;
}
