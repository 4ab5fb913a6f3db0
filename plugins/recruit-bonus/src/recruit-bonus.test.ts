import { parseArgs, type JsonObject, type PartnerStats, type SchemeEvent } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

// Sergey recruited Ivan; Olga joined on her own.
const sergey = testPartner({ id: 'partner-sergey', name: 'Sergey' });
const ivan = testPartner({ id: 'partner-ivan', name: 'Ivan', sponsorId: 'partner-sergey' });
const olga = testPartner({ id: 'partner-olga', name: 'Olga' });

/** 1 000,00 ₽ to the sponsor, on each trigger. */
const ON_JOINED: JsonObject = { trigger: 'JOINED', amount: '100000' };
const ON_APPROVED: JsonObject = { trigger: 'APPROVED', amount: '100000' };
const ON_FIRST_SALE: JsonObject = { trigger: 'FIRST_SALE', amount: '100000' };
/** 1 000,00 ₽ once the recruit's sales in the campaign reach 50 000,00 ₽. */
const ON_THRESHOLD: JsonObject = { trigger: 'SALES_THRESHOLD', amount: '100000', threshold: '5000000' };

const joined = (recruit = ivan) =>
  testEvent({ id: `joined-${recruit.id}`, externalId: `partner-joined:${recruit.id}`, type: 'PARTNER_JOINED', partner: { ...recruit, status: 'PENDING' }, customerId: null, amount: null, currency: null });
const approved = (recruit = ivan) =>
  testEvent({ id: `approved-${recruit.id}`, externalId: `partner-approved:${recruit.id}`, type: 'PARTNER_APPROVED', partner: recruit, customerId: null, amount: null, currency: null });
/** Ivan's sale, 12 000,00 ₽ unless said otherwise. */
const sale = (externalId: string, overrides: Partial<SchemeEvent> = {}) =>
  testEvent({ id: `sale-${externalId}`, externalId, partner: ivan, ...overrides });

/** Sergey, Ivan and Olga, with Ivan's (or Olga's) campaign stats including the event. */
function team(stats: Readonly<Record<string, Partial<PartnerStats>>> = {}) {
  return createTestContext({ partners: [sergey, ivan, olga], stats });
}
const ivanStats = (SALE: number, amount: bigint) => team({ 'partner-ivan': { count: { SALE }, amount: { SALE: amount } } });

describeRewardSchemeConformance(scheme, {
  validArgs: [ON_JOINED, ON_APPROVED, ON_FIRST_SALE, ON_THRESHOLD],
  samples: [
    { name: 'recruit joined', event: joined(), context: team() },
    { name: 'recruit approved', event: approved(), args: ON_APPROVED, context: team() },
    { name: 'first sale', event: sale('A-17'), args: ON_FIRST_SALE, context: ivanStats(1, 1_200_000n) },
    { name: 'threshold reached', event: sale('A-20'), args: ON_THRESHOLD, context: ivanStats(4, 5_000_000n) },
    { name: 'no sponsor', event: joined(olga), context: team() },
    { name: 'a sale, paying on joining', event: sale('A-17'), context: ivanStats(1, 1_200_000n) },
  ],
});

async function evaluate(raw: JsonObject, event: SchemeEvent, ctx = team()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.evaluate!(event, parsed.values, ctx);
}

describe('recruit-bonus', () => {
  it('pays the sponsor when the recruit joins', async () => {
    // 100 000 kopecks = 1 000,00 ₽, to Sergey for recruiting Ivan
    expect(await evaluate(ON_JOINED, joined())).toEqual([
      {
        partnerId: 'partner-sergey',
        kind: 'MONEY',
        amount: 100_000n,
        unit: 'RUB',
        key: 'recruit:partner-ivan',
        explanation: {
          en: 'Recruit bonus: Ivan joined your team: RUB 1,000.00',
          ru: `Бонус за приглашение: Ivan — новый партнёр в вашей команде: 1${NBSP}000,00${NBSP}₽`,
        },
        details: { trigger: 'JOINED', recruitId: 'partner-ivan', amount: '100000' },
      },
    ]);
  });

  it('pays the sponsor when the recruit is approved, not when the recruit joins', async () => {
    expect(await evaluate(ON_APPROVED, joined())).toEqual([]);
    const [draft] = await evaluate(ON_APPROVED, approved());
    expect([draft.partnerId, draft.amount, draft.key]).toEqual(['partner-sergey', 100_000n, 'recruit:partner-ivan']);
    expect(draft.explanation).toEqual({
      en: 'Recruit bonus: Ivan was approved as a partner: RUB 1,000.00',
      ru: `Бонус за приглашение: Ivan — участие в программе одобрено: 1${NBSP}000,00${NBSP}₽`,
    });
  });

  it('pays on the recruit first sale in the campaign, and not on later ones', async () => {
    // Ivan's campaign stats with A-17: 1 sale → his first
    const [draft] = await evaluate(ON_FIRST_SALE, sale('A-17'), ivanStats(1, 1_200_000n));
    expect([draft.partnerId, draft.amount, draft.key]).toEqual(['partner-sergey', 100_000n, 'recruit:partner-ivan']);
    expect(draft.explanation).toEqual({
      en: 'Recruit bonus: Ivan made a first sale (order A-17): RUB 1,000.00',
      ru: `Бонус за приглашение: Ivan — первая продажа (заказ A-17): 1${NBSP}000,00${NBSP}₽`,
    });
    // A-18 is his second sale: nothing
    expect(await evaluate(ON_FIRST_SALE, sale('A-18'), ivanStats(2, 2_400_000n))).toEqual([]);
    // Joining and approval are not sales
    expect(await evaluate(ON_FIRST_SALE, joined())).toEqual([]);
    expect(await evaluate(ON_FIRST_SALE, approved())).toEqual([]);
  });

  it('pays on the sale with which the recruit sales first reach the threshold', async () => {
    // 1 200 000 + 1 200 000 + 1 200 000 = 3 600 000 < 5 000 000 → nothing
    expect(await evaluate(ON_THRESHOLD, sale('A-19'), ivanStats(3, 3_600_000n))).toEqual([]);
    // A-20 (14 000,00 ₽): before 3 600 000 < 5 000 000, after 3 600 000 + 1 400 000 = 5 000 000 ≥ 5 000 000,
    // exactly the threshold → pays
    const [draft] = await evaluate(ON_THRESHOLD, sale('A-20', { amount: 1_400_000n }), ivanStats(4, 5_000_000n));
    expect(draft).toEqual({
      partnerId: 'partner-sergey',
      kind: 'MONEY',
      amount: 100_000n,
      unit: 'RUB',
      key: 'recruit:partner-ivan',
      explanation: {
        en: 'Recruit bonus: Ivan reached RUB 50,000.00 of sales (order A-20): RUB 1,000.00',
        ru: `Бонус за приглашение: Ivan — продажи достигли 50${NBSP}000,00${NBSP}₽ (заказ A-20): 1${NBSP}000,00${NBSP}₽`,
      },
      details: { trigger: 'SALES_THRESHOLD', recruitId: 'partner-ivan', amount: '100000', threshold: '5000000', sales: '5000000' },
    });
    // before 5 000 000 ≥ 5 000 000, already reached → nothing
    expect(await evaluate(ON_THRESHOLD, sale('A-21'), ivanStats(5, 6_200_000n))).toEqual([]);
  });

  it('pays on the sale that jumps past the threshold, and not one kopeck short of it', async () => {
    // 4 999 999 after the sale: one kopeck short → nothing
    expect(await evaluate(ON_THRESHOLD, sale('A-20', { amount: 1_399_999n }), ivanStats(4, 4_999_999n))).toEqual([]);
    // A single 60 000,00 ₽ first sale: before 0, after 6 000 000 ≥ 5 000 000 → pays
    const [draft] = await evaluate(ON_THRESHOLD, sale('A-30', { amount: 6_000_000n }), ivanStats(1, 6_000_000n));
    expect(draft.details).toEqual({ trigger: 'SALES_THRESHOLD', recruitId: 'partner-ivan', amount: '100000', threshold: '5000000', sales: '6000000' });
  });

  it('measures the threshold in the campaign currency only', async () => {
    // A USD sale adds nothing to Ivan's RUB total, so it cannot be the one that reaches it,
    // even though his RUB total (5 000 000) is at the threshold.
    expect(await evaluate(ON_THRESHOLD, sale('A-22', { currency: 'USD', amount: 9_999_999n }), ivanStats(5, 5_000_000n))).toEqual([]);
  });

  it('reads a threshold of 0 as "the first sale in the campaign currency"', async () => {
    const zero = { trigger: 'SALES_THRESHOLD', amount: '100000' };
    // First RUB sale: before 0 (not reached: nothing sold), after 1 200 000 > 0 → pays
    const [draft] = await evaluate(zero, sale('A-17'), ivanStats(1, 1_200_000n));
    expect(draft.amount).toBe(100_000n);
    expect(draft.explanation.en).toBe('Recruit bonus: Ivan made a first sale (order A-17): RUB 1,000.00');
    expect(draft.details).toEqual({ trigger: 'SALES_THRESHOLD', recruitId: 'partner-ivan', amount: '100000', threshold: '0', sales: '1200000' });
    // Second: before 1 200 000, already reached → nothing
    expect(await evaluate(zero, sale('A-18'), ivanStats(2, 2_400_000n))).toEqual([]);
  });

  it('pays nothing for a recruit without a sponsor', async () => {
    expect(await evaluate(ON_JOINED, joined(olga))).toEqual([]);
    expect(await evaluate(ON_APPROVED, approved(olga))).toEqual([]);
    const olgaSale = sale('A-40', { partner: olga });
    expect(await evaluate(ON_FIRST_SALE, olgaSale, team({ 'partner-olga': { count: { SALE: 1 } } }))).toEqual([]);
  });

  it('ignores events that are not the trigger', async () => {
    expect(await evaluate(ON_JOINED, approved())).toEqual([]);
    expect(await evaluate(ON_JOINED, sale('A-17'), ivanStats(1, 1_200_000n))).toEqual([]);
    expect(await evaluate(ON_APPROVED, sale('A-17'), ivanStats(1, 1_200_000n))).toEqual([]);
    expect(await evaluate(ON_THRESHOLD, joined())).toEqual([]);
  });

  it('proposes one key per recruit, whatever the trigger, so the ledger pays a recruit once', async () => {
    const keys = [
      ...(await evaluate(ON_JOINED, joined())),
      ...(await evaluate(ON_APPROVED, approved())),
      ...(await evaluate(ON_FIRST_SALE, sale('A-17'), ivanStats(1, 1_200_000n))),
      ...(await evaluate(ON_THRESHOLD, sale('A-20'), ivanStats(4, 5_000_000n))),
    ].map((draft) => draft.key);
    expect(keys).toEqual(['recruit:partner-ivan', 'recruit:partner-ivan', 'recruit:partner-ivan', 'recruit:partner-ivan']);
  });

  it('pays the sponsor in the campaign currency', async () => {
    const usd = createTestContext({ campaign: { currency: 'USD' }, partners: [sergey, ivan] });
    const [draft] = await evaluate({ trigger: 'JOINED', amount: '2500' }, joined(), usd);
    // 2 500 cents = USD 25.00
    expect([draft.unit, draft.amount, draft.explanation.en]).toEqual(['USD', 2_500n, 'Recruit bonus: Ivan joined your team: USD 25.00']);
  });

  it('needs a trigger and an amount of at least 1', () => {
    const missing = parseArgs(scheme.args, {});
    expect(missing.ok ? [] : missing.issues.map((issue) => issue.path)).toEqual(['args.trigger', 'args.amount']);
    const wrong = parseArgs(scheme.args, { trigger: 'SOLD', amount: '0', threshold: '-1' });
    expect(wrong.ok ? [] : wrong.issues.map((issue) => issue.path)).toEqual(['args.trigger', 'args.amount', 'args.threshold']);
  });
});
