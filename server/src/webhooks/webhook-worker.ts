import type { WebhookSettings } from '../config.js';
import type { DatabaseNotifications } from '../db/notifications.js';
import type { Sql } from '../db/sql.js';
import { AttemptLog, type AttemptOutcome } from './attempt-log.js';
import { retryDelayMs } from './retry.js';
import { messageId, signatureHeader } from './signing.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';

/** The notice the webhook triggers send at commit (and redelivery sends): new work is due. */
export const WEBHOOK_CHANNEL = 'cofactor_webhook';
/** Attempts one process has in flight at once (a receiver may get as many requests at a time). */
export const WEBHOOK_CONCURRENCY = 16;
/** The longest the worker sleeps without looking: a notice lost while the listener reconnected costs no more than this. */
const MAX_IDLE_MS = 30_000;
/** The shortest sleep, so deliveries another process holds do not make this one spin. */
const MIN_IDLE_MS = 25;
/** How often finished deliveries past their keeping time are deleted. */
const PRUNE_EVERY_MS = 3_600_000;
/** How long a claim outlives the attempt's own time limit before another process may take the delivery over. */
const CLAIM_MARGIN_MS = 5_000;

interface Claimed {
  id: string;
  endpointId: string;
  eventType: string;
  data: unknown;
  createdAt: Date;
  attempts: number;
  retryFrom: Date;
  url: string;
  secrets: string[];
}

/**
 * Delivers the webhook outbox. Every server process runs one; each attempt is claimed by one
 * process (`FOR UPDATE SKIP LOCKED`, then a lease in `claimed_until`), so no transaction stays
 * open while a receiver answers. A process killed mid-attempt leaves a lease that runs out, and
 * another attempt follows with the same `webhook-id`. One endpoint gets a partner's deliveries
 * one at a time, in the order of their changes: a delivery waits while an earlier one for the
 * same partner and endpoint is PENDING (retrying included).
 */
export class WebhookWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private wake: (() => void) | null = null;
  private poked = false;
  private running: Promise<void> = Promise.resolve();
  private readonly log: AttemptLog;
  private nextPruneAt = 0;

  /** `prune` deletes the deliveries past their keeping time (WebhookService.prune); it runs hourly. */
  constructor(
    private readonly sql: Sql,
    private readonly settings: WebhookSettings,
    private readonly onError: (error: Error) => void,
    private readonly prune: () => Promise<unknown>,
  ) {
    this.log = new AttemptLog(sql, settings);
  }

  /** Listens for new work (call before `notifications.start()`) and starts delivering. */
  start(notifications: DatabaseNotifications): void {
    notifications.on(WEBHOOK_CHANNEL, () => this.poke());
    notifications.onReconnect(() => this.poke());
    this.running = this.run();
  }

  /** Claims nothing more and waits for the attempts in flight (each ends within its time limit). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.running;
    await Promise.all(this.inFlight);
  }

  private poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.poked = false;
        if (Date.now() >= this.nextPruneAt) {
          this.nextPruneAt = Date.now() + PRUNE_EVERY_MS;
          await this.prune();
        }
        const free = WEBHOOK_CONCURRENCY - this.inFlight.size;
        const claimed = free > 0 ? await this.claim(free) : [];
        for (const delivery of claimed) this.track(this.attempt(delivery));
        if (free > 0 && claimed.length === free) continue;
        await this.sleep(this.inFlight.size >= WEBHOOK_CONCURRENCY ? MAX_IDLE_MS : await this.untilNextDue());
      } catch (error) {
        this.onError(error as Error);
        await this.sleep(1000);
      }
    }
  }

  private track(attempt: Promise<void>): void {
    const tracked = attempt.catch(this.onError).finally(() => {
      this.inFlight.delete(tracked);
      this.poke();
    });
    this.inFlight.add(tracked);
  }

  /** Sleeps for `ms`, or until poked; a poke that came while awake cuts it short at once. */
  private sleep(ms: number): Promise<void> {
    if (this.poked || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const leaseMs = this.settings.timeoutMs + CLAIM_MARGIN_MS;
    return this.sql.query<Claimed>(
      `with due as (
         select d.id from webhook_delivery d
          where d.status = 'PENDING' and d.next_attempt_at <= now() and (d.claimed_until is null or d.claimed_until <= now())
            and exists (select 1 from webhook_endpoint e where e.id = d.endpoint_id and e.enabled)
            and not exists (select 1 from webhook_delivery p where p.endpoint_id = d.endpoint_id and p.partner_id = d.partner_id
                                                            and p.status = 'PENDING' and p.id < d.id)
          order by d.id limit $1
          for update of d skip locked)
       update webhook_delivery d set claimed_until = now() + make_interval(secs => $2::float8 / 1000), attempts = d.attempts + 1
         from due, webhook_endpoint e
        where d.id = due.id and e.id = d.endpoint_id
       returning d.id, d.endpoint_id as "endpointId", d.event_type as "eventType", d.data, d.created_at as "createdAt", d.attempts,
                 d.retry_from as "retryFrom", e.url,
                 array_remove(array[e.secret, case when e.previous_secret_until > now() then e.previous_secret end], null) as secrets`,
      [limit, leaseMs],
    );
  }

  /**
   * Milliseconds until the next retry falls due (bounded). A delivery waiting behind its
   * partner's earlier one is claimed when that one is done, which pokes the worker.
   */
  private async untilNextDue(): Promise<number> {
    const [row] = await this.sql.query<{ ms: number | null }>(
      `select extract(epoch from min(next_attempt_at) - now()) * 1000 as ms from webhook_delivery where status = 'PENDING' and next_attempt_at > now()`,
    );
    return row.ms === null ? MAX_IDLE_MS : Math.min(MAX_IDLE_MS, Math.max(MIN_IDLE_MS, Math.ceil(Number(row.ms))));
  }

  private async attempt(delivery: Claimed): Promise<void> {
    const body = JSON.stringify({ type: delivery.eventType, timestamp: delivery.createdAt.toISOString(), data: delivery.data });
    const id = messageId(delivery.id);
    const at = new Date();
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatureHeader(delivery.secrets, id, at, body),
    };
    const result = await sendWebhook(delivery.url, headers, body, this.settings);
    await this.log.record(this.outcome(delivery, at, result));
  }

  /** DELIVERED; PENDING again after a pause; or FAILED when the next attempt would fall outside the retry window. */
  private outcome(delivery: Claimed, at: Date, result: SendResult): AttemptOutcome {
    const delayMs = retryDelayMs(delivery.attempts, this.settings.retryFirstMs, this.settings.retryMaxMs);
    const givesUp = at.getTime() + delayMs > delivery.retryFrom.getTime() + this.settings.retryForSeconds * 1000;
    const status = result.error === null ? 'DELIVERED' : givesUp ? 'FAILED' : 'PENDING';
    return { deliveryId: delivery.id, endpointId: delivery.endpointId, status, delayMs, at, result };
  }
}
