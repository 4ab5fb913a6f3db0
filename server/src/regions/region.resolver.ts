import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { callerProgram, requireReader } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_CODE_LENGTH, MAX_NAME_LENGTH, checkOptionalText, checkText } from '../validation.js';
import { Region } from './region.entity.js';
import { CreateRegionInput, RegionType } from './region.types.js';

@Resolver(() => RegionType)
export class RegionResolver {
  @Query(() => [RegionType])
  async regions(@Ctx() ctx: RequestContext): Promise<Region[]> {
    const programId = requireReader(ctx.principal);
    return ctx.em.find(Region, { programId }, { orderBy: { code: 'asc' } });
  }

  @Mutation(() => RegionType)
  @Requires('admin')
  async createRegion(@Arg('input') input: CreateRegionInput, @Ctx() ctx: RequestContext): Promise<Region> {
    const programId = callerProgram(ctx.principal);
    const code = input.code.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(code)) {
      throw errors.badInput([{ path: 'input.code', message: 'must be 1–32 letters, digits, dashes or underscores' }]);
    }
    const issues: InputIssue[] = [];
    checkText(input.name, 'input.name', MAX_NAME_LENGTH, issues);
    checkOptionalText(input.parentCode, 'input.parentCode', MAX_CODE_LENGTH, issues);
    if (issues.length) throw errors.badInput(issues);
    if (await ctx.em.findOne(Region, { programId, code })) throw errors.conflict(`region ${code} exists`, 'input.code');
    const parent = input.parentCode ? await ctx.em.findOne(Region, { programId, code: input.parentCode }) : null;
    if (input.parentCode && !parent) throw errors.badInput([{ path: 'input.parentCode', message: `no region ${input.parentCode}` }]);
    const region = ctx.em.create(Region, { programId, code, name: input.name.trim(), parentId: parent?.id ?? null });
    await ctx.em.flush();
    return region;
  }

  @FieldResolver(() => RegionType, { nullable: true })
  parent(@Root() region: Region, @Ctx() ctx: RequestContext) {
    return region.parentId ? ctx.loaders.region.load(region.parentId) : null;
  }
}
