import { parseArgs, type JsonObject, type PartnerStats } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

const VIP_EVENT = { code: 'VIP-EVENT-2026', name: 'Closed dealer event 2026', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '10' };
const GOLD = { code: 'GOLD-STATUS', name: 'Gold partner', type: 'STATUS', metric: 'SALES_AMOUNT', threshold: '10000000' };
const PRO_COURSE = { code: 'PRO-COURSE', name: 'Pro sales course', type: 'TRAINING_ACCESS', metric: 'NEW_CUSTOMERS', threshold: '5' };
const EARLY_ACCESS = { code: 'EARLY-ACCESS', name: 'Early access to the X-9', type: 'EXCLUSIVE_PRODUCT', metric: 'LEADS', threshold: '3' };
const HOST_CLUB = { code: 'HOST-CLUB', name: 'Hosts club', type: 'STATUS', metric: 'EVENTS_HOSTED', threshold: '2' };
const MASTERCLASS = { code: 'MASTERCLASS', name: 'Masterclass', type: 'TRAINING_ACCESS', metric: 'TRAININGS_COMPLETED', threshold: '1' };

/** One award per metric. */
const ALL: JsonObject = { awards: [VIP_EVENT, GOLD, PRO_COURSE, EARLY_ACCESS, HOST_CLUB, MASTERCLASS] };

/** The events each metric is fed by; order A-17 is a 12 000,00 ₽ sale (1 200 000 kopecks) by Anna. */
const sale = (overrides = {}) => testEvent(overrides);
const lead = testEvent({ id: 'event-lead', externalId: 'L-9', type: 'LEAD', customerId: null, amount: null, currency: null });
const hosted = testEvent({ id: 'event-hosted', externalId: 'E-3', type: 'EVENT_HOSTED', customerId: null, amount: null, currency: null });
const training = testEvent({ id: 'event-training', externalId: 'T-1', type: 'TRAINING_COMPLETED', customerId: null, amount: null, currency: null });

/** A context whose stats for Anna (partner-1), this event included, are the given ones. */
const withStats = (stats: Partial<PartnerStats>, campaign = {}) =>
  createTestContext({ partners: [testPartner()], stats: { 'partner-1': stats }, campaign });

describeRewardSchemeConformance(scheme, {
  validArgs: [ALL, { awards: [VIP_EVENT] }, { awards: [{ ...EARLY_ACCESS, threshold: '0' }] }, { awards: [{ ...GOLD, threshold: '2.5' }] }],
  samples: [
    { name: 'the 10th sale', event: sale(), context: withStats({ count: { SALE: 10 }, amount: { SALE: 5_000_000n } }) },
    { name: 'the 11th sale', event: sale(), context: withStats({ count: { SALE: 11 }, amount: { SALE: 5_000_000n } }) },
    { name: 'a sale reaching 100 000,00 ₽', event: sale(), context: withStats({ count: { SALE: 4 }, amount: { SALE: 10_000_000n } }) },
    { name: 'the 5th new customer', event: sale({ firstPurchase: true }), context: withStats({ count: { SALE: 5 }, newCustomers: 5 }) },
    { name: 'the 3rd lead', event: lead, context: withStats({ count: { LEAD: 3 } }) },
    { name: 'the 2nd event hosted', event: hosted, context: withStats({ count: { EVENT_HOSTED: 2 } }) },
    { name: 'the 1st training', event: training, context: withStats({ count: { TRAINING_COMPLETED: 1 } }) },
    { name: 'the first lead, threshold 0', event: lead, args: { awards: [{ ...EARLY_ACCESS, threshold: '0' }] }, context: withStats({ count: { LEAD: 1 } }) },
    { name: 'a sale with empty stats', event: sale() },
  ],
});

async function evaluate(raw: JsonObject, event = sale(), ctx = withStats({})) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function codesFor(raw: JsonObject, event = sale(), ctx = withStats({})): Promise<string[]> {
  return (await evaluate(raw, event, ctx)).map((draft) => draft.unit);
}

describe('perks', () => {
  it('gives the perk on the event that reaches the threshold exactly', async () => {
    // count.SALE = 10 with this sale, so 9 before it: 9 < 10 ≤ 10
    expect(await evaluate({ awards: [VIP_EVENT] }, sale(), withStats({ count: { SALE: 10 } }))).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'PERK',
        amount: 1n,
        unit: 'VIP-EVENT-2026',
        key: 'perk:VIP-EVENT-2026:partner-1',
        explanation: {
          en: 'Perk: Closed dealer event 2026 (closed event) for reaching 10 sales',
          ru: 'Привилегия: Closed dealer event 2026 (закрытое мероприятие) за 10 продаж',
        },
        details: { code: 'VIP-EVENT-2026', name: 'Closed dealer event 2026', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '10', value: 10 },
      },
    ]);
  });

  it('proposes nothing before the threshold nor on the events after it', async () => {
    // 9th sale: 8 before, 9 now, 9 < 10
    expect(await evaluate({ awards: [VIP_EVENT] }, sale(), withStats({ count: { SALE: 9 } }))).toEqual([]);
    // 11th and 50th sales: 10 and 49 before, already ≥ 10, so the crossing was earlier
    expect(await evaluate({ awards: [VIP_EVENT] }, sale(), withStats({ count: { SALE: 11 } }))).toEqual([]);
    expect(await evaluate({ awards: [VIP_EVENT] }, sale(), withStats({ count: { SALE: 50 } }))).toEqual([]);
  });

  it('SALES_AMOUNT: the sale that brings the volume to the threshold, in minor units', async () => {
    // 100 000,00 ₽ threshold. Before A-17: 10 000 000 − 1 200 000 = 8 800 000 < 10 000 000 ≤ 10 000 000 now
    const [exact] = await evaluate({ awards: [GOLD] }, sale(), withStats({ count: { SALE: 7 }, amount: { SALE: 10_000_000n } }));
    expect(exact).toMatchObject({ kind: 'PERK', amount: 1n, unit: 'GOLD-STATUS', key: 'perk:GOLD-STATUS:partner-1' });
    expect(exact.explanation).toEqual({
      en: 'Perk: Gold partner (status) for reaching sales of RUB 100,000.00',
      ru: `Привилегия: Gold partner (статус) за продажи на 100${NBSP}000,00${NBSP}₽`,
    });
    expect(exact.details).toEqual({ code: 'GOLD-STATUS', name: 'Gold partner', type: 'STATUS', metric: 'SALES_AMOUNT', threshold: '10000000', value: '10000000' });
    // Past it in one go: 9 300 000 before < 10 000 000 ≤ 10 500 000 now
    const [over] = await evaluate({ awards: [GOLD] }, sale(), withStats({ count: { SALE: 8 }, amount: { SALE: 10_500_000n } }));
    expect(over.details).toMatchObject({ value: '10500000' });
    // The next sale: 10 500 000 before, already there
    expect(await evaluate({ awards: [GOLD] }, sale(), withStats({ count: { SALE: 9 }, amount: { SALE: 11_700_000n } }))).toEqual([]);
    // Short of it: 9 999 999 now
    expect(await evaluate({ awards: [GOLD] }, sale(), withStats({ count: { SALE: 8 }, amount: { SALE: 9_999_999n } }))).toEqual([]);
  });

  it('SALES_AMOUNT: a sale in another currency adds nothing, so it never crosses', async () => {
    // A USD sale is not in amount.SALE (RUB only): 9 900 000 before and after, below 10 000 000
    const usdSale = sale({ currency: 'USD', amount: 1_200_000n });
    expect(await evaluate({ awards: [GOLD] }, usdSale, withStats({ count: { SALE: 9 }, amount: { SALE: 9_900_000n } }))).toEqual([]);
    // A RUB sale crossed earlier: the USD sale contributes 0, so before = now = 10 000 000, not a crossing
    expect(await evaluate({ awards: [GOLD] }, usdSale, withStats({ count: { SALE: 9 }, amount: { SALE: 10_000_000n } }))).toEqual([]);
    // In a USD campaign the same sale counts: 8 800 000 before < 10 000 000 ≤ 10 000 000, read in dollars
    const [draft] = await evaluate({ awards: [GOLD] }, usdSale, withStats({ count: { SALE: 9 }, amount: { SALE: 10_000_000n } }, { currency: 'USD' }));
    expect(draft.explanation.en).toBe('Perk: Gold partner (status) for reaching sales of USD 100,000.00');
    // A sale without an amount adds nothing either
    expect(await evaluate({ awards: [GOLD] }, sale({ amount: null, currency: null }), withStats({ count: { SALE: 9 }, amount: { SALE: 10_000_000n } }))).toEqual([]);
  });

  it('NEW_CUSTOMERS: only a first purchase moves the count', async () => {
    // newCustomers = 5 with this first purchase: 4 before < 5 ≤ 5
    const [draft] = await evaluate({ awards: [PRO_COURSE] }, sale({ firstPurchase: true }), withStats({ count: { SALE: 8 }, newCustomers: 5 }));
    expect(draft.explanation).toEqual({
      en: 'Perk: Pro sales course (training access) for reaching 5 new customers',
      ru: 'Привилегия: Pro sales course (доступ к обучению) за 5 новых клиентов',
    });
    expect(draft.details).toMatchObject({ metric: 'NEW_CUSTOMERS', value: 5 });
    // A repeat purchase with newCustomers = 5: 5 before, nothing crossed
    expect(await evaluate({ awards: [PRO_COURSE] }, sale({ firstPurchase: false }), withStats({ count: { SALE: 9 }, newCustomers: 5 }))).toEqual([]);
  });

  it('LEADS, EVENTS_HOSTED and TRAININGS_COMPLETED: the event of their own type', async () => {
    // 3rd lead: 2 < 3 ≤ 3
    expect((await evaluate(ALL, lead, withStats({ count: { LEAD: 3 } }))).map((d) => d.explanation)).toEqual([
      { en: 'Perk: Early access to the X-9 (exclusive product) for reaching 3 leads', ru: 'Привилегия: Early access to the X-9 (эксклюзивный продукт) за 3 лида' },
    ]);
    // 2nd event hosted: 1 < 2 ≤ 2
    expect((await evaluate(ALL, hosted, withStats({ count: { EVENT_HOSTED: 2 } }))).map((d) => d.explanation)).toEqual([
      { en: 'Perk: Hosts club (status) for reaching 2 events hosted', ru: 'Привилегия: Hosts club (статус) за 2 проведённых мероприятия' },
    ]);
    // 1st training: 0 < 1 ≤ 1
    expect((await evaluate(ALL, training, withStats({ count: { TRAINING_COMPLETED: 1 } }))).map((d) => d.explanation)).toEqual([
      { en: 'Perk: Masterclass (training access) for reaching 1 training completed', ru: 'Привилегия: Masterclass (доступ к обучению) за 1 пройденный тренинг' },
    ]);
    // The 4th lead, the 3rd event, the 2nd training: already reached
    expect(await evaluate(ALL, lead, withStats({ count: { LEAD: 4 } }))).toEqual([]);
    expect(await evaluate(ALL, hosted, withStats({ count: { EVENT_HOSTED: 3 } }))).toEqual([]);
    expect(await evaluate(ALL, training, withStats({ count: { TRAINING_COMPLETED: 2 } }))).toEqual([]);
  });

  it('evaluates an award only for the event type that feeds its metric', async () => {
    // A sale with 3 leads in the stats is not the lead that reached them
    expect(await evaluate({ awards: [EARLY_ACCESS] }, sale(), withStats({ count: { SALE: 1, LEAD: 3 } }))).toEqual([]);
    // A lead with 10 sales in the stats is not the 10th sale
    expect(await evaluate({ awards: [VIP_EVENT] }, lead, withStats({ count: { SALE: 10, LEAD: 1 } }))).toEqual([]);
  });

  it('gives several perks on one event, in the order of the awards', async () => {
    // 10th sale (9 < 10 ≤ 10), volume 8 800 000 → 10 000 000, 5th new customer (4 < 5 ≤ 5)
    const ctx = withStats({ count: { SALE: 10 }, amount: { SALE: 10_000_000n }, newCustomers: 5 });
    expect(await codesFor(ALL, sale({ firstPurchase: true }), ctx)).toEqual(['VIP-EVENT-2026', 'GOLD-STATUS', 'PRO-COURSE']);
  });

  it('threshold 0: the first event that feeds the metric, and not the next', async () => {
    const firstLead = { awards: [{ ...EARLY_ACCESS, threshold: '0' }] };
    const [draft] = await evaluate(firstLead, lead, withStats({ count: { LEAD: 1 } }));
    expect(draft.key).toBe('perk:EARLY-ACCESS:partner-1');
    expect(draft.explanation).toEqual({
      en: 'Perk: Early access to the X-9 (exclusive product) for the first lead',
      ru: 'Привилегия: Early access to the X-9 (эксклюзивный продукт) за первый лид',
    });
    expect(draft.details).toMatchObject({ threshold: '0', value: 1 });
    expect(await evaluate(firstLead, lead, withStats({ count: { LEAD: 2 } }))).toEqual([]);
    // SALES_AMOUNT 0 and NEW_CUSTOMERS 0: the first sale, whatever its amount or customer
    const firstSale = { awards: [{ ...GOLD, threshold: '0' }, { ...PRO_COURSE, threshold: '0' }] };
    const drafts = await evaluate(firstSale, sale({ currency: 'USD' }), withStats({ count: { SALE: 1 } }));
    expect(drafts.map((d) => [d.unit, d.explanation.en, d.explanation.ru])).toEqual([
      ['GOLD-STATUS', 'Perk: Gold partner (status) for the first sale', 'Привилегия: Gold partner (статус) за первую продажу'],
      ['PRO-COURSE', 'Perk: Pro sales course (training access) for the first sale', 'Привилегия: Pro sales course (доступ к обучению) за первую продажу'],
    ]);
    expect(await evaluate(firstSale, sale(), withStats({ count: { SALE: 2 }, amount: { SALE: 2_400_000n } }))).toEqual([]);
  });

  it('compares a fractional threshold exactly: 2.5 sales are reached with the 3rd', async () => {
    const award = { awards: [{ ...VIP_EVENT, threshold: '2.5' }] };
    // 2nd sale: 2 < 2.5
    expect(await evaluate(award, sale(), withStats({ count: { SALE: 2 } }))).toEqual([]);
    // 3rd sale: 2 < 2.5 ≤ 3; the explanation names the count that reached it
    const [draft] = await evaluate(award, sale(), withStats({ count: { SALE: 3 } }));
    expect(draft.explanation.en).toBe('Perk: Closed dealer event 2026 (closed event) for reaching 3 sales');
    expect(draft.details).toMatchObject({ threshold: '2.5', value: 3 });
    // 100 000,00 ₽ and a half kopeck: 10 000 000 does not reach it, 10 000 001 does
    const volume = { awards: [{ ...GOLD, threshold: '10000000.5' }] };
    expect(await evaluate(volume, sale(), withStats({ count: { SALE: 9 }, amount: { SALE: 10_000_000n } }))).toEqual([]);
    expect(await codesFor(volume, sale(), withStats({ count: { SALE: 9 }, amount: { SALE: 10_000_001n } }))).toEqual(['GOLD-STATUS']);
  });

  it('reads Russian counts in the right form', async () => {
    const at = async (threshold: number) => {
      const [draft] = await evaluate({ awards: [{ ...VIP_EVENT, threshold: String(threshold) }] }, sale(), withStats({ count: { SALE: threshold } }));
      return draft.explanation;
    };
    expect((await at(1)).ru).toMatch(/за 1 продажу$/);
    expect((await at(1)).en).toMatch(/for reaching 1 sale$/);
    expect((await at(3)).ru).toMatch(/за 3 продажи$/);
    expect((await at(11)).ru).toMatch(/за 11 продаж$/);
    expect((await at(21)).ru).toMatch(/за 21 продажу$/);
    const [customers] = await evaluate({ awards: [{ ...PRO_COURSE, threshold: '21' }] }, sale({ firstPurchase: true }), withStats({ newCustomers: 21 }));
    expect(customers.explanation.ru).toMatch(/за 21 нового клиента$/);
    const [leads] = await evaluate({ awards: [{ ...EARLY_ACCESS, threshold: '11' }] }, lead, withStats({ count: { LEAD: 11 } }));
    expect(leads.explanation.ru).toMatch(/за 11 лидов$/);
  });

  it('keys a perk by its code and the partner: once per partner, another partner is another key', async () => {
    const oleg = testPartner({ id: 'partner-oleg', name: 'Oleg', kind: 'DEALER' });
    const ctx = createTestContext({ partners: [oleg], stats: { 'partner-oleg': { count: { SALE: 10 } } } });
    const [draft] = await evaluate({ awards: [VIP_EVENT] }, sale({ partner: oleg }), ctx);
    expect([draft.partnerId, draft.key]).toEqual(['partner-oleg', 'perk:VIP-EVENT-2026:partner-oleg']);
  });

  it('proposes a code once per event, and never a blank one', async () => {
    // Two awards share a code: the 10th sale reaches both, the first listed is the one proposed
    const twice = { awards: [VIP_EVENT, { ...VIP_EVENT, name: 'Same perk by volume', metric: 'SALES_AMOUNT', threshold: '1' }] };
    const drafts = await evaluate(twice, sale(), withStats({ count: { SALE: 10 }, amount: { SALE: 1_200_000n } }));
    expect(drafts.map((d) => [d.key, d.details?.metric])).toEqual([['perk:VIP-EVENT-2026:partner-1', 'SALES_COUNT']]);
    // A blank code names no perk; surrounding spaces are not part of the code; a blank name reads as the code
    const blank = { awards: [{ ...VIP_EVENT, code: '  ' }, { ...VIP_EVENT, code: ' VIP ', name: ' ' }] };
    const [only] = await evaluate(blank, sale(), withStats({ count: { SALE: 10 } }));
    expect([only.unit, only.key, only.explanation.en]).toEqual(['VIP', 'perk:VIP:partner-1', 'Perk: VIP (closed event) for reaching 10 sales']);
  });

  it("plays the README's worked example", async () => {
    const example = {
      awards: [
        VIP_EVENT,
        GOLD,
        { code: 'PRO-COURSE', name: 'Pro sales course', type: 'TRAINING_ACCESS', metric: 'TRAININGS_COMPLETED', threshold: '0' },
      ],
    };
    // Anna's events in order, each with the stats that include it
    const steps: [string, ReturnType<typeof testEvent>, Partial<PartnerStats>][] = [];
    for (let n = 1; n <= 8; n++) {
      steps.push([`sale ${n}`, sale({ id: `s${n}`, amount: 1_100_000n }), { count: { SALE: n }, amount: { SALE: 1_100_000n * BigInt(n) } }]);
    }
    steps.push(['A-17', sale({ id: 's9', externalId: 'A-17', currency: 'USD', amount: 120_000n }), { count: { SALE: 9 }, amount: { SALE: 8_800_000n } }]);
    steps.push(['A-18', sale({ id: 's10', externalId: 'A-18', amount: 1_200_000n }), { count: { SALE: 10 }, amount: { SALE: 10_000_000n } }]);
    steps.push(['A-19', sale({ id: 's11', externalId: 'A-19', amount: 500_000n }), { count: { SALE: 11 }, amount: { SALE: 10_500_000n } }]);
    const sales = { SALE: 11 };
    const salesAmount = { SALE: 10_500_000n };
    steps.push(['T-1', { ...training, externalId: 'T-1' }, { count: { ...sales, TRAINING_COMPLETED: 1 }, amount: salesAmount }]);
    steps.push(['T-2', { ...training, id: 't2', externalId: 'T-2' }, { count: { ...sales, TRAINING_COMPLETED: 2 }, amount: salesAmount }]);
    const given: [string, string[]][] = [];
    for (const [name, event, stats] of steps) given.push([name, await codesFor(example, event, withStats(stats))]);
    expect(given.filter(([, codes]) => codes.length > 0)).toEqual([
      ['A-18', ['VIP-EVENT-2026', 'GOLD-STATUS']],
      ['T-1', ['PRO-COURSE']],
    ]);
    const [course] = await evaluate(example, training, withStats({ count: { TRAINING_COMPLETED: 1 } }));
    expect(course.explanation).toEqual({
      en: 'Perk: Pro sales course (training access) for the first training completed',
      ru: 'Привилегия: Pro sales course (доступ к обучению) за первый пройденный тренинг',
    });
  });

  it('refuses args that cannot describe perks, at their paths', () => {
    const paths = (raw: unknown) => {
      const parsed = parseArgs(scheme.args, raw);
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(paths({ awards: [] })).toEqual(['args.awards']);
    expect(paths({ awards: Array(21).fill(VIP_EVENT) })).toEqual(['args.awards']);
    expect(paths({ awards: Array(20).fill(VIP_EVENT) })).toEqual([]);
    const { code: _code, ...noCode } = VIP_EVENT;
    expect(paths({ awards: [VIP_EVENT, noCode] })).toEqual(['args.awards[1].code']);
    expect(paths({ awards: [{ ...VIP_EVENT, type: 'MONEY' }] })).toEqual(['args.awards[0].type']);
    expect(paths({ awards: [{ ...VIP_EVENT, metric: 'CLICKS' }] })).toEqual(['args.awards[0].metric']);
    expect(paths({ awards: [{ ...VIP_EVENT, threshold: '-1' }] })).toEqual(['args.awards[0].threshold']);
    expect(paths({ awards: [{ ...VIP_EVENT, threshold: '1e3' }] })).toEqual(['args.awards[0].threshold']);
  });
});
