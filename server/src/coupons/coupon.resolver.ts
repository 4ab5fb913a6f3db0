import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { callerProgram } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { PartnerType } from '../partners/partner.types.js';
import { Coupon } from './coupon.entity.js';

@ObjectType('Coupon', { description: 'A code that attributes a purchase to its partner.' })
export class CouponType {
  @Field(() => ID)
  id!: string;

  @Field()
  code!: string;

  partnerId!: string;
}

@Resolver(() => CouponType)
export class CouponResolver {
  @Mutation(() => CouponType)
  @Requires('admin')
  async createCoupon(
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('code') code: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Coupon> {
    const programId = callerProgram(ctx.principal);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/.test(code)) {
      throw errors.badInput([{ path: 'code', message: 'must be 3–64 letters, digits, dashes or underscores' }]);
    }
    if (!(await ctx.loaders.partner.load(requireId(partnerId, 'partnerId')))) throw errors.notFound('partner', partnerId);
    if (await ctx.em.findOne(Coupon, { programId, code })) throw errors.conflict(`coupon ${code} exists`, 'code');
    const coupon = ctx.em.create(Coupon, { programId, code, partnerId });
    await ctx.em.flush();
    return coupon;
  }

  @FieldResolver(() => PartnerType)
  partner(@Root() coupon: Coupon, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partner.load(coupon.partnerId);
  }
}
