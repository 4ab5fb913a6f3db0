import type { RewardRow } from '../ledger/ledger.service.js';
import type { SnapshotRow } from '../partners/partner-snapshot.js';
import { MAX_GROUPS, TOP_PARTNERS, groupTotals, partnerChanges, percentOfSales, totals } from './summary.js';

function reward(partnerId: string, amount: number, status: RewardRow['status'] = 'PENDING'): RewardRow {
  return { partnerId, amount: String(amount), status, kind: 'MONEY', unit: 'RUB' } as RewardRow;
}

describe('simulation summary', () => {
  it('adds granted money net of compensations and keeps CAPPED apart', () => {
    expect(totals([reward('1', 500), reward('1', -200), reward('2', 300, 'CAPPED'), reward('2', 50, 'REJECTED')])).toEqual([
      { kind: 'MONEY', unit: 'RUB', granted: 300n, capped: 300n, entries: 4 },
    ]);
  });

  it(`keeps the ${MAX_GROUPS} largest groups of a breakdown`, () => {
    // Partner n is granted n kopecks, each in a group of its own: groups 101 down to 2 stay, group 1 goes.
    const groups = groupTotals(Array.from({ length: MAX_GROUPS + 1 }, (_, index) => reward(String(index + 1), index + 1)), (entry) => `g${entry.partnerId}`);
    expect(groups).toHaveLength(100);
    expect([groups[0].key, groups[0].granted, groups[99].key, groups[99].granted]).toEqual(['g101', 101n, 'g2', 2n]);
  });

  it(`lists the ${TOP_PARTNERS} partners whose money changes most, by the size of the change`, () => {
    const partners = new Map<string, SnapshotRow>();
    const simulated = new Map<string, bigint>();
    const actual = new Map<string, bigint>();
    // Partner n (1…60) simulated 10n, actually paid 11n: a change of −n. Partner 61 unchanged.
    for (let n = 1; n <= 61; n++) {
      partners.set(String(n), { id: String(n), name: `P${n}` } as SnapshotRow);
      simulated.set(String(n), BigInt(n <= 60 ? 10 * n : 5));
      actual.set(String(n), BigInt(n <= 60 ? 11 * n : 5));
    }
    const changes = partnerChanges(simulated, actual, partners);
    expect(changes).toHaveLength(50);
    expect(changes[0]).toEqual({ partnerId: '60', name: 'P60', simulated: 600n, actual: 660n, change: -60n });
    expect(changes[49].partnerId).toBe('11');
  });

  it('gives cost of sales as a percent with two decimals, half to even', () => {
    // 1 / 8 = 12.5 %; 1 / 3 = 33.333…%; 1 / 80 000 = 0.00125 % → 0.00 (half to even).
    expect([percentOfSales(1n, 8n), percentOfSales(1n, 3n), percentOfSales(1n, 80_000n), percentOfSales(5n, 0n)]).toEqual(['12.50', '33.33', '0.00', null]);
  });
});
