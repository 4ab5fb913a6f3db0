import type { SnapshotRow } from '../../partners/partner-snapshot.js';
import type { EventContent } from '../resends.js';
import type { AttributionRow, CustomerRow, EventStore, FirstPurchaseClaim, NewEvent, StoredSale } from '../store.js';
import type { ProgramState } from './state.js';

/** Events, customers and attribution in memory; the same answers as PostgresEventStore. */
export class MemoryEventStore implements EventStore {
  constructor(private readonly state: ProgramState) {}

  async attributionRows(_programId: string, named: { ids: string[]; codes: string[]; coupons: string[] }): Promise<AttributionRow[]> {
    const found = new Map<string, SnapshotRow>();
    for (const id of named.ids) {
      const partner = this.state.partners.get(id);
      if (partner) found.set(partner.id, partner);
    }
    for (const code of named.codes) {
      const partner = this.state.partnersByCode.get(code);
      if (partner) found.set(partner.id, partner);
    }
    const rows: AttributionRow[] = [...found.values()].map((partner) => ({ ...partner, couponId: null, couponCode: null }));
    for (const code of named.coupons) {
      const coupon = this.state.coupons.get(code);
      const partner = coupon && this.state.partners.get(coupon.partnerId);
      if (partner) rows.push({ ...partner, couponId: coupon.id, couponCode: coupon.code });
    }
    return rows;
  }

  async partners(_programId: string, ids: string[]): Promise<SnapshotRow[]> {
    return ids.flatMap((id) => {
      const partner = this.state.partners.get(id);
      return partner ? [{ ...partner }] : [];
    });
  }

  async lockSales(_programId: string, externalIds: string[]): Promise<StoredSale[]> {
    return externalIds
      .flatMap((externalId) => {
        const event = this.state.eventsByExternalId.get(externalId);
        return event ? [event] : [];
      })
      .sort(byId)
      .map((event) => ({
        id: event.id,
        externalId: event.externalId,
        type: event.type,
        partnerId: event.partnerId,
        amount: event.amount === null ? null : event.amount.toString(),
        currency: event.currency,
      }));
  }

  async refundedSums(_programId: string, saleIds: string[]): Promise<Map<string, bigint>> {
    const sums = new Map<string, bigint>();
    for (const saleId of saleIds) {
      const refunds = (this.state.refundsBySale.get(saleId) ?? []).filter((refund) => refund.amount !== null);
      if (refunds.length === 0) continue;
      sums.set(this.state.eventsById.get(saleId)!.externalId, refunds.reduce((sum, refund) => sum + refund.amount!, 0n));
    }
    return sums;
  }

  async storedExternalIds(_programId: string, externalIds: string[]): Promise<Set<string>> {
    return new Set(externalIds.filter((externalId) => this.state.eventsByExternalId.has(externalId)));
  }

  async ensureCustomers(_programId: string, externalIds: string[]): Promise<CustomerRow[]> {
    return [...new Set(externalIds)].map((externalId) => {
      const customer = this.state.customersByExternalId.get(externalId) ?? this.state.newCustomer(externalId);
      return { id: customer.id, externalId, purchased: customer.firstPurchaseAt !== null };
    });
  }

  async claimFirstPurchases(claims: FirstPurchaseClaim[]): Promise<string[]> {
    const claimed: string[] = [];
    for (const claim of claims) {
      const customer = this.state.customersById.get(claim.customerId);
      if (!customer || customer.firstPurchaseAt !== null) continue;
      this.state.claimFirstPurchase(customer, claim.at, claim.partnerId);
      claimed.push(customer.id);
    }
    return claimed;
  }

  async insertEvents(_programId: string, events: NewEvent[]): Promise<Map<string, string>> {
    const stored = new Map<string, string>();
    for (const event of events) {
      // `on conflict do nothing`: the first of an external id stays.
      if (this.state.eventsByExternalId.has(event.externalId)) continue;
      const id = this.state.newEventId(event.externalId);
      this.state.addEvent({
        id,
        externalId: event.externalId,
        type: event.type,
        partnerId: event.partnerId,
        customerId: event.customerId,
        couponId: event.couponId,
        amount: event.amount,
        currency: event.currency,
        firstPurchase: event.firstPurchase,
        occurredAt: event.occurredAt,
        attributes: event.attributes,
        refundOfId: event.refundOfId,
        batchPosition: event.batchPosition,
      });
      stored.set(event.externalId, id);
    }
    return stored;
  }

  async recordedContents(_programId: string, externalIds: string[]): Promise<Map<string, EventContent>> {
    const contents = new Map<string, EventContent>();
    // Most batches resend nothing: the program's coupons are not gone through for them.
    if (externalIds.length === 0) return contents;
    const couponCodes = new Map([...this.state.coupons.values()].map((coupon) => [coupon.id, coupon.code]));
    for (const externalId of externalIds) {
      const event = this.state.eventsByExternalId.get(externalId);
      if (!event) continue;
      contents.set(externalId, {
        type: event.type,
        partnerId: event.partnerId,
        couponCode: event.couponId ? (couponCodes.get(event.couponId) ?? null) : null,
        customerId: event.customerId ? (this.state.customersById.get(event.customerId)?.externalId ?? null) : null,
        amount: event.amount === null ? null : event.amount.toString(),
        currency: event.currency,
        occurredAt: event.occurredAt,
        refundOf: event.refundOfId ? (this.state.eventsById.get(event.refundOfId)?.externalId ?? null) : null,
        attributes: event.attributes,
      });
    }
    return contents;
  }
}

export function byId(a: { id: string }, b: { id: string }): number {
  const x = BigInt(a.id);
  const y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}
