import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { requireReader } from '../auth/access.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../graphql/connection.js';
import type { BoardEntry, BoardViewer } from './leaderboard.service.js';
import { Leaderboard, LeaderboardEntry, LeaderboardInput } from './leaderboard.types.js';

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
    const shown = (entry: BoardEntry) => toEntry(entry, viewer);
    const edges = board.entries.map(shown).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return {
      edges,
      pageInfo: { hasNextPage: board.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      me: board.me && shown(board.me),
      ranked: board.ranked,
      changedAt: board.changedAt,
    };
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

/** Partners see each other's ranks and values, not names, until a program chooses otherwise. */
export function toEntry(entry: BoardEntry, viewer: BoardViewer): LeaderboardEntry {
  const own = viewer.kind === 'admin' || viewer.partnerId === entry.partnerId;
  return { id: String(entry.position), rank: entry.rank, partner: { id: entry.partnerId, name: own ? entry.name : null }, value: entry.value, previousRank: entry.previousRank };
}

function isDay(text: string): boolean {
  const day = new Date(`${text}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
}
