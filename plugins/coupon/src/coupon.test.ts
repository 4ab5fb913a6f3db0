import { parseArgs, type JsonObject } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** The partner gets 5 % of the sale; the customer got 10 % off with the code. */
const WITH_DISCOUNT: JsonObject = { percent: '5', customerDiscountPercent: '10' };

// Maria's coupon MARIA10: the engine attributes a sale naming it to Maria.
const maria = testPartner({ id: 'partner-maria', name: 'Maria', kind: 'INFLUENCER' });
/** 10 000,00 ₽, order A-17, with coupon MARIA10. */
const couponSale = testEvent({ partner: maria, couponCode: 'MARIA10', amount: 1_000_000n });

describeRewardSchemeConformance(scheme, {
  validArgs: [WITH_DISCOUNT, { percent: '5' }],
  samples: [
    { name: 'coupon sale with a discount', event: couponSale },
    { name: 'coupon sale, no discount recorded', event: couponSale, args: { percent: '5' } },
    { name: 'sale without a coupon', event: testEvent() },
    { name: 'foreign currency', event: testEvent({ partner: maria, couponCode: 'MARIA10', currency: 'USD' }) },
  ],
});

async function evaluate(raw: JsonObject, event = couponSale, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function amountsFor(raw: JsonObject, event = couponSale, ctx = createTestContext()): Promise<bigint[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.amount);
}

describe('coupon', () => {
  it('pays the percent of a coupon sale and records the customer discount', async () => {
    // Partner: 5 % of 10 000,00 ₽ = 1 000 000 × 5 / 100 = 50 000 kopecks = 500,00 ₽
    // Customer: 10 % of 10 000,00 ₽ = 1 000 000 × 10 / 100 = 100 000 kopecks = 1 000,00 ₽
    expect(await evaluate(WITH_DISCOUNT)).toEqual([
      {
        partnerId: 'partner-maria',
        kind: 'MONEY',
        amount: 50_000n,
        unit: 'RUB',
        key: 'coupon-sale:event-1',
        explanation: {
          en: '5% of sale RUB 10,000.00 with coupon MARIA10 (order A-17); the customer got 10% off = RUB 1,000.00',
          ru: `5% от продажи 10${NBSP}000,00${NBSP}₽ по купону MARIA10 (заказ A-17); клиент получил скидку 10% = 1${NBSP}000,00${NBSP}₽`,
        },
        details: {
          base: '1000000',
          percent: '5',
          couponCode: 'MARIA10',
          customerDiscountPercent: '10',
          customerDiscount: '100000',
        },
      },
    ]);
  });

  it('leaves the discount out of the explanation when none is recorded', async () => {
    // 5 % of 10 000,00 ₽ = 50 000; the default discount is 0 % = 0
    const [draft] = await evaluate({ percent: '5' });
    expect(draft.amount).toBe(50_000n);
    expect(draft.explanation).toEqual({
      en: '5% of sale RUB 10,000.00 with coupon MARIA10 (order A-17)',
      ru: `5% от продажи 10${NBSP}000,00${NBSP}₽ по купону MARIA10 (заказ A-17)`,
    });
    expect(draft.details).toEqual({
      base: '1000000',
      percent: '5',
      couponCode: 'MARIA10',
      customerDiscountPercent: '0',
      customerDiscount: '0',
    });
  });

  it('does not let the customer discount change the reward', async () => {
    // 5 % of 10 000,00 ₽ = 50 000 with a 0 %, 10 % or 100 % discount alike
    for (const customerDiscountPercent of ['0', '10', '100']) {
      expect(await amountsFor({ percent: '5', customerDiscountPercent })).toEqual([50_000n]);
    }
  });

  it('pays nothing for a sale without a coupon', async () => {
    expect(await evaluate(WITH_DISCOUNT, testEvent({ partner: maria, amount: 1_000_000n }))).toEqual([]);
  });

  it('rounds the reward and the discount each once, half to even', async () => {
    // 10,10 ₽ with 12.5 % off: partner 5 % = 1 010 × 5 / 100 = 50.5 → 50 (even);
    // customer 12.5 % = 1 010 × 12.5 / 100 = 126.25 → 126
    const [low] = await evaluate(
      { percent: '5', customerDiscountPercent: '12.5' },
      testEvent({ partner: maria, couponCode: 'MARIA10', amount: 1_010n }),
    );
    expect([low.amount, low.details?.customerDiscount]).toEqual([50n, '126']);
    // 10,30 ₽ with 5 % off: partner 5 % = 1 030 × 5 / 100 = 51.5 → 52 (even); customer the same 51.5 → 52
    const [high] = await evaluate(
      { percent: '5', customerDiscountPercent: '5' },
      testEvent({ partner: maria, couponCode: 'MARIA10', amount: 1_030n }),
    );
    expect([high.amount, high.details?.customerDiscount]).toEqual([52n, '52']);
    expect(high.explanation.en).toBe('5% of sale RUB 10.30 with coupon MARIA10 (order A-17); the customer got 5% off = RUB 0.52');
  });

  it('pays only sales in the campaign currency, in that currency', async () => {
    expect(await evaluate(WITH_DISCOUNT, testEvent({ partner: maria, couponCode: 'MARIA10', currency: 'USD' }))).toEqual([]);
    const usd = createTestContext({ campaign: { currency: 'USD' } });
    const event = testEvent({ partner: maria, couponCode: 'MARIA10', currency: 'USD', amount: 25_000n });
    const [draft] = await evaluate(WITH_DISCOUNT, event, usd);
    // 5 % of USD 250.00 = 25 000 × 5 / 100 = 1 250 cents; 10 % off = 25 000 × 10 / 100 = 2 500 cents
    expect([draft.unit, draft.amount, draft.details?.customerDiscount]).toEqual(['USD', 1_250n, '2500']);
  });

  it('pays one entry per sale', async () => {
    const other = testEvent({ id: 'event-2', externalId: 'A-18', partner: maria, couponCode: 'MARIA10', amount: 1_000_000n });
    const keys = [...(await evaluate(WITH_DISCOUNT)), ...(await evaluate(WITH_DISCOUNT, other))].map((draft) => draft.key);
    expect(keys).toEqual(['coupon-sale:event-1', 'coupon-sale:event-2']);
  });

  it('drafts nothing for a sale without an amount or one whose reward rounds to zero', async () => {
    expect(await evaluate(WITH_DISCOUNT, testEvent({ partner: maria, couponCode: 'MARIA10', amount: 0n }))).toEqual([]);
    // 5 % of 0,05 ₽ = 5 × 5 / 100 = 0.25 → 0
    expect(await evaluate(WITH_DISCOUNT, testEvent({ partner: maria, couponCode: 'MARIA10', amount: 5n }))).toEqual([]);
    expect(await evaluate({ percent: '0', customerDiscountPercent: '10' })).toEqual([]);
  });
});
