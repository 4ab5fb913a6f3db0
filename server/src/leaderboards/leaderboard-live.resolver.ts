import { Arg, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { PUBLIC_VIEWER, type Board } from './leaderboard.service.js';
import { boardAccess, toLeaderboard } from './leaderboard.resolver.js';
import { Leaderboard, LeaderboardInput } from './leaderboard.types.js';
import { MAX_LIVE_TOP, type ViewedBoard } from './live.js';

@Resolver()
export class LeaderboardLiveResolver {
  @Subscription(() => Leaderboard, {
    subscribe: ({ args, context }) => watch(context as RequestContext, args.input as LeaderboardInput, args.top as number),
    description: `A board now, then again whenever its top \`top\` (at most ${MAX_LIVE_TOP}) or the caller's own entry changed, after the change committed; changes are gathered for half of COFACTOR_BOARD_PUSH_MS (250 ms) and a board is pushed at most once per COFACTOR_BOARD_PUSH_MS. Readable as the leaderboard query is.`,
  })
  leaderboardChanged(
    @Root() view: ViewedBoard,
    @Arg('input') _input: LeaderboardInput,
    @Arg('top', () => Int, { defaultValue: 10 }) _top: number,
  ): Leaderboard {
    return shaped(view);
  }

  @Subscription(() => Leaderboard, {
    subscribe: ({ args, context }) => watchLink(context as RequestContext, args.top as number),
    description: `The board of the published link the WebSocket connection was opened with (connectionParams.boardLink, no credential), its top \`top\` (at most ${MAX_LIVE_TOP}) pushed as leaderboardChanged pushes, as partners see each other; the connection is closed (4403) once the link is revoked.`,
  })
  publicLeaderboardChanged(@Root() view: ViewedBoard, @Arg('top', () => Int, { defaultValue: 10 }) _top: number): Leaderboard {
    return shaped(view);
  }
}

const shapedBoards = new WeakMap<Board, Leaderboard>();

/** Subscribers who see the same board (admins, or screens of one link) share one board object: shaped once. */
function shaped(view: ViewedBoard): Leaderboard {
  const board = shapedBoards.get(view.board) ?? toLeaderboard(view.board);
  shapedBoards.set(view.board, board);
  return board;
}

async function watchLink(ctx: RequestContext, top: number) {
  const opened = ctx.boardLink ? await ctx.app.boardLinks.open(ctx.boardLink) : null;
  if (!opened) throw errors.forbidden('open the WebSocket connection with connectionParams.boardLink set to a published board link');
  checkTop(top);
  return ctx.app.liveBoards.subscribe(opened.programId, opened.input, top, PUBLIC_VIEWER);
}

function checkTop(top: number): void {
  if (!Number.isInteger(top) || top < 1 || top > MAX_LIVE_TOP) throw errors.badInput([{ path: 'top', message: `must be from 1 to ${MAX_LIVE_TOP}` }]);
}

async function watch(ctx: RequestContext, input: LeaderboardInput, top: number) {
  const { programId, viewer } = await boardAccess(ctx, input);
  checkTop(top);
  return ctx.app.liveBoards.subscribe(programId, input, top, viewer);
}
