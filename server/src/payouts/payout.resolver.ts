import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { actingKey, callerProgram, listScope, requireReader } from '../auth/access.js';
import { ACTOR_KIND_DESCRIPTION, actorKind, type ActorKind } from '../auth/partner-view.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { BigIntScalar } from '../graphql/scalars.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { RewardType } from '../ledger/reward.types.js';
import { PartnerType } from '../partners/partner.types.js';
import { PAYOUT_STATUSES, type PayoutBatchRow, type PayoutRow } from './payout.service.js';
import { PayoutBatchType, PayoutConnection, PayoutType } from './payout.types.js';


@Resolver(() => PayoutBatchType)
export class PayoutBatchResolver {
  @Mutation(() => PayoutBatchType, {
    description:
      'Gathers, per partner, the APPROVED money rewards in this currency that no payout holds yet (refunds deducted) and creates ' +
      'a payout for each partner whose sum reaches minimumAmount. Running it again never pays an entry twice; with an ' +
      'idempotencyKey a retried call returns the same batch.',
  })
  @Requires('admin')
  async createPayoutBatch(
    @Arg('currency') currency: string,
    @Arg('minimumAmount', () => BigIntScalar) minimumAmount: bigint,
    @Ctx() ctx: RequestContext,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey?: string | null,
  ): Promise<PayoutBatchRow> {
    const programId = callerProgram(ctx.principal);
    return ctx.app.payouts.createBatch(programId, actingKey(ctx.principal), currency, BigInt(minimumAmount), idempotencyKey ?? null);
  }

  @Query(() => PayoutBatchType)
  async payoutBatch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<PayoutBatchRow> {
    const programId = requireReader(ctx.principal);
    const batch = await ctx.app.payouts.batch(programId, requireId(id, 'id'));
    if (!batch) throw errors.notFound('payout batch', id);
    return batch;
  }

  @FieldResolver(() => [PayoutType], { description: 'In partner order.' })
  payouts(@Root() batch: PayoutBatchRow, @Ctx() ctx: RequestContext): Promise<PayoutRow[]> {
    return ctx.loaders.batchPayouts.load(batch.id);
  }

  @FieldResolver(() => BigIntScalar, { description: 'The sum of its payouts.' })
  async total(@Root() batch: PayoutBatchRow, @Ctx() ctx: RequestContext): Promise<bigint> {
    return (await ctx.loaders.batchPayouts.load(batch.id)).reduce((sum, payout) => sum + BigInt(payout.amount), 0n);
  }

  @FieldResolver(() => String, {
    description: 'The batch as CSV (RFC 4180, CRLF): payout_id, partner_id, partner_external_id, partner_name, partner_email, currency, amount_minor, amount, entries, status, reference.',
  })
  csv(@Root() batch: PayoutBatchRow, @Ctx() ctx: RequestContext): Promise<string> {
    return ctx.app.payouts.csv(batch.programId, batch.id);
  }
}

@Resolver(() => PayoutType)
export class PayoutResolver {
  @Mutation(() => PayoutType, { description: 'The money went out: the payout and its entries become PAID. Marking it again changes nothing.' })
  @Requires('admin')
  markPayoutPaid(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: RequestContext,
    @Arg('reference', () => String, { nullable: true }) reference?: string | null,
  ): Promise<PayoutRow> {
    const programId = callerProgram(ctx.principal);
    return ctx.app.payouts.markPaid(programId, actingKey(ctx.principal), requireId(id, 'id'), reference ?? null);
  }

  @Mutation(() => PayoutType, { description: 'The money did not go out: its entries stay APPROVED and go into the next batch.' })
  @Requires('admin')
  failPayout(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: RequestContext): Promise<PayoutRow> {
    const programId = callerProgram(ctx.principal);
    return ctx.app.payouts.fail(programId, actingKey(ctx.principal), requireId(id, 'id'), reason);
  }

  @Query(() => PayoutConnection, { description: "Newest first. With a partner token, only that partner's payouts." })
  async payouts(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('partnerId', () => ID, { nullable: true }) partnerId?: string,
    @Arg('status', () => String, { nullable: true, description: 'CREATED, PAID or FAILED.' }) status?: string,
  ): Promise<ConnectionShape<PayoutRow>> {
    const scope = listScope(ctx.principal, partnerId);
    if (status && !(PAYOUT_STATUSES as readonly string[]).includes(status)) {
      throw errors.badInput([{ path: 'status', message: `must be one of ${PAYOUT_STATUSES.join(', ')}` }]);
    }
    const size = pageSize(first);
    return toConnection(await ctx.app.payouts.list(scope.programId, { partnerId: scope.partnerId, status }, decodeCursor(after), size + 1), size);
  }

  @FieldResolver(() => PartnerType)
  partner(@Root() payout: PayoutRow, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partner.load(payout.partnerId);
  }

  @FieldResolver(() => String, { nullable: true, description: `Who marked it PAID or FAILED: ${ACTOR_KIND_DESCRIPTION} Null until then.` })
  settledByKind(@Root() payout: PayoutRow): ActorKind | null {
    return payout.settledAt ? actorKind(payout.settledBy) : null;
  }

  @FieldResolver(() => [RewardType], { description: 'The ledger entries it pays, compensating entries (negative) included.' })
  async rewards(@Root() payout: PayoutRow, @Ctx() ctx: RequestContext): Promise<RewardRow[]> {
    const ids = await ctx.loaders.payoutItems.load(payout.id);
    return (await ctx.loaders.reward.loadMany(ids)).filter((row): row is RewardRow => Boolean(row) && !(row instanceof Error));
  }
}
