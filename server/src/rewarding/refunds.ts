import type { InputIssue } from '../graphql/errors.js';
import type { EventInput, SaleRow } from './event.js';
import type { EventStore } from './store.js';

/** What a batch's refunds are checked against. */
interface RefundCheck {
  sales: Map<string, SaleRow>;
  /** What is refunded of each sale so far, by the sale's external id; grows as the batch's refunds are counted. */
  refunded: Map<string, bigint>;
  /** The first SALE of each external id in the batch, with its index. */
  batchSales: Map<string, { input: EventInput; index: number }>;
  /** Refunds stored earlier (resends): not counted again. */
  storedRefunds: Set<string>;
  counted: Set<string>;
}

/**
 * Finds the sales that the batch's refunds name — stored ones, locked so that two batches
 * refunding the same sale check its total one after the other, and sales of the batch
 * itself — and checks each refund against its sale: a SALE, in the same currency, never
 * refunded beyond its amount. Refunds stored earlier (resends) are not counted again.
 */
export async function refundedSales(store: EventStore, programId: string, inputs: EventInput[], issues: InputIssue[]): Promise<Map<string, SaleRow>> {
  const named = [...new Set(inputs.flatMap((input) => (input.refundOf ? [input.refundOf] : [])))].sort();
  if (named.length === 0) return new Map();
  const rows = await store.lockSales(programId, named);
  const check: RefundCheck = {
    sales: new Map(rows.map((row) => [row.externalId, { ...row, amount: BigInt(row.amount ?? 0) }])),
    refunded: rows.length ? await store.refundedSums(programId, rows.map((row) => row.id)) : new Map(),
    batchSales: new Map(),
    storedRefunds: await store.storedExternalIds(programId, [...new Set(inputs.filter((input) => input.refundOf).map((input) => input.externalId))]),
    counted: new Set(),
  };
  inputs.forEach((input, index) => {
    if (input.type === 'SALE' && !check.batchSales.has(input.externalId)) check.batchSales.set(input.externalId, { input, index });
  });
  inputs.forEach((input, index) => {
    if (input.refundOf) checkRefund(input, index, input.refundOf, check, issues);
  });
  return check.sales;
}

function checkRefund(input: EventInput, index: number, refundOf: string, check: RefundCheck, issues: InputIssue[]): void {
  const path = `events[${index}]`;
  let sale = check.sales.get(refundOf);
  const inBatch = sale ? undefined : check.batchSales.get(refundOf);
  if (inBatch && inBatch.index < index) {
    // Attributed with the batch once its partner is known; the sale's own checks already ran.
    sale = { id: null, externalId: refundOf, type: 'SALE', partnerId: '', amount: BigInt(inBatch.input.amount ?? 0), currency: inBatch.input.currency ?? null };
    check.sales.set(refundOf, sale);
  }
  if (!sale) {
    issues.push({ path: `${path}.refundOf`, message: `no sale "${refundOf}" in this program (a sale sent in the same call must come before its refund)` });
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
  if (check.storedRefunds.has(input.externalId) || check.counted.has(input.externalId) || input.amount === null || input.amount === undefined) return;
  check.counted.add(input.externalId);
  const total = (check.refunded.get(sale.externalId) ?? 0n) + BigInt(input.amount);
  check.refunded.set(sale.externalId, total);
  if (total > sale.amount) {
    issues.push({ path: `${path}.amount`, message: `refunds of sale "${sale.externalId}" would total ${total}, more than the sale's ${sale.amount} (minor units)` });
  }
}
