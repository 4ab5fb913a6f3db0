import {
  createTestPeriodContext,
  createTestProgressContext,
  describeRewardSchemeConformance,
  testEvent,
  testPartner,
  testPeriod,
  type TestProgressContextOptions,
} from '@cofactor/schema/testing';
import { parseArgs, type JsonObject, type Period, type PartnerStats, type SchemeEvent } from '@cofactor/schema';
import { scheme } from './index.js';

const anna = testPartner({ id: '1', name: 'Anna' });
const boris = testPartner({ id: '2', name: 'Boris' });
const vera = testPartner({ id: '3', name: 'Vera' });
const march = testPeriod('2026-03');

// 20 % conversion pays 3 000,00 ₽.
const CONVERSION = { kpi: 'CONVERSION', target: '20', amount: '300000' };

type Stats = Partial<PartnerStats>;

function close(args: JsonObject, participants: [typeof anna, Stats][], period: Period = march) {
  const parsed = parseArgs(scheme.args, args);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const ctx = createTestPeriodContext({ period, participants: participants.map(([partner, stats]) => ({ partner, stats })) });
  return scheme.closePeriod!(period, parsed.values, ctx);
}

async function paid(args: JsonObject, participants: [typeof anna, Stats][], period: Period = march) {
  return (await close(args, participants, period)).map((draft) => [draft.partnerId, draft.amount]);
}

describeRewardSchemeConformance(scheme, {
  validArgs: [
    CONVERSION,
    { kpi: 'AVERAGE_CHECK', target: '150000.5', amount: '100000', minimumSales: 3, period: 'QUARTER' },
    { kpi: 'NEW_CUSTOMERS', target: '10', amount: '1' },
    { kpi: 'EVENTS_HOSTED', target: '0', amount: '500000' },
  ],
  periodSamples: [
    {
      period: march,
      context: createTestPeriodContext({
        period: march,
        participants: [
          { partner: anna, stats: { count: { SALE: 5, LEAD: 20 } } },
          { partner: boris, stats: { count: { SALE: 1, LEAD: 7 } } },
          { partner: vera, stats: { count: { SALE: 3 } } },
        ],
      }),
    },
    {
      name: 'a quarter',
      period: testPeriod('2026-Q1'),
      args: { kpi: 'EVENTS_HOSTED', target: '2', amount: '500000', period: 'QUARTER' },
      context: createTestPeriodContext({
        period: testPeriod('2026-Q1'),
        participants: [{ partner: anna, stats: { count: { EVENT_HOSTED: 2 } } }],
      }),
    },
  ],
  progressSamples: [
    {
      name: '3 sales of 20 leads',
      partner: anna,
      context: createTestProgressContext({ partners: [anna], periodStats: { '1': { count: { SALE: 3, LEAD: 20 } } } }),
    },
    {
      name: 'an average check on too few sales this quarter',
      partner: anna,
      args: { kpi: 'AVERAGE_CHECK', target: '150000.5', amount: '100000', minimumSales: 3, period: 'QUARTER' },
      context: createTestProgressContext({ partners: [anna], periodStats: { '1': { count: { SALE: 2 }, amount: { SALE: 400_000n } } } }),
    },
  ],
});

describe('kpi-bonus', () => {
  describe('CONVERSION', () => {
    it('pays partners whose sales per lead reached the target percent', async () => {
      const drafts = await close(CONVERSION, [
        // 5 × 100 / 20 = 25 % ≥ 20 %: pays
        [anna, { count: { SALE: 5, LEAD: 20 } }],
        // 1 × 100 / 7 = 14.2857… % < 20 %: nothing
        [boris, { count: { SALE: 1, LEAD: 7 } }],
        // 3 sales, no leads: conversion undefined, nothing
        [vera, { count: { SALE: 3 } }],
      ]);
      expect(drafts.map((draft) => [draft.partnerId, draft.kind, draft.amount, draft.unit, draft.key])).toEqual([
        ['1', 'MONEY', 300_000n, 'RUB', 'kpi:2026-03:1'],
      ]);
      expect(drafts[0].explanation).toEqual({
        en: 'KPI bonus for 2026-03: conversion 25% (5 sales / 20 leads) reached the target 20%: RUB 3,000.00',
        ru: 'Бонус за KPI за 2026-03: конверсия 25% (5 продаж / 20 лидов), цель 20% достигнута: 3\u00a0000,00\u00a0₽',
      });
      expect(drafts[0].details).toEqual({ period: '2026-03', kpi: 'CONVERSION', value: '25', target: '20', sales: 5, leads: 20 });
    });

    it('pays exactly at the target and not one step below it', async () => {
      // 1 × 100 / 8 = 12.5 % exactly: 100 × 10 ≥ 125 × 8 (1 000 ≥ 1 000)
      expect(await paid({ ...CONVERSION, target: '12.5' }, [[anna, { count: { SALE: 1, LEAD: 8 } }]])).toEqual([['1', 300_000n]]);
      // 12.500001 %: 100 × 10^6 = 100 000 000 < 12 500 001 × 8 = 100 000 008
      expect(await paid({ ...CONVERSION, target: '12.500001' }, [[anna, { count: { SALE: 1, LEAD: 8 } }]])).toEqual([]);
    });

    it('compares a repeating fraction exactly, not as a float', async () => {
      // 1 of 3 leads = 33.333333…%: above 33.333333 (100 × 10^6 = 100 000 000 > 33 333 333 × 3 = 99 999 999),
      // below 33.333334 (100 000 000 < 33 333 334 × 3 = 100 000 002)
      const oneOfThree: [typeof anna, Stats][] = [[anna, { count: { SALE: 1, LEAD: 3 } }]];
      expect(await paid({ ...CONVERSION, target: '33.333333' }, oneOfThree)).toEqual([['1', 300_000n]]);
      expect(await paid({ ...CONVERSION, target: '33.333334' }, oneOfThree)).toEqual([]);
    });

    it('shows the conversion rounded to 4 places, half to even, for reading only', async () => {
      // 1 × 100 / 7 = 14.285714… → 14.2857 ≥ 14: pays
      const [draft] = await close({ ...CONVERSION, target: '14' }, [[boris, { count: { SALE: 1, LEAD: 7 } }]]);
      expect(draft.details).toMatchObject({ value: '14.2857', target: '14' });
      expect(draft.explanation.en).toBe('KPI bonus for 2026-03: conversion 14.2857% (1 sale / 7 leads) reached the target 14%: RUB 3,000.00');
      expect(draft.explanation.ru).toBe('Бонус за KPI за 2026-03: конверсия 14,2857% (1 продажа / 7 лидов), цель 14% достигнута: 3\u00a0000,00\u00a0₽');
    });

    it('needs minimumSales sales, so 1 sale of 1 lead does not win', async () => {
      const args = { ...CONVERSION, minimumSales: 5 };
      expect(
        await paid(args, [
          // 100 % conversion, but 1 sale < 5
          [anna, { count: { SALE: 1, LEAD: 1 } }],
          // 25 % on exactly 5 sales: pays
          [boris, { count: { SALE: 5, LEAD: 20 } }],
        ]),
      ).toEqual([['2', 300_000n]]);
      // Without minimumSales (default 0) the single sale wins.
      expect(await paid(CONVERSION, [[anna, { count: { SALE: 1, LEAD: 1 } }]])).toEqual([['1', 300_000n]]);
    });
  });

  describe('AVERAGE_CHECK', () => {
    // An average check of 1 500,00 ₽ pays 1 000,00 ₽.
    const AVERAGE = { kpi: 'AVERAGE_CHECK', target: '150000', amount: '100000' };

    it('pays exactly at the target average and not one kopeck below it', async () => {
      const drafts = await close(AVERAGE, [
        // 1 500 000 / 10 = 150 000 kopecks = 1 500,00 ₽, exactly the target: pays
        [anna, { count: { SALE: 10 }, amount: { SALE: 1_500_000n } }],
        // 1 499 999 / 10 = 149 999.9 < 150 000: nothing
        [boris, { count: { SALE: 10 }, amount: { SALE: 1_499_999n } }],
        // no sales: the average is undefined, nothing (even with leads)
        [vera, { count: { LEAD: 4 } }],
      ]);
      expect(drafts.map((draft) => [draft.partnerId, draft.amount, draft.key])).toEqual([['1', 100_000n, 'kpi:2026-03:1']]);
      expect(drafts[0].explanation).toEqual({
        en: 'KPI bonus for 2026-03: average check RUB 1,500.00 (RUB 15,000.00 / 10 sales) reached the target RUB 1,500.00: RUB 1,000.00',
        ru: 'Бонус за KPI за 2026-03: средний чек 1\u00a0500,00\u00a0₽ (15\u00a0000,00\u00a0₽ / 10 продаж), цель 1\u00a0500,00\u00a0₽ достигнута: 1\u00a0000,00\u00a0₽',
      });
      expect(drafts[0].details).toEqual({
        period: '2026-03',
        kpi: 'AVERAGE_CHECK',
        value: '150000',
        target: '150000',
        sales: 10,
        salesAmount: '1500000',
      });
    });

    it('compares a fractional average with a fractional target exactly', async () => {
      // 1 000 000 / 3 = 333 333.333… kopecks: reaches 333 333.333333 (10^12 > 333 333 333 333 × 3 = 999 999 999 999),
      // misses 333 333.333334 (10^12 < 333 333 333 334 × 3 = 1 000 000 000 002)
      const thirds: [typeof anna, Stats][] = [[anna, { count: { SALE: 3 }, amount: { SALE: 1_000_000n } }]];
      const [draft] = await close({ ...AVERAGE, target: '333333.333333' }, thirds);
      expect(draft.details).toMatchObject({ value: '333333.3333' });
      // shown to the kopeck: 333 333.33… → 3 333,33 ₽
      expect(draft.explanation.en).toBe(
        'KPI bonus for 2026-03: average check RUB 3,333.33 (RUB 10,000.00 / 3 sales) reached the target RUB 3,333.33: RUB 1,000.00',
      );
      expect(await paid({ ...AVERAGE, target: '333333.333334' }, thirds)).toEqual([]);
    });

    it('pays nothing without sales even when the target is 0', async () => {
      expect(await paid({ ...AVERAGE, target: '0' }, [[vera, { count: { LEAD: 4 } }]])).toEqual([]);
    });

    it('needs minimumSales sales', async () => {
      // one 5 000,00 ₽ sale: an average far above the target, but 1 < 2 sales
      const oneBigSale: [typeof anna, Stats][] = [[anna, { count: { SALE: 1 }, amount: { SALE: 500_000n } }]];
      expect(await paid({ ...AVERAGE, minimumSales: 2 }, oneBigSale)).toEqual([]);
      expect(await paid({ ...AVERAGE, minimumSales: 1 }, oneBigSale)).toEqual([['1', 100_000n]]);
    });
  });

  describe('NEW_CUSTOMERS', () => {
    it('pays at the target count and not one below it', async () => {
      const drafts = await close({ kpi: 'NEW_CUSTOMERS', target: '10', amount: '300000' }, [
        // 10 ≥ 10: pays
        [anna, { newCustomers: 10, count: { SALE: 14 } }],
        // 9 < 10: nothing
        [boris, { newCustomers: 9, count: { SALE: 30 } }],
      ]);
      expect(drafts.map((draft) => [draft.partnerId, draft.amount])).toEqual([['1', 300_000n]]);
      expect(drafts[0].explanation).toEqual({
        en: 'KPI bonus for 2026-03: 10 new customers reached the target 10: RUB 3,000.00',
        ru: 'Бонус за KPI за 2026-03: 10 новых клиентов, цель 10 достигнута: 3\u00a0000,00\u00a0₽',
      });
      expect(drafts[0].details).toEqual({ period: '2026-03', kpi: 'NEW_CUSTOMERS', value: '10', target: '10', newCustomers: 10 });
    });

    it('ignores minimumSales, which is for ratios over sales', async () => {
      expect(await paid({ kpi: 'NEW_CUSTOMERS', target: '2', amount: '300000', minimumSales: 50 }, [[anna, { newCustomers: 2, count: { SALE: 2 } }]])).toEqual([
        ['1', 300_000n],
      ]);
    });
  });

  describe('EVENTS_HOSTED', () => {
    it('pays at the target count and not one below it', async () => {
      const drafts = await close({ kpi: 'EVENTS_HOSTED', target: '3', amount: '500000' }, [
        // 3 ≥ 3: pays
        [anna, { count: { EVENT_HOSTED: 3 } }],
        // 2 < 3: nothing
        [boris, { count: { EVENT_HOSTED: 2 } }],
        // none hosted
        [vera, { count: { SALE: 5 } }],
      ]);
      expect(drafts.map((draft) => [draft.partnerId, draft.amount])).toEqual([['1', 500_000n]]);
      expect(drafts[0].explanation).toEqual({
        en: 'KPI bonus for 2026-03: 3 events hosted reached the target 3: RUB 5,000.00',
        ru: 'Бонус за KPI за 2026-03: 3 проведённых мероприятия, цель 3 достигнута: 5\u00a0000,00\u00a0₽',
      });
    });
  });

  it('pays nothing for a close of another period unit', async () => {
    const annaConverts: [typeof anna, Stats][] = [[anna, { count: { SALE: 5, LEAD: 20 } }]];
    expect(await close(CONVERSION, annaConverts, testPeriod('2026-Q1'))).toEqual([]);
    expect(await close({ ...CONVERSION, period: 'QUARTER' }, annaConverts, march)).toEqual([]);
    const quarter = await close({ ...CONVERSION, period: 'QUARTER' }, annaConverts, testPeriod('2026-Q1'));
    expect(quarter.map((draft) => [draft.key, draft.amount])).toEqual([['kpi:2026-Q1:1', 300_000n]]);
  });
});

describe('kpi-bonus progress', () => {
  // Now is 15 June 2026: June is the open month, 2026-Q2 the open quarter.
  const now = new Date('2026-06-15T12:00:00Z');
  const june = testPeriod('2026-06');
  const july = new Date('2026-07-01T00:00:00Z');
  const events = (type: string, n: number, at: string): SchemeEvent[] =>
    Array.from({ length: n }, (_, i) =>
      testEvent({ id: `${type}-${at}-${i}`, externalId: `${type}-${i}`, type, partner: anna, occurredAt: new Date(at), amount: null }),
    );

  async function progress(args: JsonObject, options: TestProgressContextOptions) {
    const parsed = parseArgs(scheme.args, args);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return scheme.progress!(anna, parsed.values, createTestProgressContext({ partners: [anna], now, ...options }));
  }

  /** Each target as [key, current, threshold], and whether the close of June pays on the same stats. */
  async function targetsAndPaid(args: JsonObject, stats: Stats) {
    const targets = await progress(args, { periodStats: { '1': stats } });
    return {
      targets: targets.map((t) => [t.key, t.current, t.threshold]),
      paid: (await paid(args, [[anna, stats]], june)).length === 1,
    };
  }

  it("reports 3 of the 4 sales 20 leads need for 20%, and 3 of the 5 sales needed; May's events do not count", async () => {
    const storedEvents = [
      ...events('SALE', 5, '2026-05-31T23:00:00Z'),
      ...events('LEAD', 5, '2026-05-31T23:00:00Z'),
      ...events('LEAD', 20, '2026-06-02T10:00:00Z'),
      ...events('SALE', 3, '2026-06-10T10:00:00Z'),
    ];
    // 20 % of 20 leads = 4 sales; 3 sales so far. Paid on 5 sales at the least.
    const reward = {
      en: 'Bonus RUB 3,000.00 for a conversion of at least 20% on at least 5 sales',
      ru: 'Бонус 3\u00a0000,00\u00a0₽, если конверсия не ниже 20% и продаж не меньше 5',
    };
    expect(await progress({ ...CONVERSION, minimumSales: 5 }, { storedEvents })).toEqual([
      {
        key: 'kpi:CONVERSION',
        label: { en: 'Sales this month for a 20% conversion of 20 leads', ru: 'Продажи в этом месяце для конверсии 20% (лидов: 20)' },
        current: 3n,
        threshold: 4n,
        unit: 'COUNT',
        reward,
        endsAt: july,
      },
      {
        key: 'minimum-sales',
        label: { en: 'Sales this month', ru: 'Продажи в этом месяце' },
        current: 3n,
        threshold: 5n,
        unit: 'COUNT',
        reward,
        endsAt: july,
      },
    ]);
  });

  it('says a conversion and the sales minimum are reached exactly when the close pays', async () => {
    const args = { ...CONVERSION, minimumSales: 5 };
    // 5 of 20 leads = 25 %: 5 ≥ 4 sales needed and 5 ≥ 5 sales; paid.
    expect(await targetsAndPaid(args, { count: { SALE: 5, LEAD: 20 } })).toEqual({
      targets: [
        ['kpi:CONVERSION', 5n, 4n],
        ['minimum-sales', 5n, 5n],
      ],
      paid: true,
    });
    // 4 of 20 = 20 %, reached, but 4 < 5 sales: not paid.
    expect(await targetsAndPaid(args, { count: { SALE: 4, LEAD: 20 } })).toEqual({
      targets: [
        ['kpi:CONVERSION', 4n, 4n],
        ['minimum-sales', 4n, 5n],
      ],
      paid: false,
    });
    // 5 of 26 = 19.23 %: 26 leads need ⌈5.2⌉ = 6 sales; not paid.
    expect(await targetsAndPaid(args, { count: { SALE: 5, LEAD: 26 } })).toEqual({
      targets: [
        ['kpi:CONVERSION', 5n, 6n],
        ['minimum-sales', 5n, 5n],
      ],
      paid: false,
    });
    // 12.5 % of 8 leads is exactly 1 sale, with no minimum: paid.
    expect(await targetsAndPaid({ ...CONVERSION, target: '12.5' }, { count: { SALE: 1, LEAD: 8 } })).toEqual({
      targets: [['kpi:CONVERSION', 1n, 1n]],
      paid: true,
    });
  });

  it('reports no conversion before the first lead, since no number of sales makes it pay', async () => {
    expect(await targetsAndPaid({ ...CONVERSION, minimumSales: 5 }, { count: { SALE: 6 } })).toEqual({
      targets: [['minimum-sales', 6n, 5n]],
      paid: false,
    });
    expect(await progress(CONVERSION, { periodStats: { '1': { count: { SALE: 6 } } } })).toEqual([]);
  });

  it('shows the average check in kopecks, a fractional target rounded up, reached exactly when the close pays', async () => {
    const args = { kpi: 'AVERAGE_CHECK', target: '150000.5', amount: '100000' };
    // 1 500 007 / 10 = 150 000.7 ≥ 150 000.5: paid, shown as the threshold ⌈150 000.5⌉ = 150 001.
    expect(await targetsAndPaid(args, { count: { SALE: 10 }, amount: { SALE: 1_500_007n } })).toEqual({
      targets: [['kpi:AVERAGE_CHECK', 150_001n, 150_001n]],
      paid: true,
    });
    // 1 500 004 / 10 = 150 000.4 < 150 000.5: not paid, shown rounded down.
    expect(await targetsAndPaid(args, { count: { SALE: 10 }, amount: { SALE: 1_500_004n } })).toEqual({
      targets: [['kpi:AVERAGE_CHECK', 150_000n, 150_001n]],
      paid: false,
    });
    // No sales: no average, 0.
    expect(await targetsAndPaid(args, { count: { LEAD: 3 } })).toEqual({ targets: [['kpi:AVERAGE_CHECK', 0n, 150_001n]], paid: false });
    const [target] = await progress(args, { periodStats: { '1': { count: { SALE: 1 }, amount: { SALE: 90_000n } } } });
    // The target as a partner reads it: 150 000.5 kopecks to the kopeck, half to even: RUB 1,500.00.
    expect([target.unit, target.label.en, target.reward.en, target.reward.ru]).toEqual([
      'RUB',
      'Average check this month',
      'Bonus RUB 1,000.00 for an average check of at least RUB 1,500.00',
      'Бонус 1\u00a0000,00\u00a0₽, если средний чек не ниже 1\u00a0500,00\u00a0₽',
    ]);
  });

  it('counts new customers against a target rounded up, and a target of 0 is none', async () => {
    const args = { kpi: 'NEW_CUSTOMERS', target: '10', amount: '300000', minimumSales: 50 };
    // minimumSales is for ratios over sales: no sales target here.
    expect(await progress(args, { periodStats: { '1': { newCustomers: 3, count: { SALE: 4 } } } })).toEqual([
      {
        key: 'kpi:NEW_CUSTOMERS',
        label: { en: 'New customers this month', ru: 'Новые клиенты в этом месяце' },
        current: 3n,
        threshold: 10n,
        unit: 'COUNT',
        reward: {
          en: 'Bonus RUB 3,000.00 for at least 10 new customers',
          ru: 'Бонус 3\u00a0000,00\u00a0₽, если новых клиентов не меньше 10',
        },
        endsAt: july,
      },
    ]);
    // 2.5 new customers take 3; 3 of them pay.
    expect(await targetsAndPaid({ ...args, target: '2.5' }, { newCustomers: 3 })).toEqual({ targets: [['kpi:NEW_CUSTOMERS', 3n, 3n]], paid: true });
    expect(await progress({ ...args, target: '0' }, { periodStats: { '1': { newCustomers: 3 } } })).toEqual([]);
  });

  it("counts events hosted this quarter, until the campaign's end when it comes first", async () => {
    const campaignEnd = new Date('2026-06-20T00:00:00Z');
    // The March event is in the previous quarter; the May one counts: 1 of 1.
    const storedEvents = [...events('EVENT_HOSTED', 1, '2026-03-31T10:00:00Z'), ...events('EVENT_HOSTED', 1, '2026-05-05T10:00:00Z')];
    const targets = await progress({ kpi: 'EVENTS_HOSTED', target: '1', amount: '500000', period: 'QUARTER' }, { storedEvents, campaign: { endsAt: campaignEnd } });
    expect(targets.map((t) => [t.key, t.label.en, t.current, t.threshold, t.reward.en, t.endsAt])).toEqual([
      ['kpi:EVENTS_HOSTED', 'Events hosted this quarter', 1n, 1n, 'Bonus RUB 5,000.00 for at least 1 event hosted', campaignEnd],
    ]);
  });

  it('reports nothing when the campaign does not run in the open month, since its close pays nothing', async () => {
    const periodStats = { '1': { count: { SALE: 5, LEAD: 20 } } };
    // Ended on 1 June 00:00, before any of June; or starting in July.
    expect(await progress(CONVERSION, { periodStats, campaign: { endsAt: new Date('2026-06-01T00:00:00Z') } })).toEqual([]);
    expect(await progress(CONVERSION, { periodStats, campaign: { startsAt: july } })).toEqual([]);
  });
});
