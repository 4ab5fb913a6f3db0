import { groupFigures, ratio, zeroSums, type Sums } from './figures.js';

const sums = (figures: Partial<Record<keyof Sums, bigint>>): Sums => ({ ...zeroSums(), ...figures });

describe('ratio', () => {
  it('is a fraction to four decimals, halves to even, and null without a divisor', () => {
    expect(ratio(1n, 3n)).toBe(0.3333);
    expect(ratio(2n, 3n)).toBe(0.6667);
    // 1 ÷ 16 = 0.0625 exactly; 1 ÷ 32 = 0.03125 → 0.0312 (the 2 is even).
    expect(ratio(1n, 16n)).toBe(0.0625);
    expect(ratio(1n, 32n)).toBe(0.0312);
    expect(ratio(3n, 32n)).toBe(0.0938);
    expect(ratio(5n, 0n)).toBeNull();
  });
});

describe('groupFigures', () => {
  it('keeps money per currency and never adds one currency to another', () => {
    const units = new Map([
      ['', sums({ events: 2n, leads: 2n })],
      ['RUB', sums({ events: 3n, sales: 3n, gross: 1_000n, refunded: 100n, money_approved: 90n, money_reversed: 9n })],
      ['EUR', sums({ events: 1n, sales: 1n, gross: 50n })],
    ]);
    const figures = groupFigures(units, { active: 2, before: 4, retained: 1 }, { joined: 7n, pointsEarned: 500n, pointsRedeemed: 120n }, false);
    // 1 000 ÷ 3 = 333.33 → 333; cost 90 − 9 = 81 of net 900: 0.09.
    expect(figures.sales).toEqual([
      { currency: 'EUR', count: 1n, gross: 50n, refunds: 0n, refunded: 0n, net: 50n, averageCheck: 50n, newCustomers: 0n },
      { currency: 'RUB', count: 3n, gross: 1_000n, refunds: 0n, refunded: 100n, net: 900n, averageCheck: 333n, newCustomers: 0n },
    ]);
    expect(figures.rewards.money).toEqual([{ currency: 'RUB', pending: 0n, approved: 90n, paid: 0n, reversed: 9n, capped: 0n, rejected: 0n, cost: 81n, costOfSales: 0.09 }]);
    // 4 sales of both currencies over 2 leads.
    expect(figures.activity).toEqual({ events: 6n, leads: 2n, sales: 4n, conversion: 2 });
    expect(figures.partners).toEqual({ new: 0n, active: 2, total: 7n, previouslyActive: 4, retained: 1, churned: 3, retention: 0.25, recruited: 0n });
    expect(figures.rewards.points).toEqual({ earned: 0n, redeemed: 0n, outstanding: 380n });
  });

  it("rounds an average check's half to even, and gives a campaign's rewards alone", () => {
    // 5 ÷ 2 = 2.5 → 2; 7 ÷ 2 = 3.5 → 4.
    expect(groupFigures(new Map([['RUB', sums({ sales: 2n, gross: 5n })]]), null, null, false).sales![0].averageCheck).toBe(2n);
    expect(groupFigures(new Map([['RUB', sums({ sales: 2n, gross: 7n })]]), null, null, false).sales![0].averageCheck).toBe(4n);
    const campaign = groupFigures(new Map([['RUB', sums({ money_paid: 10n, gross: 100n })]]), null, null, true);
    expect([campaign.partners, campaign.activity, campaign.sales, campaign.satisfaction, campaign.rewards.money[0].costOfSales]).toEqual([null, null, null, null, null]);
  });
});
