import { parseArgs, type JsonObject } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** 500,00 ₽ plus 5 % of the first purchase, which must be at least 1 000,00 ₽. */
const FULL_ARGS: JsonObject = { amount: '50000', percent: '5', minimumSale: '100000' };

/** 12 000,00 ₽, order A-17, customer-1's first purchase, sold by Anna. */
const firstSale = testEvent({ firstPurchase: true });

describeRewardSchemeConformance(scheme, {
  validArgs: [FULL_ARGS, { amount: '50000' }, { percent: '2.5' }, {}],
  samples: [
    { name: 'fixed plus percent', event: firstSale },
    { name: 'fixed only', event: firstSale, args: { amount: '50000' } },
    { name: 'percent only', event: firstSale, args: { percent: '2.5' } },
    { name: 'repeat purchase', event: testEvent({ firstPurchase: false }) },
    { name: 'below the minimum', event: testEvent({ firstPurchase: true, amount: 99_999n }) },
    { name: 'foreign currency', event: testEvent({ firstPurchase: true, currency: 'USD' }) },
  ],
});

async function evaluate(raw: JsonObject, event = firstSale, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function amountsFor(raw: JsonObject, event = firstSale, ctx = createTestContext()): Promise<bigint[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.amount);
}

describe('first-purchase', () => {
  it("pays the fixed bonus plus the percent for a new customer's first purchase", async () => {
    // 50 000 + 5 % of 12 000,00 ₽ = 50 000 + 1 200 000 × 5 / 100 = 50 000 + 60 000 = 110 000 kopecks = 1 100,00 ₽
    expect(await evaluate(FULL_ARGS)).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 110_000n,
        unit: 'RUB',
        key: 'first-purchase:customer-1',
        explanation: {
          en: 'RUB 500.00 + 5% of sale RUB 12,000.00 (order A-17), first purchase of a new customer',
          ru: `500,00${NBSP}₽ + 5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), первая покупка нового клиента`,
        },
        details: { customerId: 'customer-1', base: '1200000', amount: '50000', percent: '5' },
      },
    ]);
  });

  it('pays a fixed bonus alone', async () => {
    // 50 000 + 0 % of 1 200 000 = 50 000 kopecks = 500,00 ₽
    const [draft] = await evaluate({ amount: '50000' });
    expect(draft.amount).toBe(50_000n);
    expect(draft.explanation).toEqual({
      en: 'RUB 500.00 for sale RUB 12,000.00 (order A-17), first purchase of a new customer',
      ru: `500,00${NBSP}₽ за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17), первая покупка нового клиента`,
    });
    expect(draft.details).toEqual({ customerId: 'customer-1', base: '1200000', amount: '50000', percent: '0' });
  });

  it('pays a percent alone', async () => {
    // 0 + 2.5 % of 12 000,00 ₽ = 1 200 000 × 2.5 / 100 = 30 000 kopecks = 300,00 ₽
    const [draft] = await evaluate({ percent: '2.5' });
    expect(draft.amount).toBe(30_000n);
    expect(draft.explanation).toEqual({
      en: '2.5% of sale RUB 12,000.00 (order A-17), first purchase of a new customer',
      ru: `2,5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), первая покупка нового клиента`,
    });
    expect(draft.details).toEqual({ customerId: 'customer-1', base: '1200000', amount: '0', percent: '2.5' });
  });

  it('pays nothing with the defaults: amount 0 and percent 0', async () => {
    expect(await evaluate({})).toEqual([]);
  });

  it('pays only on the first purchase, once per customer', async () => {
    expect(await evaluate(FULL_ARGS, testEvent({ firstPurchase: false }))).toEqual([]);
    // Another first purchase of the same customer cannot happen; if it did, the same key lets the ledger refuse it.
    const [first] = await evaluate(FULL_ARGS);
    const [again] = await evaluate(FULL_ARGS, testEvent({ id: 'event-2', externalId: 'A-18', firstPurchase: true }));
    expect(again.key).toBe(first.key);
    // Another customer is another key.
    const [other] = await evaluate(FULL_ARGS, testEvent({ id: 'event-3', customerId: 'customer-2', firstPurchase: true }));
    expect(other.key).toBe('first-purchase:customer-2');
  });

  it('pays a sale at the minimum and nothing below it', async () => {
    // exactly 1 000,00 ₽: 50 000 + 100 000 × 5 / 100 = 50 000 + 5 000 = 55 000
    expect(await amountsFor(FULL_ARGS, testEvent({ firstPurchase: true, amount: 100_000n }))).toEqual([55_000n]);
    // 999,99 ₽ is below 1 000,00 ₽
    expect(await amountsFor(FULL_ARGS, testEvent({ firstPurchase: true, amount: 99_999n }))).toEqual([]);
  });

  it('rounds the entry once, half to even', async () => {
    // 5 % of 10,10 ₽ = 1 010 × 5 / 100 = 50.5 → 50 (even); plus 50 000 = 50 050
    expect(await amountsFor({ amount: '50000', percent: '5' }, testEvent({ firstPurchase: true, amount: 1_010n }))).toEqual([50_050n]);
    // 5 % of 10,30 ₽ = 1 030 × 5 / 100 = 51.5 → 52 (even); plus 50 000 = 50 052
    expect(await amountsFor({ amount: '50000', percent: '5' }, testEvent({ firstPurchase: true, amount: 1_030n }))).toEqual([50_052n]);
  });

  it('pays only sales in the campaign currency, in that currency', async () => {
    expect(await evaluate(FULL_ARGS, testEvent({ firstPurchase: true, currency: 'USD' }))).toEqual([]);
    const usd = createTestContext({ campaign: { currency: 'USD' } });
    const [draft] = await evaluate(FULL_ARGS, testEvent({ firstPurchase: true, currency: 'USD', amount: 250_000n }), usd);
    // 50 000 + 5 % of USD 2,500.00 = 50 000 + 250 000 × 5 / 100 = 50 000 + 12 500 = 62 500 cents
    expect([draft.unit, draft.amount]).toEqual(['USD', 62_500n]);
    expect(draft.explanation.en).toBe('USD 500.00 + 5% of sale USD 2,500.00 (order A-17), first purchase of a new customer');
  });

  it('pays the partner the sale is attributed to', async () => {
    const oleg = testPartner({ id: 'partner-oleg', name: 'Oleg', kind: 'DEALER' });
    const [draft] = await evaluate(FULL_ARGS, testEvent({ partner: oleg, firstPurchase: true }));
    expect(draft.partnerId).toBe('partner-oleg');
  });

  it('drafts nothing for a sale without a customer or without a positive amount', async () => {
    expect(await evaluate(FULL_ARGS, testEvent({ firstPurchase: true, customerId: null }))).toEqual([]);
    expect(await evaluate({ amount: '50000' }, testEvent({ firstPurchase: true, amount: 0n }))).toEqual([]);
    expect(await evaluate({ amount: '50000' }, testEvent({ firstPurchase: true, amount: null, currency: null }))).toEqual([]);
    // 0 + 5 % of 0,05 ₽ = 5 × 5 / 100 = 0.25 → 0: nothing to pay
    expect(await evaluate({ percent: '5' }, testEvent({ firstPurchase: true, amount: 5n }))).toEqual([]);
  });
});
