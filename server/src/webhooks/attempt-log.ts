import type { WebhookSettings } from '../config.js';
import type { Sql, SqlClient } from '../db/sql.js';
import type { SendResult } from './webhook-sender.js';

/** What one attempt came to: DELIVERED, PENDING again after `delayMs`, or FAILED (its retry window is over). */
export interface AttemptOutcome {
  deliveryId: string;
  endpointId: string;
  status: 'DELIVERED' | 'PENDING' | 'FAILED';
  delayMs: number;
  at: Date;
  result: SendResult;
}

interface Queued {
  outcome: AttemptOutcome;
  done: () => void;
  failed: (error: Error) => void;
}

/**
 * Writes attempts' outcomes, the ones that finished together in one transaction: a busy
 * receiver answers hundreds of deliveries a second, and a transaction per attempt would make
 * the log, not the receiver, the limit. Each `record` resolves once its outcome is committed,
 * so the delivery after it (the same partner's next) is claimed only then.
 */
export class AttemptLog {
  private queue: Queued[] = [];
  private scheduled = false;

  constructor(
    private readonly sql: Sql,
    private readonly settings: WebhookSettings,
  ) {}

  record(outcome: AttemptOutcome): Promise<void> {
    return new Promise((done, failed) => {
      this.queue.push({ outcome, done, failed });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      await this.sql.transaction((client) => this.write(client, batch.map((item) => item.outcome)), { retries: 3 });
      for (const item of batch) item.done();
    } catch (error) {
      for (const item of batch) item.failed(error as Error);
    }
  }

  /**
   * Moves the deliveries on and logs their attempts; a delivery no longer PENDING (deleted, or
   * redelivered and done by another attempt) is left alone. Then counts, per endpoint, the
   * deliveries FAILED in a row since its last delivered one.
   */
  private async write(client: SqlClient, outcomes: AttemptOutcome[]): Promise<void> {
    const rows = [...outcomes].sort((a, b) => Number(a.deliveryId) - Number(b.deliveryId)).map((outcome) => ({
      id: outcome.deliveryId, status: outcome.status, delay_ms: outcome.delayMs, attempted_at: outcome.at.toISOString(),
      status_code: outcome.result.statusCode, latency_ms: outcome.result.latencyMs, response_head: outcome.result.responseHead, error: outcome.result.error,
    }));
    const { rows: moved } = await client.query<{ id: string }>(
      `with outcome as (
         select * from jsonb_to_recordset($1::jsonb) as o(id bigint, status text, delay_ms float8, attempted_at timestamptz,
                                                          status_code int, latency_ms int, response_head text, error text)
       ), moved as (
         update webhook_delivery d set status = o.status, claimed_until = null,
                delivered_at = case when o.status = 'DELIVERED' then now() end,
                next_attempt_at = case when o.status = 'PENDING' then now() + make_interval(secs => o.delay_ms / 1000) else d.next_attempt_at end
           from outcome o where d.id = o.id and d.status = 'PENDING'
         returning d.id
       ), logged as (
         insert into webhook_attempt (delivery_id, attempted_at, status_code, latency_ms, response_head, error)
         select o.id, o.attempted_at, o.status_code, o.latency_ms, o.response_head, o.error from outcome o join moved m on m.id = o.id order by o.id
       )
       select id::text from moved`,
      [JSON.stringify(rows)],
    );
    const kept = new Set(moved.map((row) => row.id));
    await this.countFailures(client, outcomes.filter((outcome) => kept.has(outcome.deliveryId)));
  }

  /** Per endpoint, in id order so concurrent flushes lock endpoints in one order. */
  private async countFailures(client: SqlClient, outcomes: AttemptOutcome[]): Promise<void> {
    const byEndpoint = new Map<string, AttemptOutcome[]>();
    for (const outcome of outcomes) byEndpoint.set(outcome.endpointId, [...(byEndpoint.get(outcome.endpointId) ?? []), outcome]);
    for (const endpointId of [...byEndpoint.keys()].sort((a, b) => Number(a) - Number(b))) {
      const ordered = byEndpoint.get(endpointId)!.sort((a, b) => Number(a.deliveryId) - Number(b.deliveryId));
      const lastDelivered = ordered.findLastIndex((outcome) => outcome.status === 'DELIVERED');
      const failedSince = ordered.slice(lastDelivered + 1).filter((outcome) => outcome.status === 'FAILED');
      if (lastDelivered < 0 && failedSince.length === 0) continue;
      await client.query(
        `update webhook_endpoint e set failed_in_a_row = c.count,
                enabled = e.enabled and c.count < $4,
                disabled_reason = case when e.enabled and c.count >= $4
                                       then format('%s deliveries in a row failed after retrying; the last: %s', c.count, left($5, 300))
                                       else e.disabled_reason end,
                updated_at = case when c.count <> e.failed_in_a_row then now() else e.updated_at end
           from (select case when $2 then 0 else failed_in_a_row end + $3 as count from webhook_endpoint where id = $1) c
          where e.id = $1 and (c.count <> e.failed_in_a_row)`,
        [endpointId, lastDelivered >= 0, failedSince.length, this.settings.disableAfterFailures, failedSince.at(-1)?.result.error ?? ''],
      );
    }
  }
}
