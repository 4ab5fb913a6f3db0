import { parseArgs, type JsonObject } from '@cofactor/schema';
import { createTestBatch, createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
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

/** 3 000,00 ₽ of own net sales in the sale's month qualify a sponsor. */
const QUALIFIED: JsonObject = { ...THREE_LEVELS, minMonthlyPersonalSales: '300000' };

/**
 * Vladivostok (UTC+10). Stored before the batch: Sergey sold 5 000,00 ₽ at 23:30 on 31 January
 * local time; Ivan 4 000,00 ₽ at 00:30 on 1 February local time; Maria 2 000,00 ₽ and 1 500,00 ₽
 * in February and had 1 000,00 ₽ of it refunded (net 2 500,00 ₽).
 */
const at = (iso: string) => new Date(iso);
const stored = [
  testEvent({ id: 's1', partner: sergey, amount: 500_000n, occurredAt: at('2026-01-31T13:30:00Z') }),
  testEvent({ id: 's2', partner: ivan, amount: 400_000n, occurredAt: at('2026-01-31T14:30:00Z') }),
  testEvent({ id: 's3', partner: maria, amount: 200_000n, occurredAt: at('2026-02-10T02:00:00Z') }),
  testEvent({ id: 's4', partner: maria, amount: 150_000n, occurredAt: at('2026-02-11T02:00:00Z') }),
  testEvent({ id: 's5', type: 'REFUND', partner: maria, amount: 100_000n, occurredAt: at('2026-02-12T02:00:00Z') }),
];
/**
 * The batch, in order: Olga sells 12 000,00 ₽ at 23:30 on 31 January local (order JAN), and again
 * at 00:30 on 1 February local (order FEB, still 31 January in UTC); Maria sells 1 000,00 ₽ on
 * 15 February; Olga sells 12 000,00 ₽ on 20 February (order LATE).
 */
const batch = [
  testEvent({ id: 'b1', externalId: 'JAN', partner: olga, occurredAt: at('2026-01-31T13:30:00Z') }),
  testEvent({ id: 'b2', externalId: 'FEB', partner: olga, occurredAt: at('2026-01-31T14:30:00Z') }),
  testEvent({ id: 'b3', externalId: 'M-1', partner: maria, amount: 100_000n, occurredAt: at('2026-02-15T02:00:00Z') }),
  testEvent({ id: 'b4', externalId: 'LATE', partner: olga, occurredAt: at('2026-02-20T02:00:00Z') }),
];
const monthly = () => createTestBatch(batch, { partners: [olga, sergey, ivan, maria], timeZone: 'Asia/Vladivostok', storedEvents: stored });

describeRewardSchemeConformance(scheme, {
  validArgs: [THREE_LEVELS, { levels: ['10'], capPerEvent: '0' }, { levels: ['5'], minMonthlyPersonalSales: '0' }],
  samples: [
    { name: 'three sponsors', event: sale, context: hierarchy() },
    { name: 'qualified by monthly personal sales', event: batch[1], args: QUALIFIED, context: monthly()[1] },
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

  describe('with a monthly personal-sales qualification', () => {
    async function monthPayouts(raw: JsonObject, index: number) {
      return (await evaluate(raw, batch[index], monthly()[index])).map((draft) => [draft.partnerId, draft.amount]);
    }

    it("pays only the sponsors whose own net sales in the sale's local month reach the minimum", async () => {
      // JAN, 31 January in Vladivostok: Sergey sold 5 000,00 ₽ that month (≥ 3 000,00) → 5 % of 1 200 000 = 60 000;
      // Ivan's 4 000,00 ₽ sale was 1 February local time, so Ivan (0) and Maria (0) are not qualified in January.
      expect(await monthPayouts(QUALIFIED, 0)).toEqual([['partner-sergey', 60_000n]]);
      // FEB, half an hour into 1 February local time: Sergey sold nothing in February; Ivan 4 000,00 ₽ → 3 % = 36 000;
      // Maria 2 000 + 1 500 − 1 000 = 2 500,00 ₽ net, short of 3 000,00.
      expect(await monthPayouts(QUALIFIED, 1)).toEqual([['partner-ivan', 36_000n]]);
    });

    it('counts the sponsor’s own sales recorded up to and including the sale, earlier in the same batch too', async () => {
      // LATE, 20 February: Maria's 1 000,00 ₽ sale earlier in the batch brings her to 3 500,00 ₽ net → 1 % = 12 000.
      expect(await monthPayouts(QUALIFIED, 3)).toEqual([
        ['partner-ivan', 36_000n],
        ['partner-maria', 12_000n],
      ]);
    });

    it('leaves the cap to the qualified levels above an unqualified one', async () => {
      // LATE with a 500,00 ₽ cap: Sergey is not qualified in February and takes none of it; Ivan 36 000, then Maria
      // 12 000 (14 000 of the cap left). Without the qualification Sergey's 60 000 would take the whole 50 000.
      expect(await monthPayouts({ ...QUALIFIED, capPerEvent: '50000' }, 3)).toEqual([
        ['partner-ivan', 36_000n],
        ['partner-maria', 12_000n],
      ]);
      expect(await monthPayouts({ ...THREE_LEVELS, capPerEvent: '50000' }, 3)).toEqual([['partner-sergey', 50_000n]]);
    });

    it('explains the qualification with the figures a sponsor would check', async () => {
      const [ivanReward] = await evaluate(QUALIFIED, batch[1], monthly()[1]);
      expect(ivanReward.explanation).toEqual({
        en: "3% of sale RUB 12,000.00 (order FEB), level 2 of Ivan's downline; own sales that month RUB 4,000.00, qualified at RUB 3,000.00",
        ru: `3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ FEB), уровень 2 в структуре Ivan; личные продажи за тот месяц 4${NBSP}000,00${NBSP}₽, квалификация от 3${NBSP}000,00${NBSP}₽`,
      });
      expect(ivanReward.details).toEqual({ base: '1200000', percent: '3', level: 2, monthlyPersonalSales: '400000', minMonthlyPersonalSales: '300000' });
    });

    it('starts a new month, and a new quarter, at local midnight: 23:30 on 31 March is March, 00:30 on 1 April is not', async () => {
      // Sergey sold 3 000,00 ₽ at 23:30 on 31 March Vladivostok time (13:30 UTC). Olga's sale at 23:45 the same
      // local evening qualifies him (5 % = 60 000); hers at 00:15 on 1 April (14:15 UTC, still 31 March in UTC) does not.
      const spring = [
        testEvent({ id: 'q1', externalId: 'MAR', partner: olga, occurredAt: at('2026-03-31T13:45:00Z') }),
        testEvent({ id: 'q2', externalId: 'APR', partner: olga, occurredAt: at('2026-03-31T14:15:00Z') }),
      ];
      const contexts = createTestBatch(spring, {
        partners: [olga, sergey, ivan, maria],
        timeZone: 'Asia/Vladivostok',
        storedEvents: [testEvent({ id: 'm1', partner: sergey, amount: 300_000n, occurredAt: at('2026-03-31T13:30:00Z') })],
      });
      const paid = async (index: number) => (await evaluate({ levels: ['5'], minMonthlyPersonalSales: '300000' }, spring[index], contexts[index])).map((draft) => [draft.partnerId, draft.amount]);
      expect(await paid(0)).toEqual([['partner-sergey', 60_000n]]);
      expect(await paid(1)).toEqual([]);
    });

    it('pays every sponsor without the arg', async () => {
      // FEB without a qualification: 60 000, 36 000 and 12 000 as for any sale.
      expect(await monthPayouts(THREE_LEVELS, 1)).toEqual([
        ['partner-sergey', 60_000n],
        ['partner-ivan', 36_000n],
        ['partner-maria', 12_000n],
      ]);
    });
  });
});
