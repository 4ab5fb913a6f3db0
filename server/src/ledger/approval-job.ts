import type { Sql } from '../db/sql.js';
import type { LifecycleService } from './lifecycle.service.js';

/** The session advisory lock one approval run holds: `hashtext('approval-job')`, the same number on every process. */
export const APPROVAL_LOCK = 'approval-job';

/**
 * Approves rewards whose hold days are over, every `everySeconds`, for every program on this
 * database. Every server process schedules it, but a run happens on one process at a time:
 * it holds a session advisory lock on one connection, and a process that finds the lock taken
 * skips its turn (the other is doing the work). A process that dies mid-run loses its
 * connection and with it the lock. Each run also locks the rows it approves, so even two
 * runs would move nothing twice.
 */
export function startApprovalJob(lifecycle: LifecycleService, sql: Sql, everySeconds: number, onError: (error: Error) => void): { stop(): Promise<void> } {
  if (everySeconds <= 0) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => approveIfAlone(lifecycle, sql)).catch(onError);
  }, everySeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Runs one approval unless another process is running one; true when this one ran. */
export async function approveIfAlone(lifecycle: LifecycleService, sql: Sql): Promise<boolean> {
  const connection = await sql.pool.connect();
  const ignore = () => {}; // a lost connection fails the query in flight and releases the lock
  connection.on('error', ignore);
  let broken: Error | undefined;
  try {
    const [{ locked }] = (await connection.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [APPROVAL_LOCK])).rows;
    if (!locked) return false;
    try {
      await lifecycle.approveDue(null, null);
      return true;
    } finally {
      await connection.query('select pg_advisory_unlock(hashtext($1))', [APPROVAL_LOCK]);
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    connection.off('error', ignore);
    // After a failure the connection may still hold the lock: closing it releases the lock.
    connection.release(broken);
  }
}
