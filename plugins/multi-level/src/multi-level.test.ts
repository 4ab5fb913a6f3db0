import { parseArgs, type JsonObject } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

// Olga sells; Sergey sponsored her, Ivan sponsored Sergey, Maria sponsored Ivan.
const maria = testPartner({ id: 'partner-maria', name: 'Maria' });
const ivan = testPartner({ id: 'partner-ivan', name: 'Ivan', sponsorId: maria.id });
const sergey = testPartner({ id: 'partner-sergey', name: 'Sergey', sponsorId: ivan.id });
const olga = testPartner({ id: 'partner-olga', name: 'Olga', sponsorId: sergey.id });
const hierarchy = () => createTestContext({ partners: [olga, sergey, ivan, maria] });

/** 12 000,00 ₽, order A-17, sold by Olga. */
const sale = testEvent({ partner: olga });
const THREE_LEVELS: JsonObject = { levels: ['5', '3', '1'] };

describeRewardSchemeConformance(scheme, {
  validArgs: [THREE_LEVELS, { levels: ['10'], capPerEvent: '0' }],
  samples: [
    { name: 'three sponsors', event: sale, context: hierarchy() },
    { name: 'capped', event: sale, args: { ...THREE_LEVELS, capPerEvent: '80000' }, context: hierarchy() },
    { name: 'no sponsor', event: testEvent() },
    { name: 'foreign currency', event: testEvent({ partner: olga, currency: 'USD' }), context: hierarchy() },
  ],
});

async function evaluate(raw: JsonObject, event = sale, ctx = hierarchy()) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  // `evaluate` is optional in the contract (a scheme may only close periods); this one has it.
  return scheme.evaluate!(event, parsed.values, ctx);
}

async function payouts(raw: JsonObject, event = sale) {
  return (await evaluate(raw, event)).map((draft) => [draft.partnerId, draft.amount]);
}

describe('multi-level', () => {
  it('pays each sponsor up the chain the rate of its level', async () => {
    // 12 000,00 ₽ = 1 200 000 kopecks: 5 % → 60 000, 3 % → 36 000, 1 % → 12 000
    expect(await payouts(THREE_LEVELS)).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-ivan', 36_000n],
      ['partner-maria', 12_000n],
    ]);
  });

  it('explains the level and whose downline the sale came from', async () => {
    const [, level2] = await evaluate(THREE_LEVELS);
    expect(level2).toEqual({
      partnerId: 'partner-ivan',
      kind: 'MONEY',
      amount: 36_000n,
      unit: 'RUB',
      key: 'sale:event-1:level:2',
      explanation: {
        en: "3% of sale RUB 12,000.00 (order A-17), level 2 of Ivan's downline",
        ru: `3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), уровень 2 в структуре Ivan`,
      },
      details: { base: '1200000', percent: '3', level: 2 },
    });
  });

  it('stops where the chain or the levels end', async () => {
    // Five levels configured, three sponsors exist.
    expect(await payouts({ levels: ['5', '3', '1', '1', '1'] })).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-ivan', 36_000n],
      ['partner-maria', 12_000n],
    ]);
    // One level configured: only the sponsor.
    expect(await payouts({ levels: ['5'] })).toEqual([['partner-sergey', 60_000n]]);
    // Maria, at the top, has no sponsor.
    expect(await payouts(THREE_LEVELS, testEvent({ partner: maria }))).toEqual([]);
  });

  it('skips a level whose rate is 0 and still pays the ones above it', async () => {
    expect(await payouts({ levels: ['5', '0', '1'] })).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-maria', 12_000n],
    ]);
  });

  it('pays nearest first up to the cap, the crossing level gets the remainder, the rest nothing', async () => {
    // Cap 800,00 ₽ = 80 000: level 1 gets 60 000 (20 000 left), level 2 is due 36 000 but gets 20 000,
    // level 3 is due 12 000 and gets 0.
    const drafts = await evaluate({ ...THREE_LEVELS, capPerEvent: '80000' });
    expect(drafts.map((draft) => [draft.partnerId, draft.amount])).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-ivan', 20_000n],
    ]);
    expect(drafts[1].explanation).toEqual({
      en: "3% of sale RUB 12,000.00 (order A-17), level 2 of Ivan's downline, limited by the cap of RUB 800.00 per sale",
      ru: `3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), уровень 2 в структуре Ivan, ограничено лимитом 800,00${NBSP}₽ на продажу`,
    });
    expect(drafts[1].details).toEqual({ base: '1200000', percent: '3', level: 2, capPerEvent: '80000', uncapped: '36000' });
  });

  it('leaves amounts alone when the cap is not crossed', async () => {
    // 60 000 + 36 000 = 96 000 fills a 96 000 cap exactly; level 3 finds nothing left.
    expect(await payouts({ ...THREE_LEVELS, capPerEvent: '96000' })).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-ivan', 36_000n],
    ]);
    // 60 000 + 36 000 + 12 000 = 108 000 is under a 200 000 cap.
    expect(await payouts({ ...THREE_LEVELS, capPerEvent: '200000' })).toEqual([
      ['partner-sergey', 60_000n],
      ['partner-ivan', 36_000n],
      ['partner-maria', 12_000n],
    ]);
    // A cap of 0 pays nobody.
    expect(await payouts({ ...THREE_LEVELS, capPerEvent: '0' })).toEqual([]);
  });

  it('rounds each level once, half to even', async () => {
    // 10,10 ₽ = 1 010 kopecks: 5 % → 50.5 → 50; 15 % → 151.5 → 152
    expect(await payouts({ levels: ['5', '15'] }, testEvent({ partner: olga, amount: 1_010n }))).toEqual([
      ['partner-sergey', 50n],
      ['partner-ivan', 152n],
    ]);
  });

  it('pays only sales in the campaign currency', async () => {
    expect(await payouts(THREE_LEVELS, testEvent({ partner: olga, currency: 'USD' }))).toEqual([]);
    const usd = createTestContext({ campaign: { currency: 'USD' }, partners: [olga, sergey, ivan, maria] });
    const drafts = await evaluate({ levels: ['5'] }, testEvent({ partner: olga, currency: 'USD', amount: 25_000n }), usd);
    // 5 % of USD 250.00 = 25 000 × 5 / 100 = 1 250 cents
    expect(drafts.map((draft) => [draft.unit, draft.amount])).toEqual([['USD', 1_250n]]);
  });
});
