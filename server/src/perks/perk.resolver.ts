import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { actingKey, callerProgram } from '../auth/access.js';
import { ACTOR_KIND_DESCRIPTION, HIDDEN_FROM_PARTNERS, HiddenFromPartners, type ActorKind } from '../auth/partner-view.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { RewardType } from '../ledger/reward.types.js';

@ObjectType()
export class PerkFulfilmentChange {
  @Field()
  state!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => ID, { description: `The API key that recorded it. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  changedBy!: string;

  @Field(() => String, { description: `Who recorded it: ${ACTOR_KIND_DESCRIPTION}` })
  changedByKind!: ActorKind;

  @Field(() => DateTimeScalar)
  changedAt!: Date;
}

@ObjectType('PerkFulfilment')
export class PerkFulfilmentType {
  @Field({ description: 'GRANTED (awarded, not yet delivered) or DELIVERED.' })
  state!: string;

  @Field(() => [PerkFulfilmentChange], { description: 'Every change, oldest first.' })
  history!: PerkFulfilmentChange[];
}

@Resolver(() => RewardType)
export class PerkResolver {
  @Mutation(() => RewardType, { description: 'Records that a PERK was delivered (or is GRANTED again); every change is kept.' })
  @Requires('admin')
  async updatePerkFulfilment(
    @Arg('rewardId', () => ID) rewardId: string,
    @Arg('state') state: string,
    @Ctx() ctx: RequestContext,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
  ): Promise<RewardRow> {
    const programId = callerProgram(ctx.principal);
    const changedBy = actingKey(ctx.principal);
    const reward = await ctx.app.perks.update(programId, changedBy, requireId(rewardId, 'rewardId'), state, note ?? null);
    ctx.loaders.perkFulfilment.clear(reward.id);
    return reward;
  }

  @FieldResolver(() => PerkFulfilmentType, { nullable: true, description: 'For a PERK: whether it was delivered, with the history.' })
  async fulfilment(@Root() reward: RewardRow, @Ctx() ctx: RequestContext): Promise<PerkFulfilmentType | null> {
    if (reward.kind !== 'PERK') return null;
    const history = await ctx.loaders.perkFulfilment.load(reward.id);
    return { state: history.at(-1)?.state ?? 'GRANTED', history };
  }
}
