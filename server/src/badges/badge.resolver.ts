import { Ctx, Field, FieldResolver, ID, ObjectType, Resolver, Root } from 'type-graphql';
import { requirePartnerAccess } from '../auth/access.js';
import type { RequestContext } from '../graphql/context.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import type { PartnerRow } from '../partners/partner.service.js';
import { PartnerType } from '../partners/partner.types.js';

@ObjectType('Badge', { description: 'An achievement a partner earned: a BADGE entry of the ledger.' })
export class BadgeType {
  @Field({ description: "The badge's code, e.g. FIRST-SALE." })
  code!: string;

  @Field({ description: 'What the partner sees; the code when the scheme gave no name.' })
  name!: string;

  @Field(() => DateTimeScalar)
  awardedAt!: Date;

  @Field(() => ID, { description: 'The ledger entry that awarded it.' })
  rewardId!: string;
}

@Resolver(() => PartnerType)
export class PartnerBadgesResolver {
  @FieldResolver(() => [BadgeType], { description: 'Badges earned, oldest first (reversed or rejected ones left out).' })
  async badges(@Root() partner: PartnerRow, @Ctx() ctx: RequestContext): Promise<BadgeType[]> {
    requirePartnerAccess(ctx.principal, partner.id);
    return ctx.loaders.badges.load(partner.id);
  }
}
