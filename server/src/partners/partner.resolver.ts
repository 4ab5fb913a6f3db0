import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { callerProgram, requirePartnerAccess, requireReader } from '../auth/access.js';
import { HIDDEN_FROM_PARTNERS, HiddenFromPartners } from '../auth/partner-view.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { MAX_HIERARCHY_DEPTH } from '../hierarchy/hierarchy.service.js';
import { RegionType } from '../regions/region.types.js';
import type { PartnerRow } from './partner.service.js';
import {
  CreatePartnerInput,
  Downline,
  PartnerConnection,
  PartnerFilter,
  PartnerType,
  UpdatePartnerInput,
  UplineMember,
} from './partner.types.js';

function depthArg(value: number, path: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_HIERARCHY_DEPTH) {
    throw errors.badInput([{ path, message: `must be between 1 and ${MAX_HIERARCHY_DEPTH}` }]);
  }
  return value;
}

@Resolver(() => PartnerType)
export class PartnerResolver {
  @Query(() => PartnerType, { nullable: true })
  async partner(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<PartnerRow | null> {
    requirePartnerAccess(ctx.principal, requireId(id, 'id'));
    return ctx.loaders.partner.load(id);
  }

  @Query(() => PartnerConnection)
  async partners(
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('filter', () => PartnerFilter, { nullable: true }) filter?: PartnerFilter,
  ): Promise<ConnectionShape<PartnerRow>> {
    const programId = requireReader(ctx.principal);
    const size = pageSize(first);
    const rows = await ctx.app.partners.list(programId, filter ?? {}, decodeCursor(after), size + 1);
    rows.forEach((row) => ctx.loaders.partner.prime(row.id, row));
    return toConnection(rows, size);
  }

  @Query(() => PartnerType, { nullable: true, description: 'The partner a partner token belongs to; null for API keys.' })
  async me(@Ctx() ctx: RequestContext): Promise<PartnerRow | null> {
    if (!ctx.principal) throw errors.unauthenticated();
    return ctx.principal.kind === 'partner' ? ctx.loaders.partner.load(ctx.principal.partnerId) : null;
  }

  @Mutation(() => PartnerType)
  @Requires('admin')
  async createPartner(@Arg('input') input: CreatePartnerInput, @Ctx() ctx: RequestContext): Promise<PartnerRow> {
    return ctx.app.partners.create(callerProgram(ctx.principal), input);
  }

  @Mutation(() => PartnerType)
  @Requires('admin')
  async updatePartner(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdatePartnerInput,
    @Ctx() ctx: RequestContext,
  ): Promise<PartnerRow> {
    return ctx.app.partners.update(callerProgram(ctx.principal), requireId(id, 'id'), input);
  }

  @Mutation(() => PartnerType, { description: 'Re-sponsors a partner with its whole downline; refuses moves that would create a cycle.' })
  @Requires('admin')
  async movePartner(
    @Arg('id', () => ID) id: string,
    @Arg('sponsorId', () => ID, { nullable: true, description: 'null makes the partner a root.' }) sponsorId: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<PartnerRow> {
    const programId = callerProgram(ctx.principal);
    await ctx.app.hierarchy.move(programId, requireId(id, 'id'), sponsorId === null ? null : requireId(sponsorId, 'sponsorId'));
    return (await ctx.app.partners.byIds(programId, [id]))[0];
  }

  @FieldResolver(() => RegionType, { nullable: true })
  region(@Root() partner: PartnerRow, @Ctx() ctx: RequestContext) {
    return partner.regionId ? ctx.loaders.region.load(partner.regionId) : null;
  }

  @FieldResolver(() => PartnerType, { nullable: true, description: `Who recruited this partner. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  sponsor(@Root() partner: PartnerRow, @Ctx() ctx: RequestContext) {
    return partner.sponsorId ? ctx.loaders.partner.load(partner.sponsorId) : null;
  }

  @FieldResolver(() => [UplineMember], { description: `Sponsors above this partner, nearest first. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  async upline(
    @Root() partner: PartnerRow,
    @Ctx() ctx: RequestContext,
    @Arg('levels', () => Int, { defaultValue: 3 }) levels: number,
  ): Promise<UplineMember[]> {
    const ancestors = await ctx.loaders.upline.load(`${partner.id}:${depthArg(levels, 'levels')}`);
    const partners = await ctx.loaders.partner.loadMany(ancestors.map((ancestor) => ancestor.ancestorId));
    return ancestors.map((ancestor, index) => ({ depth: ancestor.depth, partner: partners[index] as PartnerType }));
  }

  @FieldResolver(() => Downline)
  async downline(
    @Root() partner: PartnerRow,
    @Ctx() ctx: RequestContext,
    @Arg('depth', () => Int, { defaultValue: 3 }) depth: number,
  ): Promise<Downline> {
    requirePartnerAccess(ctx.principal, partner.id);
    const levels = await ctx.loaders.downline.load(`${partner.id}:${depthArg(depth, 'depth')}`);
    return { partnerId: partner.id, depth, levels, total: levels.reduce((sum, level) => sum + level.count, 0) };
  }
}

@Resolver(() => Downline)
export class DownlineResolver {
  @FieldResolver(() => PartnerConnection, { description: `The partners themselves; a partner token reads the summary only. ${HIDDEN_FROM_PARTNERS}` })
  @HiddenFromPartners()
  async partners(
    @Root() downline: Downline,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ConnectionShape<PartnerRow>> {
    const programId = requireReader(ctx.principal);
    const size = pageSize(first);
    const ids = await ctx.app.hierarchy.downlinePage(downline.partnerId, downline.depth, decodeCursor(after), size + 1);
    const rows = await ctx.app.partners.byIds(programId, ids);
    rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return toConnection(rows, size);
  }
}
