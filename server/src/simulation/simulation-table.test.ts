import type { SimulationSummary } from './simulation-jobs.js';
import { formatAmount, formatColumns, formatSimulation } from './simulation-table.js';

/** November at 7 % instead of 5 % (as in test/e2e/simulation.test.ts), with a budget of RUB 10,000.00 of which 500.00 went before the span. */
const NOVEMBER: SimulationSummary = {
  campaignId: '3',
  from: new Date('2026-11-01T00:00:00Z'),
  to: new Date('2026-12-01T00:00:00Z'),
  eventsReplayed: 4,
  periodsClosed: [],
  currency: 'RUB',
  totals: [{ kind: 'MONEY', unit: 'RUB', granted: 891_420n, capped: 0n, entries: 4 }],
  netSales: 12_734_567n,
  costOfSalesPercent: '7.00',
  budget: { budget: 1_000_000n, usedBefore: 50_000n, usedInSpan: 891_420n, left: 58_580n, ranOutAt: null, cappedByBudget: 0n },
  partnerCap: null,
  byRegion: [{ key: 'none', kind: 'MONEY', unit: 'RUB', granted: 891_420n }],
  byPartnerKind: [],
  byLevel: [],
  byScheme: [
    { key: 'bonus', kind: 'MONEY', unit: 'RUB', granted: 1_000n },
    { key: 'percentage-of-sales', kind: 'MONEY', unit: 'RUB', granted: 890_420n },
  ],
  partnerChanges: [
    { partnerId: '1', name: 'Anna', simulated: 700_000n, actual: 500_000n, change: 200_000n },
    { partnerId: '2', name: 'Boris', simulated: 191_420n, actual: 136_728n, change: 54_692n },
  ],
  comparison: {
    campaignId: '3',
    actual: [{ kind: 'MONEY', unit: 'RUB', granted: 636_728n, capped: 0n, entries: 4 }],
    difference: [{ kind: 'MONEY', unit: 'RUB', granted: 254_692n, capped: 0n, entries: 0 }],
  },
};

describe('the simulation table', () => {
  it('shows money in its currency, points with their decimals and perks as counts', () => {
    expect(formatAmount('MONEY', 'RUB', 891_420n)).toBe('RUB 8,914.20');
    expect(formatAmount('MONEY', 'RUB', -105_000n)).toBe('-RUB 1,050.00');
    // Points are kept in hundredths: 150 is 1.5 points.
    expect(formatAmount('POINTS', 'points', 150n)).toBe('1.5 points');
    expect(formatAmount('PERK', 'training', 2n)).toBe('2 training');
  });

  it('pads columns to their widest cell, amounts to the right', () => {
    expect(formatColumns(['NAME', 'PAID'], [['Anna', '7'], ['Bo', '1234']], [1])).toEqual(['  NAME  PAID', '  Anna     7', '  Bo    1234']);
  });

  it('prints totals, cost of sales, the budget, the largest groups first, pay changes and the comparison', () => {
    const lines = formatSimulation(NOVEMBER).split('\n');
    expect(lines.slice(0, 3)).toEqual(['Simulation of campaign 3 (as given), 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z', '  Events replayed   4', '  Periods closed    none']);
    expect(lines).toContain('  MONEY  RUB   RUB 8,914.20  RUB 0.00        4');
    expect(lines).toContain('Net sales           RUB 127,345.67');
    expect(lines).toContain('Cost of sales       7.00%');
    // 10 000.00 − 500.00 − 8 914.20 = 585.80 left.
    expect(lines).toContain('Budget              RUB 10,000.00: RUB 500.00 used before the span, RUB 8,914.20 in it, RUB 585.80 left');
    expect(lines).toContain('Budget ran out      no, it lasted');
    // The larger scheme first, whatever order the result had.
    const schemes = lines.indexOf('Top schemes (granted)');
    expect(lines.slice(schemes + 2, schemes + 4)).toEqual(['  percentage-of-sales  RUB 8,904.20', '  bonus                   RUB 10.00']);
    expect(lines).toContain('  1        Anna   RUB 7,000.00  RUB 5,000.00  RUB 2,000.00');
    // Regions by code where the caller knows it; 'none' for partners without one.
    const withCodes = formatSimulation({ ...NOVEMBER, byRegion: [{ key: '7', kind: 'MONEY', unit: 'RUB', granted: 700_000n }, ...NOVEMBER.byRegion] }, new Map([['7', 'MSK']])).split('\n');
    const regions = withCodes.indexOf('Top regions (granted)');
    expect(withCodes.slice(regions + 1, regions + 4)).toEqual(['  REGION       GRANTED', '  none    RUB 8,914.20', '  MSK     RUB 7,000.00']);
    expect(lines).toContain('Compared with what campaign 3 paid');
    expect(lines).toContain('  MONEY  RUB   RUB 6,367.28  RUB 2,546.92');
  });

  it('says so when nothing was granted and there were no sales', () => {
    const empty = { ...NOVEMBER, campaignId: null, totals: [], netSales: 0n, costOfSalesPercent: null, budget: null, byRegion: [], byScheme: [], partnerChanges: [], comparison: null };
    expect(formatSimulation(empty)).toBe(
      [
        'Simulation of a new campaign, 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z',
        '  Events replayed   4',
        '  Periods closed    none',
        '',
        'Totals',
        '  nothing granted',
        '',
        'Net sales           RUB 0.00',
        'Cost of sales       n/a (no net sales)',
        'Budget              none',
        '',
      ].join('\n'),
    );
  });
});
