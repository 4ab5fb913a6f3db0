import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { callerProgram, requirePartnerAccess } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { Campaign } from '../campaigns/campaign.entity.js';
import { CampaignType } from '../campaigns/campaign.types.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { BigIntScalar } from '../graphql/scalars.js';
import { RewardType } from '../ledger/reward.types.js';
import type { PartnerRow } from '../partners/partner.service.js';
import { PartnerType } from '../partners/partner.types.js';
import type { Redemption } from './points.service.js';

@ObjectType('CatalogItem', { description: 'Something points can be redeemed for.' })
export class CatalogItemType {
  @Field()
  code!: string;

  @Field()
  name!: string;

  @Field({ description: 'DISCOUNT, GIFT_CERTIFICATE, TRAINING, MERCHANDISE, ...' })
  kind!: string;

  @Field(() => BigIntScalar, { description: 'In hundredths of a point (150 = 1.5 points).' })
  cost!: bigint;
}

@ObjectType('Redemption')
export class RedemptionType {
  @Field(() => RewardType, { description: 'The negative POINTS entry that records it.' })
  reward!: Redemption['reward'];

  @Field(() => CatalogItemType)
  item!: CatalogItemType;

  @Field(() => BigIntScalar, { description: 'The balance left, in hundredths of a point.' })
  balance!: bigint;
}

@Resolver()
export class PointsResolver {
  @Mutation(() => RedemptionType, {
    description:
      "Spends a partner's points on an item of the campaign's catalog. Refused when the balance does not cover it; " +
      'a retry with the same idempotencyKey returns the first result and charges nothing more. A partner token may redeem its own points.',
  })
  @Requires('admin', { ownPartnerArg: 'partnerId' })
  async redeemPoints(
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('itemCode') itemCode: string,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Redemption> {
    return ctx.app.points.redeem(callerProgram(ctx.principal), requireId(campaignId, 'campaignId'), requireId(partnerId, 'partnerId'), itemCode, idempotencyKey);
  }
}

@ObjectType('CatalogOffer', { description: 'An item points can be redeemed for, and the campaign whose catalog offers it (what redeemPoints names).' })
export class CatalogOfferType {
  @Field(() => ID)
  campaignId!: string;

  @Field()
  campaignName!: string;

  @Field(() => CatalogItemType)
  item!: CatalogItemType;
}

@Resolver(() => PartnerType)
export class PartnerPointsResolver {
  @FieldResolver(() => BigIntScalar, { description: 'Spendable points, in hundredths (pending ones included).' })
  async pointsBalance(@Root() partner: PartnerRow, @Ctx() ctx: RequestContext): Promise<bigint> {
    requirePartnerAccess(ctx.principal, partner.id);
    return (await ctx.loaders.ledgerSummary.load(partner.id)).points;
  }

  @FieldResolver(() => [CatalogOfferType], {
    description: "What the partner's points can be redeemed for now: the catalogs of the program's ACTIVE campaigns, by campaign. A partner token reads its own.",
  })
  async pointsCatalog(@Root() partner: PartnerRow, @Ctx() ctx: RequestContext): Promise<CatalogOfferType[]> {
    const programId = requirePartnerAccess(ctx.principal, partner.id);
    return (await ctx.loaders.activeCatalog.load(programId)).map(({ campaignId, campaignName, item }) => ({ campaignId, campaignName, item }));
  }
}

@Resolver(() => CampaignType)
export class CampaignCatalogResolver {
  @FieldResolver(() => [CatalogItemType], { description: 'What points can be redeemed for in this campaign.' })
  async catalog(@Root() campaign: Campaign, @Ctx() ctx: RequestContext): Promise<CatalogItemType[]> {
    const instances = await ctx.loaders.campaignSchemes.load(campaign.id);
    return ctx.app.points.catalogOf(instances).map((entry) => entry.item);
  }
}
