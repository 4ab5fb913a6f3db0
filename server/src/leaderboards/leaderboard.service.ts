import type { Sql } from '../db/sql.js';
import { PROGRAM_BOARD_SQL, SLICE_BOARD_SQL } from './board-sql.js';

/** What a board ranks; each maps to one metric and unit of the board totals (see the board_totals migration). */
export const BOARD_METRICS = ['NET_SALES', 'SALES', 'REWARD_MONEY', 'POINTS', 'NEW_CUSTOMERS', 'RECRUITS', 'EVENTS_HOSTED', 'LEADS', 'EVENTS'] as const;
export type BoardMetric = (typeof BOARD_METRICS)[number];
export const BOARD_PERIODS = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'CAMPAIGN', 'ALL'] as const;
export type BoardPeriod = (typeof BOARD_PERIODS)[number];

/** One board: what it ranks, over which period, among which partners. */
export interface BoardQuery {
  metric: BoardMetric;
  /** The currency of a money metric (default: the program's), the event type of EVENTS. */
  unit?: string | null;
  period: BoardPeriod;
  /**
   * Partners the campaign targets only; its rewards only for REWARD_MONEY and POINTS; the
   * period CAMPAIGN is its dates (the local days from its start to its end).
   */
  campaignId?: string | null;
  /** A day inside the period to rank (YYYY-MM-DD, local to the program); default today. */
  date?: string | null;
  /** Partners of this region and its sub-regions only. */
  regionCode?: string | null;
  partnerKind?: string | null;
  segment?: string | null;
  level?: number | null;
}

/** What partners see of each other's names on boards. */
export const BOARD_NAMES = ['FULL', 'SHORT', 'ALIAS'] as const;
export type BoardNames = (typeof BOARD_NAMES)[number];
/** The longest alias a partner may choose. */
export const MAX_ALIAS_LENGTH = 40;

/** Who reads a board: an admin sees everyone, a partner also gets its own entry. */
export type BoardViewer = { kind: 'admin' } | { kind: 'partner'; partnerId: string };
/** Whoever reads a published board: sees what any partner sees of the others (no partner has id 0). */
export const PUBLIC_VIEWER: BoardViewer = { kind: 'partner', partnerId: '0' };

export interface BoardEntry {
  rank: number;
  /** The entry's place in board order (ties by partner id): what a cursor names. */
  position: number;
  partnerId: string;
  /** Null where the viewer may not see it: an ALIAS board's partner without an alias. */
  name: string | null;
  /** Null where the viewer may see only ranks. */
  value: bigint | null;
  /** All of the entry, for showing it to another viewer (`showTo`): one read serves many live subscribers. */
  full: { name: string; alias: string | null; value: bigint; names: BoardNames; values: boolean };
  /** The rank in the previous period of the same length; null when unranked then, or for ALL. */
  previousRank: number | null;
}

export interface Board {
  entries: BoardEntry[];
  hasNextPage: boolean;
  /** The viewer's own entry when the viewer is a partner ranked on this board. */
  me: BoardEntry | null;
  ranked: number;
  changedAt: Date | null;
}

/** Metric → the totals' metric, and the unit when the metric fixes it (null: a currency). */
const TOTALS: Record<BoardMetric, [string, string | null]> = {
  NET_SALES: ['NET_SALES', null],
  // The number of sales is the count of SALE events: one total fewer for the triggers to keep per sale.
  SALES: ['EVENTS', 'SALE'],
  REWARD_MONEY: ['REWARD_MONEY', null],
  POINTS: ['POINTS', 'POINTS'],
  NEW_CUSTOMERS: ['NEW_CUSTOMERS', ''],
  RECRUITS: ['RECRUITS', ''],
  EVENTS_HOSTED: ['EVENTS', 'EVENT_HOSTED'],
  LEADS: ['EVENTS', 'LEAD'],
  EVENTS: ['EVENTS', null],
};
/** The metrics a campaign's board counts from that campaign's rewards only. */
const PER_CAMPAIGN = new Set<BoardMetric>(['REWARD_MONEY', 'POINTS']);

interface BoardRow {
  partnerId: string | null;
  name: string;
  alias: string | null;
  names: BoardNames;
  values: boolean;
  value: string;
  rank: number;
  position: number;
  previousRank: number | null;
  ranked: number;
  changedAt: Date | null;
}

/** Reads leaderboards from the board totals and deltas the event and reward triggers keep. */
export class LeaderboardService {
  constructor(private readonly sql: Sql) {}

  /** Whether the program has this campaign, whose board a caller asks for. */
  async hasCampaign(programId: string, campaignId: string): Promise<boolean> {
    if (!/^\d{1,19}$/.test(campaignId)) return false;
    return (await this.sql.query(`select 1 from campaign where id = $2 and program_id = $1`, [programId, campaignId])).length > 0;
  }

  /** Sets what partners see of each other on the program's boards. */
  async setVisibility(programId: string, names: BoardNames, values: boolean): Promise<{ names: BoardNames; values: boolean }> {
    await this.sql.query(`update program set board_names = $2, board_values = $3 where id = $1`, [programId, names, values]);
    return { names, values };
  }

  /** Sets (or with null clears) the name a partner shows on ALIAS boards; false when the program has no such partner. */
  async setAlias(programId: string, partnerId: string, alias: string | null): Promise<boolean> {
    const rows = await this.sql.query(`update partner set board_alias = $3 where id = $2 and program_id = $1 returning id`, [programId, partnerId, alias]);
    return rows.length > 0;
  }

  /** A page of `first` entries after position `after` (0: from the top), the viewer's own entry, the count and the last change. */
  async board(programId: string, input: BoardQuery, viewer: BoardViewer, first: number, after = 0): Promise<Board> {
    const [metric, fixedUnit] = TOTALS[input.metric];
    const unit = fixedUnit ?? input.unit ?? null;
    const partnerId = viewer.kind === 'partner' ? viewer.partnerId : null;
    const campaignId = input.campaignId ?? null;
    // Rewards are also totalled per campaign; everything else only across campaigns (0).
    const totalsCampaign = campaignId && PER_CAMPAIGN.has(input.metric) ? campaignId : '0';
    const slice = input.regionCode != null || input.partnerKind != null || input.segment != null || input.level != null || campaignId !== null || input.period === 'CAMPAIGN';
    const rows = await this.sql.query<BoardRow>(slice ? SLICE_BOARD_SQL : PROGRAM_BOARD_SQL, [
      programId, metric, unit, input.period, input.date ?? null, input.regionCode ?? null,
      input.partnerKind ?? null, input.segment ?? null, input.level ?? null, after, first, partnerId, campaignId, totalsCampaign, input.regionCode != null,
    ]);
    const summary = rows[rows.length - 1];
    const entries = rows.filter((row) => row.partnerId !== null).map((row) => toEntry(row, viewer));
    const page = entries.filter((entry) => entry.position > after);
    return {
      entries: page.slice(0, first),
      hasNextPage: page.length > first,
      me: entries.find((entry) => entry.partnerId === partnerId) ?? null,
      ranked: summary.ranked,
      changedAt: summary.changedAt,
    };
  }
}

function toEntry(row: BoardRow, viewer: BoardViewer): BoardEntry {
  const full = { name: row.name, alias: row.alias, value: BigInt(row.value), names: row.names, values: row.values };
  return showTo({ rank: row.rank, position: row.position, partnerId: row.partnerId!, name: null, value: null, previousRank: row.previousRank, full }, viewer);
}

/** An entry as a viewer may see it: admins and the partner itself see all; other partners what the program's setting shows. */
export function showTo(entry: BoardEntry, viewer: BoardViewer): BoardEntry {
  const { full } = entry;
  const all = viewer.kind === 'admin' || viewer.partnerId === entry.partnerId;
  const name = all || full.names === 'FULL' ? full.name : full.names === 'SHORT' ? shortName(full.name) : full.alias;
  return { ...entry, name, value: all || full.values ? full.value : null };
}

/** "Ivan Petrov" → "Ivan P."; a one-word name stays as it is. */
export function shortName(name: string): string {
  const [first, second] = name.trim().split(/\s+/);
  return second ? `${first} ${[...second][0]}.` : first;
}
