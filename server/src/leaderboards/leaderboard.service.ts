import type { Sql } from '../db/sql.js';
import { BoardReads, type ReadBoard } from './board-reads.js';
import { BOARD_NAMES_SQL } from './board-sql.js';
import type { BoardMetric, BoardNames, BoardPeriod, BoardQuery } from './board-query.js';
import type { RankedEntry } from './ranked-board.js';

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
  /** What the board ranks by, and over which period. */
  metric: BoardMetric;
  period: BoardPeriod;
  /** What values are in: a currency, an event type, or '' for counts. */
  unit: string;
  entries: BoardEntry[];
  hasNextPage: boolean;
  /** The viewer's own entry when the viewer is a partner ranked on this board. */
  me: BoardEntry | null;
  ranked: number;
  changedAt: Date | null;
}

/** One board as some viewers see it: a page of `first` entries after position `after` (0: from the top). */
export interface BoardRequest {
  input: BoardQuery;
  viewers: readonly BoardViewer[];
  first: number;
  after?: number;
}

/** Reads leaderboards from the board totals and deltas the event and reward triggers keep. */
export class LeaderboardService {
  private readonly reads: BoardReads;

  constructor(private readonly sql: Sql) {
    this.reads = new BoardReads(sql);
  }

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
    return (await this.boards(programId, [{ input, viewers: [viewer], first, after }]))[0][0];
  }

  /**
   * Boards of a program, each as each of its viewers sees it (the same page, each partner's own
   * entry), in the order asked: ranges shared by boards are read once, names in one statement.
   */
  async boards(programId: string, requests: readonly BoardRequest[]): Promise<Board[][]> {
    const reads = await this.reads.read(programId, requests.map((request) => request.input));
    const pages = requests.map((request, at) => {
      const page = reads[at].current.page(request.after ?? 0, request.first + 1);
      const own = request.viewers.map((viewer) => (viewer.kind === 'partner' ? reads[at].current.entryOf(Number(viewer.partnerId)) : null));
      return { page, own };
    });
    const names = await this.names(pages.flatMap(({ page, own }) => [...page, ...own.filter((entry) => entry !== null)].map((entry) => entry.partnerId)));
    return requests.map((request, at) => viewed(reads[at], pages[at].page, pages[at].own, request, names));
  }

  private async names(partnerIds: number[]): Promise<Map<number, { name: string; alias: string | null }>> {
    if (partnerIds.length === 0) return new Map();
    const rows = await this.sql.query<{ id: string; name: string; alias: string | null }>(BOARD_NAMES_SQL, [[...new Set(partnerIds)].map(String)]);
    return new Map(rows.map((row) => [Number(row.id), { name: row.name, alias: row.alias }]));
  }
}

/** A read board as each viewer sees it; admins share one board object, partners one view of each other with their own entry swapped in. */
function viewed(read: ReadBoard, page: RankedEntry[], own: (RankedEntry | null)[], request: BoardRequest, names: Map<number, { name: string; alias: string | null }>): Board[] {
  const { first } = request;
  const full = (entry: RankedEntry) => ({ ...names.get(entry.partnerId)!, value: entry.value, names: read.names, values: read.values });
  const toEntry = (entry: RankedEntry, viewer: BoardViewer): BoardEntry =>
    showTo({ rank: entry.rank, position: entry.position, partnerId: String(entry.partnerId), name: null, value: null, previousRank: read.previous?.entryOf(entry.partnerId)?.rank ?? null, full: full(entry) }, viewer);
  const top = page.slice(0, first);
  // What admins see, and what partners see of each other: each made once, however many viewers.
  const seenBy = { admin: top.map((entry) => toEntry(entry, { kind: 'admin' })), partner: top.map((entry) => toEntry(entry, PUBLIC_VIEWER)) };
  const board = (entries: BoardEntry[], me: BoardEntry | null): Board => ({ metric: request.input.metric, period: request.input.period, unit: read.unit, entries, hasNextPage: page.length > first, me, ranked: read.current.ranked, changedAt: read.current.changedAt === null ? null : new Date(read.current.changedAt) });
  const forAdmins = board(seenBy.admin, null);
  return request.viewers.map((viewer, index) => {
    if (viewer.kind === 'admin') return forAdmins;
    // A partner sees its own entry in full, on the page too.
    const entries = seenBy.partner.map((entry, at) => (entry.partnerId === viewer.partnerId ? toEntry(top[at], viewer) : entry));
    return board(entries, own[index] && toEntry(own[index], viewer));
  });
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
