import { parseArgs, type JsonObject } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** 5 % base; 7 % from 100 000,00 ₽, 10 % from 500 000,00 ₽ (listed out of order on purpose); dealers 12.5 %. */
const FULL_ARGS: JsonObject = {
  percent: '5',
  tiers: [
    { from: '50000000', percent: '10' },
    { from: '10000000', percent: '7' },
  ],
  kindRates: [{ kind: 'DEALER', percent: '12.5' }],
};

const dealer = testPartner({ id: 'partner-dealer', name: 'Oleg', kind: 'DEALER' });

describeRewardSchemeConformance(scheme, {
  validArgs: [{ percent: '5' }, FULL_ARGS],
  samples: [
    { name: 'base rate', event: testEvent() },
    { name: 'volume tier', event: testEvent({ amount: 15_000_000n }), args: FULL_ARGS },
    { name: 'kind rate', event: testEvent({ partner: dealer }), args: FULL_ARGS },
    { name: 'foreign currency', event: testEvent({ currency: 'USD' }) },
  ],
});

async function evaluate(raw: JsonObject, event = testEvent(), ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function amountsFor(raw: JsonObject, event = testEvent(), ctx = createTestContext()): Promise<bigint[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.amount);
}

describe('percentage-of-sales', () => {
  it('pays the base percent of a sale to the selling partner', async () => {
    // 5 % of 12 000,00 ₽ = 1 200 000 × 5 / 100 = 60 000 kopecks = 600,00 ₽
    expect(await evaluate({ percent: '5' })).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 60_000n,
        unit: 'RUB',
        key: 'sale:event-1',
        explanation: {
          en: '5% of sale RUB 12,000.00 (order A-17)',
          ru: `5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)`,
        },
        details: { base: '1200000', percent: '5', rule: 'percent' },
      },
    ]);
  });

  it('applies the highest volume tier the sale reaches, whatever the order of the tiers', async () => {
    // 99 999,99 ₽ reaches no tier: 9 999 999 × 5 / 100 = 499 999.95 → 500 000
    expect(await amountsFor(FULL_ARGS, testEvent({ amount: 9_999_999n }))).toEqual([500_000n]);
    // exactly 100 000,00 ₽ reaches the 7 % tier: 10 000 000 × 7 / 100 = 700 000
    expect(await amountsFor(FULL_ARGS, testEvent({ amount: 10_000_000n }))).toEqual([700_000n]);
    // 600 000,00 ₽ reaches both tiers, the 10 % one wins: 60 000 000 × 10 / 100 = 6 000 000
    expect(await amountsFor(FULL_ARGS, testEvent({ amount: 60_000_000n }))).toEqual([6_000_000n]);
  });

  it('says which tier applied', async () => {
    const [draft] = await evaluate(FULL_ARGS, testEvent({ amount: 15_000_000n }));
    // 7 % of 150 000,00 ₽ = 15 000 000 × 7 / 100 = 1 050 000
    expect(draft.amount).toBe(1_050_000n);
    expect(draft.explanation).toEqual({
      en: '7% of sale RUB 150,000.00 (order A-17), volume tier from RUB 100,000.00',
      ru: `7% от продажи 150${NBSP}000,00${NBSP}₽ (заказ A-17), ступень объёма от 100${NBSP}000,00${NBSP}₽`,
    });
    expect(draft.details).toEqual({ base: '15000000', percent: '7', rule: 'tiers' });
  });

  it('lets a rate for the partner kind beat the tiers', async () => {
    const [draft] = await evaluate(FULL_ARGS, testEvent({ partner: dealer, amount: 15_000_000n }));
    // 12.5 % of 150 000,00 ₽ = 15 000 000 × 12.5 / 100 = 1 875 000, although the 7 % tier is reached
    expect(draft.amount).toBe(1_875_000n);
    expect(draft.partnerId).toBe('partner-dealer');
    expect(draft.explanation).toEqual({
      en: '12.5% of sale RUB 150,000.00 (order A-17), rate for Dealer partners',
      ru: `12,5% от продажи 150${NBSP}000,00${NBSP}₽ (заказ A-17), ставка для типа «Дилер»`,
    });
    expect(draft.details).toEqual({ base: '15000000', percent: '12.5', rule: 'kindRates' });
  });

  it('rounds each reward once, half to even', async () => {
    // 5 % of 10,10 ₽ = 1 010 × 5 / 100 = 50.5 → 50 (even)
    expect(await amountsFor({ percent: '5' }, testEvent({ amount: 1_010n }))).toEqual([50n]);
    // 5 % of 10,30 ₽ = 1 030 × 5 / 100 = 51.5 → 52 (even)
    expect(await amountsFor({ percent: '5' }, testEvent({ amount: 1_030n }))).toEqual([52n]);
  });

  it('pays only sales in the campaign currency, in that currency', async () => {
    expect(await evaluate({ percent: '5' }, testEvent({ currency: 'USD' }))).toEqual([]);
    const usd = createTestContext({ campaign: { currency: 'USD' } });
    const [draft] = await evaluate({ percent: '5' }, testEvent({ currency: 'USD', amount: 25_000n }), usd);
    // 5 % of USD 250.00 = 25 000 × 5 / 100 = 1 250 cents
    expect(draft.amount).toBe(1_250n);
    expect(draft.unit).toBe('USD');
    expect(draft.explanation.en).toBe('5% of sale USD 250.00 (order A-17)');
  });

  it('drafts nothing for a sale without an amount or one that rounds to zero', async () => {
    expect(await evaluate({ percent: '5' }, testEvent({ amount: null, currency: null }))).toEqual([]);
    expect(await evaluate({ percent: '5' }, testEvent({ amount: 0n }))).toEqual([]);
    // 5 % of 0,05 ₽ = 5 × 5 / 100 = 0.25 → 0
    expect(await evaluate({ percent: '5' }, testEvent({ amount: 5n }))).toEqual([]);
    expect(await evaluate({ percent: '0' })).toEqual([]);
  });
});
