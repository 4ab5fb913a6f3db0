import { Field, ID, ObjectType } from 'type-graphql';
import { LocalizedText } from '../graphql/common.types.js';
import { HIDDEN_FROM_PARTNERS, HiddenFromPartners } from '../auth/partner-view.js';
import { Connection } from '../graphql/connection.js';
import { BigIntScalar, DateTimeScalar, JSONObjectScalar } from '../graphql/scalars.js';
import type { RewardKind } from '@cofactor/schema';
import type { RewardRow } from './ledger.service.js';

/**
 * The API's face of a stored entry (`RewardRow`): the fields are declared again only because
 * type-graphql reads them from decorators; `implements` keeps them the row's. Status and
 * reversal are plain strings in the schema, details any JSON object. The fields read as they
 * are (`simple`: no resolver of type-graphql's own per field of a page of 500) are those
 * without a middleware; the ones hidden from partners keep theirs.
 */
@ObjectType('Reward', { description: 'One entry of the append-only reward ledger.' })
export class RewardType implements Omit<RewardRow, 'programId' | 'status' | 'reversal' | 'details'> {
  @Field(() => ID, { simple: true })
  id!: string;

  @Field(() => String, { simple: true, description: "MONEY, POINTS, PERK, BADGE, or LEVEL (a change of the partner's level to `amount`)." })
  kind!: RewardKind;

  @Field(() => BigIntScalar, { simple: true, description: 'MONEY: minor units of `unit`; POINTS: hundredths of a point; PERK/BADGE: a count; LEVEL: the new level.' })
  amount!: string;

  @Field({ simple: true, description: 'An ISO currency for MONEY, POINTS for points, the perk or badge code otherwise.' })
  unit!: string;

  @Field({ simple: true, description: 'PENDING → APPROVED → PAID, or REJECTED; CAPPED when a budget or cap stopped it. A refund is a new, negative entry (see `corrects`).' })
  status!: string;

  @Field({ simple: true, description: 'What a refund of the source sale does to it: PROPORTIONAL (takes back the refunded share) or NONE.' })
  reversal!: string;

  @Field({ description: `Unique per program: the same entry is never written twice. It names internal ids. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  idempotencyKey!: string;

  @Field(() => String, { simple: true, nullable: true, description: "For a period reward, the period it is for: '2026-03' or '2026-Q1'." })
  periodKey!: string | null;

  @Field(() => JSONObjectScalar, {
    description: `The figures the reward was computed from, for audits; they may name a customer, a coupon or another partner, so a partner reads \`explanation\` instead. ${HIDDEN_FROM_PARTNERS}`,
  })
  @HiddenFromPartners()
  details!: object;

  @Field(() => DateTimeScalar, { simple: true, description: 'Earliest approval time (the campaign’s hold days after creation).' })
  holdUntil!: Date;

  @Field(() => DateTimeScalar, { simple: true })
  createdAt!: Date;

  partnerId!: string;
  campaignId!: string;
  schemeInstanceId!: string;
  eventId!: string | null;
  explanationEn!: string;
  explanationRu!: string;
  correctsId!: string | null;
}

export const RewardConnection = Connection(RewardType, 'Reward');

export { LocalizedText };
