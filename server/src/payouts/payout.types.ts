import { Field, ID, Int, ObjectType } from 'type-graphql';
import { HIDDEN_FROM_PARTNERS, HiddenFromPartners } from '../auth/partner-view.js';
import { Connection } from '../graphql/connection.js';
import { BigIntScalar, DateTimeScalar } from '../graphql/scalars.js';

@ObjectType('Payout', { description: "One partner's money in one payout batch: the sum of the approved entries it holds." })
export class PayoutType {
  @Field(() => ID)
  id!: string;

  @Field()
  currency!: string;

  @Field(() => BigIntScalar, { description: 'Minor units; refunds of earlier rewards are already deducted.' })
  amount!: string;

  @Field(() => Int, { description: 'How many ledger entries it holds.' })
  entries!: number;

  @Field({ description: 'CREATED, PAID or FAILED.' })
  status!: string;

  @Field(() => String, { nullable: true, description: 'The bank or payment reference given when it was marked paid.' })
  reference!: string | null;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => ID, { nullable: true, description: `The API key that marked it PAID or FAILED; \`settledByKind\` says who in words. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  settledBy!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  settledAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  batchId!: string;
  partnerId!: string;
}

@ObjectType('PayoutBatch', { description: 'One run of createPayoutBatch: a payout per partner whose approved balance reached the minimum.' })
export class PayoutBatchType {
  @Field(() => ID)
  id!: string;

  @Field()
  currency!: string;

  @Field(() => BigIntScalar)
  minimumAmount!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey!: string | null;

  @Field(() => ID, { description: 'The API key that created it.' })
  createdBy!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const PayoutConnection = Connection(PayoutType, 'Payout');
