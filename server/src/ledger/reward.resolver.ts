import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { listScope, requireReader } from '../auth/access.js';
import { Campaign } from '../campaigns/campaign.entity.js';
import { CampaignType, SchemeInstanceType } from '../campaigns/campaign.types.js';
import { EventType } from '../events/event.types.js';
import { LocalizedText } from '../graphql/common.types.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { REWARD_CREATED, rewardTopic } from '../graphql/pubsub.js';
import { PartnerType } from '../partners/partner.types.js';
import { REWARD_KINDS } from '@cofactor/schema';
import { REWARD_STATUSES } from './reward.entity.js';
import type { RewardRow } from './ledger.service.js';
import { RewardConnection, RewardType } from './reward.types.js';


@Resolver(() => RewardType)
export class RewardResolver {
  @Query(() => RewardConnection, { description: 'Newest first. With a partner token, only that partner\'s rewards.' })
  async rewards(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('partnerId', () => ID, { nullable: true }) partnerId?: string,
    @Arg('campaignId', () => ID, { nullable: true }) campaignId?: string,
    @Arg('status', () => String, { nullable: true }) status?: string,
    @Arg('kind', () => String, { nullable: true, description: 'MONEY, POINTS, PERK, BADGE or LEVEL (a partner\'s level history).' }) kind?: string,
  ): Promise<ConnectionShape<RewardRow>> {
    // A partner token reads its own rewards whether or not it names itself.
    const scope = listScope(ctx.principal, partnerId);
    if (campaignId) requireId(campaignId, 'campaignId');
    if (status && !(REWARD_STATUSES as readonly string[]).includes(status)) {
      throw errors.badInput([{ path: 'status', message: `must be one of ${REWARD_STATUSES.join(', ')}` }]);
    }
    const size = pageSize(first);
    if (kind && !(REWARD_KINDS as readonly string[]).includes(kind)) {
      throw errors.badInput([{ path: 'kind', message: `must be one of ${REWARD_KINDS.join(', ')}` }]);
    }
    const rows = await ctx.app.ledger.list(scope.programId, { partnerId: scope.partnerId, campaignId, status, kind }, decodeCursor(after), size + 1);
    return toConnection(rows, size);
  }

  @Subscription(() => RewardType, {
    topics: REWARD_CREATED,
    topicId: ({ context, args }) => subscriberPartnerId(context as RequestContext, args.partnerId as string | undefined),
    description: "A partner's new rewards, pushed after they are committed. A partner token receives its own; an API key names the partner.",
  })
  rewardCreated(
    @Root() reward: RewardRow,
    @Arg('partnerId', () => ID, { nullable: true }) _partnerId?: string,
  ): RewardRow {
    return reward;
  }

  @FieldResolver(() => LocalizedText, { description: 'What the partner reads: how the amount was computed.' })
  explanation(@Root() reward: RewardRow): LocalizedText {
    return { en: reward.explanationEn, ru: reward.explanationRu };
  }

  @FieldResolver(() => PartnerType)
  partner(@Root() reward: RewardRow, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partner.load(reward.partnerId);
  }

  @FieldResolver(() => CampaignType)
  campaign(@Root() reward: RewardRow, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    return ctx.loaders.campaign.load(reward.campaignId);
  }

  @FieldResolver(() => SchemeInstanceType, { description: 'The exact terms (scheme, version, args) this reward was computed with.' })
  scheme(@Root() reward: RewardRow, @Ctx() ctx: RequestContext) {
    return ctx.loaders.schemeInstance.load(reward.schemeInstanceId);
  }

  @FieldResolver(() => EventType, { nullable: true })
  event(@Root() reward: RewardRow, @Ctx() ctx: RequestContext) {
    return reward.eventId ? ctx.loaders.event.load(reward.eventId) : null;
  }
}

/**
 * Decides, once at subscribe time, whose rewards this subscription receives. Topics are
 * `<programId>:<partnerId>`, so a key of one program never hears another program's partners.
 */
function subscriberPartnerId(ctx: RequestContext, partnerId: string | undefined): string {
  if (ctx.principal?.kind === 'partner') {
    if (partnerId && partnerId !== ctx.principal.partnerId) throw errors.forbidden('a partner token can subscribe only to its own rewards');
    return rewardTopic(ctx.principal.programId, ctx.principal.partnerId);
  }
  const programId = requireReader(ctx.principal);
  if (!partnerId) throw errors.badInput([{ path: 'partnerId', message: 'is required for an API key' }]);
  return rewardTopic(programId, requireId(partnerId, 'partnerId'));
}
