import type { SchemeEvent } from '@cofactor/schema';
import type { Refund } from '../ledger/reversals.js';
import { refuseConflicts, toSchemeEvent, toSentEvent, type ResolvedEvent } from './event.js';
import { repeatConflicts, resendConflicts } from './resends.js';
import type { EventStore } from './store.js';

/** What storing a batch's events gave. */
export interface StoredEvents {
  /** The events stored by this batch, in the batch's order, as schemes see them. */
  events: SchemeEvent[];
  /** The stored refunds among them, with their sales. */
  refunds: Refund[];
  /** Items already stored earlier, or repeated within the batch, with the same content. */
  duplicateExternalIds: string[];
}

interface CustomerClaims {
  /** Customer ids by external id. */
  ids: Map<string, string>;
  /** The items that are their customer's first purchase. */
  firstPurchases: Set<ResolvedEvent>;
}

/**
 * Step 3, store events: drops duplicates by external id (a resend or repeat with other
 * content refuses the call), claims new customers' first purchases and inserts the new
 * events. Inserts skip external ids stored meanwhile, which settles two concurrent calls
 * carrying the same event.
 */
export async function storeEvents(store: EventStore, programId: string, resolved: ResolvedEvent[]): Promise<StoredEvents> {
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
  const customers = await claimCustomers(store, programId, unique);
  const { stored, saleIds } = await insertEvents(store, programId, unique, customers);
  const resent = unique.filter((item) => !stored.has(item.input.externalId)).map((item) => item.input.externalId);
  // Checked after the inserts, so an event that a concurrent call recorded meanwhile is compared too.
  refuseConflicts(resendConflicts(sent, await store.recordedContents(programId, resent)));
  duplicateExternalIds.push(...resent);
  const storedItems = unique.filter((item) => stored.has(item.input.externalId));
  return {
    events: storedItems.map((item) => toSchemeEvent(stored.get(item.input.externalId)!, item, customers.firstPurchases.has(item))),
    refunds: storedItems.flatMap((item) => (item.sale ? [toRefund(item, stored.get(item.input.externalId)!, saleIds.get(item.sale.externalId)!)] : [])),
    duplicateExternalIds,
  };
}

/** Inserts sales and other events, then the refunds that may name them; returns the new ids and every named sale's id. */
async function insertEvents(store: EventStore, programId: string, unique: ResolvedEvent[], customers: CustomerClaims) {
  // Sales go in before the refunds that name them, so a refund can point at a sale of the same batch.
  const positions = new Map(unique.map((item, index) => [item, index]));
  const stored = await store.insertEvents(programId, toNewEvents(unique.filter((item) => !item.sale), customers, new Map(), positions));
  const saleIds = new Map(unique.flatMap((item) => (item.sale?.id ? [[item.sale.externalId, item.sale.id] as const] : [])));
  for (const [externalId, id] of stored) saleIds.set(externalId, id);
  if (unique.some((item) => item.sale && !saleIds.has(item.sale.externalId))) {
    // A sale this batch carries, refunded in the same batch, was just committed by a
    // concurrent call: run the batch again (40001 asks the store for a retry), so the
    // refund is checked against that stored, locked sale and its refunds.
    throw Object.assign(new Error('a sale of this batch was recorded by a concurrent call meanwhile'), { code: '40001' });
  }
  for (const [externalId, id] of await store.insertEvents(programId, toNewEvents(unique.filter((item) => item.sale), customers, saleIds, positions))) {
    stored.set(externalId, id);
  }
  return { stored, saleIds };
}

/** The rows of the items, in external-id order, so concurrent batches lock the same rows in the same order; each keeps its place in the batch. */
function toNewEvents(items: ResolvedEvent[], customers: CustomerClaims, saleIds: Map<string, string>, positions: Map<ResolvedEvent, number>) {
  return [...items]
    .sort((a, b) => (a.input.externalId < b.input.externalId ? -1 : 1))
    .map((item) => ({
      externalId: item.input.externalId,
      type: item.input.type,
      partnerId: item.partner.id,
      customerId: item.input.customerId ? customers.ids.get(item.input.customerId)! : null,
      couponId: item.couponId,
      amount: item.amount,
      currency: item.input.currency ?? null,
      firstPurchase: customers.firstPurchases.has(item),
      occurredAt: item.occurredAt,
      attributes: item.input.attributes ?? {},
      refundOfId: item.sale ? saleIds.get(item.sale.externalId)! : null,
      batchPosition: positions.get(item)!,
    }));
}

/**
 * Creates unknown customers and claims first purchases: the first SALE in the batch of a
 * customer who has none yet. Rows are written and locked in a fixed order (by external id,
 * then by id), so concurrent batches sharing customers wait for each other instead of
 * deadlocking, and of two batches with the same new customer exactly one claims it.
 * A claim made for an event that turns out to be a duplicate cannot happen: the earlier
 * copy of that SALE already set the customer's first purchase.
 */
async function claimCustomers(store: EventStore, programId: string, items: ResolvedEvent[]): Promise<CustomerClaims> {
  const externalIds = [...new Set(items.flatMap((item) => (item.input.customerId ? [item.input.customerId] : [])))].sort();
  const claims: CustomerClaims = { ids: new Map(), firstPurchases: new Set() };
  if (externalIds.length === 0) return claims;
  const rows = await store.ensureCustomers(programId, externalIds);
  const byExternalId = new Map(rows.map((row) => [row.externalId, row]));
  for (const row of rows) claims.ids.set(row.externalId, row.id);
  const candidates = new Map<string, ResolvedEvent>();
  for (const item of items) {
    const customer = item.input.customerId ? byExternalId.get(item.input.customerId) : undefined;
    if (item.input.type === 'SALE' && customer && !customer.purchased && !candidates.has(customer.id)) candidates.set(customer.id, item);
  }
  if (candidates.size === 0) return claims;
  const ids = [...candidates.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const claimed = await store.claimFirstPurchases(ids.map((id) => ({ customerId: id, at: candidates.get(id)!.occurredAt, partnerId: candidates.get(id)!.partner.id })));
  for (const id of claimed) claims.firstPurchases.add(candidates.get(id)!);
  return claims;
}

function toRefund(item: ResolvedEvent, id: string, saleId: string): Refund {
  return {
    id,
    externalId: item.input.externalId,
    type: item.input.type,
    saleId,
    saleExternalId: item.sale!.externalId,
    saleAmount: item.sale!.amount,
    currency: item.input.currency!,
  };
}
