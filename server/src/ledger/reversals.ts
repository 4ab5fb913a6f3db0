import { describePoints, divideRoundHalfEven, formatMoney, POINTS_UNIT, type Locale } from '@cofactor/schema';
import type { SqlClient } from '../db/sql.js';
import type { LedgerEntry } from '../engine/rewards-engine.js';
import type { RewardRow } from './ledger.service.js';

/** A stored REFUND or CHARGEBACK that names the sale it returns money of. */
export interface Refund {
  id: string;
  externalId: string;
  type: string;
  saleId: string;
  saleExternalId: string;
  saleAmount: bigint;
  currency: string;
}

/** A reversible entry of a refunded sale. */
type Original = Pick<
  RewardRow,
  'id' | 'partnerId' | 'campaignId' | 'schemeInstanceId' | 'kind' | 'amount' | 'unit' | 'status' | 'idempotencyKey' | 'explanationEn' | 'explanationRu' | 'holdUntil'
> & { eventId: string };

/**
 * The compensating entries for refunds (ledger/README.md, rule 8). For each refund, in the
 * order the refunds were stored, every reversible entry of its sale is taken back to
 * exactly `round_half_even(amount × refunded / sale)` in total: the new entry is that target
 * minus what earlier refunds took back, so partial refunds never drift and a full refund
 * takes back the whole entry. Runs in the ingesting transaction, after the batch's own
 * rewards are appended (a sale and its refund may arrive together).
 */
export async function compensations(client: SqlClient, programId: string, refunds: Refund[], clock: Date): Promise<LedgerEntry[]> {
  if (refunds.length === 0) return [];
  const saleIds = [...new Set(refunds.map((refund) => refund.saleId))];
  // The row locks make an approval, rejection or payout of these entries wait for this
  // transaction, so the status each compensating entry copies stays true.
  const { rows: originals } = await client.query<Original>(
    `select id, partner_id as "partnerId", campaign_id as "campaignId", scheme_instance_id as "schemeInstanceId", event_id as "eventId",
            kind, amount::text as amount, unit, status, idempotency_key as "idempotencyKey", explanation_en as "explanationEn",
            explanation_ru as "explanationRu", hold_until as "holdUntil"
       from reward
      where program_id = $1 and event_id = any($2::bigint[]) and corrects_id is null and kind in ('MONEY', 'POINTS')
        and reversal = 'PROPORTIONAL' and status in ('PENDING', 'APPROVED', 'PAID') and amount > 0
      order by id for update`,
    [programId, saleIds],
  );
  if (originals.length === 0) return [];
  const { rows: refundRows } = await client.query<{ id: string; saleId: string; amount: string }>(
    `select id, refund_of_id as "saleId", amount::text as amount from event where program_id = $1 and refund_of_id = any($2::bigint[])`,
    [programId, saleIds],
  );
  const { rows: taken } = await client.query<{ id: string; taken: string }>(
    `select corrects_id as id, (-sum(amount))::text as taken from reward where program_id = $1 and corrects_id = any($2::bigint[]) group by corrects_id`,
    [programId, originals.map((original) => original.id)],
  );
  const takenBack = new Map(taken.map((row) => [row.id, BigInt(row.taken)]));
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
      const pending = original.status === 'PENDING';
      entries.push({
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
        idempotencyKey: `${original.idempotencyKey}:reversal:${refund.id}`,
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
      });
    }
  }
  return entries;
}

function explain(refund: Refund, refunded: bigint, taken: bigint, original: Original, locale: Locale): string {
  const money = (amount: bigint) => formatMoney(amount, refund.currency, locale);
  const part = original.unit === POINTS_UNIT ? describePoints(taken, locale) : formatMoney(taken, original.unit, locale);
  if (locale === 'ru') {
    const what = refund.type === 'CHARGEBACK' ? 'Чарджбэк' : 'Возврат';
    return `${what} ${refund.externalId} по продаже ${refund.saleExternalId}: возвращено ${money(refunded)} из ${money(refund.saleAmount)}, списано ${part} (${original.explanationRu})`;
  }
  const what = refund.type === 'CHARGEBACK' ? 'Chargeback' : 'Refund';
  return `${what} ${refund.externalId} of sale ${refund.saleExternalId}: ${money(refunded)} of ${money(refund.saleAmount)} returned, ${part} taken back (${original.explanationEn})`;
}
