import {
  parseArgs,
  type JsonObject,
  type ParticipantOptions,
  type PartnerSnapshot,
  type PartnerStats,
  type Period,
  type ProgressContext,
  type RewardDraft,
} from '@cofactor/schema';
import {
  createTestContext,
  createTestPeriodContext,
  createTestProgressContext,
  describeRewardSchemeConformance,
  testEvent,
  testPartner,
  testPeriod,
} from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/**
 * The README's ladder: Bronze is the floor; Silver needs 300 000,00 ₽ of net sales over the
 * last 3 months and 2 direct recruits (×1.1); Gold needs 1 000 000,00 ₽, 5 new customers and
 * 3 direct recruits at Silver or above (×1.2).
 */
const LADDER: JsonObject = {
  levels: [
    { level: 1, name: 'Bronze' },
    { level: 2, name: 'Silver', minVolume: '30000000', minRecruits: 2, multiplier: '1.1' },
    { level: 3, name: 'Gold', minVolume: '100000000', minNewCustomers: 5, minRecruits: 3, recruitsAtLevel: 2, multiplier: '1.2' },
  ],
};
const QUARTERLY: JsonObject = {
  period: 'QUARTER',
  rollingPeriods: 1,
  downgrade: false,
  levels: [{ level: 2, name: 'Member', minNewCustomers: 1 }],
};

const march = testPeriod('2026-03');

// Anna (Bronze) sponsored Boris (Silver) and Dmitry (Bronze); Vera (Silver) sponsored Galina
// (Silver), Egor (Gold) and Fedor (Silver); Fedor sponsored Zoya (Gold), Vera's second line.
const anna = testPartner({ id: 'p-anna', name: 'Anna', level: 1 });
const boris = testPartner({ id: 'p-boris', name: 'Boris', level: 2, sponsorId: 'p-anna' });
const dmitry = testPartner({ id: 'p-dmitry', name: 'Dmitry', level: 1, sponsorId: 'p-anna' });
const vera = testPartner({ id: 'p-vera', name: 'Vera', level: 2 });
const galina = testPartner({ id: 'p-galina', name: 'Galina', level: 2, sponsorId: 'p-vera' });
const egor = testPartner({ id: 'p-egor', name: 'Egor', level: 3, sponsorId: 'p-vera' });
const fedor = testPartner({ id: 'p-fedor', name: 'Fedor', level: 2, sponsorId: 'p-vera' });
const zoya = testPartner({ id: 'p-zoya', name: 'Zoya', level: 3, sponsorId: 'p-fedor' });
const veraRecruits = [galina, egor, fedor, zoya];

type Participants = { partner: PartnerSnapshot; stats?: Partial<PartnerStats> }[];

/** The README's March close (window January–March). */
const MARCH_PARTICIPANTS: Participants = [
  // 350 000,00 ₽, 2 direct recruits (Boris and Dmitry): Silver
  { partner: anna, stats: { amount: { SALE: 35_000_000n } } },
  // 80 000,00 ₽ and no recruits: below Silver, down to Bronze
  { partner: boris, stats: { amount: { SALE: 8_000_000n } } },
  // no events at all, listed because of `everyone`: stays Bronze
  { partner: dmitry },
  // 1 250 000,00 ₽ − 50 000,00 ₽ refunds = 1 200 000,00 ₽, 6 new customers, 3 direct recruits at
  // level 2 or above (Galina, Egor, Fedor; Zoya is second line): Gold
  { partner: vera, stats: { amount: { SALE: 125_000_000n, REFUND: 5_000_000n }, newCustomers: 6 } },
];

function values(raw: JsonObject) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.values;
}

async function close(raw: JsonObject, participants: Participants, options: { period?: Period; partners?: PartnerSnapshot[] } = {}) {
  const period = options.period ?? march;
  const ctx = createTestPeriodContext({ period, participants, partners: options.partners ?? [] });
  return scheme.closePeriod!(period, values(raw), ctx);
}

const levelsOf = (drafts: RewardDraft[]) => drafts.map((draft) => [draft.partnerId, draft.amount, draft.details?.from]);

// --- stacking ---

const olga = testPartner({ id: 'p-olga', name: 'Olga', level: 3, sponsorId: 'p-sergey' });
const sergey = testPartner({ id: 'p-sergey', name: 'Sergey', level: 1 });
const sale = testEvent({ partner: olga });
const stackContext = (partners: PartnerSnapshot[] = [olga, sergey]) => createTestContext({ partners });

/** percentage-of-sales at 5 %: 1 200 000 × 5 / 100 = 60 000. */
const percentDraft: RewardDraft = {
  partnerId: 'p-olga',
  kind: 'MONEY',
  amount: 60_000n,
  unit: 'RUB',
  key: 'sale:event-1',
  explanation: { en: '5% of sale RUB 12,000.00 (order A-17)', ru: `5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)` },
};
/** multi-level at 3 % for Sergey, a Bronze sponsor: 36 000. */
const sponsorDraft: RewardDraft = {
  partnerId: 'p-sergey',
  kind: 'MONEY',
  amount: 36_000n,
  unit: 'RUB',
  key: 'sale:event-1:level:1',
  explanation: { en: "3% of sale RUB 12,000.00 (order A-17), level 1 of Sergey's downline", ru: `3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), уровень 1 в структуре Sergey` },
};
/** 1.5 points = 150 hundredths. */
const pointsDraft: RewardDraft = {
  partnerId: 'p-olga',
  kind: 'POINTS',
  amount: 150n,
  unit: 'POINTS',
  key: 'points:event-1',
  explanation: { en: '1.5 points for sale RUB 12,000.00 (order A-17)', ru: `1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17)` },
};
const perkDraft: RewardDraft = {
  partnerId: 'p-olga',
  kind: 'PERK',
  amount: 1n,
  unit: 'CLOSED_EVENT',
  key: 'perk:event-1',
  explanation: { en: 'Perk: invitation to a closed event', ru: 'Привилегия: приглашение на закрытое мероприятие' },
};
const allDrafts = [percentDraft, sponsorDraft, pointsDraft, perkDraft];

async function stack(raw: JsonObject, drafts: readonly RewardDraft[], ctx = stackContext()) {
  return scheme.stack!(drafts, sale, values(raw), ctx);
}

// --- progress ---

/** Mid-April 2026: April is the open month; with 3 rolling periods the window is February–April. */
const APRIL_15 = new Date('2026-04-15T12:00:00.000Z');
const MAY_1 = new Date('2026-05-01T00:00:00.000Z');

const stored = (id: string, partner: PartnerSnapshot, type: string, at: string, amount: bigint | null, firstPurchase = false) =>
  testEvent({ id, externalId: id, type, partner, occurredAt: new Date(at), amount, currency: amount === null ? null : 'RUB', firstPurchase });

/** Anna (Bronze) works towards Silver: her sales, and Boris, her one direct recruit. */
const ANNA_EVENTS = [
  // January is before the window: it does not count
  stored('jan', anna, 'SALE', '2026-01-20T10:00:00Z', 10_000_000n),
  stored('feb', anna, 'SALE', '2026-02-10T10:00:00Z', 25_000_000n),
  stored('mar', anna, 'REFUND', '2026-03-03T10:00:00Z', 3_000_000n),
  stored('apr', anna, 'SALE', '2026-04-10T10:00:00Z', 8_000_000n),
];
const annaProgress = (options: { partners?: PartnerSnapshot[]; campaign?: { endsAt: Date } } = {}) =>
  createTestProgressContext({ partners: options.partners ?? [anna, boris], storedEvents: ANNA_EVENTS, now: APRIL_15, campaign: options.campaign });

async function progress(raw: JsonObject, partner: PartnerSnapshot, ctx: ProgressContext) {
  return scheme.progress!(partner, values(raw), ctx);
}

describeRewardSchemeConformance(scheme, {
  validArgs: [LADDER, QUARTERLY],
  periodSamples: [
    {
      name: 'the README March close',
      period: march,
      context: createTestPeriodContext({ period: march, participants: MARCH_PARTICIPANTS, partners: veraRecruits }),
    },
    {
      name: 'a quarter with downgrades off',
      period: testPeriod('2026-Q1'),
      args: QUARTERLY,
      context: createTestPeriodContext({
        period: testPeriod('2026-Q1'),
        participants: [
          { partner: anna, stats: { newCustomers: 1 } },
          { partner: egor, stats: {} },
        ],
      }),
    },
  ],
  progressSamples: [
    { name: 'Bronze Anna towards Silver', partner: anna, context: annaProgress() },
    { name: 'Gold Egor, at the top', partner: egor, context: createTestProgressContext({ partners: [vera, ...veraRecruits], now: APRIL_15 }) },
    { name: 'a quarterly Member target', partner: anna, args: QUARTERLY, context: annaProgress() },
  ],
  stackSamples: [
    { name: 'a Gold seller with a Bronze sponsor', drafts: allDrafts, event: sale, context: stackContext() },
    { name: 'no multiplier above 1', drafts: allDrafts, event: sale, args: QUARTERLY, context: stackContext() },
  ],
});

describe('partner-levels: closePeriod', () => {
  it('upgrades and downgrades the README March close, with explanations and details', async () => {
    const drafts = await close(LADDER, MARCH_PARTICIPANTS, { partners: veraRecruits });
    expect(drafts.map((draft) => [draft.partnerId, draft.kind, draft.amount, draft.unit, draft.key])).toEqual([
      ['p-anna', 'LEVEL', 2n, 'LEVEL', 'level:2026-03:p-anna'],
      ['p-boris', 'LEVEL', 1n, 'LEVEL', 'level:2026-03:p-boris'],
      // Dmitry: Bronze and qualifies for Bronze, nothing
      ['p-vera', 'LEVEL', 3n, 'LEVEL', 'level:2026-03:p-vera'],
    ]);
    const [annaUp, borisDown, veraUp] = drafts;
    expect(annaUp.explanation).toEqual({
      en: 'Level up to Silver (level 2) for 2026-03: sales RUB 350,000.00 over the last 3 months, 2 recruits',
      ru: `Повышение уровня до Silver (уровень 2) за 2026-03: продажи 350${NBSP}000,00${NBSP}₽ за последние 3 месяца, 2 приглашённых партнёра`,
    });
    expect(annaUp.details).toEqual({
      period: '2026-03',
      from: 1,
      to: 2,
      volume: '35000000',
      newCustomers: 0,
      recruits: 2,
      recruitsAtLevel: 1,
      rollingPeriods: 3,
    });
    expect(borisDown.explanation).toEqual({
      en: 'Level down to Bronze (level 1) for 2026-03: sales RUB 80,000.00 over the last 3 months, 0 recruits; Silver (level 2) requires sales RUB 300,000.00, 2 recruits',
      ru: `Понижение уровня до Bronze (уровень 1) за 2026-03: продажи 80${NBSP}000,00${NBSP}₽ за последние 3 месяца, 0 приглашённых партнёров; для Silver (уровень 2) требуется: продажи 300${NBSP}000,00${NBSP}₽, 2 приглашённых партнёра`,
    });
    expect(borisDown.details).toMatchObject({ from: 2, to: 1, volume: '8000000', recruits: 0 });
    expect(veraUp.explanation).toEqual({
      en: 'Level up to Gold (level 3) for 2026-03: sales RUB 1,200,000.00 over the last 3 months, 6 new customers, 3 recruits at level 2 or above',
      ru: `Повышение уровня до Gold (уровень 3) за 2026-03: продажи 1${NBSP}200${NBSP}000,00${NBSP}₽ за последние 3 месяца, 6 новых клиентов, 3 приглашённых партнёра уровня 2 и выше`,
    });
    expect(veraUp.details).toEqual({
      period: '2026-03',
      from: 2,
      to: 3,
      volume: '120000000',
      newCustomers: 6,
      recruits: 3,
      recruitsAtLevel: 2,
      rollingPeriods: 3,
    });
  });

  it('asks for the rolling window and every targeted partner', async () => {
    const asked: (ParticipantOptions | undefined)[] = [];
    const base = createTestPeriodContext({ period: march, participants: [] });
    const ctx = { ...base, participants: (options?: ParticipantOptions) => (asked.push(options), base.participants(options)) };
    await scheme.closePeriod!(march, values({ ...LADDER, rollingPeriods: 6 }), ctx);
    expect(asked).toEqual([{ periods: 6, everyone: true }]);
  });

  it('upgrades exactly at minVolume, net of refunds', async () => {
    const silverOnVolume: JsonObject = { levels: [{ level: 1, name: 'Bronze' }, { level: 2, name: 'Silver', minVolume: '30000000' }] };
    const drafts = await close(silverOnVolume, [
      // 300 000,00 ₽ exactly: Silver
      { partner: testPartner({ id: 'p-1' }), stats: { amount: { SALE: 30_000_000n } } },
      // 299 999,99 ₽: one kopeck short, stays Bronze
      { partner: testPartner({ id: 'p-2' }), stats: { amount: { SALE: 29_999_999n } } },
      // 310 000,00 ₽ − 10 000,01 ₽ refunded = 299 999,99 ₽: stays Bronze
      { partner: testPartner({ id: 'p-3' }), stats: { amount: { SALE: 31_000_000n, REFUND: 1_000_001n } } },
      // 310 000,00 ₽ − 10 000,00 ₽ = 300 000,00 ₽: Silver
      { partner: testPartner({ id: 'p-4' }), stats: { amount: { SALE: 31_000_000n, REFUND: 1_000_000n } } },
    ]);
    expect(levelsOf(drafts)).toEqual([
      ['p-1', 2n, 1],
      ['p-4', 2n, 1],
    ]);
    expect(drafts[0].explanation.en).toBe('Level up to Silver (level 2) for 2026-03: sales RUB 300,000.00 over the last 3 months');
  });

  it('downgrades when the volume drops, and not when downgrade is false', async () => {
    const participants: Participants = [
      // Gold, but only 400 000,00 ₽ now and no recruits (Silver needs 2): down to Bronze
      { partner: testPartner({ id: 'p-1', level: 3 }), stats: { amount: { SALE: 40_000_000n } } },
      // Silver with 2 recruits but 299 999,99 ₽: Bronze
      { partner: testPartner({ id: 'p-2', level: 2 }), stats: { amount: { SALE: 29_999_999n } } },
      // Gold with 400 000,00 ₽ and 2 Bronze recruits (Gold needs 1 000 000,00 ₽ and 3 at Silver): down to Silver
      { partner: testPartner({ id: 'p-3', level: 3 }), stats: { amount: { SALE: 40_000_000n } } },
    ];
    const partners = [
      testPartner({ id: 'r-1', sponsorId: 'p-2' }),
      testPartner({ id: 'r-2', sponsorId: 'p-2' }),
      testPartner({ id: 'r-3', sponsorId: 'p-3' }),
      testPartner({ id: 'r-4', sponsorId: 'p-3' }),
    ];
    const drafts = await close(LADDER, participants, { partners });
    expect(levelsOf(drafts)).toEqual([
      ['p-1', 1n, 3],
      ['p-2', 1n, 2],
      ['p-3', 2n, 3],
    ]);
    // Going down to Silver, the explanation quotes the partner's figures for Gold, the level lost.
    expect(drafts[2].explanation.en).toBe(
      'Level down to Silver (level 2) for 2026-03: sales RUB 400,000.00 over the last 3 months, 0 new customers, 0 recruits at level 2 or above; ' +
        'Gold (level 3) requires sales RUB 1,000,000.00, 5 new customers, 3 recruits at level 2 or above',
    );
    // With downgrade off, levels only go up: nobody here moves.
    expect(await close({ ...LADDER, downgrade: false }, participants, { partners })).toEqual([]);
  });

  it('counts "3 Silver recruits": direct recruits at level 2 or above, not the second line', async () => {
    const gold: JsonObject = { levels: [{ level: 1, name: 'Bronze' }, { level: 3, name: 'Gold', minRecruits: 3, recruitsAtLevel: 2 }] };
    const ira = testPartner({ id: 'p-ira', level: 1 });
    const partners = [
      // Ira's direct recruits: two Silver, one Bronze; a Gold in her second line does not count
      testPartner({ id: 'r-1', level: 2, sponsorId: 'p-ira' }),
      testPartner({ id: 'r-2', level: 2, sponsorId: 'p-ira' }),
      testPartner({ id: 'r-3', level: 1, sponsorId: 'p-ira' }),
      testPartner({ id: 'r-4', level: 3, sponsorId: 'r-3' }),
    ];
    expect(await close(gold, [{ partner: ira }], { partners })).toEqual([]);
    // A third direct recruit at Gold (above Silver) counts: 2 Silver + 1 Gold = 3
    const drafts = await close(gold, [{ partner: ira }], { partners: [...partners, testPartner({ id: 'r-5', level: 3, sponsorId: 'p-ira' })] });
    expect(levelsOf(drafts)).toEqual([['p-ira', 3n, 1]]);
    expect(drafts[0].explanation.en).toBe('Level up to Gold (level 3) for 2026-03: sales RUB 0.00 over the last 3 months, 3 recruits at level 2 or above');
    expect(drafts[0].details).toMatchObject({ recruits: 3, recruitsAtLevel: 2 });
  });

  it('puts partners who qualify for nothing on the lowest listed level', async () => {
    // The floor is Silver (level 2): nothing is listed below it.
    const fromSilver: JsonObject = { levels: [{ level: 3, name: 'Gold', minVolume: '100000000' }, { level: 2, name: 'Silver', minVolume: '30000000' }] };
    const drafts = await close(fromSilver, [
      // level 1, nothing sold: raised to the floor
      { partner: testPartner({ id: 'p-1', level: 1 }) },
      // Silver with nothing sold: stays on the floor
      { partner: testPartner({ id: 'p-2', level: 2 }) },
      // level 5 (above every listed level), 1 000 000,00 ₽: down to Gold, the highest it qualifies for
      { partner: testPartner({ id: 'p-3', level: 5 }), stats: { amount: { SALE: 100_000_000n } } },
      // Gold with 10 000,00 ₽: down to the floor
      { partner: testPartner({ id: 'p-4', level: 3 }), stats: { amount: { SALE: 1_000_000n } } },
    ]);
    expect(levelsOf(drafts)).toEqual([
      ['p-1', 2n, 1],
      ['p-3', 3n, 5],
      ['p-4', 2n, 3],
    ]);
    // Nothing above Gold is listed, so there is no requirement to quote.
    expect(drafts[1].explanation.en).toBe('Level down to Gold (level 3) for 2026-03: sales RUB 1,000,000.00 over the last 3 months');
    expect(drafts[2].explanation.ru).toBe(
      `Понижение уровня до Silver (уровень 2) за 2026-03: продажи 10${NBSP}000,00${NBSP}₽ за последние 3 месяца; для Gold (уровень 3) требуется: продажи 1${NBSP}000${NBSP}000,00${NBSP}₽`,
    );
  });

  it('changes nothing at a close of the other period unit', async () => {
    const q1 = testPeriod('2026-Q1');
    expect(await close(LADDER, MARCH_PARTICIPANTS, { period: q1, partners: veraRecruits })).toEqual([]);
    expect(await close({ ...QUARTERLY, period: 'MONTH' }, [{ partner: anna, stats: { newCustomers: 1 } }], { period: q1 })).toEqual([]);
    // QUARTERLY at a quarter close: Anna (level 1, 1 new customer) up to Member; one-period window.
    const drafts = await close(QUARTERLY, [{ partner: anna, stats: { newCustomers: 1 } }], { period: q1 });
    expect(levelsOf(drafts)).toEqual([['p-anna', 2n, 1]]);
    expect(drafts[0].key).toBe('level:2026-Q1:p-anna');
    expect(drafts[0].explanation).toEqual({
      en: 'Level up to Member (level 2) for 2026-Q1: sales RUB 0.00 over the last quarter, 1 new customer',
      ru: `Повышение уровня до Member (уровень 2) за 2026-Q1: продажи 0,00${NBSP}₽ за последний квартал, 1 новый клиент`,
    });
  });

  it('words the window by its length', async () => {
    const silver = (rollingPeriods: number, period: string) =>
      close({ period, rollingPeriods, levels: [{ level: 2, name: 'Silver' }] }, [{ partner: anna }], { period: testPeriod(period === 'MONTH' ? '2026-03' : '2026-Q1') });
    const read = async (rollingPeriods: number, period = 'MONTH') => (await silver(rollingPeriods, period))[0].explanation;
    expect((await read(1)).en).toMatch(/over the last month$/);
    expect((await read(1)).ru).toMatch(/за последний месяц$/);
    expect((await read(5)).ru).toMatch(/за последние 5 месяцев$/);
    expect((await read(12)).en).toMatch(/over the last 12 months$/);
    expect((await read(2, 'QUARTER')).en).toMatch(/over the last 2 quarters$/);
    expect((await read(2, 'QUARTER')).ru).toMatch(/за последние 2 квартала$/);
  });
});

describe('partner-levels: progress', () => {
  it('reports each requirement of the next level over the rolling window, reached or not', async () => {
    // Feb 250 000,00 − Mar 30 000,00 refunded + Apr 80 000,00 = 300 000,00 ₽: exactly Silver's
    // minimum (the January sale is before February–April). Recruits: Boris only, 1 of 2.
    expect(await progress(LADDER, anna, annaProgress())).toEqual([
      {
        key: 'level:2:sales',
        label: { en: 'Net sales over the last 3 months', ru: 'Продажи за вычетом возвратов за последние 3 месяца' },
        current: 30_000_000n,
        threshold: 30_000_000n,
        unit: 'RUB',
        reward: { en: 'Level 2 (Silver)', ru: 'Уровень 2 (Silver)' },
        endsAt: MAY_1,
      },
      {
        key: 'level:2:recruits',
        label: { en: 'Direct recruits', ru: 'Лично приглашённые партнёры' },
        current: 1n,
        threshold: 2n,
        unit: 'COUNT',
        reward: { en: 'Level 2 (Silver)', ru: 'Уровень 2 (Silver)' },
        endsAt: MAY_1,
      },
    ]);
  });

  it('every target of the next level reached is the upgrade its close pays', async () => {
    // Dmitry is Anna's second direct recruit: 2 of 2, and 300 000,00 ₽ of 300 000,00 ₽.
    const targets = await progress(LADDER, anna, annaProgress({ partners: [anna, boris, dmitry] }));
    expect(targets.map((target) => [target.key, target.current, target.threshold])).toEqual([
      ['level:2:sales', 30_000_000n, 30_000_000n],
      ['level:2:recruits', 2n, 2n],
    ]);
    // The April close, over the same February–April net sales, raises Anna to Silver.
    const drafts = await close(LADDER, [{ partner: anna, stats: { amount: { SALE: 33_000_000n, REFUND: 3_000_000n } } }], {
      period: testPeriod('2026-04'),
      partners: [boris, dmitry],
    });
    expect(levelsOf(drafts)).toEqual([['p-anna', 2n, 1]]);
  });

  it('counts Gold’s new customers and recruits at Silver or above, first line only', async () => {
    // Vera: 1 250 000,00 − 50 000,00 = 1 200 000,00 ₽ of 1 000 000,00 ₽; 4 of 5 new customers;
    // Galina (2), Egor (3) and Fedor (2) are 3 of 3 at level 2 or above (Zoya is second line).
    const ctx = createTestProgressContext({
      partners: [vera, ...veraRecruits],
      now: APRIL_15,
      periodStats: { [vera.id]: { amount: { SALE: 125_000_000n, REFUND: 5_000_000n }, newCustomers: 4 } },
    });
    const targets = await progress(LADDER, vera, ctx);
    expect(targets.map((target) => [target.key, target.current, target.threshold, target.unit, target.label.en])).toEqual([
      ['level:3:sales', 120_000_000n, 100_000_000n, 'RUB', 'Net sales over the last 3 months'],
      ['level:3:new-customers', 4n, 5n, 'COUNT', 'New customers over the last 3 months'],
      ['level:3:recruits', 3n, 3n, 'COUNT', 'Direct recruits at level 2 or above'],
    ]);
    expect(targets[2].label.ru).toBe('Лично приглашённые партнёры уровня 2 и выше');
    expect(targets[0].reward).toEqual({ en: 'Level 3 (Gold)', ru: 'Уровень 3 (Gold)' });
  });

  it('reads only the open quarter for a one-period window', async () => {
    // Now is in Q2; Anna's March first purchase is Q1's and does not count.
    const ctx = createTestProgressContext({
      partners: [anna],
      now: APRIL_15,
      storedEvents: [stored('q1', anna, 'SALE', '2026-03-31T23:00:00Z', 1_000n, true)],
    });
    expect(await progress(QUARTERLY, anna, ctx)).toEqual([
      {
        key: 'level:2:new-customers',
        label: { en: 'New customers over the last quarter', ru: 'Новые клиенты за последний квартал' },
        current: 0n,
        threshold: 1n,
        unit: 'COUNT',
        reward: { en: 'Level 2 (Member)', ru: 'Уровень 2 (Member)' },
        endsAt: new Date('2026-07-01T00:00:00.000Z'),
      },
    ]);
  });

  it('counts net sales below zero as 0', async () => {
    const ctx = createTestProgressContext({ partners: [anna], now: APRIL_15, storedEvents: [stored('refund', anna, 'REFUND', '2026-04-02T10:00:00Z', 500_000n)] });
    const [sales] = await progress(LADDER, anna, ctx);
    expect([sales.key, sales.current, sales.threshold]).toEqual(['level:2:sales', 0n, 30_000_000n]);
  });

  it('ends at the campaign’s end when it comes before the period’s, and reports nothing after it', async () => {
    const april20 = new Date('2026-04-20T00:00:00.000Z');
    const targets = await progress(LADDER, anna, annaProgress({ campaign: { endsAt: april20 } }));
    expect(targets.map((target) => target.endsAt)).toEqual([april20, april20]);
    // A campaign that ended in March pays no April close.
    expect(await progress(LADDER, anna, annaProgress({ campaign: { endsAt: new Date('2026-04-01T00:00:00.000Z') } }))).toEqual([]);
  });

  it('reports nothing at the top level', async () => {
    expect(await progress(LADDER, egor, createTestProgressContext({ partners: [vera, ...veraRecruits], now: APRIL_15 }))).toEqual([]);
  });

  it('gives each entry of a level listed twice its own targets, either of which qualifies', async () => {
    const twoWays: JsonObject = {
      levels: [
        { level: 2, name: 'Silver', minVolume: '30000000' },
        { level: 2, name: 'Silver (team)', minRecruits: 2 },
      ],
    };
    const targets = await progress(twoWays, anna, annaProgress());
    expect(targets.map((target) => [target.key, target.current, target.threshold, target.label.en, target.reward.en])).toEqual([
      ['level:2:sales', 30_000_000n, 30_000_000n, 'Net sales over the last 3 months (option 1)', 'Level 2 (Silver)'],
      ['level:2#2:recruits', 1n, 2n, 'Direct recruits (option 2)', 'Level 2 (Silver)'],
    ]);
    expect(targets[1].label.ru).toBe('Лично приглашённые партнёры (вариант 2)');
  });
});

describe('partner-levels: stack', () => {
  it('multiplies the money and points of partners at a level with a multiplier', async () => {
    // Olga is Gold (×1.2): 60 000 × 1.2 = 72 000 → +12 000 = +120,00 ₽; 150 × 1.2 = 180 → +30 hundredths.
    // Sergey is Bronze (×1): nothing. The perk is never multiplied.
    expect(await stack(LADDER, allDrafts)).toEqual([
      {
        partnerId: 'p-olga',
        kind: 'MONEY',
        amount: 12_000n,
        unit: 'RUB',
        key: 'level-bonus:sale:event-1',
        explanation: {
          en: 'Gold level ×1.2 on 5% of sale RUB 12,000.00 (order A-17): +RUB 120.00',
          ru: `Уровень Gold ×1,2 к начислению «5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +120,00${NBSP}₽`,
        },
        details: { boosts: 'sale:event-1', level: 3, multiplier: '1.2', base: '60000' },
      },
      {
        partnerId: 'p-olga',
        kind: 'POINTS',
        amount: 30n,
        unit: 'POINTS',
        key: 'level-bonus:points:event-1',
        explanation: {
          en: 'Gold level ×1.2 on 1.5 points for sale RUB 12,000.00 (order A-17): +0.3 points',
          ru: `Уровень Gold ×1,2 к начислению «1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +0,3${NBSP}балла`,
        },
        details: { boosts: 'points:event-1', level: 3, multiplier: '1.2', base: '150' },
      },
    ]);
  });

  it('uses the level of each reward’s recipient, as it is now', async () => {
    // Sergey promoted to Silver (×1.1): 36 000 × 1.1 = 39 600 → +3 600
    const silverSergey = { ...sergey, level: 2 };
    const boosts = await stack(LADDER, [sponsorDraft], stackContext([olga, silverSergey]));
    expect(boosts.map((boost) => [boost.partnerId, boost.amount, boost.key])).toEqual([['p-sergey', 3_600n, 'level-bonus:sale:event-1:level:1']]);
    expect(boosts[0].explanation.en).toBe("Silver level ×1.1 on 3% of sale RUB 12,000.00 (order A-17), level 1 of Sergey's downline: +RUB 36.00");
    // A partner the context does not know, or at a level not listed, earns no boost.
    expect(await stack(LADDER, [{ ...percentDraft, partnerId: 'p-unknown' }])).toEqual([]);
    expect(await stack(LADDER, [percentDraft], stackContext([{ ...olga, level: 7 }]))).toEqual([]);
  });

  it('rounds the boosted amount once, half to even', async () => {
    const gold125: JsonObject = { levels: [{ level: 3, name: 'Gold', multiplier: '1.25' }] };
    const boosted = async (amount: bigint) => (await stack(gold125, [{ ...percentDraft, amount }])).map((boost) => boost.amount);
    // 61 729 × 1.25 = 77 161.25 → 77 161 → extra 77 161 − 61 729 = 15 432
    expect(await boosted(61_729n)).toEqual([15_432n]);
    // 61 730 × 1.25 = 77 162.5 → 77 162 (even) → extra 15 432
    expect(await boosted(61_730n)).toEqual([15_432n]);
    // 61 734 × 1.25 = 77 167.5 → 77 168 (even) → extra 15 434
    expect(await boosted(61_734n)).toEqual([15_434n]);
    // 1 × 1.25 = 1.25 → 1 → extra 0: nothing; a negative reward (a clawback) is not boosted
    expect(await boosted(1n)).toEqual([]);
    expect(await boosted(-60_000n)).toEqual([]);
  });

  it('boosts points in hundredths and words them as a partner reads them', async () => {
    const gold2: JsonObject = { levels: [{ level: 3, name: 'Gold', multiplier: '2' }] };
    // ×2 on 1.5 points (150) → +150 hundredths = +1.5 points; on 5 points → +5 points
    const [onePointFive] = await stack(gold2, [pointsDraft]);
    expect([onePointFive.kind, onePointFive.unit, onePointFive.amount]).toEqual(['POINTS', 'POINTS', 150n]);
    expect(onePointFive.explanation.en).toMatch(/: \+1\.5 points$/);
    const [five] = await stack(gold2, [{ ...pointsDraft, amount: 500n }]);
    expect(five.explanation.ru).toMatch(/: \+5\u00a0баллов$/);
  });

  it('tells apart boosts of the same key proposed twice, and skips LEVEL drafts', async () => {
    const levelDraft: RewardDraft = { partnerId: 'p-olga', kind: 'LEVEL', amount: 3n, unit: 'LEVEL', key: 'level:2026-03:p-olga', explanation: { en: 'x', ru: 'x' } };
    const boosts = await stack(LADDER, [percentDraft, levelDraft, percentDraft]);
    expect(boosts.map((boost) => boost.key)).toEqual(['level-bonus:sale:event-1', 'level-bonus#2:sale:event-1']);
  });

  it('adds nothing when no level has a multiplier above 1', async () => {
    expect(await stack(QUARTERLY, allDrafts)).toEqual([]);
    expect(await stack({ levels: [{ level: 3, name: 'Gold', multiplier: '1.000000' }] }, allDrafts)).toEqual([]);
  });
});
