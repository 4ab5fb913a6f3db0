import { defineRewardScheme } from '../scheme.js';
import { createTestBatch, createTestContext, createTestProgressContext, testEvent, testPartner } from './index.js';

// Dan sells; Carl sponsored Dan, Bea sponsored Carl, Ada sponsored Bea.
const ada = testPartner({ id: 'ada', name: 'Ada' });
const bea = testPartner({ id: 'bea', name: 'Bea', sponsorId: 'ada' });
const carl = testPartner({ id: 'carl', name: 'Carl', sponsorId: 'bea' });
const dan = testPartner({ id: 'dan', name: 'Dan', sponsorId: 'carl' });

describe('createTestContext', () => {
  it('walks the upline nearest first, at most the levels asked for', async () => {
    const ctx = createTestContext({ partners: [dan, carl, bea, ada] });
    const upline = async (id: string, levels: number) =>
      (await ctx.upline(id, levels)).map((member) => [member.depth, member.partner.id]);
    expect(await upline('dan', 10)).toEqual([
      [1, 'carl'],
      [2, 'bea'],
      [3, 'ada'],
    ]);
    expect(await upline('dan', 2)).toEqual([
      [1, 'carl'],
      [2, 'bea'],
    ]);
    expect(await upline('ada', 3)).toEqual([]);
  });

  it('refuses test data a real hierarchy could not hold', async () => {
    await expect(createTestContext({ partners: [dan, carl] }).upline('dan', 3)).rejects.toThrow(
      'partner bea is not among the test context',
    );
    const loop = [testPartner({ id: 'x', sponsorId: 'y' }), testPartner({ id: 'y', sponsorId: 'x' })];
    await expect(createTestContext({ partners: loop }).upline('x', 5)).rejects.toThrow('sponsor cycle through x');
    expect(() => createTestContext({ partners: [ada, ada] })).toThrow('test partner ada is listed twice');
  });

  it('looks partners up by id and answers null for an unknown one', async () => {
    const ctx = createTestContext({ partners: [ada] });
    expect(await ctx.partner('ada')).toEqual(ada);
    expect(await ctx.partner('nobody')).toBeNull();
  });

  it('fills stats that were left out with empty counts', async () => {
    const ctx = createTestContext({ stats: { ada: { count: { LEAD: 4 } } } });
    expect(await ctx.stats('ada')).toEqual({ count: { LEAD: 4 }, amount: {}, newCustomers: 0 });
    expect(await ctx.stats('bea')).toEqual({ count: {}, amount: {}, newCustomers: 0 });
  });

  it('has a RUB campaign and a fixed clock unless told otherwise', () => {
    const ctx = createTestContext();
    expect(ctx.campaign.currency).toBe('RUB');
    expect(ctx.now().toISOString()).toBe('2026-06-01T12:00:00.000Z');
    const usd = createTestContext({ campaign: { currency: 'USD' }, now: new Date('2027-01-01T00:00:00.000Z') });
    expect(usd.campaign.currency).toBe('USD');
    expect(usd.campaign.id).toBe('campaign-1');
    expect(usd.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('createTestBatch', () => {
  // One batch, in this order: Ada sells 100,00 ₽ (a first purchase), Bea sells 50,00 ₽, Ada
  // refunds 30,00 ₽, Ada sells 20 USD, Ada sells 200,00 ₽ the next day (Moscow time). Before the
  // batch, Ada had 2 sales for 1 000,00 ₽ stored, one of them that day.
  const at = (iso: string) => new Date(iso);
  const events = [
    testEvent({ id: 'e1', partner: ada, amount: 10_000n, firstPurchase: true, occurredAt: at('2026-06-01T10:00:00Z') }),
    testEvent({ id: 'e2', partner: bea, amount: 5_000n, occurredAt: at('2026-06-01T10:01:00Z') }),
    testEvent({ id: 'e3', type: 'REFUND', partner: ada, amount: 3_000n, occurredAt: at('2026-06-01T10:02:00Z') }),
    testEvent({ id: 'e4', partner: ada, amount: 2_000n, currency: 'USD', occurredAt: at('2026-06-01T10:03:00Z') }),
    // 21:30 UTC is 00:30 on 2 June in Moscow: another local day.
    testEvent({ id: 'e5', partner: ada, amount: 20_000n, occurredAt: at('2026-06-01T21:30:00Z') }),
  ];
  const contexts = createTestBatch(events, {
    partners: [ada, bea],
    timeZone: 'Europe/Moscow',
    stats: { ada: { count: { SALE: 2 }, amount: { SALE: 100_000n } } },
    dayStats: { ada: { count: { SALE: 1 }, amount: { SALE: 40_000n } } },
  });

  it('counts the stored stats plus the batch up to and including the evaluated event, as the engine does', async () => {
    const adaStats = await Promise.all(contexts.map((ctx) => ctx.stats('ada')));
    // e1: 2 stored + e1 = 3 sales, 1 000,00 + 100,00 = 1 100,00 ₽, 1 new customer.
    expect(adaStats[0]).toEqual({ count: { SALE: 3 }, amount: { SALE: 110_000n }, newCustomers: 1 });
    // e2 is Bea's: Ada's stats are as after e1.
    expect(adaStats[1]).toEqual(adaStats[0]);
    // e3: the refund counts as a REFUND of 30,00 ₽.
    expect(adaStats[2]).toEqual({ count: { SALE: 3, REFUND: 1 }, amount: { SALE: 110_000n, REFUND: 3_000n }, newCustomers: 1 });
    // e4: a sale in USD counts as a sale, its amount does not (the campaign is in RUB).
    expect(adaStats[3]).toEqual({ count: { SALE: 4, REFUND: 1 }, amount: { SALE: 110_000n, REFUND: 3_000n }, newCustomers: 1 });
    // e5: 5 sales, 1 100,00 + 200,00 = 1 300,00 ₽.
    expect(adaStats[4]).toEqual({ count: { SALE: 5, REFUND: 1 }, amount: { SALE: 130_000n, REFUND: 3_000n }, newCustomers: 1 });
    // Bea: nothing stored; her sale counts from e2 on, not before.
    expect(await contexts[0].stats('bea')).toEqual({ count: {}, amount: {}, newCustomers: 0 });
    expect(await contexts[4].stats('bea')).toEqual({ count: { SALE: 1 }, amount: { SALE: 5_000n }, newCustomers: 0 });
  });

  it("counts a day's stats in the program's local day of the evaluated event", async () => {
    // e4, 1 June in Moscow: 1 stored + e1 + e4 = 3 sales, 400,00 + 100,00 = 500,00 ₽ (USD left out), and e3's refund.
    expect(await contexts[3].stats('ada', 'DAY')).toEqual({ count: { SALE: 3, REFUND: 1 }, amount: { SALE: 50_000n, REFUND: 3_000n }, newCustomers: 1 });
    // e5, 2 June in Moscow: the stored day stats as given, plus e5 alone.
    expect(await contexts[4].stats('ada', 'DAY')).toEqual({ count: { SALE: 2 }, amount: { SALE: 60_000n }, newCustomers: 0 });
  });

  it("leaves out the batch's events outside the campaign's dates", async () => {
    const [, , , , last] = createTestBatch(events, { partners: [ada, bea], campaign: { endsAt: at('2026-06-01T12:00:00Z') } });
    // e5 is after the campaign's end: e1 and e4 remain as sales, 100,00 ₽ in RUB.
    expect(await last.stats('ada')).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 10_000n, REFUND: 3_000n }, newCustomers: 1 });
  });

  it('lets a goal be reached by the event that reaches it, and by no earlier one of the batch', async () => {
    // A goal of 4 sales in the campaign: Ada had 2 stored; e1 makes 3, e4 makes 4.
    const goal = defineRewardScheme({
      code: 'four-sales',
      version: '1.0.0',
      name: { en: 'Four sales', ru: 'Четыре продажи' },
      description: { en: 'A badge at the fourth sale.', ru: 'Значок за четвёртую продажу.' },
      args: {},
      eventTypes: ['SALE'],
      async evaluate(event, _args, ctx) {
        const sales = (await ctx.stats(event.partner.id)).count.SALE ?? 0;
        if (sales < 4) return [];
        return [{ partnerId: event.partner.id, kind: 'BADGE', amount: 1n, unit: 'FOUR', key: 'four', explanation: { en: 'Four sales', ru: 'Четыре продажи' } }];
      },
    });
    const reached: string[] = [];
    for (const [index, event] of events.entries()) {
      if (event.type === 'SALE' && (await goal.evaluate!(event, {}, contexts[index])).length > 0) reached.push(event.id);
    }
    // e4 reaches it; e5 proposes the same key again, which the ledger keeps once.
    expect(reached).toEqual(['e4', 'e5']);
  });
});

describe('createTestBatch with stored events: month, quarter and rolling windows', () => {
  // Vladivostok (UTC+10). Stored before the batch, Ada's sales: 29 Jan 10:00 local (100,00 ₽),
  // 28 Feb 23:30 local (200,00 ₽), 1 Mar 00:30 local (400,00 ₽, a first purchase) and a refund of
  // 50,00 ₽ on 10 Mar; Bea's 25 Mar sale (800,00 ₽). The batch: Ada sells 1 000,00 ₽ on
  // 31 Mar 23:30 local, then 2 000,00 ₽ on 1 Apr 00:30 local.
  const at = (iso: string) => new Date(iso);
  const stored = [
    testEvent({ id: 's1', partner: ada, amount: 10_000n, occurredAt: at('2026-01-29T00:00:00Z') }),
    testEvent({ id: 's2', partner: ada, amount: 20_000n, occurredAt: at('2026-02-28T13:30:00Z') }),
    testEvent({ id: 's3', partner: ada, amount: 40_000n, firstPurchase: true, occurredAt: at('2026-02-28T14:30:00Z') }),
    testEvent({ id: 's4', type: 'REFUND', partner: ada, amount: 5_000n, occurredAt: at('2026-03-10T02:00:00Z') }),
    testEvent({ id: 's5', partner: bea, amount: 80_000n, occurredAt: at('2026-03-25T02:00:00Z') }),
  ];
  const batch = [
    testEvent({ id: 'b1', partner: ada, amount: 100_000n, occurredAt: at('2026-03-31T13:30:00Z') }),
    testEvent({ id: 'b2', partner: ada, amount: 200_000n, occurredAt: at('2026-03-31T14:30:00Z') }),
  ];
  const [first, second] = createTestBatch(batch, { partners: [ada, bea], timeZone: 'Asia/Vladivostok', storedEvents: stored });

  it('counts the local month of the evaluated event', async () => {
    // b1 (31 Mar local): March holds s3 (400,00), the refund s4 (50,00) and b1 (1 000,00); s2 was 28 Feb local.
    expect(await first.stats('ada', 'MONTH')).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 140_000n, REFUND: 5_000n }, newCustomers: 1 });
    // b2 (1 Apr local): April holds b2 alone; b1 is in March.
    expect(await second.stats('ada', 'MONTH')).toEqual({ count: { SALE: 1 }, amount: { SALE: 200_000n }, newCustomers: 0 });
  });

  it('counts the local quarter of the evaluated event', async () => {
    // b1: Q1 = s1 + s2 + s3 + b1 = 100 + 200 + 400 + 1 000 = 1 700,00 ₽ of sales, and the refund.
    expect(await first.stats('ada', 'QUARTER')).toEqual({ count: { SALE: 4, REFUND: 1 }, amount: { SALE: 170_000n, REFUND: 5_000n }, newCustomers: 1 });
    // b2: Q2 holds b2 alone.
    expect(await second.stats('ada', 'QUARTER')).toEqual({ count: { SALE: 1 }, amount: { SALE: 200_000n }, newCustomers: 0 });
  });

  it('counts the rolling days before the evaluated event, old sales sliding out', async () => {
    // b2 is 2026-03-31T14:30Z; 30 × 24 h earlier is 2026-03-01T14:30Z: s2 and s3 (28 Feb UTC) have left,
    // the refund s4, b1 and b2 remain.
    expect(await second.stats('ada', { rollingDays: 30 })).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 300_000n, REFUND: 5_000n }, newCustomers: 0 });
    // 31 × 24 h reach back to 2026-02-28T14:30Z, exactly s3's instant, which is left out; s2 is older.
    expect(await second.stats('ada', { rollingDays: 31 })).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 300_000n, REFUND: 5_000n }, newCustomers: 0 });
    // 32 days take s2 and s3 in.
    expect(await second.stats('ada', { rollingDays: 32 })).toEqual({ count: { SALE: 4, REFUND: 1 }, amount: { SALE: 360_000n, REFUND: 5_000n }, newCustomers: 1 });
    // One day before b1: b1 alone (the batch's later b2 is not counted yet).
    expect(await first.stats('ada', { rollingDays: 1 })).toEqual({ count: { SALE: 1 }, amount: { SALE: 100_000n }, newCustomers: 0 });
  });

  it('counts stored events on top of the given stats, and refuses an unknown window as the engine does', async () => {
    const [ctx] = createTestBatch(batch, { partners: [ada, bea], timeZone: 'Asia/Vladivostok', storedEvents: stored, stats: { bea: { count: { LEAD: 2 } } } });
    // Bea: 2 leads given, her stored sale and nothing of the batch.
    expect(await ctx.stats('bea')).toEqual({ count: { LEAD: 2, SALE: 1 }, amount: { SALE: 80_000n }, newCustomers: 0 });
    await expect(ctx.stats('ada', { rollingDays: 367 })).rejects.toThrow('ctx.stats: window.rollingDays must be a whole number of days from 1 to 366, got 367');
  });
});

describe('test factories', () => {
  it('make a 12 000,00 ₽ sale, order A-17, by an ambassador without a sponsor', () => {
    const event = testEvent();
    expect([event.type, event.externalId, event.amount, event.currency]).toEqual(['SALE', 'A-17', 1_200_000n, 'RUB']);
    expect(event.partner).toEqual({
      id: 'partner-1',
      name: 'Anna',
      kind: 'AMBASSADOR',
      regionId: null,
      segment: null,
      level: 1,
      status: 'ACTIVE',
      referralCode: 'REF-PARTNER-1',
      sponsorId: null,
    });
    expect(testPartner({ id: 'p-7' }).referralCode).toBe('REF-P-7');
  });
});

describe('createTestProgressContext', () => {
  // Now is 2026-06-01 12:00 UTC: June is the open month, Q2 the open quarter.
  const sale = (id: string, partner: typeof ada, at: string, amount: bigint) => testEvent({ id, externalId: id, partner, occurredAt: new Date(at), amount });
  const storedEvents = [
    sale('s1', ada, '2026-04-10T00:00:00Z', 100_00n),
    sale('s2', ada, '2026-05-31T23:59:59Z', 200_00n),
    sale('s3', ada, '2026-06-01T08:00:00Z', 400_00n),
    sale('s4', carl, '2026-06-01T09:00:00Z', 800_00n),
  ];
  const ctx = createTestProgressContext({ partners: [ada, bea, carl, dan], storedEvents, periodStats: { dan: { newCustomers: 2 } } });

  it('opens the month and quarter of now', () => {
    expect(ctx.period('MONTH')).toEqual({ key: '2026-06', unit: 'MONTH', startsAt: new Date('2026-06-01T00:00:00Z'), endsAt: new Date('2026-07-01T00:00:00Z') });
    expect(ctx.period('QUARTER').key).toBe('2026-Q2');
  });

  it("counts a partner's events in the open period, or in the periods before it too", async () => {
    expect((await ctx.periodStats('ada', ctx.period('MONTH'))).amount.SALE).toBe(400_00n);
    expect((await ctx.periodStats('ada', ctx.period('MONTH'), { periods: 2 })).amount.SALE).toBe(600_00n);
    expect((await ctx.periodStats('ada', ctx.period('QUARTER'))).amount.SALE).toBe(700_00n);
    expect((await ctx.stats('ada', 'MONTH')).amount.SALE).toBe(400_00n);
  });

  it('lists as participants those with events or given stats in the period, by id; everyone adds the rest', async () => {
    const ids = async (options?: { everyone?: boolean }) => (await ctx.participants(ctx.period('MONTH'), options)).map(({ partner }) => partner.id);
    expect(await ids()).toEqual(['ada', 'carl', 'dan']);
    expect(await ids({ everyone: true })).toEqual(['ada', 'bea', 'carl', 'dan']);
  });
});
