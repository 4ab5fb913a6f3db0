import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { callerProgram, requireReader } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { Campaign, CAMPAIGN_STATUSES } from './campaign.entity.js';
import { CampaignConnection, CampaignInputType, CampaignType, SchemeInstanceType } from './campaign.types.js';

@Resolver(() => CampaignType)
export class CampaignResolver {
  @Query(() => CampaignType, { nullable: true })
  async campaign(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Campaign | null> {
    requireReader(ctx.principal);
    return ctx.loaders.campaign.load(requireId(id, 'id'));
  }

  @Query(() => CampaignConnection)
  async campaigns(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => String, { nullable: true }) status?: string,
  ): Promise<ConnectionShape<Campaign>> {
    const programId = requireReader(ctx.principal);
    if (status && !(CAMPAIGN_STATUSES as readonly string[]).includes(status)) {
      throw errors.badInput([{ path: 'status', message: `must be one of ${CAMPAIGN_STATUSES.join(', ')}` }]);
    }
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const rows = await ctx.em.find(
      Campaign,
      { programId, ...(status ? { status: status as Campaign['status'] } : {}), ...(afterId ? { id: { $gt: afterId } } : {}) },
      { orderBy: { id: 'asc' }, limit: size + 1 },
    );
    return toConnection(rows, size);
  }

  @Mutation(() => CampaignType, { description: 'Creates a DRAFT campaign; every scheme instance\'s args are validated first.' })
  @Requires('admin')
  async createCampaign(@Arg('input') input: CampaignInputType, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return ctx.app.campaigns.create(callerProgram(ctx.principal), input);
  }

  @Mutation(() => CampaignType)
  @Requires('admin')
  async updateCampaign(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: CampaignInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Campaign> {
    return ctx.app.campaigns.update(callerProgram(ctx.principal), requireId(id, 'id'), input);
  }

  @Mutation(() => CampaignType)
  @Requires('admin')
  async activateCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return ctx.app.campaigns.activate(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @Mutation(() => CampaignType)
  @Requires('admin')
  async pauseCampaign(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Campaign> {
    return ctx.app.campaigns.pause(callerProgram(ctx.principal), requireId(id, 'id'));
  }

  @FieldResolver(() => [SchemeInstanceType], { description: 'The active scheme instances, in the order they run.' })
  schemes(@Root() campaign: Campaign, @Ctx() ctx: RequestContext) {
    return ctx.loaders.campaignSchemes.load(campaign.id);
  }
}
