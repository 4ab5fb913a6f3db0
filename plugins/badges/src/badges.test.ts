import { parseArgs, type JsonObject, type PartnerSnapshot, type PartnerStats, type Period, type ProgressContext, type SchemeEvent } from '@cofactor/schema';
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
const march = testPeriod('2026-03');

const FIRST_SALE = { code: 'FIRST-SALE', name: 'First sale', rule: 'FIRST_SALE' };
const TEN_SALES = { code: 'TEN-SALES', name: 'Ten sales', rule: 'SALES_COUNT', threshold: '10' };
/** 100 000,00 ₽ of sales in the campaign. */
const BIG_SELLER = { code: 'BIG-SELLER', name: 'Big seller', rule: 'SALES_AMOUNT', threshold: '10000000' };
const TEAM_BUILDER = { code: 'TEAM-BUILDER', name: 'Team builder', rule: 'RECRUITS', threshold: '10' };
const TOP_3 = { code: 'TOP-REGION', name: 'Top 3 in region', rule: 'TOP_IN_REGION', places: 3 };

const ALL: JsonObject = { badges: [FIRST_SALE, TEN_SALES, BIG_SELLER, TEAM_BUILDER, TOP_3] };

// Anna sells. Sergey sponsors recruits; the last one, the recruit whose event is evaluated, is Ivan.
const anna = testPartner({ id: 'partner-1', name: 'Anna' });
const sergey = testPartner({ id: 'partner-sergey', name: 'Sergey' });
const ivan = testPartner({ id: 'partner-ivan', name: 'Ivan', sponsorId: 'partner-sergey' });

/** Sergey with Ivan and `others` more direct recruits, all ACTIVE. */
function team(others: number): PartnerSnapshot[] {
  const recruits = Array.from({ length: others }, (_, i) => testPartner({ id: `recruit-${i + 1}`, name: `Recruit ${i + 1}`, sponsorId: sergey.id }));
  return [sergey, ivan, ...recruits];
}

const joined = (recruit: PartnerSnapshot = ivan, status = 'ACTIVE') =>
  testEvent({
    id: `joined-${recruit.id}`,
    externalId: `partner-joined:${recruit.id}`,
    type: 'PARTNER_JOINED',
    partner: { ...recruit, status },
    customerId: null,
    amount: null,
    currency: null,
  });
const approved = (recruit: PartnerSnapshot = ivan) =>
  testEvent({
    id: `approved-${recruit.id}`,
    externalId: `partner-approved:${recruit.id}`,
    type: 'PARTNER_APPROVED',
    partner: recruit,
    customerId: null,
    amount: null,
    currency: null,
  });

/** Anna's campaign stats, this sale included. */
const annaStats = (SALE: number, amount: bigint, refunds = 0n) =>
  createTestContext({ partners: [anna], stats: { [anna.id]: { count: { SALE }, amount: { SALE: amount, REFUND: refunds } } } });

type Participant = [PartnerSnapshot, Partial<PartnerStats>];
const p = (id: string, name: string, regionId: string | null) => testPartner({ id, name, regionId });
const vera = p('1', 'Vera', '7');
const boris = p('2', 'Boris', '7');
const dina = p('3', 'Dina', '7');
const gleb = p('4', 'Gleb', '7');
const oleg = p('5', 'Oleg', '8');
const mia = p('6', 'Mia', '8');
const leo = p('7', 'Leo', null);
const zoe = p('8', 'Zoe', '8');

const MARCH: Participant[] = [
  // region 7: Vera and Boris tied at 500 000,00 ₽ (Boris 520 000,00 − 20 000,00 refunded), Dina 400 000,00 ₽, Gleb 300 000,00 ₽
  [vera, { amount: { SALE: 50_000_000n } }],
  [boris, { amount: { SALE: 52_000_000n, REFUND: 2_000_000n } }],
  [dina, { amount: { SALE: 40_000_000n } }],
  [gleb, { amount: { SALE: 30_000_000n } }],
  // region 8: Oleg 200 000,00 ₽, Mia 100 000,00 ₽; Zoe only refunds (volume below 0), never placed
  [oleg, { amount: { SALE: 20_000_000n } }],
  [mia, { amount: { SALE: 10_000_000n } }],
  [zoe, { amount: { REFUND: 100_000n } }],
  // no region: Leo 50 000,00 ₽
  [leo, { amount: { SALE: 5_000_000n } }],
];

const periodContext = (participants: Participant[], period: Period = march) =>
  createTestPeriodContext({ period, participants: participants.map(([partner, stats]) => ({ partner, stats })) });

function parsed(raw: JsonObject) {
  const result = parseArgs(scheme.args, raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.values;
}

async function evaluate(raw: JsonObject, event: SchemeEvent, ctx = createTestContext({ partners: [event.partner] })) {
  return scheme.evaluate!(event, parsed(raw), ctx);
}

async function close(raw: JsonObject, participants: Participant[], period: Period = march) {
  return scheme.closePeriod!(period, parsed(raw), periodContext(participants, period));
}

// --- progress ---

/** March 20th, 2026: March is the open month. */
const MARCH_20 = new Date('2026-03-20T12:00:00.000Z');
const APRIL_1 = new Date('2026-04-01T00:00:00.000Z');

const stored = (id: string, partner: PartnerSnapshot, type: string, at: string, amount: bigint, currency = 'RUB') =>
  testEvent({ id, externalId: id, type, partner, occurredAt: new Date(at), amount, currency });

/** Anna's campaign so far: three sales (one in USD) and a refund. */
const ANNA_EVENTS = [
  stored('a-1', anna, 'SALE', '2026-01-15T10:00:00Z', 4_000_000n),
  stored('a-2', anna, 'SALE', '2026-02-10T10:00:00Z', 50_000n, 'USD'),
  stored('a-3', anna, 'SALE', '2026-03-05T10:00:00Z', 3_000_000n),
  stored('a-4', anna, 'REFUND', '2026-03-06T10:00:00Z', 1_000_000n),
];
const annaProgress = (campaign: { endsAt?: Date } = {}) => createTestProgressContext({ partners: [anna], storedEvents: ANNA_EVENTS, now: MARCH_20, campaign });

/** The March figures of the close above, so far; Gleb's February sale is not March's. */
const marchProgress = (campaign: { endsAt?: Date } = {}) =>
  createTestProgressContext({
    partners: MARCH.map(([partner]) => partner),
    periodStats: Object.fromEntries(MARCH.map(([partner, stats]) => [partner.id, stats])),
    storedEvents: [stored('g-feb', gleb, 'SALE', '2026-02-27T10:00:00Z', 20_000_000n)],
    now: MARCH_20,
    campaign,
  });

async function progress(raw: JsonObject, partner: PartnerSnapshot, ctx: ProgressContext) {
  return scheme.progress!(partner, parsed(raw), ctx);
}

describeRewardSchemeConformance(scheme, {
  validArgs: [
    ALL,
    { badges: [FIRST_SALE] },
    { badges: [{ ...TOP_3, places: 1 }], period: 'QUARTER' },
    { badges: [{ code: 'X', name: 'Half', rule: 'SALES_COUNT', threshold: '2.5' }] },
  ],
  samples: [
    { name: 'first sale', event: testEvent(), context: annaStats(1, 1_200_000n) },
    { name: 'tenth sale, crossing 100 000,00 ₽', event: testEvent(), context: annaStats(10, 10_500_000n) },
    { name: 'a later sale', event: testEvent(), context: annaStats(11, 11_700_000n) },
    { name: 'tenth recruit joined', event: joined(), context: createTestContext({ partners: team(9) }) },
    { name: 'ninth recruit approved', event: approved(), context: createTestContext({ partners: team(8) }) },
    { name: 'a recruit without a sponsor', event: joined(anna), context: createTestContext({ partners: [anna] }) },
  ],
  progressSamples: [
    { name: 'Anna, every badge', partner: anna, context: annaProgress() },
    { name: 'Gleb, fourth in region 7', partner: gleb, context: marchProgress() },
    { name: 'Sergey, ten recruits', partner: sergey, args: { badges: [TEAM_BUILDER, TOP_3] }, context: createTestProgressContext({ partners: team(9), now: MARCH_20 }) },
  ],
  periodSamples: [
    { period: march, context: periodContext(MARCH) },
    { name: 'a quarter close of a monthly scheme', period: testPeriod('2026-Q1'), context: periodContext(MARCH, testPeriod('2026-Q1')) },
  ],
});

describe('badges', () => {
  describe('FIRST_SALE', () => {
    it('gives the badge on the sale that makes the campaign count 1, and not on the second', async () => {
      expect(await evaluate({ badges: [FIRST_SALE] }, testEvent(), annaStats(1, 1_200_000n))).toEqual([
        {
          partnerId: 'partner-1',
          kind: 'BADGE',
          amount: 1n,
          unit: 'FIRST-SALE',
          key: 'badge:FIRST-SALE:partner-1',
          explanation: { en: 'Badge: First sale (first sale, order A-17)', ru: 'Значок: First sale (первая продажа, заказ A-17)' },
          details: { code: 'FIRST-SALE', name: 'First sale', rule: 'FIRST_SALE', eventId: 'event-1', order: 'A-17' },
        },
      ]);
      expect(await evaluate({ badges: [FIRST_SALE] }, testEvent(), annaStats(2, 2_400_000n))).toEqual([]);
    });

    it('counts a first sale in another currency too: a sale is a sale', async () => {
      const usd = createTestContext({ partners: [anna], stats: { [anna.id]: { count: { SALE: 1 } } } });
      expect((await evaluate({ badges: [FIRST_SALE] }, testEvent({ currency: 'USD' }), usd)).map((d) => d.key)).toEqual(['badge:FIRST-SALE:partner-1']);
    });

    it('gives nothing for a recruit event', async () => {
      expect(await evaluate({ badges: [FIRST_SALE] }, joined(), createTestContext({ partners: team(0) }))).toEqual([]);
    });
  });

  describe('SALES_COUNT and SALES_AMOUNT', () => {
    const args = { badges: [TEN_SALES, BIG_SELLER] };

    it('gives the badge on the sale with which the count reaches the threshold, exactly', async () => {
      // 9 sales: 9 < 10
      expect(await evaluate(args, testEvent(), annaStats(9, 1_200_000n))).toEqual([]);
      // 10th sale: 9 < 10 ≤ 10
      const [draft] = await evaluate(args, testEvent(), annaStats(10, 1_200_000n));
      expect(draft).toEqual({
        partnerId: 'partner-1',
        kind: 'BADGE',
        amount: 1n,
        unit: 'TEN-SALES',
        key: 'badge:TEN-SALES:partner-1',
        explanation: { en: 'Badge: Ten sales (10 sales, threshold 10, order A-17)', ru: 'Значок: Ten sales (10 продаж, порог 10, заказ A-17)' },
        details: { code: 'TEN-SALES', name: 'Ten sales', rule: 'SALES_COUNT', threshold: '10', sales: 10, eventId: 'event-1', order: 'A-17' },
      });
      // 11th sale: already 10 before it
      expect(await evaluate(args, testEvent(), annaStats(11, 1_200_000n))).toEqual([]);
    });

    it('reaches a fractional count threshold at the next whole count', async () => {
      const half = { badges: [{ code: 'X', name: 'Two and a half', rule: 'SALES_COUNT', threshold: '2.5' }] };
      // 2 < 2.5: no; 3 ≥ 2.5 and 2 < 2.5: yes, reading "threshold 3"
      expect(await evaluate(half, testEvent(), annaStats(2, 0n))).toEqual([]);
      const [draft] = await evaluate(half, testEvent(), annaStats(3, 0n));
      expect(draft.explanation).toEqual({ en: 'Badge: Two and a half (3 sales, threshold 3, order A-17)', ru: 'Значок: Two and a half (3 продажи, порог 3, заказ A-17)' });
      expect(draft.details).toMatchObject({ threshold: '2.5', sales: 3 });
    });

    it('gives the amount badge on the sale that crosses it: before < threshold ≤ now', async () => {
      // a 12 000,00 ₽ sale; now 99 999,99 ₽ (9 999 999 < 10 000 000): no
      expect(await evaluate(args, testEvent(), annaStats(5, 9_999_999n))).toEqual([]);
      // now exactly 100 000,00 ₽: 8 800 000 < 10 000 000 ≤ 10 000 000: yes
      const [draft] = await evaluate(args, testEvent(), annaStats(5, 10_000_000n));
      expect(draft).toEqual({
        partnerId: 'partner-1',
        kind: 'BADGE',
        amount: 1n,
        unit: 'BIG-SELLER',
        key: 'badge:BIG-SELLER:partner-1',
        explanation: {
          en: 'Badge: Big seller (sales RUB 100,000.00, threshold RUB 100,000.00, order A-17)',
          ru: `Значок: Big seller (продажи 100${NBSP}000,00${NBSP}₽, порог 100${NBSP}000,00${NBSP}₽, заказ A-17)`,
        },
        details: {
          code: 'BIG-SELLER',
          name: 'Big seller',
          rule: 'SALES_AMOUNT',
          threshold: '10000000',
          amount: '10000000',
          currency: 'RUB',
          eventId: 'event-1',
          order: 'A-17',
        },
      });
      // before exactly 100 000,00 ₽ (11 200 000 − 1 200 000 = 10 000 000): already reached
      expect(await evaluate(args, testEvent(), annaStats(6, 11_200_000n))).toEqual([]);
      // before 11 199 999 − 1 200 000 = 9 999 999 < 10 000 000 ≤ 11 199 999 now: yes
      expect((await evaluate(args, testEvent(), annaStats(6, 11_199_999n))).map((d) => d.unit)).toEqual(['BIG-SELLER']);
    });

    it('gives both badges when one sale crosses both', async () => {
      expect((await evaluate(args, testEvent(), annaStats(10, 10_500_000n))).map((d) => d.key)).toEqual([
        'badge:TEN-SALES:partner-1',
        'badge:BIG-SELLER:partner-1',
      ]);
    });

    it('counts only sales in the campaign currency towards the amount', async () => {
      // A USD sale does not move the RUB total, even when that total is at the threshold.
      expect(await evaluate({ badges: [BIG_SELLER] }, testEvent({ currency: 'USD' }), annaStats(5, 10_000_000n))).toEqual([]);
      expect(await evaluate({ badges: [BIG_SELLER] }, testEvent({ amount: null, currency: null }), annaStats(5, 10_000_000n))).toEqual([]);
    });

    it('reaches a threshold of 0 with the first sale, not before', async () => {
      const zero = { badges: [{ ...TEN_SALES, threshold: '0' }, { ...BIG_SELLER, threshold: '0' }] };
      expect((await evaluate(zero, testEvent(), annaStats(1, 1_200_000n))).map((d) => d.explanation.en)).toEqual([
        'Badge: Ten sales (1 sale, threshold 1, order A-17)',
        'Badge: Big seller (sales RUB 12,000.00, threshold RUB 0.01, order A-17)',
      ]);
      expect(await evaluate(zero, testEvent(), annaStats(2, 2_400_000n))).toEqual([]);
    });
  });

  describe('RECRUITS', () => {
    it('gives the sponsor the badge once a recruit brings the active direct recruits to the threshold', async () => {
      // Ivan and 8 others: 9 < 10
      expect(await evaluate({ badges: [TEAM_BUILDER] }, joined(), createTestContext({ partners: team(8) }))).toEqual([]);
      // Ivan and 9 others: 10 ≥ 10, to Sergey
      expect(await evaluate({ badges: [TEAM_BUILDER] }, joined(), createTestContext({ partners: team(9) }))).toEqual([
        {
          partnerId: 'partner-sergey',
          kind: 'BADGE',
          amount: 1n,
          unit: 'TEAM-BUILDER',
          key: 'badge:TEAM-BUILDER:partner-sergey',
          explanation: {
            en: 'Badge: Team builder (10 active direct recruits, threshold 10, Ivan: joined)',
            ru: 'Значок: Team builder (10 активных приглашённых партнёров, порог 10, Ivan: регистрация)',
          },
          details: { code: 'TEAM-BUILDER', name: 'Team builder', rule: 'RECRUITS', threshold: '10', recruits: 10, recruitId: 'partner-ivan', eventId: 'joined-partner-ivan' },
        },
      ]);
    });

    it('gives it on an approval too, and proposes the same key again later (the ledger keeps one)', async () => {
      const [onApproval] = await evaluate({ badges: [TEAM_BUILDER] }, approved(), createTestContext({ partners: team(9) }));
      expect(onApproval.explanation.en).toBe('Badge: Team builder (10 active direct recruits, threshold 10, Ivan: approved)');
      const [later] = await evaluate({ badges: [TEAM_BUILDER] }, joined(), createTestContext({ partners: team(10) }));
      expect(later.key).toBe(onApproval.key);
      expect(later.details).toMatchObject({ recruits: 11 });
    });

    it('counts only what ctx.downline counts: a recruit not yet active is left out until approved', async () => {
      // The server's downline counts ACTIVE partners only; here the PENDING recruit is simply
      // not among Sergey's downline yet, so 9 others and no Ivan: 9 < 10.
      const pending = createTestContext({ partners: [sergey, { ...ivan, sponsorId: null }, ...team(9).slice(2)] });
      const upline = createTestContext({ partners: team(9) });
      const ctx = { ...pending, upline: upline.upline };
      expect(await evaluate({ badges: [TEAM_BUILDER] }, joined(ivan, 'PENDING'), ctx)).toEqual([]);
      // approved: now 10
      expect((await evaluate({ badges: [TEAM_BUILDER] }, approved(), upline)).map((d) => d.partnerId)).toEqual(['partner-sergey']);
    });

    it('gives nothing for a partner without a sponsor, nor for a sale', async () => {
      expect(await evaluate({ badges: [TEAM_BUILDER] }, joined(anna), createTestContext({ partners: [anna] }))).toEqual([]);
      expect(await evaluate({ badges: [TEAM_BUILDER] }, testEvent({ partner: ivan }), createTestContext({ partners: team(9) }))).toEqual([]);
    });
  });

  describe('TOP_IN_REGION', () => {
    it('gives the top places of each region the badge; ties share a place ("1224")', async () => {
      const drafts = await close({ badges: [TOP_3] }, MARCH);
      expect(drafts.map((d) => [d.partnerId, d.details?.region, d.details?.place, d.key])).toEqual([
        // region 7: Vera and Boris tied at 500 000,00 ₽, both place 1; Dina place 3 (two above her); Gleb place 4: no
        ['1', '7', 1, 'badge:TOP-REGION:2026-03:1'],
        ['2', '7', 1, 'badge:TOP-REGION:2026-03:2'],
        ['3', '7', 3, 'badge:TOP-REGION:2026-03:3'],
        // region 8: Oleg 1, Mia 2; Zoe's volume is below 0
        ['5', '8', 1, 'badge:TOP-REGION:2026-03:5'],
        ['6', '8', 2, 'badge:TOP-REGION:2026-03:6'],
        // no region: Leo alone, place 1
        ['7', null, 1, 'badge:TOP-REGION:2026-03:7'],
      ]);
      expect(drafts[1]).toEqual({
        partnerId: '2',
        kind: 'BADGE',
        amount: 1n,
        unit: 'TOP-REGION',
        key: 'badge:TOP-REGION:2026-03:2',
        explanation: {
          en: 'Badge: Top 3 in region (top 3 in region 7 for 2026-03: place 1, shared by 2, sales volume RUB 500,000.00)',
          ru: `Значок: Top 3 in region (топ-3 в регионе 7 за 2026-03: 1-е место, делят 2 участника, объём продаж 500${NBSP}000,00${NBSP}₽)`,
        },
        details: {
          code: 'TOP-REGION',
          name: 'Top 3 in region',
          rule: 'TOP_IN_REGION',
          period: '2026-03',
          places: 3,
          place: 1,
          sharedBy: 2,
          region: '7',
          value: '50000000',
        },
      });
      expect(drafts[4].explanation).toEqual({
        en: 'Badge: Top 3 in region (top 3 in region 8 for 2026-03: place 2, sales volume RUB 100,000.00)',
        ru: `Значок: Top 3 in region (топ-3 в регионе 8 за 2026-03: 2-е место, объём продаж 100${NBSP}000,00${NBSP}₽)`,
      });
      expect(drafts[5].explanation).toEqual({
        en: 'Badge: Top 3 in region (top 3 among partners without a region for 2026-03: place 1, sales volume RUB 50,000.00)',
        ru: `Значок: Top 3 in region (топ-3 среди партнёров без региона за 2026-03: 1-е место, объём продаж 50${NBSP}000,00${NBSP}₽)`,
      });
    });

    it('gives a tie for the last place to everyone in it', async () => {
      // places 1: Vera and Boris share place 1, both get it; Oleg alone in region 8
      const drafts = await close({ badges: [{ ...TOP_3, places: 1 }] }, MARCH);
      expect(drafts.map((d) => d.partnerId)).toEqual(['1', '2', '5', '7']);
      // places 2: region 7 still only the two at place 1 (Dina is place 3)
      expect((await close({ badges: [{ ...TOP_3, places: 2 }] }, MARCH)).map((d) => d.partnerId)).toEqual(['1', '2', '5', '6', '7']);
    });

    it('gives nothing at a close of the other period unit', async () => {
      expect(await close({ badges: [TOP_3] }, MARCH, testPeriod('2026-Q1'))).toEqual([]);
      expect(await close({ badges: [TOP_3], period: 'QUARTER' }, MARCH, march)).toEqual([]);
      const quarter = await close({ badges: [TOP_3], period: 'QUARTER' }, MARCH, testPeriod('2026-Q1'));
      expect(quarter.map((d) => d.key)).toContain('badge:TOP-REGION:2026-Q1:1');
    });

    it('gives nothing per event, and per-event badges nothing at a close', async () => {
      expect(await evaluate({ badges: [TOP_3] }, testEvent(), annaStats(1, 1_200_000n))).toEqual([]);
      expect(await close({ badges: [FIRST_SALE, TEN_SALES] }, MARCH)).toEqual([]);
    });
  });

  describe('progress', () => {
    it('reports every badge in order: per-event ones over the campaign so far, the top over the open month', async () => {
      // Sales: 3 (the USD one counts as a sale). Amount: 40 000,00 + 30 000,00 = 70 000,00 ₽ (the
      // USD sale has no RUB amount, the refund is not subtracted). Recruits: none. Anna has no
      // region and is alone there: her March volume 30 000,00 − 10 000,00 = 20 000,00 ₽ of 0,01 ₽.
      const targets = await progress(ALL, anna, annaProgress());
      expect(targets.map((t) => [t.key, t.current, t.threshold, t.unit, t.label.en, t.reward.en, t.endsAt])).toEqual([
        ['badge:FIRST-SALE', 3n, 1n, 'COUNT', 'Sales in the campaign', 'First sale', null],
        ['badge:TEN-SALES', 3n, 10n, 'COUNT', 'Sales in the campaign', 'Ten sales', null],
        ['badge:BIG-SELLER', 7_000_000n, 10_000_000n, 'RUB', 'Sales amount in the campaign', 'Big seller', null],
        ['badge:TEAM-BUILDER', 0n, 10n, 'COUNT', 'Active direct recruits', 'Team builder', null],
        ['badge:TOP-REGION', 2_000_000n, 1n, 'RUB', 'Sales volume, top 3 among partners without a region for 2026-03', 'Top 3 in region', APRIL_1],
      ]);
      expect(targets.map((t) => t.label.ru)).toEqual([
        'Продажи в кампании',
        'Продажи в кампании',
        'Сумма продаж в кампании',
        'Активные приглашённые партнёры',
        'Объём продаж, топ-3 среди партнёров без региона за 2026-03',
      ]);
      expect(targets[0].reward).toEqual({ en: 'First sale', ru: 'First sale' });
    });

    it('counts active direct recruits as ctx.downline does', async () => {
      // Ivan and 9 others: 10 of 10, reached; Ivan and 8 others: 9 of 10
      const recruits = async (others: number) =>
        (await progress({ badges: [TEAM_BUILDER] }, sergey, createTestProgressContext({ partners: team(others), now: MARCH_20 }))).map((t) => [t.key, t.current, t.threshold]);
      expect(await recruits(9)).toEqual([['badge:TEAM-BUILDER', 10n, 10n]]);
      expect(await recruits(8)).toEqual([['badge:TEAM-BUILDER', 9n, 10n]]);
    });

    it('reads thresholds as the rules compare them: 2.5 sales is 3, and 0 is the first sale or kopeck', async () => {
      const raw = { badges: [{ code: 'X', name: 'Half', rule: 'SALES_COUNT', threshold: '2.5' }, { ...TEN_SALES, threshold: '0' }, { ...BIG_SELLER, threshold: '0' }] };
      const targets = await progress(raw, anna, annaProgress());
      expect(targets.map((t) => [t.key, t.current, t.threshold])).toEqual([
        ['badge:X', 3n, 3n],
        ['badge:TEN-SALES', 3n, 1n],
        ['badge:BIG-SELLER', 7_000_000n, 1n],
      ]);
    });

    it('puts the top threshold at the volume in the last place of the region, ties included', async () => {
      const top = async (partner: PartnerSnapshot, places = 3) =>
        (await progress({ badges: [{ ...TOP_3, places }] }, partner, marchProgress())).map((t) => [t.current, t.threshold, t.label.en]);
      // Region 7 in March: Vera 500 000,00, Boris 500 000,00, Dina 400 000,00, Gleb 300 000,00 ₽.
      // Dina holds place 3 herself: her own volume, reached.
      expect(await top(dina)).toEqual([[40_000_000n, 40_000_000n, 'Sales volume, top 3 in region 7 for 2026-03']]);
      // Gleb, 4th, needs Dina's 400 000,00 ₽ (a tie with her is place 3); his February sale does not count.
      expect(await top(gleb)).toEqual([[30_000_000n, 40_000_000n, 'Sales volume, top 3 in region 7 for 2026-03']]);
      // Top 1: Boris ties Vera at 500 000,00 ₽, so he is at place 1 too, reached as at the close.
      expect(await top(boris, 1)).toEqual([[50_000_000n, 50_000_000n, 'Sales volume, top 1 in region 7 for 2026-03']]);
      // Region 8 ranks only Oleg and Mia: place 3 is empty, so any volume above 0 (0,01 ₽) takes
      // it; Zoe's refunds only (−1 000,00 ₽) count as 0.
      expect(await top(zoe)).toEqual([[0n, 1n, 'Sales volume, top 3 in region 8 for 2026-03']]);
    });

    it('ends the top at the campaign’s end, and leaves it out when the campaign does not run this month', async () => {
      const endsAt = new Date('2026-03-25T00:00:00.000Z');
      const [first, , , , top] = await progress(ALL, anna, annaProgress({ endsAt }));
      expect([first.endsAt, top.endsAt]).toEqual([endsAt, endsAt]);
      const ended = await progress(ALL, anna, annaProgress({ endsAt: new Date('2026-03-01T00:00:00.000Z') }));
      expect(ended.map((t) => t.key)).toEqual(['badge:FIRST-SALE', 'badge:TEN-SALES', 'badge:BIG-SELLER', 'badge:TEAM-BUILDER']);
    });

    it('reports a code shared by two badges once, for the first', async () => {
      const twice = { badges: [FIRST_SALE, { ...TEN_SALES, code: 'FIRST-SALE' }, { ...FIRST_SALE, code: '  ' }] };
      expect((await progress(twice, anna, annaProgress())).map((t) => [t.key, t.threshold])).toEqual([['badge:FIRST-SALE', 1n]]);
    });
  });

  describe('args', () => {
    const pathsOf = (raw: JsonObject) => {
      const result = parseArgs(scheme.args, raw);
      return result.ok ? [] : result.issues.map((issue) => issue.path);
    };

    it('requires each badge’s code, name and rule, at their paths', () => {
      expect(pathsOf({ badges: [{}] })).toEqual(['args.badges[0].code', 'args.badges[0].name', 'args.badges[0].rule']);
      expect(pathsOf({ badges: [{ ...FIRST_SALE, rule: 'BEST_SMILE' }] })).toEqual(['args.badges[0].rule']);
    });

    it('takes 1 to 20 badges, and defaults threshold 1, places 3, period MONTH', () => {
      expect(pathsOf({ badges: [] })).toEqual(['args.badges']);
      expect(pathsOf({ badges: Array.from({ length: 21 }, (_, i) => ({ ...FIRST_SALE, code: `B${i}` })) })).toEqual(['args.badges']);
      expect(pathsOf({ badges: Array.from({ length: 20 }, (_, i) => ({ ...FIRST_SALE, code: `B${i}` })) })).toEqual([]);
      expect(parsed({ badges: [FIRST_SALE] })).toEqual({ badges: [{ ...FIRST_SALE, threshold: '1', places: 3 }], period: 'MONTH' });
    });
  });

  describe('codes', () => {
    it('gives a code once per call when two badges share it, the first one standing', async () => {
      const twice = { badges: [FIRST_SALE, { ...TEN_SALES, code: 'FIRST-SALE', threshold: '1' }] };
      const drafts = await evaluate(twice, testEvent(), annaStats(1, 1_200_000n));
      expect(drafts.map((d) => [d.key, d.details?.rule])).toEqual([['badge:FIRST-SALE:partner-1', 'FIRST_SALE']]);
    });

    it('trims the code, skips a blank one, and shows the code when the name is blank', async () => {
      const raw = { badges: [{ ...FIRST_SALE, code: '  ', name: 'Nothing' }, { ...FIRST_SALE, code: ' STAR ', name: ' ' }] };
      const drafts = await evaluate(raw, testEvent(), annaStats(1, 1_200_000n));
      expect(drafts.map((d) => [d.unit, d.key, d.explanation.en])).toEqual([['STAR', 'badge:STAR:partner-1', 'Badge: STAR (first sale, order A-17)']]);
    });
  });
});
