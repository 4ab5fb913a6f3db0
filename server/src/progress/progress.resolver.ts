import { Arg, Ctx, Extensions, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import { requirePartnerAccess } from '../auth/access.js';
import { LocalizedText } from '../graphql/common.types.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { BigIntScalar } from '../graphql/scalars.js';
import { PartnerType } from '../partners/partner.types.js';

@ObjectType('ProgressTarget', {
  description: 'A target a partner is working towards in a campaign and how far it is ("3 of 5 new customers"), as the campaign\'s scheme reports it from the figures it pays by.',
})
export class ProgressTargetType {
  @Field(() => ID)
  campaignId!: string;

  @Field()
  campaignName!: string;

  @Field({ description: 'The scheme that sets the target, e.g. fixed-goal.' })
  schemeCode!: string;

  @Field({ description: 'Unique among the targets of one scheme of the campaign, e.g. goal, tier:2, place:1.' })
  key!: string;

  @Field(() => LocalizedText, { description: 'What is measured, and over what span.' })
  label!: LocalizedText;

  @Field(() => BigIntScalar, { description: 'How far the partner is, in unit.' })
  current!: bigint;

  @Field(() => BigIntScalar, { description: 'Where the target is, in unit.' })
  threshold!: bigint;

  @Field({ description: 'COUNT for a number of things, an ISO currency for money (minor units), POINTS (hundredths of a point).' })
  unit!: string;

  @Field(() => LocalizedText, { description: 'What reaching the target gives.' })
  reward!: LocalizedText;

  @Field({ description: 'current ≥ threshold. A period target reached is paid when the period closes.' })
  reached!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the target is judged: the end of the open period, the end of the campaign, or null.' })
  endsAt!: Date | null;
}

/**
 * One partner's progress reads its campaigns and runs every scheme with targets in a transaction
 * of its own: a few statements per campaign, and a pass over the open period's events for a
 * contest, which ranks everyone. A hundred partners' progress fills the budget of a request.
 */
export const PROGRESS_COST = 500;

@Resolver(() => PartnerType)
export class PartnerProgressResolver {
  @Extensions({ cost: PROGRESS_COST })
  @FieldResolver(() => [ProgressTargetType], {
    description:
      "The targets the partner is working towards now and how far it is: in one campaign, or in every ACTIVE campaign when campaignId is left out. None in a campaign that does not target the partner or has no scheme with targets. A partner token reads its own.",
  })
  async progress(@Root() partner: PartnerType, @Ctx() ctx: RequestContext, @Arg('campaignId', () => ID, { nullable: true }) campaignId?: string): Promise<ProgressTargetType[]> {
    const programId = requirePartnerAccess(ctx.principal, partner.id);
    if (campaignId !== undefined && campaignId !== null && !(await ctx.loaders.campaign.load(requireId(campaignId, 'campaignId')))) {
      throw errors.notFound('campaign', campaignId);
    }
    const which = campaignId ? { id: campaignId } : ({ active: true } as const);
    const reports = await ctx.app.rewarding.progress(programId, partner.id, which);
    return reports.flatMap(({ campaignId: id, campaignName, schemeCode, targets }) =>
      targets.map((target): ProgressTargetType => ({ ...target, campaignId: id, campaignName, schemeCode, reached: target.current >= target.threshold })),
    );
  }
}
