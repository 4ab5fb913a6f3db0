import { parseArgs, type JsonObject, type PartnerStats, type SchemeEvent } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** 3,00 ₽ per click, 50,00 ₽ per 1 000 impressions, at most 100,00 ₽ per partner per day. */
const CAPPED: JsonObject = { perClick: '300', perThousandImpressions: '5000', dailyCap: '10000' };
/** The same rates without a cap. */
const UNCAPPED: JsonObject = { perClick: '300', perThousandImpressions: '5000' };

function click(number: number, overrides: Partial<SchemeEvent> = {}): SchemeEvent {
  return testEvent({ id: `click-${number}`, externalId: `C-${number}`, type: 'CLICK', amount: null, currency: null, customerId: null, ...overrides });
}

function impression(number: number, overrides: Partial<SchemeEvent> = {}): SchemeEvent {
  return testEvent({ id: `impression-${number}`, externalId: `I-${number}`, type: 'IMPRESSION', amount: null, currency: null, customerId: null, ...overrides });
}

/** Anna's counts today, including the event being evaluated. */
function today(CLICK: number, IMPRESSION: number, campaign: Partial<PartnerStats> = {}) {
  return createTestContext({ dayStats: { 'partner-1': { count: { CLICK, IMPRESSION } } }, stats: { 'partner-1': campaign } });
}

describeRewardSchemeConformance(scheme, {
  validArgs: [CAPPED, UNCAPPED, { perClick: '150' }, {}],
  samples: [
    { name: 'first click of the day', event: click(1), context: today(1, 0) },
    { name: 'the 999th impression', event: impression(999), context: today(0, 999) },
    { name: 'the 1000th impression', event: impression(1000), context: today(0, 1000) },
    { name: 'a click that crosses the cap', event: click(17), context: today(17, 1000) },
    { name: 'a click after the cap', event: click(18), context: today(18, 1000) },
    { name: 'uncapped click', event: click(2), args: UNCAPPED, context: today(2, 0) },
  ],
});

async function evaluate(raw: JsonObject, event: SchemeEvent, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function amountsFor(raw: JsonObject, event: SchemeEvent, ctx = createTestContext()): Promise<bigint[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.amount);
}

describe('ad-placement', () => {
  it('pays the click rate for a click', async () => {
    // 1 click today: 1 × 300 − 0 × 300 = 300 kopecks = 3,00 ₽
    expect(await evaluate(CAPPED, click(1), today(1, 0))).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 300n,
        unit: 'RUB',
        key: 'ad:click-1',
        explanation: { en: 'Click (ref C-1): RUB 3.00', ru: `Клик (№ C-1): 3,00${NBSP}₽` },
        details: { type: 'CLICK', clicksToday: 1, impressionsToday: 0, perClick: '300', perThousandImpressions: '5000', dailyCap: '10000' },
      },
    ]);
  });

  it('pays impressions only on the event that completes each thousand', async () => {
    // 999 impressions: floor(999 / 1000) − floor(998 / 1000) = 0 − 0 = 0 thousands → nothing
    expect(await evaluate(CAPPED, impression(999), today(0, 999))).toEqual([]);
    // 1 000th: floor(1000 / 1000) − floor(999 / 1000) = 1 thousand × 5 000 = 5 000 kopecks = 50,00 ₽
    const [thousandth] = await evaluate(CAPPED, impression(1000), today(0, 1000));
    expect(thousandth.amount).toBe(5_000n);
    expect(thousandth.key).toBe('ad:impression-1000');
    expect(thousandth.explanation).toEqual({
      en: '1,000 impressions (ref I-1000): RUB 50.00',
      ru: `1${NBSP}000 показов (№ I-1000): 50,00${NBSP}₽`,
    });
    // 1 001st: floor(1001 / 1000) − floor(1000 / 1000) = 1 − 1 = 0 → nothing
    expect(await evaluate(CAPPED, impression(1001), today(0, 1001))).toEqual([]);
    // 2 000th: 2 − 1 = 1 thousand → 5 000 again
    expect(await amountsFor(CAPPED, impression(2000), today(0, 2000))).toEqual([5_000n]);
  });

  it('pays what is left under the daily cap when an impression crosses it', async () => {
    // Before: 30 clicks × 300 + floor(999 / 1000) × 5 000 = 9 000 + 0 = 9 000
    // Now:    30 × 300 + floor(1000 / 1000) × 5 000 = 9 000 + 5 000 = 14 000 → capped at 10 000
    // Paid:   10 000 − 9 000 = 1 000 kopecks = 10,00 ₽ instead of 50,00 ₽
    const [draft] = await evaluate(CAPPED, impression(1000), today(30, 1000));
    expect(draft.amount).toBe(1_000n);
    expect(draft.explanation).toEqual({
      en: '1,000 impressions (ref I-1000): RUB 10.00, limited by the daily cap of RUB 100.00',
      ru: `1${NBSP}000 показов (№ I-1000): 10,00${NBSP}₽, ограничено дневным лимитом 100,00${NBSP}₽`,
    });
    expect(draft.details).toEqual({
      type: 'IMPRESSION',
      clicksToday: 30,
      impressionsToday: 1000,
      perClick: '300',
      perThousandImpressions: '5000',
      dailyCap: '10000',
      uncapped: '5000',
    });
  });

  it('pays what is left under the daily cap when a click crosses it, then nothing that day', async () => {
    // Before: 16 × 300 + 1 × 5 000 = 4 800 + 5 000 = 9 800
    // Now:    17 × 300 + 1 × 5 000 = 5 100 + 5 000 = 10 100 → capped at 10 000
    // Paid:   10 000 − 9 800 = 200 kopecks = 2,00 ₽ instead of 3,00 ₽
    const [crossing] = await evaluate(CAPPED, click(17), today(17, 1000));
    expect(crossing.amount).toBe(200n);
    expect(crossing.explanation.en).toBe('Click (ref C-17): RUB 2.00, limited by the daily cap of RUB 100.00');
    // 18th click: min(10 400, 10 000) − min(10 100, 10 000) = 0 → nothing
    expect(await evaluate(CAPPED, click(18), today(18, 1000))).toEqual([]);
    // The 2 000th impression the same day: min(20 100, 10 000) − min(15 100, 10 000) = 0 → nothing
    expect(await evaluate(CAPPED, impression(2000), today(18, 2000))).toEqual([]);
  });

  it('pays in full, without a cap note, an event that lands exactly on the cap', async () => {
    // Before: 0 × 300 + floor(1999 / 1000) × 5 000 = 5 000
    // Now:    0 × 300 + floor(2000 / 1000) × 5 000 = 10 000, exactly the cap
    // Paid:   10 000 − 5 000 = 5 000 kopecks = 50,00 ₽, the full rate
    const [draft] = await evaluate(CAPPED, impression(2000), today(0, 2000));
    expect(draft.amount).toBe(5_000n);
    expect(draft.explanation.en).toBe('1,000 impressions (ref I-2000): RUB 50.00');
    expect(draft.details).not.toHaveProperty('uncapped');
    // At 0,01 ₽ a click and a 100,00 ₽ cap, the 10 000th click lands on the cap and the 10 001st is over it:
    // min(10 000, 10 000) − 9 999 = 1; min(10 001, 10 000) − min(10 000, 10 000) = 0 → nothing
    const penny = { perClick: '1', dailyCap: '10000' };
    expect(await amountsFor(penny, click(10_000), today(10_000, 0))).toEqual([1n]);
    expect(await evaluate(penny, click(10_001), today(10_001, 0))).toEqual([]);
  });

  it('counts the local day, not the campaign: the cap starts again each day', async () => {
    // Anna had 5 000 clicks in the campaign so far, but today's first click pays in full: 1 × 300 = 300
    const ctx = today(1, 0, { count: { CLICK: 5_000, IMPRESSION: 250_000 } });
    expect(await amountsFor(CAPPED, click(5000), ctx)).toEqual([300n]);
  });

  it('never caps without a daily cap', async () => {
    // 100 clicks: 100 × 300 − 99 × 300 = 300 (the day is already at 30 000 + 50 × 5 000 = 280 000)
    expect(await amountsFor(UNCAPPED, click(100), today(100, 50_000))).toEqual([300n]);
    // The 50 000th impression: (50 − 49) × 5 000 = 5 000
    expect(await amountsFor(UNCAPPED, impression(50_000), today(100, 50_000))).toEqual([5_000n]);
  });

  it('pays nothing for a kind of traffic whose rate is left at 0', async () => {
    // perThousandImpressions defaults to 0: the 1 000th impression pays 1 × 0 = 0
    expect(await evaluate({ perClick: '150' }, impression(1000), today(0, 1000))).toEqual([]);
    expect(await amountsFor({ perClick: '150' }, click(3), today(3, 1000))).toEqual([150n]);
    expect(await evaluate({}, click(1), today(1, 0))).toEqual([]);
  });

  it('adds up to the capped entitlement of the day, event by event', async () => {
    // A day of 1 500 impressions with a click after every 50th impression (30 clicks), in order.
    async function payDay(raw: JsonObject): Promise<bigint> {
      let [clicks, impressions, paid] = [0, 0, 0n];
      for (let n = 1; n <= 1500; n++) {
        impressions += 1;
        for (const amount of await amountsFor(raw, impression(n), today(clicks, impressions))) paid += amount;
        if (n % 50 !== 0) continue;
        clicks += 1;
        for (const amount of await amountsFor(raw, click(clicks), today(clicks, impressions))) paid += amount;
      }
      return paid;
    }
    // Uncapped: 30 × 300 + floor(1500 / 1000) × 5 000 = 9 000 + 5 000 = 14 000
    expect(await payDay(UNCAPPED)).toBe(14_000n);
    // Capped: min(14 000, 10 000) = 10 000
    expect(await payDay(CAPPED)).toBe(10_000n);
  });

  it('pays in the campaign currency, the partner the traffic is attributed to', async () => {
    const maria = testPartner({ id: 'partner-maria', name: 'Maria', kind: 'INFLUENCER' });
    const usd = createTestContext({ campaign: { currency: 'USD' }, dayStats: { 'partner-maria': { count: { CLICK: 4 } } } });
    const [draft] = await evaluate(CAPPED, click(4, { partner: maria }), usd);
    // 300 cents = USD 3.00
    expect([draft.partnerId, draft.unit, draft.amount]).toEqual(['partner-maria', 'USD', 300n]);
    expect(draft.explanation.en).toBe('Click (ref C-4): USD 3.00');
  });

  it('takes non-negative rates and a cap of at least 1', () => {
    const refused = parseArgs(scheme.args, { perClick: '-1', perThousandImpressions: '-1', dailyCap: '0' });
    expect(refused.ok ? [] : refused.issues.map((issue) => issue.path)).toEqual([
      'args.perClick',
      'args.perThousandImpressions',
      'args.dailyCap',
    ]);
  });
});
