import type { LifecycleService } from './lifecycle.service.js';

/**
 * Approves rewards whose hold days are over, every `everySeconds`, for every program on this
 * database. Several server nodes may run it at once: each run locks the rows it approves, so
 * a second run finds them approved and moves nothing twice.
 */
export function startApprovalJob(lifecycle: LifecycleService, everySeconds: number, onError: (error: Error) => void): { stop(): Promise<void> } {
  if (everySeconds <= 0) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => lifecycle.approveDue(null, null)).catch(onError);
  }, everySeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
