import { createTestPeriodContext, describeRewardSchemeConformance, testPartner, testPeriod } from '@cofactor/schema/testing';
import { parseArgs, parseSchemeArgs } from '@cofactor/schema';
import { scheme } from './index.js';

// The issue's ladder: from 100 000,00 ₽ → 5 000,00 ₽; from 300 000,00 ₽ → 20 000,00 ₽ (+ 1% / 2%).
const LADDER = {
  steps: [
    { from: '10000000', percent: '1', bonus: '500000' },
    { from: '30000000', percent: '2', bonus: '2000000' },
  ],
};

const anna = testPartner({ id: '1', name: 'Anna' });
const boris = testPartner({ id: '2', name: 'Boris' });
const vera = testPartner({ id: '3', name: 'Vera' });
const march = testPeriod('2026-03');

function close(args: Record<string, unknown>, period = march) {
  const parsed = parseArgs(scheme.args, args);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const ctx = createTestPeriodContext({
    period,
    participants: [
      // 350 000,00 ₽ of sales less a 20 000,00 ₽ refund = 330 000,00 ₽
      { partner: anna, stats: { amount: { SALE: 35_000_000n, REFUND: 2_000_000n } } },
      // 150 000,00 ₽
      { partner: boris, stats: { amount: { SALE: 15_000_000n } } },
      // 99 999,99 ₽: just below the first step
      { partner: vera, stats: { amount: { SALE: 9_999_999n } } },
    ],
  });
  return scheme.closePeriod!(period, parsed.values, ctx);
}

describeRewardSchemeConformance(scheme, {
  validArgs: [LADDER, { ...LADDER, mode: 'ABOVE_THRESHOLD', period: 'QUARTER' }],
  invalidArgs: [
    {
      name: 'two steps from 100 000,00 ₽',
      args: { steps: [{ from: '10000000', bonus: '500000' }, { from: '10000000', bonus: '900000' }] },
      path: 'args.steps[1].from',
    },
  ],
  periodSamples: [
    {
      period: march,
      context: createTestPeriodContext({
        period: march,
        participants: [{ partner: anna, stats: { amount: { SALE: 35_000_000n } } }],
      }),
    },
  ],
});

describe('volume-bonus', () => {
  it('pays the reached step on all volume, plus its bonus', async () => {
    const drafts = await close(LADDER);
    expect(drafts.map((draft) => [draft.partnerId, draft.amount, draft.key])).toEqual([
      // Anna: 330 000,00 ₽ reaches 300 000: 2% × 33 000 000 = 660 000 + 2 000 000 bonus
      ['1', 2_660_000n, 'volume:2026-03:1'],
      // Boris: 150 000,00 ₽ reaches 100 000: 1% × 15 000 000 = 150 000 + 500 000 bonus
      ['2', 650_000n, 'volume:2026-03:2'],
      // Vera: below 100 000,00 ₽, nothing
    ]);
    expect(drafts[0].explanation.en).toBe(
      'Volume bonus for 2026-03: sales RUB 330,000.00 reached the step from RUB 300,000.00: 2% of all volume = RUB 6,600.00 + bonus RUB 20,000.00',
    );
    expect(drafts[0].explanation.ru).toBe(
      'Бонус за объём за 2026-03: продажи 330\u00a0000,00\u00a0₽ достигли ступени от 300\u00a0000,00\u00a0₽: 2% от всего объёма = 6\u00a0600,00\u00a0₽ + бонус 20\u00a0000,00\u00a0₽',
    );
  });

  it('pays each step on its own part of the volume in ABOVE_THRESHOLD mode', async () => {
    const drafts = await close({ ...LADDER, mode: 'ABOVE_THRESHOLD' });
    expect(drafts.map((draft) => [draft.partnerId, draft.amount])).toEqual([
      // Anna: 1% × (30 000 000 − 10 000 000) + 2% × (33 000 000 − 30 000 000) = 200 000 + 60 000, + 2 000 000
      ['1', 2_260_000n],
      // Boris: 1% × (15 000 000 − 10 000 000) = 50 000, + 500 000
      ['2', 550_000n],
    ]);
  });

  it('rounds the exact sum of the bands once, half to even', async () => {
    // Volume 1,01 ₽ on steps from 0,01 ₽ and from 0,51 ₽, both 1%: each band is 50 kopecks,
    // 1% of each is 0.5. Rounded separately (half to even) that would be 0 + 0; the exact sum is
    // 1.0, rounded once: 1 kopeck.
    const parsed = parseArgs(scheme.args, { mode: 'ABOVE_THRESHOLD', steps: [{ from: '1', percent: '1' }, { from: '51', percent: '1' }] });
    if (!parsed.ok) throw new Error('args');
    const ctx = createTestPeriodContext({ period: march, participants: [{ partner: anna, stats: { amount: { SALE: 101n } } }] });
    const drafts = await scheme.closePeriod!(march, parsed.values, ctx);
    expect(drafts.map((draft) => draft.amount)).toEqual([1n]);

    // On all volume: 0.125% × 33 000 000 (Anna) = 41 250; × 15 000 000 (Boris) = 18 750;
    // × 9 999 999 (Vera) = 12 499.99875 → 12 500.
    const all = await close({ steps: [{ from: '1', percent: '0.125' }] });
    expect(all.map((draft) => [draft.partnerId, draft.amount])).toEqual([
      ['1', 41_250n],
      ['2', 18_750n],
      ['3', 12_500n],
    ]);
  });

  it('counts chargebacks like refunds', async () => {
    // 120 000,00 ₽ of sales, 10 000,00 ₽ refunded and 15 000,00 ₽ charged back: 95 000,00 ₽,
    // below the first step of 100 000,00 ₽, so nothing is paid.
    const parsed = parseArgs(scheme.args, LADDER);
    if (!parsed.ok) throw new Error('args');
    const ctx = createTestPeriodContext({
      period: march,
      participants: [{ partner: anna, stats: { amount: { SALE: 12_000_000n, REFUND: 1_000_000n, CHARGEBACK: 1_500_000n } } }],
    });
    expect(await scheme.closePeriod!(march, parsed.values, ctx)).toEqual([]);
  });

  it('refuses two steps with the same threshold, at the later one, and the order of steps is free', () => {
    // Steps 0 and 2 both start from 1 000,00 ₽ (100 000 kopecks); step 1 is another threshold.
    const twice = parseSchemeArgs(scheme, { steps: [{ from: '100000' }, { from: '50000' }, { from: 100000 }] }, 'input.schemes[0].args');
    expect(twice).toEqual({
      ok: false,
      issues: [{ path: 'input.schemes[0].args.steps[2].from', message: 'steps[0] starts from 100000 already; each step needs its own threshold' }],
    });
    expect(parseSchemeArgs(scheme, { steps: [{ from: '100000' }, { from: '50000' }] }).ok).toBe(true);
  });

  it('pays nothing for a close of another period unit', async () => {
    expect(await close(LADDER, testPeriod('2026-Q1'))).toEqual([]);
    expect((await close({ ...LADDER, period: 'QUARTER' }, testPeriod('2026-Q1'))).map((draft) => draft.key)).toEqual([
      'volume:2026-Q1:1',
      'volume:2026-Q1:2',
    ]);
  });
});
