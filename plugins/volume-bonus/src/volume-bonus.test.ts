import {
  createTestPeriodContext,
  createTestProgressContext,
  describeRewardSchemeConformance,
  testEvent,
  testPartner,
  testPeriod,
  type TestProgressContextOptions,
} from '@cofactor/schema/testing';
import { parseArgs, parseSchemeArgs, type SchemeEvent } from '@cofactor/schema';
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
  progressSamples: [
    {
      name: 'between the steps this month',
      partner: anna,
      context: createTestProgressContext({ partners: [anna], periodStats: { '1': { amount: { SALE: 15_000_000n } } } }),
    },
    {
      name: 'no sales this quarter',
      partner: anna,
      args: { ...LADDER, mode: 'ABOVE_THRESHOLD', period: 'QUARTER' },
      context: createTestProgressContext({ partners: [anna] }),
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

describe('volume-bonus progress', () => {
  // Now is 15 June 2026: June is the open month, 2026-Q2 the open quarter.
  const now = new Date('2026-06-15T12:00:00Z');
  const july = new Date('2026-07-01T00:00:00Z');
  let ids = 0;
  const event = (type: string, at: string, amount: bigint): SchemeEvent =>
    testEvent({ id: `e${++ids}`, externalId: `A-${ids}`, type, partner: anna, occurredAt: new Date(at), amount });
  const sale = (at: string, amount: bigint) => event('SALE', at, amount);

  async function progress(args: Record<string, unknown>, storedEvents: SchemeEvent[], options: TestProgressContextOptions = {}) {
    const parsed = parseArgs(scheme.args, args);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return scheme.progress!(anna, parsed.values, createTestProgressContext({ partners: [anna], storedEvents, now, ...options }));
  }

  it("reports June's 80 000,00 ₽ of the first step's 100 000,00 ₽; a sale of 31 May does not count", async () => {
    const stored = [sale('2026-05-31T23:59:59Z', 5_000_000n), sale('2026-06-02T10:00:00Z', 6_000_000n), sale('2026-06-10T10:00:00Z', 2_000_000n)];
    // June: 60 000 + 20 000 = 80 000,00 ₽, below 100 000,00 ₽: nothing reached yet.
    expect(await progress(LADDER, stored)).toEqual([
      {
        key: 'step:1',
        label: { en: 'Net sales this month', ru: 'Чистые продажи в этом месяце' },
        current: 8_000_000n,
        threshold: 10_000_000n,
        unit: 'RUB',
        reward: { en: '1% of all volume + bonus RUB 5,000.00', ru: '1% от всего объёма + бонус 5\u00a0000,00\u00a0₽' },
        endsAt: july,
      },
    ]);
  });

  it('reports the highest step reached and the next one up, and the close pays by the reached one', async () => {
    const stored = [sale('2026-06-02T10:00:00Z', 15_000_000n)];
    const targets = await progress(LADDER, stored);
    // 150 000,00 ₽ reached step 1 (100 000) and is short of step 2 (300 000).
    expect(targets.map((t) => [t.key, t.current, t.threshold, t.current >= t.threshold, t.reward.en])).toEqual([
      ['step:1', 15_000_000n, 10_000_000n, true, '1% of all volume + bonus RUB 5,000.00'],
      ['step:2', 15_000_000n, 30_000_000n, false, '2% of all volume + bonus RUB 20,000.00'],
    ]);
    const june = testPeriod('2026-06');
    const parsed = parseArgs(scheme.args, LADDER);
    if (!parsed.ok) throw new Error('args');
    const closing = createTestPeriodContext({ period: june, participants: [{ partner: anna, stats: { amount: { SALE: 15_000_000n } } }] });
    const [draft] = await scheme.closePeriod!(june, parsed.values, closing);
    expect(draft.details).toMatchObject({ step: '10000000' });
  });

  it('reports the top step alone once it is reached, on sales net of refunds', async () => {
    // 350 000,00 ₽ sold, 20 000,00 ₽ refunded: 330 000,00 ₽ ≥ 300 000,00 ₽, the top step.
    const stored = [sale('2026-06-02T10:00:00Z', 35_000_000n), event('REFUND', '2026-06-03T10:00:00Z', 2_000_000n)];
    expect((await progress(LADDER, stored)).map((t) => [t.key, t.current, t.threshold, t.reward.en])).toEqual([
      ['step:2', 33_000_000n, 30_000_000n, '2% of all volume + bonus RUB 20,000.00'],
    ]);
  });

  it('counts net sales below zero as 0', async () => {
    // A May sale refunded in June: June's net sales are −30 000,00 ₽, shown as 0.
    const stored = [sale('2026-05-20T10:00:00Z', 5_000_000n), event('REFUND', '2026-06-03T10:00:00Z', 3_000_000n)];
    expect((await progress(LADDER, stored)).map((t) => [t.key, t.current, t.threshold])).toEqual([['step:1', 0n, 10_000_000n]]);
  });

  it("names each step's own part of the volume in ABOVE_THRESHOLD mode", async () => {
    const targets = await progress({ ...LADDER, mode: 'ABOVE_THRESHOLD' }, [sale('2026-06-02T10:00:00Z', 15_000_000n)]);
    expect(targets.map((t) => t.reward)).toEqual([
      {
        en: '1% of the volume from RUB 100,000.00 to RUB 300,000.00 + bonus RUB 5,000.00',
        ru: '1% с объёма от 100\u00a0000,00\u00a0₽ до 300\u00a0000,00\u00a0₽ + бонус 5\u00a0000,00\u00a0₽',
      },
      { en: '2% of the volume above RUB 300,000.00 + bonus RUB 20,000.00', ru: '2% с объёма свыше 300\u00a0000,00\u00a0₽ + бонус 20\u00a0000,00\u00a0₽' },
    ]);
  });

  it("counts the quarter since April, up to the quarter's end or the campaign's if that is earlier", async () => {
    const quarterly = { ...LADDER, period: 'QUARTER' };
    // April 40 000 + June 70 000 = 110 000,00 ₽; the March sale is in the previous quarter.
    const stored = [sale('2026-03-31T10:00:00Z', 1_000_000n), sale('2026-04-01T00:00:00Z', 4_000_000n), sale('2026-06-02T10:00:00Z', 7_000_000n)];
    const targets = await progress(quarterly, stored);
    expect(targets.map((t) => [t.key, t.label.en, t.current, t.threshold, t.endsAt])).toEqual([
      ['step:1', 'Net sales this quarter', 11_000_000n, 10_000_000n, july],
      ['step:2', 'Net sales this quarter', 11_000_000n, 30_000_000n, july],
    ]);
    const ending = new Date('2026-06-20T00:00:00Z');
    const [first] = await progress(quarterly, stored, { campaign: { endsAt: ending } });
    expect(first.endsAt).toEqual(ending);
  });

  it('reports nothing when the campaign does not run in the open month, since its close pays nothing', async () => {
    const stored = [sale('2026-06-02T10:00:00Z', 15_000_000n)];
    // Ended on 1 June 00:00, before any of June; or starting in July.
    expect(await progress(LADDER, stored, { campaign: { endsAt: new Date('2026-06-01T00:00:00Z') } })).toEqual([]);
    expect(await progress(LADDER, stored, { campaign: { startsAt: july } })).toEqual([]);
  });

  it('names only the bonus of a step without a percent, and the percent, even 0%, of a step without a bonus', async () => {
    const steps = { steps: [{ from: '100', bonus: '500' }, { from: '200' }] };
    // 1,50 ₽ reached the step from 1,00 ₽ (bonus 5,00 ₽); the step from 2,00 ₽ pays 0% and no bonus.
    expect((await progress(steps, [sale('2026-06-02T10:00:00Z', 150n)])).map((t) => [t.key, t.reward.en, t.reward.ru])).toEqual([
      ['step:1', 'Bonus RUB 5.00', 'Бонус 5,00\u00a0₽'],
      ['step:2', '0% of all volume', '0% от всего объёма'],
    ]);
  });
});
