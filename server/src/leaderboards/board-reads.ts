import type { Sql, SqlClient } from '../db/sql.js';
import { BoardCache, type BoardRange } from './board-cache.js';
import { BOARD_MEMBERS_SQL, BOARD_STATE_SQL } from './board-sql.js';
import type { BoardMetric, BoardNames, BoardQuery } from './board-query.js';
import { RankedBoard, type BoardTotals, type BoardValue } from './ranked-board.js';

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

/** The most slices a process keeps the members of; the least recently read goes first. */
export const CACHED_SLICES = 256;

type Which = 'current' | 'previous';

/** What the board state statement answers (`BOARD_STATE_SQL`). */
interface BoardState {
  unit: string;
  names: BoardNames;
  values: boolean;
  ranges: { which: Which; grain: string; from: string; to: string; version: string; buckets: number; reset: string }[];
  /** [range, partner id, value, changed at in ms] per partner with unfolded deltas. */
  deltas: [Which, string, string, number][];
  /** The version of slices' membership (`board_membership`). */
  membership: string;
}

/** A slice's members at a membership version, and the totals of boards narrowed to them. */
interface Slice {
  version: string;
  members: ReadonlySet<number>;
  /** A copy of a board range's totals → only the members' (a new copy, a new entry). */
  narrowed: WeakMap<BoardTotals, BoardTotals>;
}

/** A board and the previous period's, ranked, with what partners may see of each other. */
export interface ReadBoard {
  /** What values are in: a currency, an event type, or '' for counts. */
  unit: string;
  current: RankedBoard;
  previous: RankedBoard | null;
  names: BoardNames;
  values: boolean;
}

/** Boards of one range: the statement parameters they share, and each board's slice (null: all partners). */
interface RangeGroup {
  params: unknown[];
  slices: (SliceQuery | null)[];
}

interface SliceQuery {
  key: string;
  params: unknown[];
}

/**
 * Reads boards from the board totals and deltas the event and reward triggers keep. Boards
 * of one range (a metric, unit and period, whatever their region, kind, segment, level or
 * targeting campaign) share one state statement and one ranking of its deltas, so a program's
 * live boards, read together, cost one statement per range rather than one per board.
 */
export class BoardReads {
  private readonly cache = new BoardCache();
  private readonly slices = new Map<string, Slice>();
  /**
   * Members being read, by slice and membership version: the boards of another range, read at
   * the same time at that version, wait for them instead of reading them again.
   */
  private readonly reading = new Map<string, Promise<Slice>>();

  constructor(private readonly sql: Sql) {}

  /** The boards, ranked, in the order asked. */
  async read(programId: string, inputs: readonly BoardQuery[]): Promise<ReadBoard[]> {
    const groups = new Map<string, { group: RangeGroup; at: number[] }>();
    inputs.forEach((input, at) => {
      const { key, params, slice } = describe(programId, input);
      const found = groups.get(key) ?? { group: { params, slices: [] }, at: [] };
      groups.set(key, found);
      found.group.slices.push(slice);
      found.at.push(at);
    });
    const read: ReadBoard[] = new Array(inputs.length);
    await Promise.all(
      [...groups.values()].map(async ({ group, at }) => (await this.readRange(group)).forEach((board, i) => (read[at[i]] = board))),
    );
    return read;
  }

  /**
   * One range's boards. Most reads find the process's copies of the totals and every slice's
   * members current: one statement. Otherwise the state is read again, with the totals and
   * members it lacks, in one repeatable-read snapshot.
   */
  private async readRange(group: RangeGroup): Promise<ReadBoard[]> {
    const [state] = await this.sql.query<BoardState>(BOARD_STATE_SQL, group.params);
    const copies = this.ranges(group, state).map((range) => range && this.cache.fresh(range));
    const slices = new Map<string, Slice>();
    for (const query of group.slices) {
      const held = query && this.heldSlice(query.key, state.membership);
      if (held) slices.set(query!.key, held);
    }
    const sliced = group.slices.filter((query) => query !== null);
    if (copies[0] && (copies[1] || !state.ranges.some((range) => range.which === 'previous')) && sliced.every((query) => slices.has(query.key))) {
      return this.ranked(group, state, slices, copies[0], copies[1]);
    }
    return this.sql.transaction(async (client) => {
      await client.query('set transaction isolation level repeatable read, read only');
      const { rows: [again] } = await client.query<BoardState>(BOARD_STATE_SQL, group.params);
      for (const query of sliced) {
        const held = this.heldSlice(query.key, again.membership);
        if (!slices.has(query.key) || slices.get(query.key)!.version !== again.membership) slices.set(query.key, held ?? (await this.members(client, query, again.membership)));
      }
      const [current, previous] = this.ranges(group, again);
      return this.ranked(group, again, slices, await this.cache.totals(client, current!), previous && (await this.cache.totals(client, previous)));
    });
  }

  private ranges(group: RangeGroup, state: BoardState): (BoardRange | null)[] {
    return (['current', 'previous'] as const).map((which) => {
      const found = state.ranges.find((candidate) => candidate.which === which);
      const [programId, metric, , , , , campaignId] = group.params as string[];
      return found ? { ...found, programId, metric, unit: state.unit, campaignId, version: BigInt(found.version), reset: BigInt(found.reset) } : null;
    });
  }

  /** Each board of the group: its totals narrowed to its slice, the deltas laid over; boards of one slice share one. */
  private ranked(group: RangeGroup, state: BoardState, slices: Map<string, Slice>, current: BoardTotals, previous: BoardTotals | null): ReadBoard[] {
    const deltas = parseDeltas(state);
    const boards = new Map<string, ReadBoard>();
    return group.slices.map((query) => {
      const key = query?.key ?? '';
      const found = boards.get(key) ?? rankedBoard(state, deltas, query && slices.get(query.key)!, current, previous);
      boards.set(key, found);
      return found;
    });
  }

  /** The slice's members this process holds at that membership version, if any (kept as the most recently read). */
  private heldSlice(key: string, version: string): Slice | null {
    const held = this.slices.get(key);
    if (held?.version !== version) return null;
    this.slices.delete(key);
    this.slices.set(key, held);
    return held;
  }

  /** The slice's members at this membership version, read in the client's snapshot unless another range's read is reading them. */
  private members(client: SqlClient, query: SliceQuery, version: string): Promise<Slice> {
    const key = `${query.key}@${version}`;
    const found = this.reading.get(key);
    if (found) return found;
    const read = this.readMembers(client, query).finally(() => this.reading.delete(key));
    this.reading.set(key, read);
    return read;
  }

  private async readMembers(client: SqlClient, query: SliceQuery): Promise<Slice> {
    const { rows: [found] } = await client.query<{ version: string; members: string[] }>(BOARD_MEMBERS_SQL, query.params);
    const slice = { version: found.version, members: new Set(found.members.map(Number)), narrowed: new WeakMap() };
    const kept = this.slices.get(query.key);
    // A read whose snapshot is older than the kept members' does not replace them.
    if (!kept || BigInt(kept.version) <= BigInt(found.version)) {
      this.slices.delete(query.key);
      this.slices.set(query.key, slice);
      if (this.slices.size > CACHED_SLICES) this.slices.delete(this.slices.keys().next().value!);
    }
    return slice;
  }
}

/** A board's range (what its state statement is asked) and its slice. */
function describe(programId: string, input: BoardQuery): { key: string; params: unknown[]; slice: SliceQuery | null } {
  const [metric, fixedUnit] = TOTALS[input.metric];
  const campaignId = input.campaignId ?? null;
  // Rewards are also totalled per campaign; everything else only across campaigns (0).
  const totalsCampaign = campaignId && PER_CAMPAIGN.has(input.metric) ? campaignId : '0';
  const params = [programId, metric, fixedUnit ?? input.unit ?? null, input.period, input.date ?? null, input.period === 'CAMPAIGN' ? campaignId : null, totalsCampaign];
  const sliceParams = [programId, input.regionCode ?? null, input.partnerKind ?? null, input.segment ?? null, input.level ?? null, campaignId];
  const sliced = sliceParams.slice(1).some((param) => param !== null);
  return { key: JSON.stringify(params), params, slice: sliced ? { key: JSON.stringify(sliceParams), params: sliceParams } : null };
}

/** The state's deltas per range, parsed once for every board of the range. */
function parseDeltas(state: BoardState): Record<Which, BoardValue[]> {
  const parsed: Record<Which, BoardValue[]> = { current: [], previous: [] };
  for (const [which, partnerId, value, changedAt] of state.deltas) parsed[which].push({ partnerId: Number(partnerId), value: BigInt(value), changedAt });
  return parsed;
}

/** A board of a state: its totals (only the slice's members') with its deltas laid over. */
function rankedBoard(state: BoardState, deltas: Record<Which, BoardValue[]>, slice: Slice | null, current: BoardTotals, previous: BoardTotals | null): ReadBoard {
  const narrowed = (totals: BoardTotals) => {
    if (!slice) return totals;
    const only = slice.narrowed.get(totals) ?? totals.only(slice.members, slice.narrowed);
    slice.narrowed.set(totals, only);
    return only;
  };
  const board = (totals: BoardTotals, which: Which) =>
    new RankedBoard(narrowed(totals), slice ? deltas[which].filter((delta) => slice.members.has(delta.partnerId)) : deltas[which]);
  return { unit: state.unit, current: board(current, 'current'), previous: previous && board(previous, 'previous'), names: state.names, values: state.values };
}
