import type { InputIssue } from '../graphql/errors.js';
import { refuseItems, type EventInput, type ResolvedEvent, type SaleRow } from './event.js';
import { refundedSales } from './refunds.js';
import type { AttributionRow, EventStore } from './store.js';

/** The partners a batch names, by id, by referral code and by coupon code. */
interface Named {
  byId: Map<string, AttributionRow>;
  byCode: Map<string, AttributionRow>;
  byCoupon: Map<string, AttributionRow>;
}

/**
 * Step 2, attribute: finds each item's partner by id, referral code or coupon (a refund with
 * none takes its sale's), and checks refunds against their sales. Unknown partners and sales
 * are item errors; any refuses the whole call before anything is written.
 */
export async function attribute(store: EventStore, programId: string, inputs: EventInput[], clock: Date): Promise<ResolvedEvent[]> {
  const named = await findNamed(store, programId, inputs);
  const issues: InputIssue[] = [];
  const sales = await refundedSales(store, programId, inputs, issues);
  const salePartners = [...new Set([...sales.values()].flatMap((sale) => (sale.id ? [sale.partnerId] : [])))].filter((id) => !named.byId.has(id));
  if (salePartners.length) {
    for (const row of await store.partners(programId, salePartners)) named.byId.set(row.id, { ...row, couponId: null, couponCode: null });
  }
  const batchSalePartners = new Map<string, string>();
  const resolved = inputs.map((input, index) => {
    const sale = input.refundOf ? sales.get(input.refundOf) : undefined;
    if (sale && sale.id === null) sale.partnerId = batchSalePartners.get(sale.externalId) ?? '';
    const partner = partnerOf(input, sale, named, `events[${index}]`, issues);
    if (input.type === 'SALE' && partner && !batchSalePartners.has(input.externalId)) batchSalePartners.set(input.externalId, partner.id);
    return {
      input,
      partner: partner!,
      couponId: input.couponCode ? (named.byCoupon.get(input.couponCode)?.couponId ?? null) : null,
      occurredAt: input.occurredAt ?? clock,
      amount: input.amount === null || input.amount === undefined ? null : BigInt(input.amount),
      sale: sale ?? null,
    };
  });
  refuseItems(issues, inputs.length, 'cannot be recorded');
  return resolved;
}

async function findNamed(store: EventStore, programId: string, inputs: EventInput[]): Promise<Named> {
  const ids = [...new Set(inputs.flatMap((input) => (input.partnerId ? [input.partnerId] : [])))];
  const codes = [...new Set(inputs.flatMap((input) => (input.referralCode ? [input.referralCode.toUpperCase()] : [])))];
  const coupons = [...new Set(inputs.flatMap((input) => (input.couponCode ? [input.couponCode] : [])))];
  const rows = await store.attributionRows(programId, { ids, codes, coupons });
  return {
    byId: new Map(rows.map((row) => [row.id, row])),
    byCode: new Map(rows.map((row) => [row.referralCode, row])),
    byCoupon: new Map(rows.filter((row) => row.couponCode).map((row) => [row.couponCode!, row])),
  };
}

/** The partner the item names, or its sale's; an issue when there is none or it differs from the sale's. */
function partnerOf(input: EventInput, sale: SaleRow | undefined, named: Named, path: string, issues: InputIssue[]): AttributionRow | undefined {
  const partner = input.partnerId
    ? named.byId.get(input.partnerId)
    : input.referralCode
      ? named.byCode.get(input.referralCode.toUpperCase())
      : input.couponCode
        ? named.byCoupon.get(input.couponCode)
        : sale && named.byId.get(sale.partnerId);
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
  return partner;
}
