import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AnalyticsService, StatsGroup } from '../analytics/analytics.service.js';
import type { Dimension } from '../analytics/stats-sql.js';
import { csvLine, csvText, csvValue } from './csv.js';

export interface StatsExportRequest {
  programId: string;
  /** Local days of the program's time zone, "2026-11-01", to excluded. */
  from: string;
  to: string;
  groupBy: Dimension[];
  format: 'csv' | 'jsonl';
}

/** A column of the CSV: its header and how a group's cell is read (null: empty). */
interface Column {
  name: string;
  text?: boolean;
  cell: (group: StatsGroup) => unknown;
}

const KEY_COLUMNS: Record<Dimension, Column> = {
  REGION: { name: 'region', text: true, cell: (group) => group.key.regionCode },
  KIND: { name: 'kind', text: true, cell: (group) => group.key.kind },
  SEGMENT: { name: 'segment', text: true, cell: (group) => group.key.segment },
  LEVEL: { name: 'level', cell: (group) => group.key.level },
  CAMPAIGN: { name: 'campaignId', cell: (group) => group.key.campaignId },
  SCHEME: { name: 'schemeInstanceId', cell: (group) => group.key.schemeInstanceId },
  MONTH: { name: 'month', cell: (group) => group.key.month },
};

const PARTNER_FIGURES = ['new', 'active', 'total', 'previouslyActive', 'retained', 'churned', 'retention', 'recruited'] as const;
const ACTIVITY_FIGURES = ['events', 'leads', 'sales', 'conversion'] as const;
const SALES_FIGURES = ['count', 'gross', 'refunds', 'refunded', 'net', 'averageCheck', 'newCustomers'] as const;
const MONEY_FIGURES = ['pending', 'approved', 'paid', 'reversed', 'capped', 'rejected', 'cost', 'costOfSales'] as const;
const SATISFACTION_FIGURES = ['responses', 'promoters', 'passives', 'detractors', 'averageScore', 'nps'] as const;

/** The columns of a stats CSV: the dimensions grouped by, then every figure, money per currency found. */
function columnsOf(groupBy: Dimension[], currencies: string[]): Column[] {
  return [
    ...groupBy.map((dimension) => KEY_COLUMNS[dimension]),
    ...PARTNER_FIGURES.map((figure) => ({ name: `partners.${figure}`, cell: (group: StatsGroup) => group.partners?.[figure] })),
    ...ACTIVITY_FIGURES.map((figure) => ({ name: `activity.${figure}`, cell: (group: StatsGroup) => group.activity?.[figure] })),
    ...currencies.flatMap((currency) => [
      ...SALES_FIGURES.map((figure) => ({ name: `sales.${currency}.${figure}`, cell: (group: StatsGroup) => group.sales?.find((sales) => sales.currency === currency)?.[figure] })),
      ...MONEY_FIGURES.map((figure) => ({ name: `rewards.money.${currency}.${figure}`, cell: (group: StatsGroup) => group.rewards.money.find((money) => money.currency === currency)?.[figure] })),
    ]),
    { name: 'rewards.points.earned', cell: (group) => group.rewards.points.earned },
    { name: 'rewards.points.redeemed', cell: (group) => group.rewards.points.redeemed },
    { name: 'rewards.points.outstanding', cell: (group) => group.rewards.points.outstanding },
    { name: 'rewards.perks.granted', cell: (group) => group.rewards.perks.granted },
    { name: 'rewards.perks.delivered', cell: (group) => group.rewards.perks.delivered },
    { name: 'rewards.badges', cell: (group) => group.rewards.badges },
    ...SATISFACTION_FIGURES.map((figure) => ({ name: `satisfaction.${figure}`, cell: (group: StatsGroup) => group.satisfaction?.[figure] })),
  ];
}

/**
 * Writes the program's figures of a period, as `programStats` gives them: one row per group of
 * `groupBy`, or the total alone without it. CSV has a column per figure (money per currency,
 * never mixed: a currency missing from a group is an empty cell); JSON lines one object per
 * group in the API's shape, amounts as digit strings. Returns the rows written.
 */
export async function writeStatsExport(analytics: AnalyticsService, request: StatsExportRequest, out: Writable): Promise<number> {
  const stats = await analytics.programStats(request.programId, { period: { from: request.from, to: request.to }, groupBy: request.groupBy });
  const groups = request.groupBy.length ? stats.groups : [stats.total];
  if (request.format === 'jsonl') {
    await write(out, groups.map((group) => `${JSON.stringify(group, (_, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`).join(''));
    return groups.length;
  }
  const currencies = [...new Set(groups.flatMap((group) => [...(group.sales ?? []), ...group.rewards.money].map((figures) => figures.currency)))].sort();
  const columns = columnsOf(request.groupBy, currencies);
  const lines = groups.map((group) =>
    csvLine(
      columns.map((column) => {
        const value = column.cell(group);
        if (value === null || value === undefined) return '';
        return column.text ? csvText(String(value)) : csvValue(String(value));
      }),
    ),
  );
  await write(out, csvLine(columns.map((column) => column.name)) + lines.join(''));
  return groups.length;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
