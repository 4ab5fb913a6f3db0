import { describePoints, divideRoundHalfEven, formatMoney, POINTS_UNIT, reversalKey, type Locale } from '@cofactor/schema';
import type { LedgerEntry } from './entry.js';
import type { RewardRow } from './ledger.service.js';

/** A stored REFUND or CHARGEBACK that names the sale it returns money of. */
export interface Refund {
  id: string;
  externalId: string;
  type: string;
  saleId: string;
  saleAmount: bigint;
  saleExternalId: string;
  currency: string;
}

/** A reversible entry of a refunded sale. */
export type ReversibleEntry = Pick<
  RewardRow,
  'id' | 'partnerId' | 'campaignId' | 'schemeInstanceId' | 'kind' | 'amount' | 'unit' | 'status' | 'idempotencyKey' | 'explanationEn' | 'explanationRu' | 'holdUntil'
> & { eventId: string };

/** What compensations read, inside the unit of work that appends them. */
export interface ReversalStore {
  /**
   * The reversible entries of these sales (MONEY and POINTS, PROPORTIONAL, granted, positive),
   * in id order, locked until the unit of work ends: an approval, rejection or payout of them
   * waits, so the status each compensating entry copies stays true.
   */
  reversibleEntries(programId: string, saleIds: string[]): Promise<ReversibleEntry[]>;
  /** Every stored refund of these sales, this batch's included. */
  refundsOf(programId: string, saleIds: string[]): Promise<{ id: string; saleId: string; amount: string }[]>;
  /** How much earlier compensations took back of each of these entries (a positive figure). */
  takenBack(programId: string, entryIds: string[]): Promise<Map<string, bigint>>;
}

/**
 * The compensating entries for refunds (ledger/README.md, rule 8). For each refund, in the
 * order the refunds were stored, every reversible entry of its sale is taken back to
 * exactly `round_half_even(amount × refunded / sale)` in total: the new entry is that target
 * minus what earlier refunds took back, so partial refunds never drift and a full refund
 * takes back the whole entry. Runs in the ingesting unit of work, after the batch's own
 * rewards are appended (a sale and its refund may arrive together).
 */
export async function compensations(store: ReversalStore, programId: string, refunds: Refund[], clock: Date): Promise<LedgerEntry[]> {
  if (refunds.length === 0) return [];
  const saleIds = [...new Set(refunds.map((refund) => refund.saleId))];
  const originals = await store.reversibleEntries(programId, saleIds);
  if (originals.length === 0) return [];
  const refundRows = await store.refundsOf(programId, saleIds);
  const takenBack = await store.takenBack(programId, originals.map((original) => original.id));
  const byId = (a: { id: string }, b: { id: string }) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

  const entries: LedgerEntry[] = [];
  for (const refund of [...refunds].sort(byId)) {
    // Everything refunded of the sale up to and including this refund.
    const refunded = refundRows
      .filter((row) => row.saleId === refund.saleId && BigInt(row.id) <= BigInt(refund.id))
      .reduce((sum, row) => sum + BigInt(row.amount), 0n);
    for (const original of originals.filter((row) => row.eventId === refund.saleId)) {
      const amount = BigInt(original.amount);
      const target = divideRoundHalfEven(amount * refunded, refund.saleAmount);
      const before = takenBack.get(original.id) ?? 0n;
      const now = (target > amount ? amount : target) - before;
      if (now <= 0n) continue;
      takenBack.set(original.id, before + now);
      entries.push(compensation(refund, refunded, original, now, before, clock));
    }
  }
  return entries;
}

/** The entry that takes `now` back of `original` for `refund`, `before` having been taken back earlier. */
function compensation(refund: Refund, refunded: bigint, original: ReversibleEntry, now: bigint, before: bigint, clock: Date): LedgerEntry {
  const pending = original.status === 'PENDING';
  return {
    partnerId: original.partnerId,
    campaignId: original.campaignId,
    schemeInstanceId: original.schemeInstanceId,
    eventId: refund.id,
    periodKey: null,
    // A compensating entry follows its original: pending with it, or due at once.
    status: pending ? 'PENDING' : 'APPROVED',
    kind: original.kind,
    amount: -now,
    unit: original.unit,
    idempotencyKey: reversalKey(original.idempotencyKey, refund.id),
    explanationEn: explain(refund, refunded, now, original, 'en'),
    explanationRu: explain(refund, refunded, now, original, 'ru'),
    details: {
      refund: refund.externalId,
      sale: refund.saleExternalId,
      saleAmount: refund.saleAmount.toString(),
      refunded: refunded.toString(),
      reversed: original.id,
      originalAmount: original.amount,
      takenBackBefore: before.toString(),
    },
    holdUntil: pending ? original.holdUntil : clock,
    correctsId: original.id,
    reversal: 'NONE',
  };
}

function explain(refund: Refund, refunded: bigint, taken: bigint, original: ReversibleEntry, locale: Locale): string {
  const money = (amount: bigint) => formatMoney(amount, refund.currency, locale);
  const part = original.unit === POINTS_UNIT ? describePoints(taken, locale) : formatMoney(taken, original.unit, locale);
  if (locale === 'ru') {
    const what = refund.type === 'CHARGEBACK' ? 'Чарджбэк' : 'Возврат';
    return `${what} ${refund.externalId} по продаже ${refund.saleExternalId}: возвращено ${money(refunded)} из ${money(refund.saleAmount)}, списано ${part} (${original.explanationRu})`;
  }
  const what = refund.type === 'CHARGEBACK' ? 'Chargeback' : 'Refund';
  return `${what} ${refund.externalId} of sale ${refund.saleExternalId}: ${money(refunded)} of ${money(refund.saleAmount)} returned, ${part} taken back (${original.explanationEn})`;
}
