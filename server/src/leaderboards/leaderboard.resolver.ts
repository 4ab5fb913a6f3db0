import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { callerProgram, requireReader } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../graphql/connection.js';
import { MAX_ALIAS_LENGTH, type BoardNames } from './board-query.js';
import { PUBLIC_VIEWER, showTo, type BoardEntry, type BoardViewer } from './leaderboard.service.js';
import { BoardNamesEnum, Leaderboard, LeaderboardEntry, LeaderboardInput, LeaderboardLink, LeaderboardPartner, LeaderboardVisibility, PublishedLeaderboard } from './leaderboard.types.js';
import { MAX_NAME_LENGTH, checkText } from '../validation.js';
import type { Board } from './leaderboard.service.js';

@Resolver()
export class LeaderboardResolver {
  @Query(() => Leaderboard, { description: "A ranked board of the caller's program: a reader key, or a partner token (which also gets its own entry)." })
  async leaderboard(
    @Arg('input') input: LeaderboardInput,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Leaderboard> {
    const { programId, viewer } = await boardAccess(ctx, input);
    const size = pageSize(first);
    return toLeaderboard(await ctx.app.leaderboards.board(programId, input, viewer, size, Number(decodeCursor(after) ?? 0)));
  }

  @Query(() => Leaderboard, { description: "The board a published link reads, as partners see each other; needs no credential, only the link's token." })
  async publicLeaderboard(
    @Arg('token') token: string,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Leaderboard> {
    const size = pageSize(first);
    const opened = await ctx.app.boardLinks.open(token);
    if (!opened) throw errors.forbidden('this board link is unknown or was revoked');
    return toLeaderboard(await ctx.app.leaderboards.board(opened.programId, opened.input, PUBLIC_VIEWER, size, Number(decodeCursor(after) ?? 0)));
  }

  @Mutation(() => PublishedLeaderboard, { description: 'Publishes a board as a link that reads that one board and nothing else, until revoked.' })
  @Requires('admin')
  async publishLeaderboard(@Arg('name') name: string, @Arg('input') input: LeaderboardInput, @Ctx() ctx: RequestContext): Promise<PublishedLeaderboard> {
    const { programId } = await boardAccess(ctx, input);
    const issues: InputIssue[] = [];
    checkText(name, 'name', MAX_NAME_LENGTH, issues);
    if (issues.length) throw errors.badInput(issues);
    return ctx.app.boardLinks.publish(programId, name.trim(), { ...input });
  }

  @Mutation(() => LeaderboardLink, { description: 'Revokes a published board link: it reads nothing from now on, on every server.' })
  @Requires('admin')
  async revokeLeaderboardLink(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<LeaderboardLink> {
    const link = /^\d{1,19}$/.test(id) ? await ctx.app.boardLinks.revoke(callerProgram(ctx.principal), id) : null;
    if (!link) throw errors.notFound('board link', id);
    return link;
  }

  @Mutation(() => LeaderboardVisibility, { description: "Sets what partners see of each other on the program's boards." })
  @Requires('admin')
  async setLeaderboardVisibility(
    @Arg('names', () => BoardNamesEnum) names: BoardNames,
    @Arg('values') values: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<LeaderboardVisibility> {
    return ctx.app.leaderboards.setVisibility(callerProgram(ctx.principal), names, values);
  }

  @Mutation(() => LeaderboardPartner, { description: `Sets the name a partner shows on ALIAS boards (at most ${MAX_ALIAS_LENGTH} characters; null clears it): an admin, or the partner's own token.` })
  @Requires('admin', { ownPartnerArg: 'partnerId' })
  async setLeaderboardAlias(
    @Arg('partnerId', () => ID) partnerId: string,
    @Arg('alias', () => String, { nullable: true }) alias: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<LeaderboardPartner> {
    const programId = callerProgram(ctx.principal);
    const trimmed = alias?.trim() || null;
    if (trimmed && [...trimmed].length > MAX_ALIAS_LENGTH) throw errors.badInput([{ path: 'alias', message: `must be at most ${MAX_ALIAS_LENGTH} characters` }]);
    if (!/^\d{1,19}$/.test(partnerId) || !(await ctx.app.leaderboards.setAlias(programId, partnerId, trimmed))) throw errors.notFound('partner', partnerId);
    return { id: partnerId, name: trimmed };
  }
}

/** Whose board a caller reads and as whom, for the query and the live subscription alike; refuses an input that names no board. */
export async function boardAccess(ctx: RequestContext, input: LeaderboardInput): Promise<{ programId: string; viewer: BoardViewer }> {
  const principal = ctx.principal;
  const programId = principal?.kind === 'partner' ? principal.programId : requireReader(principal);
  const viewer: BoardViewer = principal?.kind === 'partner' ? { kind: 'partner', partnerId: principal.partnerId } : { kind: 'admin' };
  if (input.date && !isDay(input.date)) throw errors.badInput([{ path: 'input.date', message: 'must be a day, YYYY-MM-DD' }]);
  if (input.metric === 'EVENTS' && !input.unit) throw errors.badInput([{ path: 'input.unit', message: 'names the event type EVENTS counts' }]);
  if (input.period === 'CAMPAIGN' && !input.campaignId) throw errors.badInput([{ path: 'input.campaignId', message: 'names the campaign whose dates the CAMPAIGN period is' }]);
  if (input.campaignId && !(await ctx.app.leaderboards.hasCampaign(programId, input.campaignId))) throw errors.notFound('campaign', input.campaignId);
  return { programId, viewer };
}

/** A board in GraphQL's shape; its entries are already as its viewer may see them. */
export function toLeaderboard(board: Board): Leaderboard {
  const edges = board.entries.map((entry) => toEntry(entry)).map((node) => ({ cursor: encodeCursor(node.id), node }));
  return { metric: board.metric, period: board.period, unit: board.unit || null, edges, pageInfo: { hasNextPage: board.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, me: board.me && toEntry(board.me), ranked: board.ranked, changedAt: board.changedAt };
}

/** An entry in GraphQL's shape, as `viewer` may see it (by default, as the viewer the board was read for). */
export function toEntry(board: BoardEntry, viewer?: BoardViewer): LeaderboardEntry {
  const entry = viewer ? showTo(board, viewer) : board;
  return { id: String(entry.position), rank: entry.rank, partner: { id: entry.partnerId, name: entry.name }, value: entry.value, previousRank: entry.previousRank };
}

function isDay(text: string): boolean {
  const day = new Date(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
