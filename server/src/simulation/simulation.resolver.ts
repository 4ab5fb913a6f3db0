import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { requireScope } from '../auth/access.js';
import { CampaignInputType } from '../campaigns/campaign.types.js';
import { EventInputType } from '../events/event.types.js';
import { LocalizedText } from '../graphql/common.types.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import type { PreviewReward, SimulationResult } from './simulation.service.js';
import { RewardPreviewType, SimulationInputType, SimulationType } from './simulation.types.js';

/** Both read and write nothing, but show what schemes, budgets and targeting would do: the program's admins' view (API key with admin). */
@Resolver(() => RewardPreviewType)
export class SimulationResolver {
  @Query(() => [RewardPreviewType], {
    description:
      'The entries up to 100 hypothetical events would write now under a campaign definition — a new one (campaign), or a stored one ' +
      '(campaignId) with changes — with amounts, statuses (CAPPED where a budget or cap stops them) and explanations. Nothing is written. Needs admin.',
  })
  async previewRewards(
    @Arg('events', () => [EventInputType]) events: EventInputType[],
    @Ctx() ctx: RequestContext,
    @Arg('campaignId', () => ID, { nullable: true }) campaignId?: string | null,
    @Arg('campaign', () => CampaignInputType, { nullable: true }) campaign?: CampaignInputType | null,
  ): Promise<PreviewReward[]> {
    const programId = requireScope(ctx.principal, 'admin');
    return ctx.app.simulation.preview(programId, campaignId ? requireId(campaignId, 'campaignId') : null, campaign ?? {}, events);
  }

  @Query(() => SimulationType, {
    description:
      "Replays the program's stored events of a past span, in the order they were recorded, through a campaign definition against a copy of " +
      "the program's state kept in memory, and reports what it would have paid. Nothing is written. Needs admin.",
  })
  async simulateCampaign(@Arg('input', () => SimulationInputType) input: SimulationInputType, @Ctx() ctx: RequestContext): Promise<SimulationResult> {
    const programId = requireScope(ctx.principal, 'admin');
    return ctx.app.simulation.simulate(programId, {
      ...input,
      campaignId: input.campaignId ? requireId(input.campaignId, 'input.campaignId') : null,
      compareWith: input.compareWith ? requireId(input.compareWith, 'input.compareWith') : null,
    });
  }

  @FieldResolver(() => LocalizedText, { description: 'What the partner would read, as on a Reward.' })
  explanation(@Root() preview: PreviewReward): LocalizedText {
    return { en: preview.explanationEn, ru: preview.explanationRu };
  }
}
