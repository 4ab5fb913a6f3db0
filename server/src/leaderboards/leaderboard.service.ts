import type { Sql } from '../db/sql.js';
import { BoardCache, type BoardRange } from './board-cache.js';
import { BOARD_NAMES_SQL, BOARD_STATE_SQL } from './board-sql.js';
import { RankedBoard, type BoardTotals, type BoardValue, type RankedEntry } from './ranked-board.js';

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

/** What the board state statement answers (`BOARD_STATE_SQL`). */
interface BoardState {
  unit: string;
  names: BoardNames;
  values: boolean;
  ranges: { which: 'current' | 'previous'; grain: string; from: string; to: string; version: string; buckets: number; reset: string }[];
  /** [range, partner id, value, changed at in ms] per partner with unfolded deltas. */
  deltas: ['current' | 'previous', string, string, number][];
  /** The version of slices' membership (`board_membership`). */
  membership: string;
  /** A slice's members, unless the process holds them at that version. */
  members: string[] | null;
}

/** The most slices a process keeps the members of; the least recently read goes first. */
export const CACHED_SLICES = 256;

/** A slice's members at a membership version, and the totals of boards narrowed to them. */
interface Slice {
  version: string;
  members: ReadonlySet<number>;
  /** A copy of a board range's totals → only the members' (a new copy, a new entry). */
  narrowed: WeakMap<BoardTotals, BoardTotals>;
}

/** A board and the previous period's, ranked, with what partners may see of each other. */
interface ReadBoard {
  current: RankedBoard;
  previous: RankedBoard | null;
  names: BoardNames;
  values: boolean;
}

/** Reads leaderboards from the board totals and deltas the event and reward triggers keep. */
export class LeaderboardService {
  private readonly cache = new BoardCache();
  private readonly slices = new Map<string, Slice>();

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
    return (await this.boards(programId, input, [viewer], first, after))[0];
  }

  /** One board as each viewer sees it, from one read: the same page, each partner's own entry. */
  async boards(programId: string, input: BoardQuery, viewers: readonly BoardViewer[], first: number, after = 0): Promise<Board[]> {
    const read = await this.read(programId, input);
    const page = read.current.page(after, first + 1);
    const own = viewers.map((viewer) => (viewer.kind === 'partner' ? read.current.entryOf(Number(viewer.partnerId)) : null));
    const shown = [...page, ...own.filter((entry) => entry !== null)];
    const names = await this.names(shown.map((entry) => entry.partnerId));
    const full = (entry: RankedEntry) => ({ ...names.get(entry.partnerId)!, value: entry.value, names: read.names, values: read.values });
    const toEntry = (entry: RankedEntry, viewer: BoardViewer): BoardEntry =>
      showTo({ rank: entry.rank, position: entry.position, partnerId: String(entry.partnerId), name: null, value: null, previousRank: read.previous?.entryOf(entry.partnerId)?.rank ?? null, full: full(entry) }, viewer);
    const top = page.slice(0, first);
    // What admins see, and what partners see of each other: each made once, however many viewers.
    const seenBy = { admin: top.map((entry) => toEntry(entry, { kind: 'admin' })), partner: top.map((entry) => toEntry(entry, PUBLIC_VIEWER)) };
    const board = (entries: BoardEntry[], me: BoardEntry | null): Board => ({ entries, hasNextPage: page.length > first, me, ranked: read.current.ranked, changedAt: read.current.changedAt === null ? null : new Date(read.current.changedAt) });
    const forAdmins = board(seenBy.admin, null);
    return viewers.map((viewer, index) => {
      if (viewer.kind === 'admin') return forAdmins;
      // A partner sees its own entry in full, on the page too.
      const entries = seenBy.partner.map((entry, at) => (entry.partnerId === viewer.partnerId ? toEntry(top[at], viewer) : entry));
      return board(entries, own[index] && toEntry(own[index], viewer));
    });
  }

  /** The board and the previous period's, ranked from this process's copies of their totals and the deltas of one snapshot. */
  private async read(programId: string, input: BoardQuery): Promise<ReadBoard> {
    const [metric, fixedUnit] = TOTALS[input.metric];
    const campaignId = input.campaignId ?? null;
    // Rewards are also totalled per campaign; everything else only across campaigns (0).
    const totalsCampaign = campaignId && PER_CAMPAIGN.has(input.metric) ? campaignId : '0';
    const sliced = input.regionCode != null || input.partnerKind != null || input.segment != null || input.level != null || campaignId !== null;
    const sliceKey = sliced ? JSON.stringify([programId, input.regionCode ?? null, input.partnerKind ?? null, input.segment ?? null, input.level ?? null, campaignId]) : null;
    const members = sliceKey ? this.slices.get(sliceKey) : undefined;
    const params = [
      programId, metric, fixedUnit ?? input.unit ?? null, input.period, input.date ?? null, input.regionCode ?? null, input.partnerKind ?? null,
      input.segment ?? null, input.level ?? null, campaignId, totalsCampaign, sliced, members?.version ?? null,
    ];
    const ranked = (state: BoardState, current: BoardTotals, previous: BoardTotals | null) => rankedBoards(state, sliceKey === null ? null : this.slice(sliceKey, state, members), current, previous);
    const range = (state: BoardState, which: 'current' | 'previous'): BoardRange | null => {
      const found = state.ranges.find((candidate) => candidate.which === which);
      return found ? { ...found, programId, metric, unit: state.unit, campaignId: totalsCampaign, version: BigInt(found.version), reset: BigInt(found.reset) } : null;
    };
    // Most reads find the process's copies at the snapshot's versions: one statement. Otherwise
    // the state is read again, with the totals it lacks, in one repeatable-read snapshot.
    const [state] = await this.sql.query<BoardState>(BOARD_STATE_SQL, params);
    const copies = (['current', 'previous'] as const).map((which) => range(state, which)).map((found) => found && this.cache.fresh(found));
    if (copies[0] && (copies[1] || !range(state, 'previous'))) return ranked(state, copies[0], copies[1]);
    return this.sql.transaction(async (client) => {
      await client.query('set transaction isolation level repeatable read, read only');
      const { rows: [again] } = await client.query<BoardState>(BOARD_STATE_SQL, params);
      const totals = async (which: 'current' | 'previous') => {
        const found = range(again, which);
        return found && this.cache.totals(client, found);
      };
      return ranked(again, (await totals('current'))!, await totals('previous'));
    });
  }

  /** The slice's members as the state names them: the held ones at its membership version, or the ones it brings. */
  private slice(key: string, state: BoardState, held: Slice | undefined): Slice {
    // Without members, the state says the held ones are current (it was asked with their version).
    const slice = state.members ? { version: state.membership, members: new Set(state.members.map(Number)), narrowed: new WeakMap() } : held!;
    const kept = this.slices.get(key);
    this.slices.delete(key);
    // A read whose snapshot is older than the kept members' does not replace them.
    this.slices.set(key, kept && BigInt(kept.version) > BigInt(slice.version) ? kept : slice);
    if (this.slices.size > CACHED_SLICES) this.slices.delete(this.slices.keys().next().value!);
    return slice;
  }

  private async names(partnerIds: number[]): Promise<Map<number, { name: string; alias: string | null }>> {
    if (partnerIds.length === 0) return new Map();
    const rows = await this.sql.query<{ id: string; name: string; alias: string | null }>(BOARD_NAMES_SQL, [[...new Set(partnerIds)].map(String)]);
    return new Map(rows.map((row) => [Number(row.id), { name: row.name, alias: row.alias }]));
  }
}

/** The boards of a state: its totals (only the slice's members') with its deltas laid over. */
function rankedBoards(state: BoardState, slice: Slice | null, current: BoardTotals, previous: BoardTotals | null): ReadBoard {
  const narrowed = (totals: BoardTotals) => {
    if (!slice) return totals;
    const only = slice.narrowed.get(totals) ?? totals.only(slice.members);
    slice.narrowed.set(totals, only);
    return only;
  };
  const board = (totals: BoardTotals, which: 'current' | 'previous') => {
    const deltas: BoardValue[] = state.deltas
      .filter(([range, partnerId]) => range === which && (!slice || slice.members.has(Number(partnerId))))
      .map(([, partnerId, value, changedAt]) => ({ partnerId: Number(partnerId), value: BigInt(value), changedAt }));
    return new RankedBoard(narrowed(totals), deltas);
  };
  return { current: board(current, 'current'), previous: previous && board(previous, 'previous'), names: state.names, values: state.values };
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
