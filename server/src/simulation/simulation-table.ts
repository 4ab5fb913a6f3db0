import { formatMoney, formatPoints } from '@cofactor/schema';
import type { SimulationSummary } from './simulation-jobs.js';

/** How many regions, schemes and partners the table lists; `--json` has them all. */
export const TABLE_TOP = 10;

/** An amount as a person reads it: money in its currency, points with their decimals, perks and badges as counts. */
export function formatAmount(kind: string, unit: string, amount: bigint): string {
  if (kind === 'MONEY') return formatMoney(amount, unit, 'en');
  if (kind === 'POINTS') return `${formatPoints(amount, 'en')} ${unit}`;
  return `${amount} ${unit}`;
}

/** Columns padded to their widest cell; the columns named in `right` (amounts, counts) are aligned right. */
export function formatColumns(header: string[], rows: string[][], right: number[] = []): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (right.includes(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  return [header, ...rows].map((cells) => `  ${line(cells).trimEnd()}`);
}

const day = (date: Date | string) => new Date(date).toISOString().replace('.000Z', 'Z');

/**
 * The summary `cofactor simulate` prints: totals, cost of sales, budget and cap use, the largest
 * groups and pay changes, the comparison. `regionCodes` names regions by code rather than id.
 */
export function formatSimulation(result: SimulationSummary, regionCodes: ReadonlyMap<string, string> = new Map(), top = TABLE_TOP): string {
  const money = (amount: bigint) => formatMoney(amount, result.currency, 'en');
  const lines = [
    `Simulation of ${result.campaignId ? `campaign ${result.campaignId} (as given)` : 'a new campaign'}, ${day(result.from)} to ${day(result.to)}`,
    `  Events replayed   ${result.eventsReplayed}`,
    `  Periods closed    ${result.periodsClosed.join(', ') || 'none'}`,
    '',
    'Totals',
    ...(result.totals.length
      ? formatColumns(
          ['KIND', 'UNIT', 'GRANTED', 'CAPPED', 'ENTRIES'],
          result.totals.map((total) => [total.kind, total.unit, formatAmount(total.kind, total.unit, total.granted), formatAmount(total.kind, total.unit, total.capped), String(total.entries)]),
          [2, 3, 4],
        )
      : ['  nothing granted']),
    '',
    `Net sales           ${money(result.netSales)}`,
    `Cost of sales       ${result.costOfSalesPercent === null ? 'n/a (no net sales)' : `${result.costOfSalesPercent}%`}`,
    ...budgetLines(result, money),
    ...groupLines('Top regions', 'REGION', result.byRegion.map((group) => ({ ...group, key: regionCodes.get(group.key) ?? group.key })), top),
    ...groupLines('Top schemes', 'SCHEME', result.byScheme, top),
    ...changeLines(result, money, top),
    ...comparisonLines(result),
  ];
  return `${lines.join('\n')}\n`;
}

function budgetLines(result: SimulationSummary, money: (amount: bigint) => string): string[] {
  const lines: string[] = [];
  const { budget, partnerCap } = result;
  if (budget) {
    lines.push(
      `Budget              ${money(budget.budget)}: ${money(budget.usedBefore)} used before the span, ${money(budget.usedInSpan)} in it, ${money(budget.left)} left`,
      `Budget ran out      ${budget.ranOutAt ? day(budget.ranOutAt) : 'no, it lasted'}${budget.cappedByBudget ? ` (${money(budget.cappedByBudget)} held back)` : ''}`,
    );
  } else lines.push('Budget              none');
  if (partnerCap) {
    lines.push(`Partner cap         ${money(partnerCap.partnerCap)} per ${partnerCap.capPeriod}: ${partnerCap.partnersCapped} partners reached it, ${money(partnerCap.cappedByCap)} held back`);
  }
  return lines;
}

function groupLines(title: string, column: string, groups: SimulationSummary['byRegion'], top: number): string[] {
  if (groups.length === 0) return [];
  const shown = [...groups].sort((a, b) => (a.granted === b.granted ? 0 : a.granted > b.granted ? -1 : 1)).slice(0, top);
  return ['', `${title} (granted)`, ...formatColumns([column, 'GRANTED'], shown.map((group) => [group.key, formatAmount(group.kind, group.unit, group.granted)]), [1])];
}

function changeLines(result: SimulationSummary, money: (amount: bigint) => string, top: number): string[] {
  if (result.partnerChanges.length === 0) return [];
  const rows = result.partnerChanges.slice(0, top).map((change) => [change.partnerId, change.name, money(change.simulated), money(change.actual), money(change.change)]);
  return ['', `Largest pay changes (${result.currency})`, ...formatColumns(['PARTNER', 'NAME', 'SIMULATED', 'ACTUAL', 'CHANGE'], rows, [2, 3, 4])];
}

function comparisonLines(result: SimulationSummary): string[] {
  const { comparison } = result;
  if (!comparison) return [];
  const actual = new Map(comparison.actual.map((total) => [`${total.kind}|${total.unit}`, total.granted]));
  const rows = comparison.difference.map((difference) => {
    const paid = actual.get(`${difference.kind}|${difference.unit}`) ?? 0n;
    return [difference.kind, difference.unit, formatAmount(difference.kind, difference.unit, paid), formatAmount(difference.kind, difference.unit, difference.granted)];
  });
  return ['', `Compared with what campaign ${comparison.campaignId} paid`, ...formatColumns(['KIND', 'UNIT', 'ACTUAL', 'DIFFERENCE'], rows, [2, 3])];
}
