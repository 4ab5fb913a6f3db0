import type { WebhookSettings } from '../config.js';
import type { Sql } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_TEXT_LENGTH, checkOptionalText } from '../validation.js';
import { refusedHost } from './address-guard.js';
import { WEBHOOK_EVENT_NAMES, isWebhookEvent } from './webhook-events.js';
import { newWebhookSecret } from './signing.js';

/** Endpoints one program may have. */
export const MAX_ENDPOINTS = 20;
export const MAX_URL_LENGTH = 2000;
/** How long a rotated-out secret still signs (beside the new one), so receivers can switch without losing a delivery. */
export const SECRET_OVERLAP_HOURS = 24;
export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
/** Deliveries deleted per statement when pruning, so a large backlog never holds one giant lock set. */
const PRUNE_CHUNK = 10_000;

export interface WebhookEndpointRow {
  id: string;
  programId: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface EndpointInput {
  url?: string | null;
  events?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

export interface WebhookDeliveryRow {
  id: string;
  endpointId: string;
  eventType: string;
  partnerId: string | null;
  data: unknown;
  status: string;
  attemptCount: number;
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookAttemptRow {
  deliveryId: string;
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  responseHead: string;
  error: string | null;
}

const ENDPOINT = `id, program_id as "programId", url, description, events, enabled, disabled_reason as "disabledReason",
  case when previous_secret_until > now() then previous_secret_until end as "previousSecretUntil", created_at as "createdAt", updated_at as "updatedAt"`;
const DELIVERY = `d.id, d.endpoint_id as "endpointId", d.event_type as "eventType", d.partner_id as "partnerId", d.data, d.status, d.attempts as "attemptCount",
  d.next_attempt_at as "nextAttemptAt", d.created_at as "createdAt", d.delivered_at as "deliveredAt"`;

/** Webhook endpoints of a program, their deliveries and redelivery by hand (webhooks/README.md). */
export class WebhookService {
  constructor(
    private readonly sql: Sql,
    private readonly settings: WebhookSettings,
  ) {}

  list(programId: string): Promise<WebhookEndpointRow[]> {
    return this.sql.query<WebhookEndpointRow>(`select ${ENDPOINT} from webhook_endpoint where program_id = $1 order by id`, [programId]);
  }

  async get(programId: string, id: string): Promise<WebhookEndpointRow> {
    const [row] = await this.sql.query<WebhookEndpointRow>(`select ${ENDPOINT} from webhook_endpoint where program_id = $1 and id = $2`, [programId, id]);
    if (!row) throw errors.notFound('webhook endpoint', id);
    return row;
  }

  /** A new endpoint and its signing secret, shown this once. */
  async create(programId: string, input: EndpointInput): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    this.check(input, true);
    const secret = newWebhookSecret();
    return this.sql.transaction(async (client) => {
      // Counted under a lock on the program's row, so two concurrent creations cannot both pass the limit; a lock that
      // the ledger's foreign-key checks (KEY SHARE) do not wait for.
      await client.query('select id from program where id = $1 for no key update', [programId]);
      const { rows: counted } = await client.query<{ count: number }>('select count(*)::int as count from webhook_endpoint where program_id = $1', [programId]);
      if (counted[0].count >= MAX_ENDPOINTS) throw errors.conflict(`a program has at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);
      const { rows } = await client.query<WebhookEndpointRow>(
        `insert into webhook_endpoint (program_id, url, description, events, secret) values ($1, $2, $3, $4, $5) returning ${ENDPOINT}`,
        [programId, normalUrl(input.url!), input.description?.trim() ?? '', unique(input.events!), secret],
      );
      return { endpoint: rows[0], secret };
    });
  }

  /** Changes what is given. Enabling a disabled endpoint clears its reason and failure count; its waiting deliveries resume. */
  async update(programId: string, id: string, input: EndpointInput): Promise<WebhookEndpointRow> {
    this.check(input, false);
    const [row] = await this.sql.query<WebhookEndpointRow>(
      `update webhook_endpoint set url = coalesce($3, url), events = coalesce($4, events), description = coalesce($5, description),
              enabled = coalesce($6, enabled),
              disabled_reason = case when $6 is null then disabled_reason when $6 then null else 'disabled by an administrator' end,
              failed_in_a_row = case when $6 then 0 else failed_in_a_row end, updated_at = now()
        where program_id = $1 and id = $2 returning ${ENDPOINT}`,
      [programId, id, input.url ? normalUrl(input.url) : null, input.events ? unique(input.events) : null, input.description?.trim() ?? null, input.enabled ?? null],
    );
    if (!row) throw errors.notFound('webhook endpoint', id);
    return row;
  }

  /** Deletes the endpoint with its deliveries and their attempts. */
  async delete(programId: string, id: string): Promise<void> {
    const rows = await this.sql.query('delete from webhook_endpoint where program_id = $1 and id = $2 returning id', [programId, id]);
    if (!rows.length) throw errors.notFound('webhook endpoint', id);
  }

  /** A new secret, shown this once; the old one still signs beside it for SECRET_OVERLAP_HOURS. */
  async rotateSecret(programId: string, id: string): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    const secret = newWebhookSecret();
    const [endpoint] = await this.sql.query<WebhookEndpointRow>(
      `update webhook_endpoint set previous_secret = secret, previous_secret_until = now() + make_interval(hours => $4), secret = $3, updated_at = now()
        where program_id = $1 and id = $2 returning ${ENDPOINT}`,
      [programId, id, secret, SECRET_OVERLAP_HOURS],
    );
    if (!endpoint) throw errors.notFound('webhook endpoint', id);
    return { endpoint, secret };
  }

  /** An endpoint's deliveries, newest first; `limit` is one more than the page, to tell whether another follows. */
  async deliveries(programId: string, endpointId: string, status: string | null, beforeId: string | null, limit: number): Promise<WebhookDeliveryRow[]> {
    if (status !== null && !(DELIVERY_STATUSES as readonly string[]).includes(status)) {
      throw errors.badInput([{ path: 'status', message: `must be one of ${DELIVERY_STATUSES.join(', ')}` }]);
    }
    await this.get(programId, endpointId);
    return this.sql.query<WebhookDeliveryRow>(
      `select ${DELIVERY} from webhook_delivery d where d.endpoint_id = $1 and ($2::text is null or d.status = $2)
          and ($3::bigint is null or d.id < $3) order by d.id desc limit $4`,
      [endpointId, status, beforeId, limit],
    );
  }

  /** Every attempt of each delivery, oldest first. */
  async attempts(deliveryIds: readonly string[]): Promise<Map<string, WebhookAttemptRow[]>> {
    const rows = await this.sql.query<WebhookAttemptRow>(
      `select delivery_id as "deliveryId", attempted_at as "attemptedAt", status_code as "statusCode", latency_ms as "latencyMs",
              response_head as "responseHead", error
         from webhook_attempt where delivery_id = any($1::bigint[]) order by delivery_id, id`,
      [deliveryIds],
    );
    const result = new Map<string, WebhookAttemptRow[]>(deliveryIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.deliveryId)!.push(row);
    return result;
  }

  /**
   * Sends a delivery again, with the same `webhook-id` and body, as soon as the worker gets to
   * it (after the partner's earlier deliveries to that endpoint), retried as a new one would be.
   */
  async redeliver(programId: string, deliveryId: string): Promise<WebhookDeliveryRow> {
    const [row] = await this.sql.query<WebhookDeliveryRow>(
      `update webhook_delivery d set status = 'PENDING', next_attempt_at = now(), retry_from = now(), claimed_until = null, delivered_at = null
         from webhook_endpoint e where e.id = d.endpoint_id and e.program_id = $1 and d.id = $2 returning ${DELIVERY}`,
      [programId, deliveryId],
    );
    if (!row) throw errors.notFound('webhook delivery', deliveryId);
    await this.sql.query(`select pg_notify('cofactor_webhook', '')`);
    return row;
  }

  /**
   * Deletes DELIVERED and FAILED deliveries (and their attempts) whose change is older than
   * `keepDays`, a chunk at a time; PENDING ones stay, whatever their age. Returns how many went.
   */
  async prune(keepDays: number): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.sql.query(
        `delete from webhook_delivery where id in (
           select id from webhook_delivery where created_at < now() - make_interval(days => $1) and status <> 'PENDING' limit $2 for update skip locked)
         returning id`,
        [keepDays, PRUNE_CHUNK],
      );
      total += rows.length;
      if (rows.length < PRUNE_CHUNK) return total;
    }
  }

  /** All or nothing: every problem with its path under `input`. */
  private check(input: EndpointInput, creating: boolean): void {
    const issues: InputIssue[] = [];
    if (input.url != null || creating) this.checkUrl(input.url ?? '', issues);
    if (input.events != null || creating) checkEvents(input.events ?? [], issues);
    checkOptionalText(input.description, 'input.description', MAX_TEXT_LENGTH, issues);
    if (issues.length) throw errors.badInput(issues);
  }

  private checkUrl(url: string, issues: InputIssue[]): void {
    const path = 'input.url';
    if (url.length > MAX_URL_LENGTH) return void issues.push({ path, message: `is longer than ${MAX_URL_LENGTH} characters` });
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return void issues.push({ path, message: 'is not an absolute URL' });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return void issues.push({ path, message: 'must be an http:// or https:// URL' });
    if (parsed.username || parsed.password) return void issues.push({ path, message: 'must not carry a user name or password; the signature authenticates the sender' });
    const refused = this.settings.allowPrivateAddresses ? null : refusedHost(parsed.hostname);
    if (refused) issues.push({ path, message: `is refused: ${refused} (COFACTOR_WEBHOOK_ALLOW_PRIVATE=true allows it)` });
  }
}

function checkEvents(events: string[], issues: InputIssue[]): void {
  if (events.length === 0) issues.push({ path: 'input.events', message: `name at least one of ${WEBHOOK_EVENT_NAMES.join(', ')}` });
  if (events.length > WEBHOOK_EVENT_NAMES.length * 2) return void issues.push({ path: 'input.events', message: `has more than ${WEBHOOK_EVENT_NAMES.length * 2} items` });
  events.forEach((name, index) => {
    if (!isWebhookEvent(name)) issues.push({ path: `input.events[${index}]`, message: `"${name.slice(0, 100)}" is not an event; known: ${WEBHOOK_EVENT_NAMES.join(', ')}` });
  });
}

function unique(events: string[]): string[] {
  return [...new Set(events)];
}

/** Without a fragment, which is never sent. */
function normalUrl(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.toString();
}
