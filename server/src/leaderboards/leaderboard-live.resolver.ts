import { Arg, Int, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import type { Board } from './leaderboard.service.js';
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
    // Subscribers who see the same board (admins, say) share one board object: shaped once.
    const shaped = shapedBoards.get(view.board) ?? toLeaderboard(view.board);
    shapedBoards.set(view.board, shaped);
    return shaped;
  }
}

const shapedBoards = new WeakMap<Board, Leaderboard>();

async function watch(ctx: RequestContext, input: LeaderboardInput, top: number) {
  const { programId, viewer } = await boardAccess(ctx, input);
  if (!Number.isInteger(top) || top < 1 || top > MAX_LIVE_TOP) throw errors.badInput([{ path: 'top', message: `must be from 1 to ${MAX_LIVE_TOP}` }]);
  return ctx.app.liveBoards.subscribe(programId, input, top, viewer);
}
