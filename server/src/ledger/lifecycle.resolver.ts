import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { actingKey, callerProgram } from '../auth/access.js';
import { ACTOR_KIND_DESCRIPTION, HIDDEN_FROM_PARTNERS, HiddenFromPartners, type ActorKind } from '../auth/partner-view.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import type { RewardRow } from './ledger.service.js';
import type { StatusChange } from './lifecycle.service.js';
import { RewardType } from './reward.types.js';

@ObjectType('RewardStatusChange', { description: 'One move of a reward along its lifecycle: who made it and when.' })
export class RewardStatusChangeType {
  @Field()
  fromStatus!: string;

  @Field()
  toStatus!: string;

  @Field(() => ID, {
    nullable: true,
    description: `The API key that made the change; null for the scheduled approval after the hold days. \`changedByKind\` says who in words. ${HIDDEN_FROM_PARTNERS}`,
  })
  @HiddenFromPartners()
  changedBy!: string | null;

  @Field(() => String, { description: `Who made the change: ${ACTOR_KIND_DESCRIPTION}` })
  changedByKind!: ActorKind;

  @Field(() => String, { nullable: true, description: 'Why, for a rejection.' })
  reason!: string | null;

  @Field(() => ID, { nullable: true, description: 'The payout that paid it, for a move to PAID.' })
  payoutId!: string | null;

  @Field(() => DateTimeScalar)
  changedAt!: Date;
}

@ObjectType()
export class ApproveDueRewardsResult {
  @Field(() => Int, { description: 'Entries moved from PENDING to APPROVED (compensating entries included).' })
  approved!: number;
}


@Resolver(() => RewardType)
export class LifecycleResolver {
  @Mutation(() => ApproveDueRewardsResult, {
    description: 'Approves every PENDING reward whose hold days are over. The server also does this by itself every minute (COFACTOR_APPROVE_EVERY).',
  })
  @Requires('admin')
  async approveDueRewards(@Ctx() ctx: RequestContext): Promise<ApproveDueRewardsResult> {
    const programId = callerProgram(ctx.principal);
    return { approved: await ctx.app.lifecycle.approveDue(programId, actingKey(ctx.principal)) };
  }

  @Mutation(() => [RewardType], {
    description: 'PENDING → APPROVED by hand, hold days or not; rewards already APPROVED are returned as they are. All or nothing.',
  })
  @Requires('admin')
  async approveRewards(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: RequestContext): Promise<RewardRow[]> {
    const programId = callerProgram(ctx.principal);
    return ctx.app.lifecycle.approve(programId, actingKey(ctx.principal), ids);
  }

  @Mutation(() => [RewardType], {
    description:
      'PENDING or APPROVED → REJECTED, with the reason the partner reads; refunds of these rewards are rejected with them. ' +
      'A reward in a payout cannot be rejected until that payout fails. All or nothing.',
  })
  @Requires('admin')
  async rejectRewards(@Arg('ids', () => [ID]) ids: string[], @Arg('reason') reason: string, @Ctx() ctx: RequestContext): Promise<RewardRow[]> {
    const programId = callerProgram(ctx.principal);
    return ctx.app.lifecycle.reject(programId, actingKey(ctx.principal), ids, reason);
  }

  @FieldResolver(() => [RewardStatusChangeType], { description: 'Every approval, rejection and payment of this reward, oldest first.' })
  statusHistory(@Root() reward: RewardRow, @Ctx() ctx: RequestContext): Promise<StatusChange[]> {
    return ctx.loaders.statusHistory.load(reward.id);
  }

  @FieldResolver(() => RewardType, { nullable: true, description: 'For a compensating entry (a refund taking back part of a reward): the reward it takes back.' })
  corrects(@Root() reward: RewardRow, @Ctx() ctx: RequestContext): Promise<RewardRow | null> | null {
    return reward.correctsId ? ctx.loaders.reward.load(reward.correctsId) : null;
  }
}
