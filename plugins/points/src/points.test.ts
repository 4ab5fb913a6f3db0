import { parseArgs, type JsonObject, type PartnerStats, type SchemeEvent } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';
const PARTNER = 'partner-1';

/** The seeds' table, by amount: from 10 000,00 ₽ 1.5 points per sale, from 50 000,00 ₽ 2. */
const BY_AMOUNT: JsonObject = {
  measure: 'SALES_AMOUNT',
  tiers: [
    { from: '0', points: '1' },
    { from: '1000000', points: '1.5' },
    { from: '5000000', points: '2' },
  ],
};

const CATALOG: JsonObject = {
  catalog: [
    { code: 'DISCOUNT-10', name: '10% off the next order', kind: 'DISCOUNT', cost: '500' },
    { code: 'GIFT-1000', name: 'Gift certificate 1 000 ₽', kind: 'GIFT_CERTIFICATE', cost: '12.5' },
    { code: 'TRAINING-SALES', name: 'Sales masterclass', kind: 'TRAINING', cost: '0.015' },
    { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: '0.025' },
  ],
};

/** Anna's stats in the campaign, this sale included. */
function withStats(stats: Partial<PartnerStats>, partnerId = PARTNER, campaign?: { currency: string }) {
  return createTestContext({ partners: [testPartner({ id: partnerId })], stats: { [partnerId]: stats }, campaign });
}

const nthSale = (n: number) => withStats({ count: { SALE: n } });
const salesReached = (amount: bigint) => withStats({ amount: { SALE: amount } });

describeRewardSchemeConformance(scheme, {
  validArgs: [
    {},
    BY_AMOUNT,
    CATALOG,
    { measure: 'SALES_COUNT', tiers: [{ from: '5001', points: '2' }, { from: '0', points: '0.5' }], ...CATALOG },
  ],
  samples: [
    { name: 'the first sale: 1 point', event: testEvent(), context: nthSale(1) },
    { name: 'the 1001st sale: 1.5 points', event: testEvent(), context: nthSale(1001) },
    { name: 'the 5001st sale: 2 points', event: testEvent(), context: nthSale(5001) },
    { name: 'by amount', event: testEvent(), args: BY_AMOUNT, context: salesReached(1_001_000n) },
    { name: 'with a catalog', event: testEvent(), args: CATALOG, context: nthSale(7) },
    { name: 'another currency', event: testEvent({ currency: 'USD' }), context: nthSale(1001) },
  ],
});

async function evaluate(raw: JsonObject, event: SchemeEvent, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function hundredths(raw: JsonObject, ctx: ReturnType<typeof createTestContext>, event = testEvent()): Promise<bigint[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.amount);
}

function catalogOf(raw: JsonObject) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.catalog!(parsed.values);
}

function issuePaths(raw: JsonObject): string[] {
  const parsed = parseArgs(scheme.args, raw);
  return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
}

describe('points', () => {
  it("defaults to the seeds' table by number of sales, with an empty catalog", () => {
    const parsed = parseArgs(scheme.args, {});
    expect(parsed.ok && parsed.snapshot).toEqual({
      measure: 'SALES_COUNT',
      tiers: [
        { from: '0', points: '1' },
        { from: '1001', points: '1.5' },
        { from: '5001', points: '2' },
      ],
      catalog: [],
    });
  });

  it('credits 1.5 points (150 hundredths) for the 1001st sale, explained in en and ru', async () => {
    // tier from 1001 ≤ 1001 → 1.5 points × 100 = 150 hundredths
    expect(await evaluate({}, testEvent(), nthSale(1001))).toEqual([
      {
        partnerId: PARTNER,
        kind: 'POINTS',
        amount: 150n,
        unit: 'POINTS',
        key: 'points:event-1',
        explanation: {
          en: '1.5 points for sale RUB 12,000.00 (order A-17): your sale no. 1,001 in this campaign',
          ru: `1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17): ваша продажа №${NBSP}1${NBSP}001 в этой кампании`,
        },
        details: { measure: 'SALES_COUNT', volume: '1001', tierFrom: '1001', points: '1.5' },
      },
    ]);
  });

  it("follows the seeds' table at the tier boundaries by number of sales (this sale included)", async () => {
    // sale no. 1: tier from 0 → 1 point = 100
    expect(await hundredths({}, nthSale(1))).toEqual([100n]);
    // sale no. 1000: still tier from 0 → 100
    expect(await hundredths({}, nthSale(1000))).toEqual([100n]);
    // sale no. 1001: tier from 1001 → 1.5 × 100 = 150
    expect(await hundredths({}, nthSale(1001))).toEqual([150n]);
    // sale no. 5000: still tier from 1001 → 150
    expect(await hundredths({}, nthSale(5000))).toEqual([150n]);
    // sale no. 5001: tier from 5001 → 2 × 100 = 200
    expect(await hundredths({}, nthSale(5001))).toEqual([200n]);
    // sale no. 100 000: tier from 5001 → 200
    expect(await hundredths({}, nthSale(100_000))).toEqual([200n]);
  });

  it('follows the tiers at their boundaries by sales amount, in minor units', async () => {
    // 9 999,99 ₽ < 10 000,00 ₽: tier from 0 → 100
    expect(await hundredths(BY_AMOUNT, salesReached(999_999n))).toEqual([100n]);
    // exactly 10 000,00 ₽: tier from 1 000 000 → 150
    expect(await hundredths(BY_AMOUNT, salesReached(1_000_000n))).toEqual([150n]);
    // 49 999,99 ₽: still 150
    expect(await hundredths(BY_AMOUNT, salesReached(4_999_999n))).toEqual([150n]);
    // exactly 50 000,00 ₽: tier from 5 000 000 → 200
    expect(await hundredths(BY_AMOUNT, salesReached(5_000_000n))).toEqual([200n]);
  });

  it('explains a sales-amount tier with the amount reached', async () => {
    const [draft] = await evaluate(BY_AMOUNT, testEvent(), salesReached(1_001_000n));
    // 10 010,00 ₽ ≥ 10 000,00 ₽ → 1.5 points = 150
    expect(draft.amount).toBe(150n);
    expect(draft.explanation).toEqual({
      en: '1.5 points for sale RUB 12,000.00 (order A-17): your sales reached RUB 10,010.00',
      ru: `1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17): ваши продажи достигли 10${NBSP}010,00${NBSP}₽`,
    });
    expect(draft.details).toEqual({ measure: 'SALES_AMOUNT', volume: '1001000', tierFrom: '1000000', points: '1.5' });
  });

  it('reads "from" in minor units with SALES_AMOUNT and the default tiers', async () => {
    // 10,00 ₽ = 1 000 kopecks: tier from 0 → 100; 10,01 ₽ = 1 001 kopecks: tier from 1001 → 150
    expect(await hundredths({ measure: 'SALES_AMOUNT' }, salesReached(1_000n))).toEqual([100n]);
    expect(await hundredths({ measure: 'SALES_AMOUNT' }, salesReached(1_001n))).toEqual([150n]);
  });

  it('counts what the measure says and ignores the other figure', async () => {
    const both = withStats({ count: { SALE: 3 }, amount: { SALE: 9_000_000n } });
    // 3 sales: tier from 0 → 100, although the amount is past every default "from"
    expect(await hundredths({}, both)).toEqual([100n]);
    // 90 000,00 ₽ ≥ 50 000,00 ₽ → 200, although there were only 3 sales
    expect(await hundredths(BY_AMOUNT, both)).toEqual([200n]);
  });

  it('takes the tier with the greatest "from" not above the volume, in any order', async () => {
    const unordered = { tiers: [{ from: '5001', points: '2' }, { from: '0', points: '1' }, { from: '1001', points: '1.5' }] };
    expect(await hundredths(unordered, nthSale(1000))).toEqual([100n]);
    expect(await hundredths(unordered, nthSale(1001))).toEqual([150n]);
    expect(await hundredths(unordered, nthSale(5001))).toEqual([200n]);
  });

  it('compares "from" exactly, fractions included', async () => {
    const fractional = { tiers: [{ from: '0', points: '1' }, { from: '1000.5', points: '3' }] };
    // 1000 < 1000.5 → 100; 1001 ≥ 1000.5 → 300
    expect(await hundredths(fractional, nthSale(1000))).toEqual([100n]);
    expect(await hundredths(fractional, nthSale(1001))).toEqual([300n]);
    // a "from" far beyond a float's exact range is still compared exactly: 2^53 + 1 is not reached by 2^53
    const huge = { measure: 'SALES_AMOUNT', tiers: [{ from: '0', points: '1' }, { from: '9007199254740993', points: '2' }] };
    expect(await hundredths(huge, salesReached(9_007_199_254_740_992n))).toEqual([100n]);
    expect(await hundredths(huge, salesReached(9_007_199_254_740_993n))).toEqual([200n]);
  });

  it('takes the first listed of two tiers with the same "from"', async () => {
    const twice = { tiers: [{ from: '0', points: '1' }, { from: '10', points: '4' }, { from: '10', points: '5' }] };
    // both start at 10; the first listed gives 4 × 100 = 400
    expect(await hundredths(twice, nthSale(10))).toEqual([400n]);
  });

  it('credits nothing below the lowest tier', async () => {
    const late = { tiers: [{ from: '10', points: '1' }] };
    expect(await hundredths(late, nthSale(9))).toEqual([]);
    expect(await hundredths(late, nthSale(10))).toEqual([100n]);
  });

  it('rounds points to hundredths once, half to even, and credits nothing for zero', async () => {
    const at = (points: string) => ({ tiers: [{ from: '0', points }] });
    // 1.234 × 100 = 123.4 → 123
    expect(await hundredths(at('1.234'), nthSale(1))).toEqual([123n]);
    // 0.015 × 100 = 1.5 → 2 (even); 0.025 × 100 = 2.5 → 2 (even)
    expect(await hundredths(at('0.015'), nthSale(1))).toEqual([2n]);
    expect(await hundredths(at('0.025'), nthSale(1))).toEqual([2n]);
    // 0.005 × 100 = 0.5 → 0 (even): nothing
    expect(await hundredths(at('0.005'), nthSale(1))).toEqual([]);
    expect(await hundredths(at('0'), nthSale(1))).toEqual([]);
    // the largest rate: 1 000 000 × 100 = 100 000 000
    expect(await hundredths(at('1000000'), nthSale(1))).toEqual([100_000_000n]);
  });

  it('credits nothing for a sale in another currency, without an amount, or of nothing', async () => {
    expect(await evaluate({}, testEvent({ currency: 'USD' }), nthSale(1001))).toEqual([]);
    expect(await evaluate({}, testEvent({ amount: 0n }), nthSale(1001))).toEqual([]);
    expect(await evaluate({}, testEvent({ amount: -100n }), nthSale(1001))).toEqual([]);
    expect(await evaluate({}, testEvent({ amount: null, currency: null }), nthSale(1001))).toEqual([]);
  });

  it('credits nothing for an event that is not a sale', async () => {
    expect(await evaluate({}, testEvent({ type: 'REFUND' }), nthSale(1001))).toEqual([]);
  });

  it('credits sales in the campaign currency, whatever it is', async () => {
    const usd = withStats({ amount: { SALE: 5_000_000n } }, PARTNER, { currency: 'USD' });
    const [draft] = await evaluate(BY_AMOUNT, testEvent({ currency: 'USD', amount: 250_000n }), usd);
    // USD 50,000.00 ≥ 5 000 000 cents → 2 points = 200
    expect([draft.unit, draft.amount]).toEqual(['POINTS', 200n]);
    expect(draft.explanation.en).toBe('2 points for sale USD 2,500.00 (order A-17): your sales reached USD 50,000.00');
  });

  it('credits the partner the sale is attributed to, by that partner\'s volume', async () => {
    const oleg = testPartner({ id: 'partner-oleg', name: 'Oleg', kind: 'DEALER' });
    const ctx = createTestContext({ partners: [testPartner(), oleg], stats: { [PARTNER]: { count: { SALE: 1 } }, 'partner-oleg': { count: { SALE: 6000 } } } });
    const [draft] = await evaluate({}, testEvent({ id: 'event-9', partner: oleg }), ctx);
    // Oleg's sale no. 6000 → tier from 5001 → 200
    expect([draft.partnerId, draft.amount, draft.key]).toEqual(['partner-oleg', 200n, 'points:event-9']);
  });

  it('words the points in en and ru', async () => {
    const at = (points: string) => ({ tiers: [{ from: '0', points }] });
    const words = async (points: string) => {
      const [draft] = await evaluate(at(points), testEvent(), nthSale(12_345));
      return [draft.explanation.en.split(' for sale')[0], draft.explanation.ru.split(' за продажу')[0]];
    };
    expect(await words('1')).toEqual(['1 point', `1${NBSP}балл`]);
    expect(await words('2')).toEqual(['2 points', `2${NBSP}балла`]);
    expect(await words('5')).toEqual(['5 points', `5${NBSP}баллов`]);
    expect(await words('11')).toEqual(['11 points', `11${NBSP}баллов`]);
    expect(await words('21')).toEqual(['21 points', `21${NBSP}балл`]);
    expect(await words('0.25')).toEqual(['0.25 points', `0,25${NBSP}балла`]);
    const [draft] = await evaluate({}, testEvent(), nthSale(12_345));
    expect(draft.explanation.en).toBe('2 points for sale RUB 12,000.00 (order A-17): your sale no. 12,345 in this campaign');
    expect(draft.explanation.ru).toBe(`2${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17): ваша продажа №${NBSP}12${NBSP}345 в этой кампании`);
  });

  describe('catalog', () => {
    it('lists the items with costs in hundredths of a point, rounded half to even', () => {
      expect(catalogOf(CATALOG)).toEqual([
        // 500 × 100 = 50 000
        { code: 'DISCOUNT-10', name: '10% off the next order', kind: 'DISCOUNT', cost: 50_000n },
        // 12.5 × 100 = 1 250
        { code: 'GIFT-1000', name: 'Gift certificate 1 000 ₽', kind: 'GIFT_CERTIFICATE', cost: 1_250n },
        // 0.015 × 100 = 1.5 → 2 (even)
        { code: 'TRAINING-SALES', name: 'Sales masterclass', kind: 'TRAINING', cost: 2n },
        // 0.025 × 100 = 2.5 → 2 (even)
        { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: 2n },
      ]);
    });

    it('is empty by default', () => {
      expect(catalogOf({})).toEqual([]);
    });

    it('costs at least one hundredth: "0.01" is 1, below it is refused at its path', () => {
      const item = (cost: string) => ({ catalog: [{ code: 'X', name: 'X', kind: 'MERCHANDISE', cost }] });
      expect(catalogOf(item('0.01')).map((entry) => entry.cost)).toEqual([1n]);
      expect(issuePaths(item('0.009999'))).toEqual(['args.catalog[0].cost']);
      expect(issuePaths(item('0'))).toEqual(['args.catalog[0].cost']);
    });

    it('keeps the first item of a repeated code, and skips an item without a code', () => {
      const raw = {
        catalog: [
          { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: '100' },
          { code: ' ', name: 'Nameless', kind: 'MERCHANDISE', cost: '1' },
          { code: 'MUG', name: 'Another mug', kind: 'MERCHANDISE', cost: '1' },
          { code: 'CAP', name: '', kind: 'MERCHANDISE', cost: '50' },
        ],
      };
      expect(catalogOf(raw)).toEqual([
        { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: 10_000n },
        // a blank name shows the code
        { code: 'CAP', name: 'CAP', kind: 'MERCHANDISE', cost: 5_000n },
      ]);
    });

    it('refuses a kind outside the list and an item missing a field, at their paths', () => {
      expect(issuePaths({ catalog: [{ code: 'CAR', name: 'A car', kind: 'CAR', cost: '1' }] })).toEqual(['args.catalog[0].kind']);
      expect(issuePaths({ catalog: [{ code: 'CAR', name: 'A car', kind: 'MERCHANDISE' }] })).toEqual(['args.catalog[0].cost']);
    });
  });

  describe('args', () => {
    it('needs 1 to 20 tiers', () => {
      const tier = { from: '0', points: '1' };
      expect(issuePaths({ tiers: [] })).toEqual(['args.tiers']);
      expect(issuePaths({ tiers: Array(20).fill(tier) })).toEqual([]);
      expect(issuePaths({ tiers: Array(21).fill(tier) })).toEqual(['args.tiers']);
    });

    it('refuses a measure it does not know and a negative "from"', () => {
      expect(issuePaths({ measure: 'CUSTOMERS' })).toEqual(['args.measure']);
      expect(issuePaths({ tiers: [{ from: '-1', points: '1' }] })).toEqual(['args.tiers[0].from']);
      expect(issuePaths({ tiers: [{ from: '0', points: '1000000.000001' }] })).toEqual(['args.tiers[0].points']);
    });
  });
});
