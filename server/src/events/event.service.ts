import { EVENT_TYPE_PATTERN, isCurrencyCode, type JsonObject, type SchemeEvent } from '@cofactor/schema';
import type { CofactorConfig } from '../config.js';
import type { Sql, SqlClient } from '../db/sql.js';
import type { RewardsEngine } from '../engine/rewards-engine.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isId } from '../graphql/ids.js';
import type { LedgerService, RewardRow } from '../ledger/ledger.service.js';
import { compensations, type Refund } from '../ledger/reversals.js';
import { SNAPSHOT_COLUMNS, toSnapshot, type SnapshotRow } from '../partners/partner-snapshot.js';
import {
  EARLIEST_EVENT_TIME,
  MAX_CODE_LENGTH,
  MAX_EXTERNAL_ID_LENGTH,
  checkAttributes,
  checkOptionalText,
  checkText,
} from '../validation.js';
import { recordedContents, repeatConflicts, resendConflicts, type SentEvent } from './resends.js';

export const MAX_EVENTS_PER_CALL = 5000;
const MONEY_EVENT_TYPES = new Set(['SALE', 'REFUND', 'CHARGEBACK']);
/** Event types that return money of a sale, and so may name it in `refundOf`. */
const REFUND_TYPES = new Set(['REFUND', 'CHARGEBACK']);

/** How large an amount and how far ahead an `occurredAt` a call may send (COFACTOR_MAX_AMOUNT, COFACTOR_MAX_CLOCK_SKEW). */
export type EventLimits = Pick<CofactorConfig, 'maxAmount' | 'maxClockSkewSeconds'>;

export interface EventInput {
  externalId: string;
  type: string;
  partnerId?: string | null;
  referralCode?: string | null;
  couponCode?: string | null;
  customerId?: string | null;
  amount?: bigint | number | null;
  currency?: string | null;
  occurredAt?: Date | null;
  attributes?: JsonObject | null;
  /** For a REFUND or CHARGEBACK: the externalId of the SALE it returns money of. */
  refundOf?: string | null;
}

export interface RecordEventsResult {
  /** Events stored by this call. */
  accepted: number;
  /** Events already stored earlier (or repeated within the call) with the same content: nothing was written for them. */
  duplicates: number;
  duplicateExternalIds: string[];
  rewardsCreated: number;
}

interface ResolvedEvent {
  input: EventInput;
  partner: SnapshotRow;
  couponId: string | null;
  occurredAt: Date;
  amount: bigint | null;
  /** The sale a refund returns money of. */
  sale: SaleRow | null;
}

interface SaleRow {
  id: string | null;
  externalId: string;
  type: string;
  partnerId: string;
  amount: bigint;
  currency: string | null;
}

/**
 * Ingestion: one call is one transaction. Every item is validated and attributed before
 * anything is written; a single bad item fails the call with the list of every bad item's
 * path and reason. Stored events are deduplicated by `(program, externalId)` with
 * `on conflict do nothing`, which also settles two concurrent calls carrying the same event.
 */
export class EventService {
  constructor(
    private readonly sql: Sql,
    private readonly engine: RewardsEngine,
    private readonly ledger: LedgerService,
    private readonly onRewardsCommitted: (rewards: RewardRow[]) => void,
    private readonly limits: EventLimits,
  ) {}

  async record(programId: string, inputs: EventInput[]): Promise<RecordEventsResult> {
    if (inputs.length > MAX_EVENTS_PER_CALL) {
      throw errors.badInput([{ path: 'events', message: `at most ${MAX_EVENTS_PER_CALL} events per call, got ${inputs.length}` }]);
    }
    const now = new Date();
    const issues = inputs.flatMap((input, index) => validate(input, `events[${index}]`, this.limits, now));
    if (issues.length) throw errors.badInput(issues, `${new Set(issues.map((i) => i.path.split('.')[0])).size} of ${inputs.length} events are invalid; nothing was recorded`);

    const result = await this.sql.transaction((client) => this.ingest(client, programId, inputs, new Date()), { retries: 3 });
    this.publish(result.rewards);
    const { rewards, ...counts } = result;
    return { ...counts, rewardsCreated: rewards.length };
  }

  /** Tells subscribers about rewards; call only after the transaction that wrote them committed. */
  publish(rewards: RewardRow[]): void {
    if (rewards.length) this.onRewardsCommitted(rewards);
  }

  /**
   * Attributes, stores and evaluates validated events inside the caller's transaction, and
   * returns the new rewards for the caller to `publish` after its commit.
   */
  async ingest(
    client: SqlClient,
    programId: string,
    inputs: EventInput[],
    clock: Date,
  ): Promise<Omit<RecordEventsResult, 'rewardsCreated'> & { rewards: RewardRow[] }> {
    const resolved = await this.attribute(client, programId, inputs, clock);
    const sent = resolved.map(toSentEvent);
    refuseConflicts(repeatConflicts(sent));
    const seen = new Set<string>();
    const duplicateExternalIds: string[] = [];
    const unique = resolved.filter((item) => {
      if (seen.has(item.input.externalId)) {
        duplicateExternalIds.push(item.input.externalId);
        return false;
      }
      seen.add(item.input.externalId);
      return true;
    });
    const customers = await this.claimCustomers(client, programId, unique);
    // Sales go in before the refunds that name them, so a refund can point at a sale of the same batch.
    const stored = await this.insertEvents(client, programId, unique.filter((item) => !item.sale), customers, new Map());
    const saleIds = new Map(unique.flatMap((item) => (item.sale?.id ? [[item.sale.externalId, item.sale.id] as const] : [])));
    for (const [externalId, id] of stored) saleIds.set(externalId, id);
    if (unique.some((item) => item.sale && !saleIds.has(item.sale.externalId))) {
      // A sale this batch carries, refunded in the same batch, was just committed by a
      // concurrent call: run the batch again, so the refund is checked against that stored,
      // locked sale and its refunds.
      throw Object.assign(new Error('a sale of this batch was recorded by a concurrent call meanwhile'), { code: '40001' });
    }
    for (const [externalId, id] of await this.insertEvents(client, programId, unique.filter((item) => item.sale), customers, saleIds)) {
      stored.set(externalId, id);
    }
    const resent = unique.filter((item) => !stored.has(item.input.externalId)).map((item) => item.input.externalId);
    // Checked after the inserts, so an event that a concurrent call recorded meanwhile is compared too.
    refuseConflicts(resendConflicts(sent, await recordedContents(client, programId, resent)));
    duplicateExternalIds.push(...resent);
    const storedItems = unique.filter((item) => stored.has(item.input.externalId));
    const events = storedItems.map((item) => toSchemeEvent(stored.get(item.input.externalId)!, item, customers.firstPurchases.has(item)));
    const entries = await this.engine.evaluate(client, programId, events, clock);
    const rewards = await this.ledger.append(client, programId, entries, clock);
    const refunds: Refund[] = storedItems.flatMap((item) =>
      item.sale
        ? [
            {
              id: stored.get(item.input.externalId)!,
              externalId: item.input.externalId,
              type: item.input.type,
              saleId: saleIds.get(item.sale.externalId)!,
              saleExternalId: item.sale.externalId,
              saleAmount: item.sale.amount,
              currency: item.input.currency!,
            },
          ]
        : [],
    );
    rewards.push(...(await this.ledger.append(client, programId, await compensations(client, programId, refunds, clock), clock)));
    return { accepted: events.length, duplicates: duplicateExternalIds.length, duplicateExternalIds, rewards };
  }

  /** Finds each item's partner by id, referral code or coupon; unknown ones are item errors. */
  private async attribute(client: SqlClient, programId: string, inputs: EventInput[], clock: Date): Promise<ResolvedEvent[]> {
    const ids = [...new Set(inputs.flatMap((input) => (input.partnerId ? [input.partnerId] : [])))];
    const codes = [...new Set(inputs.flatMap((input) => (input.referralCode ? [input.referralCode.toUpperCase()] : [])))];
    const coupons = [...new Set(inputs.flatMap((input) => (input.couponCode ? [input.couponCode] : [])))];
    const { rows } = await client.query<SnapshotRow & { couponId: string | null; couponCode: string | null }>(
      `select ${SNAPSHOT_COLUMNS}, null::bigint as "couponId", null::text as "couponCode"
         from partner p where p.program_id = $1 and (p.id = any($2::bigint[]) or p.referral_code = any($3::text[]))
       union all
       select ${SNAPSHOT_COLUMNS}, c.id, c.code
         from coupon c join partner p on p.id = c.partner_id where c.program_id = $1 and c.code = any($4::text[])`,
      [programId, ids, codes, coupons],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const byCode = new Map(rows.map((row) => [row.referralCode, row]));
    const byCoupon = new Map(rows.filter((row) => row.couponCode).map((row) => [row.couponCode!, row]));
    const issues: InputIssue[] = [];
    const sales = await this.refundedSales(client, programId, inputs, issues);
    const saleOf = (input: EventInput) => (input.refundOf ? sales.get(input.refundOf) : undefined);
    const salePartners = [...new Set([...sales.values()].flatMap((sale) => (sale.id ? [sale.partnerId] : [])))].filter((id) => !byId.has(id));
    if (salePartners.length) {
      const found = await client.query<SnapshotRow>(`select ${SNAPSHOT_COLUMNS} from partner p where p.program_id = $1 and p.id = any($2::bigint[])`, [
        programId,
        salePartners,
      ]);
      for (const row of found.rows) byId.set(row.id, { ...row, couponId: null, couponCode: null });
    }
    const batchSalePartners = new Map<string, string>();
    const resolved = inputs.map((input, index) => {
      const path = `events[${index}]`;
      const sale = saleOf(input);
      if (sale && sale.id === null) sale.partnerId = batchSalePartners.get(sale.externalId) ?? '';
      const partner = input.partnerId
        ? byId.get(input.partnerId)
        : input.referralCode
          ? byCode.get(input.referralCode.toUpperCase())
          : input.couponCode
            ? byCoupon.get(input.couponCode)
            : sale && byId.get(sale.partnerId);
      if (sale && partner && partner.id !== sale.partnerId) {
        issues.push({ path: `${path}.refundOf`, message: `sale "${sale.externalId}" is attributed to partner ${sale.partnerId}, not to this event's partner ${partner.id}` });
      }
      // A refund with no attribution of its own takes its sale's partner; an unknown sale is an issue already.
      const takesSalePartner = Boolean(input.refundOf) && !input.partnerId && !input.referralCode && !input.couponCode;
      if (!partner && !takesSalePartner) {
        const [field, value] = input.partnerId
          ? ['partnerId', input.partnerId]
          : input.referralCode
            ? ['referralCode', input.referralCode]
            : ['couponCode', input.couponCode];
        issues.push({ path: `${path}.${field}`, message: `no partner with ${field} "${value}" in this program` });
      }
      if (input.type === 'SALE' && partner && !batchSalePartners.has(input.externalId)) batchSalePartners.set(input.externalId, partner.id);
      return {
        input,
        partner: partner!,
        couponId: input.couponCode ? (byCoupon.get(input.couponCode)?.couponId ?? null) : null,
        occurredAt: input.occurredAt ?? clock,
        amount: input.amount === null || input.amount === undefined ? null : BigInt(input.amount),
        sale: sale ?? null,
      };
    });
    if (issues.length) throw errors.badInput(issues, `${new Set(issues.map((i) => i.path.split('.')[0])).size} of ${inputs.length} events cannot be recorded; nothing was recorded`);
    return resolved;
  }

  /**
   * Finds the sales that the batch's refunds name — stored ones, locked so that two batches
   * refunding the same sale check its total one after the other, and sales of the batch
   * itself — and checks each refund against its sale: a SALE, in the same currency, never
   * refunded beyond its amount. Refunds stored earlier (resends) are not counted again.
   */
  private async refundedSales(client: SqlClient, programId: string, inputs: EventInput[], issues: InputIssue[]): Promise<Map<string, SaleRow>> {
    const named = [...new Set(inputs.flatMap((input) => (input.refundOf ? [input.refundOf] : [])))].sort();
    const sales = new Map<string, SaleRow>();
    if (named.length === 0) return sales;
    const { rows } = await client.query<{ id: string; externalId: string; type: string; partnerId: string; amount: string | null; currency: string | null }>(
      `select id, external_id as "externalId", type, partner_id as "partnerId", amount::text as amount, currency
         from event where program_id = $1 and external_id = any($2::text[]) order by id for update`,
      [programId, named],
    );
    for (const row of rows) sales.set(row.externalId, { ...row, amount: BigInt(row.amount ?? 0) });
    const refunded = new Map<string, bigint>();
    if (rows.length) {
      const sums = await client.query<{ externalId: string; refunded: string }>(
        `select s.external_id as "externalId", sum(r.amount)::text as refunded
           from event r join event s on s.id = r.refund_of_id
          where r.program_id = $1 and r.refund_of_id = any($2::bigint[]) group by s.external_id`,
        [programId, rows.map((row) => row.id)],
      );
      for (const row of sums.rows) refunded.set(row.externalId, BigInt(row.refunded));
    }
    const batchSales = new Map<string, { input: EventInput; index: number }>();
    inputs.forEach((input, index) => {
      if (input.type === 'SALE' && !batchSales.has(input.externalId)) batchSales.set(input.externalId, { input, index });
    });
    const storedRefunds = new Set(
      (
        await client.query<{ externalId: string }>('select external_id as "externalId" from event where program_id = $1 and external_id = any($2::text[])', [
          programId,
          [...new Set(inputs.filter((input) => input.refundOf).map((input) => input.externalId))],
        ])
      ).rows.map((row) => row.externalId),
    );
    const counted = new Set<string>();
    inputs.forEach((input, index) => {
      if (!input.refundOf) return;
      const path = `events[${index}]`;
      let sale = sales.get(input.refundOf);
      if (!sale) {
        const inBatch = batchSales.get(input.refundOf);
        if (inBatch && inBatch.index < index) {
          // Attributed with the batch once its partner is known; the sale's own checks already ran.
          sale = { id: null, externalId: input.refundOf, type: 'SALE', partnerId: '', amount: BigInt(inBatch.input.amount ?? 0), currency: inBatch.input.currency ?? null };
          sales.set(input.refundOf, sale);
        }
      }
      if (!sale) {
        issues.push({ path: `${path}.refundOf`, message: `no sale "${input.refundOf}" in this program (a sale sent in the same call must come before its refund)` });
        return;
      }
      if (sale.type !== 'SALE') {
        issues.push({ path: `${path}.refundOf`, message: `"${sale.externalId}" is a ${sale.type}, not a SALE` });
        return;
      }
      if (input.currency && sale.currency && input.currency !== sale.currency) {
        issues.push({ path: `${path}.currency`, message: `must be ${sale.currency}, the currency of sale "${sale.externalId}"` });
        return;
      }
      if (storedRefunds.has(input.externalId) || counted.has(input.externalId) || input.amount === null || input.amount === undefined) return;
      counted.add(input.externalId);
      const total = (refunded.get(sale.externalId) ?? 0n) + BigInt(input.amount);
      refunded.set(sale.externalId, total);
      if (total > sale.amount) {
        issues.push({
          path: `${path}.amount`,
          message: `refunds of sale "${sale.externalId}" would total ${total}, more than the sale's ${sale.amount} (minor units)`,
        });
      }
    });
    return sales;
  }

  /**
   * Creates unknown customers and claims first purchases: the first SALE in the batch of a
   * customer who has none yet. Rows are written and locked in a fixed order (by external id,
   * then by id), so concurrent batches sharing customers wait for each other instead of
   * deadlocking, and of two batches with the same new customer exactly one claims it.
   * A claim made for an event that turns out to be a duplicate cannot happen: the earlier
   * copy of that SALE already set the customer's first purchase.
   */
  private async claimCustomers(client: SqlClient, programId: string, items: ResolvedEvent[]): Promise<CustomerClaims> {
    const externalIds = [...new Set(items.flatMap((item) => (item.input.customerId ? [item.input.customerId] : [])))].sort();
    const claims: CustomerClaims = { ids: new Map(), firstPurchases: new Set() };
    if (externalIds.length === 0) return claims;
    await client.query(
      `insert into customer (program_id, external_id) select $1, unnest($2::text[]) on conflict (program_id, external_id) do nothing`,
      [programId, externalIds],
    );
    const { rows } = await client.query<{ id: string; externalId: string; purchased: boolean }>(
      `select id, external_id as "externalId", first_purchase_at is not null as purchased
         from customer where program_id = $1 and external_id = any($2::text[])`,
      [programId, externalIds],
    );
    const byExternalId = new Map(rows.map((row) => [row.externalId, row]));
    for (const row of rows) claims.ids.set(row.externalId, row.id);
    const candidates = new Map<string, ResolvedEvent>();
    for (const item of items) {
      const customer = item.input.customerId ? byExternalId.get(item.input.customerId) : undefined;
      if (item.input.type === 'SALE' && customer && !customer.purchased && !candidates.has(customer.id)) candidates.set(customer.id, item);
    }
    if (candidates.size === 0) return claims;
    const ids = [...candidates.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const claimed = await client.query<{ id: string }>(
      `with locked as (
         select id from customer where id = any($1::bigint[]) and first_purchase_at is null order by id for update
       )
       update customer c set first_purchase_at = v.at, first_partner_id = v.partner_id
         from locked join unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) as v(id, at, partner_id) on v.id = locked.id
        where c.id = locked.id
       returning c.id`,
      [ids, ids.map((id) => candidates.get(id)!.occurredAt), ids.map((id) => candidates.get(id)!.partner.id)],
    );
    for (const row of claimed.rows) claims.firstPurchases.add(candidates.get(row.id)!);
    return claims;
  }

  /**
   * Inserts the events that are new (in external-id order, for the same reason as above)
   * and returns their ids by external id.
   */
  private async insertEvents(
    client: SqlClient,
    programId: string,
    items: ResolvedEvent[],
    customers: CustomerClaims,
    saleIds: Map<string, string>,
  ): Promise<Map<string, string>> {
    if (items.length === 0) return new Map();
    const sorted = [...items].sort((a, b) => (a.input.externalId < b.input.externalId ? -1 : 1));
    // One JSON document instead of an array per column: cheaper to build here and to parse there.
    const rowsJson = JSON.stringify(
      sorted.map((item) => ({
        external_id: item.input.externalId,
        type: item.input.type,
        partner_id: item.partner.id,
        customer_id: item.input.customerId ? customers.ids.get(item.input.customerId)! : null,
        coupon_id: item.couponId,
        amount: item.amount?.toString() ?? null,
        currency: item.input.currency ?? null,
        first_purchase: customers.firstPurchases.has(item),
        occurred_at: item.occurredAt,
        attributes: item.input.attributes ?? {},
        refund_of_id: item.sale ? saleIds.get(item.sale.externalId)! : null,
      })),
    );
    const { rows } = await client.query<{ id: string; externalId: string }>(
      `insert into event (program_id, external_id, type, partner_id, customer_id, coupon_id, amount, currency, first_purchase, occurred_at, attributes, refund_of_id)
       select $1, e.* from json_to_recordset($2::json) as e(external_id text, type text, partner_id bigint, customer_id bigint,
         coupon_id bigint, amount bigint, currency text, first_purchase boolean, occurred_at timestamptz, attributes jsonb, refund_of_id bigint)
       on conflict (program_id, external_id) do nothing
       returning id, external_id as "externalId"`,
      [programId, rowsJson],
    );
    return new Map(rows.map((row) => [row.externalId, row.id]));
  }
}

interface CustomerClaims {
  /** Customer row ids by external id. */
  ids: Map<string, string>;
  /** The items that are their customer's first purchase. */
  firstPurchases: Set<ResolvedEvent>;
}

function toSchemeEvent(id: string, item: ResolvedEvent, firstPurchase: boolean): SchemeEvent {
  return {
    id,
    externalId: item.input.externalId,
    type: item.input.type,
    partner: toSnapshot(item.partner),
    customerId: item.input.customerId ?? null,
    firstPurchase,
    couponCode: item.input.couponCode ?? null,
    amount: item.amount,
    currency: item.input.currency ?? null,
    occurredAt: item.occurredAt,
    attributes: item.input.attributes ?? {},
  };
}

function validate(input: EventInput, path: string, limits: EventLimits, now: Date): InputIssue[] {
  const issues: InputIssue[] = [];
  checkText(input.externalId ?? '', `${path}.externalId`, MAX_EXTERNAL_ID_LENGTH, issues);
  if (input.type.length > MAX_CODE_LENGTH || !EVENT_TYPE_PATTERN.test(input.type)) {
    issues.push({ path: `${path}.type`, message: `"${input.type.slice(0, MAX_CODE_LENGTH)}" is not an event type (SALE, LEAD, ... or a custom UPPER_SNAKE name of at most ${MAX_CODE_LENGTH} characters)` });
  }
  validateAttribution(input, path, issues);
  validateMoney(input, path, limits, issues);
  if (input.refundOf !== undefined && input.refundOf !== null) {
    if (!REFUND_TYPES.has(input.type)) issues.push({ path: `${path}.refundOf`, message: `only a REFUND or CHARGEBACK names a sale, not a ${input.type}` });
    else checkText(input.refundOf, `${path}.refundOf`, MAX_EXTERNAL_ID_LENGTH, issues);
  }
  checkOptionalText(input.customerId, `${path}.customerId`, MAX_EXTERNAL_ID_LENGTH, issues);
  validateTime(input.occurredAt, `${path}.occurredAt`, limits, now, issues);
  checkAttributes(input.attributes, `${path}.attributes`, issues);
  return issues;
}

function validateAttribution(input: EventInput, path: string, issues: InputIssue[]): void {
  const attributions = [input.partnerId, input.referralCode, input.couponCode].filter((value) => value);
  if (attributions.length > 1 || (attributions.length === 0 && !input.refundOf)) {
    issues.push({ path: `${path}.partnerId`, message: 'give exactly one of partnerId, referralCode or couponCode' });
  } else if (input.partnerId && !isId(input.partnerId)) {
    issues.push({ path: `${path}.partnerId`, message: `"${String(input.partnerId).slice(0, MAX_CODE_LENGTH)}" is not an id` });
  }
  checkOptionalText(input.referralCode, `${path}.referralCode`, MAX_CODE_LENGTH, issues);
  checkOptionalText(input.couponCode, `${path}.couponCode`, MAX_CODE_LENGTH, issues);
}

/** An amount from 0 to the configured bound, with an ISO currency; SALE, REFUND and CHARGEBACK need one. */
function validateMoney(input: EventInput, path: string, limits: EventLimits, issues: InputIssue[]): void {
  const hasAmount = input.amount !== null && input.amount !== undefined;
  if (hasAmount) {
    const amount = BigInt(input.amount!);
    if (amount < 0n) issues.push({ path: `${path}.amount`, message: 'must not be negative (a refund is a REFUND event)' });
    else if (amount > limits.maxAmount) {
      issues.push({ path: `${path}.amount`, message: `must be at most ${limits.maxAmount} minor units (COFACTOR_MAX_AMOUNT), got ${amount}` });
    }
  }
  if (MONEY_EVENT_TYPES.has(input.type) && !hasAmount) issues.push({ path: `${path}.amount`, message: `is required for ${input.type}` });
  if (hasAmount && !input.currency) issues.push({ path: `${path}.currency`, message: 'is required with an amount' });
  if (input.currency && !isCurrencyCode(input.currency)) issues.push({ path: `${path}.currency`, message: 'must be an ISO 4217 code such as RUB' });
}

/** Not before EARLIEST_EVENT_TIME, and no further ahead of the server's clock than the allowed skew. */
function validateTime(occurredAt: Date | null | undefined, path: string, limits: EventLimits, now: Date, issues: InputIssue[]): void {
  if (occurredAt === null || occurredAt === undefined) return;
  const latest = new Date(now.getTime() + limits.maxClockSkewSeconds * 1000);
  if (occurredAt < EARLIEST_EVENT_TIME) {
    issues.push({ path, message: `must not be before ${EARLIEST_EVENT_TIME.toISOString()}, got ${occurredAt.toISOString()}` });
  } else if (occurredAt > latest) {
    issues.push({
      path,
      message: `must not be more than ${limits.maxClockSkewSeconds} s after the server's clock (COFACTOR_MAX_CLOCK_SKEW), i.e. after ${latest.toISOString()}; got ${occurredAt.toISOString()}`,
    });
  }
}

function toSentEvent(item: ResolvedEvent, index: number): SentEvent {
  const { input } = item;
  return {
    index,
    externalId: input.externalId,
    attributedBy: input.partnerId ? 'partnerId' : input.referralCode ? 'referralCode' : input.couponCode ? 'couponCode' : 'refundOf',
    content: {
      type: input.type,
      partnerId: item.partner.id,
      couponCode: input.couponCode ?? null,
      customerId: input.customerId ?? null,
      amount: item.amount?.toString() ?? null,
      currency: input.currency ?? null,
      occurredAt: input.occurredAt ?? null,
      refundOf: input.refundOf ?? null,
      attributes: input.attributes ?? {},
    },
  };
}

/** Items that reuse an externalId for other content refuse the whole call: nothing of it is written. */
function refuseConflicts(issues: InputIssue[]): void {
  if (issues.length === 0) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more difference${issues.length > 2 ? 's' : ''} in extensions.issues)` : '';
  const [first] = issues;
  throw errors.conflict(`${first.path.split('.')[0]}: ${first.message}${more}; nothing was recorded`, undefined, issues);
}
