import type { DatabaseNotifications } from '../db/notifications.js';
import type { Sql } from '../db/sql.js';
import { foldBoardDeltas } from './board-totals.js';
import { BOARD_CHANNEL } from './live.js';

/**
 * How long after a change of boards a server process folds their deltas into the totals.
 * Boards read totals plus deltas, so this bounds no one's view: it bounds how many deltas
 * each board read adds up, and gathers a second's changes into one bulk fold.
 */
export const FOLD_AFTER_MS = 1000;

/**
 * Folds board deltas into the totals a moment after each change of boards (a `cofactor_board`
 * notice, sent at commit), once at start for what earlier processes left, and after a lost
 * notification connection. Every server process does this; a fold happens on one at a time
 * (`foldBoardDeltas` holds an advisory lock). Call before `notifications.start()`.
 */
export function startBoardFolding(sql: Sql, notifications: DatabaseNotifications, onError: (error: Error) => void): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  /** A change came while a fold ran: one more fold after it, however many changes came. */
  let again = false;
  let stopped = false;
  const fold = async () => {
    try {
      // A stop waits for the batch being folded, not for the rest of a backlog.
      await foldBoardDeltas(sql, { stopping: () => stopped });
    } catch (error) {
      onError(error as Error);
    }
    running = null;
    if (again) schedule();
  };
  const schedule = () => {
    again = running !== null;
    if (stopped || timer || running) return;
    timer = setTimeout(() => {
      timer = null;
      running = fold();
    }, FOLD_AFTER_MS);
    timer.unref();
  };
  notifications.on(BOARD_CHANNEL, schedule);
  notifications.onReconnect(schedule);
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
