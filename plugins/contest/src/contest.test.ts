import { createTestPeriodContext, createTestProgressContext, describeRewardSchemeConformance, testEvent, testPartner, testPeriod } from '@cofactor/schema/testing';
import { parseArgs, type JsonObject, type PartnerSnapshot, type PartnerStats, type Period, type ProgressContext } from '@cofactor/schema';
import { scheme } from './index.js';

const march = testPeriod('2026-03');

// Prizes: 10 000,00 ₽ for place 1, 5 000,00 ₽ for place 2, 2 000,00 ₽ for place 3.
const PODIUM = { metric: 'SALES_AMOUNT', prizes: [{ amount: '1000000' }, { amount: '500000' }, { amount: '200000' }] };

type Participant = [PartnerSnapshot, Partial<PartnerStats>];

const anna = testPartner({ id: '1', name: 'Anna', regionId: '7', kind: 'DEALER' });
const boris = testPartner({ id: '2', name: 'Boris', regionId: '7', kind: 'AMBASSADOR' });
const vera = testPartner({ id: '3', name: 'Vera', regionId: '8', kind: 'DEALER' });
const gleb = testPartner({ id: '4', name: 'Gleb', regionId: null, kind: 'AMBASSADOR' });
const dina = testPartner({ id: '5', name: 'Dina', regionId: '8', kind: 'DEALER' });

const MARCH_SALES: Participant[] = [
  // 500 000,00 ₽
  [anna, { amount: { SALE: 50_000_000n } }],
  // 520 000,00 ₽ − 20 000,00 ₽ refunded = 500 000,00 ₽: tied with Anna
  [boris, { amount: { SALE: 52_000_000n, REFUND: 2_000_000n } }],
  // 400 000,00 ₽
  [vera, { amount: { SALE: 40_000_000n } }],
  // 300 000,00 ₽
  [gleb, { amount: { SALE: 30_000_000n } }],
  // leads only: sales volume 0, not above the minimum 0, so never placed
  [dina, { count: { LEAD: 10 } }],
];

function close(args: JsonObject, participants: Participant[], period: Period = march) {
  const parsed = parseArgs(scheme.args, args);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const ctx = createTestPeriodContext({ period, participants: participants.map(([partner, stats]) => ({ partner, stats })) });
  return scheme.closePeriod!(period, parsed.values, ctx);
}

async function awarded(args: JsonObject, participants: Participant[]) {
  return (await close(args, participants)).map((draft) => [draft.partnerId, draft.details?.place, draft.amount]);
}

// --- progress ---

/** March 20th, 2026: March is the open month. */
const MARCH_20 = new Date('2026-03-20T12:00:00.000Z');
const APRIL_1 = new Date('2026-04-01T00:00:00.000Z');

/** March so far as MARCH_SALES, and a 200 000,00 ₽ sale of Gleb's in February, which is not March's. */
const marchSoFar = (participants: Participant[] = MARCH_SALES, campaign: { endsAt?: Date } = {}) =>
  createTestProgressContext({
    partners: participants.map(([partner]) => partner),
    periodStats: Object.fromEntries(participants.map(([partner, stats]) => [partner.id, stats])),
    storedEvents: [testEvent({ id: 'g-feb', externalId: 'g-feb', partner: gleb, amount: 20_000_000n, occurredAt: new Date('2026-02-27T10:00:00Z') })],
    now: MARCH_20,
    campaign,
  });

async function progress(args: JsonObject, partner: PartnerSnapshot, ctx: ProgressContext) {
  const parsed = parseArgs(scheme.args, args);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.progress!(partner, parsed.values, ctx);
}

/** [key, current, threshold] of each target. */
async function standing(args: JsonObject, partner: PartnerSnapshot, ctx: ProgressContext = marchSoFar()) {
  return (await progress(args, partner, ctx)).map((target) => [target.key, target.current, target.threshold]);
}

describeRewardSchemeConformance(scheme, {
  validArgs: [
    PODIUM,
    {
      metric: 'LEADS',
      groupBy: 'REGION',
      minimum: '2.5',
      period: 'QUARTER',
      prizes: [{ kind: 'PERK', perk: 'CLOSED-EVENT' }, { kind: 'POINTS', amount: '15050' }, { kind: 'MONEY', amount: '0' }],
    },
    { metric: 'EVENTS_HOSTED', groupBy: 'KIND', prizes: [{ kind: 'PERK' }] },
  ],
  progressSamples: [
    { name: 'Vera, third by sales volume', partner: vera, context: marchSoFar() },
    {
      name: 'Dina, leads per region',
      partner: dina,
      args: { metric: 'LEADS', groupBy: 'REGION', minimum: '2.5', prizes: [{ kind: 'PERK', perk: 'CLOSED-EVENT' }, { kind: 'POINTS', amount: '15050' }] },
      context: marchSoFar(),
    },
  ],
  periodSamples: [
    { period: march, context: createTestPeriodContext({ period: march, participants: MARCH_SALES.map(([partner, stats]) => ({ partner, stats })) }) },
    {
      name: 'per region, perks and points',
      period: march,
      args: {
        metric: 'SALES_AMOUNT',
        groupBy: 'REGION',
        prizes: [{ kind: 'PERK', perk: 'CLOSED-EVENT' }, { kind: 'POINTS', amount: '15050' }],
      },
      context: createTestPeriodContext({ period: march, participants: MARCH_SALES.map(([partner, stats]) => ({ partner, stats })) }),
    },
  ],
});

describe('contest', () => {
  it('gives each partner tied for a place that place’s prize, and skips the places the tie took', async () => {
    const drafts = await close(PODIUM, MARCH_SALES);
    expect(drafts.map((draft) => [draft.partnerId, draft.kind, draft.amount, draft.unit, draft.key])).toEqual([
      // Anna and Boris, 500 000,00 ₽ each: both place 1, both the first prize; by partner id
      ['1', 'MONEY', 1_000_000n, 'RUB', 'contest:2026-03:all:1'],
      ['2', 'MONEY', 1_000_000n, 'RUB', 'contest:2026-03:all:2'],
      // Vera, 400 000,00 ₽: two partners above her, so place 3 and the third prize (no place 2)
      ['3', 'MONEY', 200_000n, 'RUB', 'contest:2026-03:all:3'],
      // Gleb: place 4, and there are only 3 prizes. Dina: nothing sold.
    ]);
    expect(drafts[0].explanation).toEqual({
      en: 'Contest 2026-03, sales volume RUB 500,000.00: place 1 (shared by 2): RUB 10,000.00',
      ru: 'Конкурс 2026-03, объём продаж 500\u00a0000,00\u00a0₽: 1-е место (делят 2 участника): 10\u00a0000,00\u00a0₽',
    });
    expect(drafts[2].explanation).toEqual({
      en: 'Contest 2026-03, sales volume RUB 400,000.00: place 3: RUB 2,000.00',
      ru: 'Конкурс 2026-03, объём продаж 400\u00a0000,00\u00a0₽: 3-е место: 2\u00a0000,00\u00a0₽',
    });
    expect(drafts[0].details).toEqual({ period: '2026-03', metric: 'SALES_AMOUNT', value: '50000000', place: 1, sharedBy: 2, group: 'all' });
    expect(drafts[2].details).toEqual({ period: '2026-03', metric: 'SALES_AMOUNT', value: '40000000', place: 3, sharedBy: 1, group: 'all' });
  });

  it('ranks "1 2 2 2 5" for a three-way tie below the leader', async () => {
    const prizes = ['500', '400', '300', '200', '100'].map((amount) => ({ amount }));
    const sales = (partner: PartnerSnapshot, SALE: number): Participant => [partner, { count: { SALE } }];
    expect(
      await awarded({ metric: 'SALES_COUNT', prizes }, [sales(anna, 9), sales(boris, 7), sales(vera, 7), sales(gleb, 7), sales(dina, 5)]),
    ).toEqual([
      ['1', 1, 500n],
      // three partners at 7 sales: each place 2, each the second prize
      ['2', 2, 400n],
      ['3', 2, 400n],
      ['4', 2, 400n],
      // four partners above: place 5, the fifth prize (places 3 and 4 are taken by the tie)
      ['5', 5, 100n],
    ]);
  });

  it('orders a tie by partner id, numerically for numeric ids', async () => {
    const nine = testPartner({ id: '9' });
    const ten = testPartner({ id: '10' });
    const drafts = await close({ metric: 'LEADS', prizes: [{ amount: '100' }] }, [
      [ten, { count: { LEAD: 3 } }],
      [nine, { count: { LEAD: 3 } }],
    ]);
    // "10" < "9" as text, but 9 < 10 as ids
    expect(drafts.map((draft) => draft.key)).toEqual(['contest:2026-03:all:9', 'contest:2026-03:all:10']);
  });

  it('ranks each region separately; partners without a region rank together', async () => {
    const drafts = await close({ ...PODIUM, groupBy: 'REGION' }, MARCH_SALES);
    expect(drafts.map((draft) => [draft.partnerId, draft.details?.place, draft.amount, draft.key])).toEqual([
      // region 7: Anna and Boris tied at 500 000,00 ₽, both place 1
      ['1', 1, 1_000_000n, 'contest:2026-03:7:1'],
      ['2', 1, 1_000_000n, 'contest:2026-03:7:2'],
      // region 8: Vera place 1 (Dina sold nothing)
      ['3', 1, 1_000_000n, 'contest:2026-03:8:3'],
      // no region: Gleb alone, place 1
      ['4', 1, 1_000_000n, 'contest:2026-03:none:4'],
    ]);
    expect(drafts[0].explanation.en).toBe('Contest 2026-03, sales volume RUB 500,000.00: place 1 (region 7, shared by 2): RUB 10,000.00');
    expect(drafts[2].explanation).toEqual({
      en: 'Contest 2026-03, sales volume RUB 400,000.00: place 1 (region 8): RUB 10,000.00',
      ru: 'Конкурс 2026-03, объём продаж 400\u00a0000,00\u00a0₽: 1-е место (регион 8): 10\u00a0000,00\u00a0₽',
    });
    expect(drafts[3].explanation).toEqual({
      en: 'Contest 2026-03, sales volume RUB 300,000.00: place 1 (no region): RUB 10,000.00',
      ru: 'Конкурс 2026-03, объём продаж 300\u00a0000,00\u00a0₽: 1-е место (без региона): 10\u00a0000,00\u00a0₽',
    });
    expect(drafts[3].details).toMatchObject({ group: 'none', place: 1 });
  });

  it('ranks each partner kind separately', async () => {
    const drafts = await close({ ...PODIUM, groupBy: 'KIND' }, MARCH_SALES);
    expect(drafts.map((draft) => [draft.partnerId, draft.details?.place, draft.amount, draft.key])).toEqual([
      // AMBASSADOR: Boris 500 000,00 ₽ place 1, Gleb 300 000,00 ₽ place 2
      ['2', 1, 1_000_000n, 'contest:2026-03:AMBASSADOR:2'],
      ['4', 2, 500_000n, 'contest:2026-03:AMBASSADOR:4'],
      // DEALER: Anna 500 000,00 ₽ place 1, Vera 400 000,00 ₽ place 2 (Dina sold nothing)
      ['1', 1, 1_000_000n, 'contest:2026-03:DEALER:1'],
      ['3', 2, 500_000n, 'contest:2026-03:DEALER:3'],
    ]);
    expect(drafts[3].explanation).toEqual({
      en: 'Contest 2026-03, sales volume RUB 400,000.00: place 2 among DEALER partners: RUB 5,000.00',
      ru: 'Конкурс 2026-03, объём продаж 400\u00a0000,00\u00a0₽: 2-е место среди партнёров DEALER: 5\u00a0000,00\u00a0₽',
    });
  });

  it('places only a metric strictly above the minimum', async () => {
    const sales = (partner: PartnerSnapshot, SALE: number): Participant => [partner, { count: { SALE } }];
    const field = [sales(anna, 4), sales(boris, 3), [vera, { count: { LEAD: 8 } }] as Participant];
    // minimum 3: Anna's 4 > 3 is placed; Boris's 3 is not above 3; Vera sold nothing
    expect(await awarded({ metric: 'SALES_COUNT', minimum: '3', prizes: [{ amount: '100' }, { amount: '50' }] }, field)).toEqual([['1', 1, 100n]]);
    // the default minimum 0: Anna 1st, Boris 2nd, Vera with 0 sales still nothing
    expect(await awarded({ metric: 'SALES_COUNT', prizes: [{ amount: '100' }, { amount: '50' }, { amount: '10' }] }, field)).toEqual([
      ['1', 1, 100n],
      ['2', 2, 50n],
    ]);
    // a sales volume below zero (refunds only) is not above 0 either
    expect(await awarded(PODIUM, [[anna, { amount: { REFUND: 100n } }]])).toEqual([]);
    // a fractional minimum compares exactly: 3 > 2.999999, and 3 is not above 3.000001
    expect(await awarded({ metric: 'SALES_COUNT', minimum: '2.999999', prizes: [{ amount: '100' }] }, [sales(boris, 3)])).toEqual([['2', 1, 100n]]);
    expect(await awarded({ metric: 'SALES_COUNT', minimum: '3.000001', prizes: [{ amount: '100' }] }, [sales(boris, 3)])).toEqual([]);
  });

  it('gives perks and points as prizes', async () => {
    const leads = (partner: PartnerSnapshot, LEAD: number): Participant => [partner, { count: { LEAD } }];
    const drafts = await close(
      {
        metric: 'LEADS',
        prizes: [
          { kind: 'PERK', perk: 'CLOSED-EVENT' },
          // 150.5 points, in hundredths
          { kind: 'POINTS', amount: '15050' },
          // a perk without a code is the perk PRIZE
          { kind: 'PERK' },
          // 1 point
          { kind: 'POINTS', amount: '100' },
        ],
      },
      [leads(anna, 40), leads(boris, 30), leads(vera, 20), leads(gleb, 10)],
    );
    expect(drafts.map((draft) => [draft.partnerId, draft.kind, draft.amount, draft.unit])).toEqual([
      ['1', 'PERK', 1n, 'CLOSED-EVENT'],
      ['2', 'POINTS', 15_050n, 'POINTS'],
      ['3', 'PERK', 1n, 'PRIZE'],
      ['4', 'POINTS', 100n, 'POINTS'],
    ]);
    expect(drafts.map((draft) => draft.explanation)).toEqual([
      { en: 'Contest 2026-03, 40 leads: place 1: perk CLOSED-EVENT', ru: 'Конкурс 2026-03, 40 лидов: 1-е место: привилегия CLOSED-EVENT' },
      { en: 'Contest 2026-03, 30 leads: place 2: 150.5 points', ru: 'Конкурс 2026-03, 30 лидов: 2-е место: 150,5 балла' },
      { en: 'Contest 2026-03, 20 leads: place 3: perk PRIZE', ru: 'Конкурс 2026-03, 20 лидов: 3-е место: привилегия PRIZE' },
      { en: 'Contest 2026-03, 10 leads: place 4: 1 point', ru: 'Конкурс 2026-03, 10 лидов: 4-е место: 1 балл' },
    ]);
  });

  it('ranks new customers and events hosted', async () => {
    expect(
      await awarded({ metric: 'NEW_CUSTOMERS', prizes: [{ amount: '300' }, { amount: '200' }] }, [
        [anna, { newCustomers: 2, count: { SALE: 9 } }],
        [boris, { newCustomers: 5, count: { SALE: 5 } }],
      ]),
    ).toEqual([
      ['2', 1, 300n],
      ['1', 2, 200n],
    ]);
    const [hosted] = await close({ metric: 'EVENTS_HOSTED', prizes: [{ amount: '300' }] }, [[vera, { count: { EVENT_HOSTED: 1 } }]]);
    expect(hosted.explanation).toEqual({
      en: 'Contest 2026-03, 1 event hosted: place 1: RUB 3.00',
      ru: 'Конкурс 2026-03, 1 проведённое мероприятие: 1-е место: 3,00\u00a0₽',
    });
  });

  it('pays nothing for a place whose prize is 0, and the place still counts', async () => {
    // Anna is place 1 with a zero prize; Boris is still place 2
    expect(await awarded({ metric: 'SALES_AMOUNT', prizes: [{ amount: '0' }, { amount: '500000' }] }, [
      [anna, { amount: { SALE: 2_000n } }],
      [boris, { amount: { SALE: 1_000n } }],
    ])).toEqual([['2', 2, 500_000n]]);
  });

  it('pays nothing for a close of another period unit', async () => {
    expect(await close(PODIUM, MARCH_SALES, testPeriod('2026-Q1'))).toEqual([]);
    expect(await close({ ...PODIUM, period: 'QUARTER' }, MARCH_SALES, march)).toEqual([]);
    const quarter = await close({ ...PODIUM, period: 'QUARTER' }, MARCH_SALES, testPeriod('2026-Q1'));
    expect(quarter.map((draft) => draft.key)).toEqual(['contest:2026-Q1:all:1', 'contest:2026-Q1:all:2', 'contest:2026-Q1:all:3']);
  });
});

describe('contest: progress', () => {
  it('sets each place’s threshold at the metric holding it now, written out with its prize', async () => {
    // March so far: Anna 500 000,00, Boris 500 000,00 (520 000,00 − 20 000,00), Vera 400 000,00,
    // Gleb 300 000,00 ₽. Vera holds place 3 (her own volume); places 1 and 2 are Anna's and Boris's.
    expect(await progress(PODIUM, vera, marchSoFar())).toEqual([
      {
        key: 'place:1',
        label: { en: 'Sales volume in 2026-03: place 1', ru: 'Объём продаж за 2026-03: 1-е место' },
        current: 40_000_000n,
        threshold: 50_000_000n,
        unit: 'RUB',
        reward: { en: 'Prize: RUB 10,000.00', ru: 'Приз: 10\u00a0000,00\u00a0₽' },
        endsAt: APRIL_1,
      },
      {
        key: 'place:2',
        label: { en: 'Sales volume in 2026-03: place 2', ru: 'Объём продаж за 2026-03: 2-е место' },
        current: 40_000_000n,
        threshold: 50_000_000n,
        unit: 'RUB',
        reward: { en: 'Prize: RUB 5,000.00', ru: 'Приз: 5\u00a0000,00\u00a0₽' },
        endsAt: APRIL_1,
      },
      {
        key: 'place:3',
        label: { en: 'Sales volume in 2026-03: place 3', ru: 'Объём продаж за 2026-03: 3-е место' },
        current: 40_000_000n,
        threshold: 40_000_000n,
        unit: 'RUB',
        reward: { en: 'Prize: RUB 2,000.00', ru: 'Приз: 2\u00a0000,00\u00a0₽' },
        endsAt: APRIL_1,
      },
    ]);
  });

  it('counts only the open period: Gleb’s February sale does not lift him to place 3', async () => {
    // Gleb: 300 000,00 ₽ in March (500 000,00 ₽ with February's), Vera's 400 000,00 ₽ holds place 3.
    expect(await standing(PODIUM, gleb)).toEqual([
      ['place:1', 30_000_000n, 50_000_000n],
      ['place:2', 30_000_000n, 50_000_000n],
      ['place:3', 30_000_000n, 40_000_000n],
    ]);
  });

  it('lets a tie take the place: Boris ties Anna for place 1', async () => {
    expect(await standing(PODIUM, boris)).toEqual([
      ['place:1', 50_000_000n, 50_000_000n],
      ['place:2', 50_000_000n, 50_000_000n],
      ['place:3', 50_000_000n, 40_000_000n],
    ]);
  });

  it('reaches first the place whose prize the close pays, on "1 2 2 2 5"', async () => {
    const prizes = ['500', '400', '300', '200', '100'].map((amount) => ({ amount }));
    const sales = (partner: PartnerSnapshot, SALE: number): Participant => [partner, { count: { SALE } }];
    const ctx = marchSoFar([sales(anna, 9), sales(boris, 7), sales(vera, 7), sales(gleb, 7), sales(dina, 5)]);
    // Gleb, one of three at 7 sales, is placed 2: places 2 to 5 are reached, place 1 needs Anna's 9.
    expect(await standing({ metric: 'SALES_COUNT', prizes }, gleb, ctx)).toEqual([
      ['place:1', 7n, 9n],
      ['place:2', 7n, 7n],
      ['place:3', 7n, 7n],
      ['place:4', 7n, 7n],
      ['place:5', 7n, 5n],
    ]);
    // Dina, 5 sales, is placed 5: only place 5 (her own) is reached.
    expect(await standing({ metric: 'SALES_COUNT', prizes }, dina, ctx)).toEqual([
      ['place:1', 5n, 9n],
      ['place:2', 5n, 7n],
      ['place:3', 5n, 7n],
      ['place:4', 5n, 7n],
      ['place:5', 5n, 5n],
    ]);
    const [target] = await progress({ metric: 'SALES_COUNT', prizes }, dina, ctx);
    expect([target.unit, target.label.en, target.reward.en]).toEqual(['COUNT', 'Sales in 2026-03: place 1', 'Prize: RUB 5.00']);
  });

  it('ranks only within the partner’s region or kind; an empty place takes anything above the minimum', async () => {
    // Region 8: Vera alone (Dina sold nothing). Place 2 is empty: 0,01 ₽ above the minimum 0 takes it.
    const region = await progress({ ...PODIUM, groupBy: 'REGION' }, vera, marchSoFar());
    expect(region.map((t) => [t.key, t.current, t.threshold, t.label.en])).toEqual([
      ['place:1', 40_000_000n, 40_000_000n, 'Sales volume in 2026-03: place 1 (region 8)'],
      ['place:2', 40_000_000n, 1n, 'Sales volume in 2026-03: place 2 (region 8)'],
      ['place:3', 40_000_000n, 1n, 'Sales volume in 2026-03: place 3 (region 8)'],
    ]);
    expect(region[0].label.ru).toBe('Объём продаж за 2026-03: 1-е место (регион 8)');
    // AMBASSADOR: Boris 500 000,00 ₽, then Gleb 300 000,00 ₽.
    const kind = await progress({ ...PODIUM, groupBy: 'KIND' }, gleb, marchSoFar());
    expect(kind.map((t) => [t.key, t.current, t.threshold, t.label.en])).toEqual([
      ['place:1', 30_000_000n, 50_000_000n, 'Sales volume in 2026-03: place 1 among AMBASSADOR partners'],
      ['place:2', 30_000_000n, 30_000_000n, 'Sales volume in 2026-03: place 2 among AMBASSADOR partners'],
      ['place:3', 30_000_000n, 1n, 'Sales volume in 2026-03: place 3 among AMBASSADOR partners'],
    ]);
  });

  it('counts a count metric strictly above the minimum, and words perks, points and places without a prize', async () => {
    const args: JsonObject = { metric: 'LEADS', minimum: '2.5', prizes: [{ kind: 'PERK', perk: 'CLOSED-EVENT' }, { kind: 'POINTS', amount: '15050' }, { amount: '0' }] };
    const ctx = marchSoFar([[dina, { count: { LEAD: 10 } }], [anna, { count: { LEAD: 2 } }]]);
    // Dina's 10 leads hold place 1; Anna's 2 are not above 2.5, so places 2 and 3 are empty: 3 leads take them.
    const targets = await progress(args, anna, ctx);
    expect(targets.map((t) => [t.key, t.current, t.threshold, t.unit, t.label.en, t.reward.en, t.reward.ru])).toEqual([
      ['place:1', 2n, 10n, 'COUNT', 'Leads in 2026-03: place 1', 'Prize: perk CLOSED-EVENT', 'Приз: привилегия CLOSED-EVENT'],
      ['place:2', 2n, 3n, 'COUNT', 'Leads in 2026-03: place 2', 'Prize: 150.5 points', 'Приз: 150,5 балла'],
      ['place:3', 2n, 3n, 'COUNT', 'Leads in 2026-03: place 3', 'No prize', 'Без приза'],
    ]);
    // A whole minimum: 3 leads are not above 3, 4 are.
    expect((await standing({ ...args, minimum: '3' }, anna, ctx)).map(([, , threshold]) => threshold)).toEqual([10n, 4n, 4n]);
  });

  it('counts net sales below zero as 0', async () => {
    const ctx = marchSoFar([[anna, { amount: { SALE: 100n } }], [boris, { amount: { REFUND: 5_000n } }]]);
    expect(await standing({ metric: 'SALES_AMOUNT', prizes: [{ amount: '100' }, { amount: '50' }] }, boris, ctx)).toEqual([
      ['place:1', 0n, 100n],
      ['place:2', 0n, 1n],
    ]);
  });

  it('ends at the campaign’s end when it comes first, and reports nothing when the campaign does not run this month', async () => {
    const endsAt = new Date('2026-03-25T00:00:00.000Z');
    expect((await progress(PODIUM, vera, marchSoFar(MARCH_SALES, { endsAt }))).map((t) => t.endsAt)).toEqual([endsAt, endsAt, endsAt]);
    expect(await progress(PODIUM, vera, marchSoFar(MARCH_SALES, { endsAt: new Date('2026-03-01T00:00:00.000Z') }))).toEqual([]);
  });
});
