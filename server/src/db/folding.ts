import type { DatabaseNotifications } from './notifications.js';

/**
 * How long after a change a server process folds deltas into their totals. Readers add totals
 * and deltas, so this bounds no one's view: it bounds how many deltas each read adds up, and
 * gathers a second's changes into one bulk fold.
 */
export const FOLD_AFTER_MS = 1000;

/**
 * Folds deltas into totals (board totals, analytics rollups) a moment after each notice on
 * `channel` (sent at commit by the triggers that append the deltas), once at start for what
 * earlier processes left, and after a lost notification connection. Every server process does
 * this; `fold` holds an advisory lock, so a fold happens on one at a time, and it stops between
 * two batches once `stopping()` says so. Call before `notifications.start()`.
 */
export function startFolding(
  notifications: DatabaseNotifications,
  channel: string,
  foldDeltas: (stopping: () => boolean) => Promise<unknown>,
  onError: (error: Error) => void,
): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  /** A change came while a fold ran: one more fold after it, however many changes came. */
  let again = false;
  let stopped = false;
  const fold = async () => {
    try {
      // A stop waits for the batch being folded, not for the rest of a backlog.
      await foldDeltas(() => stopped);
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
  notifications.on(channel, schedule);
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
