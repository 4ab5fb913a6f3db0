import { parseArgs, type JsonObject, type PartnerStats, type ProgressContext } from '@cofactor/schema';
import { createTestContext, createTestProgressContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

/** 10 leads pay 5 000,00 ₽. */
const LEAD_GOAL: JsonObject = { metric: 'LEADS', target: 10, amount: '500000' };
/** 3 new customers pay 3 000,00 ₽. */
const CUSTOMER_GOAL: JsonObject = { metric: 'NEW_CUSTOMERS', target: 3, amount: '300000' };
/** 1 event hosted pays 1 000,00 ₽. */
const EVENT_GOAL: JsonObject = { metric: 'EVENTS_HOSTED', target: 1, amount: '100000' };

const lead = testEvent({ id: 'event-10', externalId: 'L-10', type: 'LEAD', amount: null, currency: null });
const firstSale = testEvent({ firstPurchase: true });
const hosted = testEvent({ id: 'event-3', externalId: 'EV-3', type: 'EVENT_HOSTED', amount: null, currency: null });

function statsOf(stats: Partial<PartnerStats>) {
  return createTestContext({ stats: { 'partner-1': stats } });
}

describeRewardSchemeConformance(scheme, {
  validArgs: [LEAD_GOAL, CUSTOMER_GOAL, EVENT_GOAL],
  samples: [
    { name: 'lead reaching the target', event: lead, context: statsOf({ count: { LEAD: 10 } }) },
    { name: 'lead below the target', event: lead, context: statsOf({ count: { LEAD: 9 } }) },
    { name: 'first purchase', event: firstSale, args: CUSTOMER_GOAL, context: statsOf({ newCustomers: 3 }) },
    { name: 'event hosted', event: hosted, args: EVENT_GOAL, context: statsOf({ count: { EVENT_HOSTED: 1 } }) },
  ],
  progressSamples: [
    { name: '7 of 10 leads', partner: testPartner(), context: createTestProgressContext({ stats: { 'partner-1': { count: { LEAD: 7 } } } }) },
    {
      name: 'new customers goal reached',
      partner: testPartner(),
      args: CUSTOMER_GOAL,
      context: createTestProgressContext({ stats: { 'partner-1': { newCustomers: 3 } } }),
    },
  ],
});

async function evaluate(raw: JsonObject, event = lead, ctx = createTestContext()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

describe('fixed-goal', () => {
  it('pays nothing below the target', async () => {
    expect(await evaluate(LEAD_GOAL, lead, statsOf({ count: { LEAD: 9 } }))).toEqual([]);
    // No LEAD count at all is 0 leads.
    expect(await evaluate(LEAD_GOAL, lead, statsOf({ count: { SALE: 40 } }))).toEqual([]);
  });

  it('pays the fixed amount when the counter reaches the target', async () => {
    expect(await evaluate(LEAD_GOAL, lead, statsOf({ count: { LEAD: 10 } }))).toEqual([
      {
        partnerId: 'partner-1',
        kind: 'MONEY',
        amount: 500_000n,
        unit: 'RUB',
        key: 'goal:partner-1:LEADS:10',
        explanation: { en: 'Goal reached: 10 leads (lead L-10)', ru: 'Цель достигнута: 10 лидов (лид L-10)' },
        details: { metric: 'LEADS', target: 10, reached: 10 },
        // A refund of the sale or lead that reached the goal does not undo it.
        reversal: 'NONE',
      },
    ]);
  });

  it('proposes the same key past the target, so the engine pays the goal once', async () => {
    const [atTarget] = await evaluate(LEAD_GOAL, lead, statsOf({ count: { LEAD: 10 } }));
    const later = testEvent({ id: 'event-11', externalId: 'L-11', type: 'LEAD', amount: null, currency: null });
    const [pastTarget] = await evaluate(LEAD_GOAL, later, statsOf({ count: { LEAD: 11 } }));
    expect(pastTarget.key).toBe(atTarget.key);
    expect(pastTarget.amount).toBe(500_000n);
  });

  it("counts the event's own partner only", async () => {
    const ctx = createTestContext({ stats: { 'partner-2': { count: { LEAD: 10 } } } });
    expect(await evaluate(LEAD_GOAL, lead, ctx)).toEqual([]);
    const other = testEvent({ ...lead, partner: testPartner({ id: 'partner-2' }) });
    const [draft] = await evaluate(LEAD_GOAL, other, ctx);
    expect(draft.partnerId).toBe('partner-2');
    expect(draft.key).toBe('goal:partner-2:LEADS:10');
  });

  it('counts new customers on first purchases only', async () => {
    const ctx = statsOf({ newCustomers: 3 });
    const [draft] = await evaluate(CUSTOMER_GOAL, firstSale, ctx);
    expect(draft.amount).toBe(300_000n);
    expect(draft.key).toBe('goal:partner-1:NEW_CUSTOMERS:3');
    expect(draft.explanation).toEqual({
      en: 'Goal reached: 3 new customers (order A-17)',
      ru: 'Цель достигнута: 3 новых клиента (заказ A-17)',
    });
    // A repeat purchase adds no new customer, so it cannot be the one that reaches the goal.
    expect(await evaluate(CUSTOMER_GOAL, testEvent({ firstPurchase: false }), ctx)).toEqual([]);
  });

  it('pays for events hosted', async () => {
    const [draft] = await evaluate(EVENT_GOAL, hosted, statsOf({ count: { EVENT_HOSTED: 1 } }));
    expect(draft.amount).toBe(100_000n);
    expect(draft.explanation).toEqual({
      en: 'Goal reached: 1 event hosted (event EV-3)',
      ru: 'Цель достигнута: 1 проведённое мероприятие (мероприятие EV-3)',
    });
  });

  it("ignores events that are not the metric's type", async () => {
    const busy = statsOf({ count: { LEAD: 50, EVENT_HOSTED: 50 }, newCustomers: 50 });
    expect(await evaluate(LEAD_GOAL, firstSale, busy)).toEqual([]);
    expect(await evaluate(CUSTOMER_GOAL, lead, busy)).toEqual([]);
    expect(await evaluate(EVENT_GOAL, lead, busy)).toEqual([]);
  });

  it('pays in the campaign currency', async () => {
    const ctx = createTestContext({ campaign: { currency: 'USD' }, stats: { 'partner-1': { count: { LEAD: 10 } } } });
    const [draft] = await evaluate(LEAD_GOAL, lead, ctx);
    expect(draft.unit).toBe('USD');
  });

  it.each([
    [1, '1 lead', '1 лид'],
    [2, '2 leads', '2 лида'],
    [5, '5 leads', '5 лидов'],
    [11, '11 leads', '11 лидов'],
    [21, '21 leads', '21 лид'],
    [22, '22 leads', '22 лида'],
    [112, '112 leads', '112 лидов'],
  ])('writes a goal of %i as "%s" / "%s"', async (target, en, ru) => {
    const [draft] = await evaluate({ ...LEAD_GOAL, target }, lead, statsOf({ count: { LEAD: target } }));
    expect(draft.explanation).toEqual({ en: `Goal reached: ${en} (lead L-10)`, ru: `Цель достигнута: ${ru} (лид L-10)` });
  });
});

async function progress(raw: JsonObject, ctx: ProgressContext) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.progress!(testPartner(), parsed.values, ctx);
}

describe('fixed-goal progress', () => {
  it('reports 3 of 5 new customers in the campaign, counting first purchases in its dates only', async () => {
    const sale = (id: string, at: string, overrides: Parameters<typeof testEvent>[0] = {}) =>
      testEvent({ id, externalId: id, occurredAt: new Date(at), firstPurchase: true, ...overrides });
    const ctx = createTestProgressContext({
      campaign: { endsAt: new Date('2027-01-01T00:00:00Z') },
      storedEvents: [
        // Three first purchases in the campaign: 3 new customers.
        sale('A-1', '2026-02-10T09:00:00Z'),
        sale('A-2', '2026-04-01T09:00:00Z'),
        sale('A-3', '2026-05-31T09:00:00Z'),
        // A repeat purchase, a first purchase before the campaign began and another partner's: none count.
        sale('A-4', '2026-05-31T10:00:00Z', { firstPurchase: false }),
        sale('A-5', '2025-12-31T23:00:00Z'),
        sale('A-6', '2026-05-01T09:00:00Z', { partner: testPartner({ id: 'partner-2' }) }),
      ],
    });
    expect(await progress({ metric: 'NEW_CUSTOMERS', target: 5, amount: '300000' }, ctx)).toEqual([
      {
        key: 'goal',
        label: { en: 'New customers in the campaign', ru: 'Новые клиенты за кампанию' },
        current: 3n,
        threshold: 5n,
        unit: 'COUNT',
        reward: { en: 'Bonus RUB 3,000.00', ru: 'Бонус 3\u00a0000,00\u00a0₽' },
        endsAt: new Date('2027-01-01T00:00:00Z'),
      },
    ]);
  });

  it('says the goal is reached exactly when evaluate pays it: 9 of 10 leads not, 10 and 12 of 10 yes', async () => {
    const reachedAndPaid = async (leads: number) => {
      const stats = { 'partner-1': { count: { LEAD: leads } } };
      const [target] = await progress(LEAD_GOAL, createTestProgressContext({ stats }));
      const paid = await evaluate(LEAD_GOAL, lead, createTestContext({ stats }));
      return [target.current, target.threshold, target.current >= target.threshold, paid.length === 1];
    };
    expect(await reachedAndPaid(9)).toEqual([9n, 10n, false, false]);
    expect(await reachedAndPaid(10)).toEqual([10n, 10n, true, true]);
    // Past the target stays reached (the engine keeps the one payment).
    expect(await reachedAndPaid(12)).toEqual([12n, 10n, true, true]);
  });

  it('reports the bonus in the campaign currency, and no end for a campaign without one', async () => {
    const ctx = createTestProgressContext({ campaign: { currency: 'USD' }, stats: { 'partner-1': { count: { EVENT_HOSTED: 1 } } } });
    const [target] = await progress(EVENT_GOAL, ctx);
    // 1 event hosted of 1: 100 000 cents = USD 1,000.00
    expect([target.label.en, target.current, target.threshold, target.reward.en, target.endsAt]).toEqual([
      'Events hosted in the campaign',
      1n,
      1n,
      'Bonus USD 1,000.00',
      null,
    ]);
  });
});
