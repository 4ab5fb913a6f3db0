import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { callerProgram, requireReader } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../graphql/connection.js';
import { MAX_ALIAS_LENGTH, showTo, type BoardEntry, type BoardNames, type BoardViewer } from './leaderboard.service.js';
import { BoardNamesEnum, Leaderboard, LeaderboardEntry, LeaderboardInput, LeaderboardPartner, LeaderboardVisibility } from './leaderboard.types.js';

@Resolver()
export class LeaderboardResolver {
  @Query(() => Leaderboard, { description: "A ranked board of the caller's program: a reader key, or a partner token (which also gets its own entry)." })
  async leaderboard(
    @Arg('input') input: LeaderboardInput,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<Leaderboard> {
    const { programId, viewer } = boardAccess(ctx, input);
    const size = pageSize(first);
    const board = await ctx.app.leaderboards.board(programId, input, viewer, size, Number(decodeCursor(after) ?? 0));
    const edges = board.entries.map((entry) => toEntry(entry)).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      pageInfo: { hasNextPage: board.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      me: board.me && toEntry(board.me),
      ranked: board.ranked,
      changedAt: board.changedAt,
    };
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
export function boardAccess(ctx: RequestContext, input: LeaderboardInput): { programId: string; viewer: BoardViewer } {
  const principal = ctx.principal;
  const programId = principal?.kind === 'partner' ? principal.programId : requireReader(principal);
  const viewer: BoardViewer = principal?.kind === 'partner' ? { kind: 'partner', partnerId: principal.partnerId } : { kind: 'admin' };
  if (input.date && !isDay(input.date)) throw errors.badInput([{ path: 'input.date', message: 'must be a day, YYYY-MM-DD' }]);
  if (input.metric === 'EVENTS' && !input.unit) throw errors.badInput([{ path: 'input.unit', message: 'names the event type EVENTS counts' }]);
  return { programId, viewer };
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
