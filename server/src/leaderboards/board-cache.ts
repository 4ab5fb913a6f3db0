import type { SqlClient } from '../db/sql.js';
import { BOARD_TOTALS_SQL } from './board-sql.js';
import { BoardTotals, type BoardValue } from './ranked-board.js';

/** The most board ranges a process keeps totals of; the least recently read goes first. */
export const CACHED_BOARD_RANGES = 32;

/** A board range as a read's snapshot sees it (a row of the board state statement's `ranges`). */
export interface BoardRange {
  programId: string;
  metric: string;
  unit: string;
  /** The campaign the totals are of (0: all). */
  campaignId: string;
  grain: string;
  /** Its buckets: from this day (a bucket) up to that one, excluded. */
  from: string;
  to: string;
  /** The sum of its buckets' versions. */
  version: bigint;
  /** How many buckets hold totals. */
  buckets: number;
  /** The latest version at which one of its buckets was rebuilt. */
  reset: bigint;
}

/**
 * This process's copies of board totals, one per board range, each at a version. A read's
 * snapshot names each range's version; a copy at that version is the totals as the snapshot
 * sees them. A copy of one bucket behind it reads only the totals stamped since (a fold's
 * handful, not the board); otherwise the range is read whole. Copies are shared by every
 * slice of a board: a region's board filters the program's.
 */
export class BoardCache {
  private readonly copies = new Map<string, BoardTotals>();

  /** The copy of the range at the snapshot's version, if this process holds it. */
  fresh(range: BoardRange): BoardTotals | null {
    const copy = this.copies.get(key(range));
    if (!copy || copy.version !== range.version) return null;
    this.keep(key(range), copy);
    return copy;
  }

  /** The range's totals as the transaction's snapshot sees them, read as little as possible. */
  async totals(client: SqlClient, range: BoardRange): Promise<BoardTotals> {
    const held = this.fresh(range);
    if (held) return held;
    if (range.buckets === 0) return this.keepNewer(range, BoardTotals.empty());
    const copy = this.copies.get(key(range));
    // One bucket's totals carry the version that last changed them; a range's carry several sequences.
    const catchUp = copy && range.buckets === 1 && copy.version > 0n && copy.version < range.version && copy.version >= range.reset;
    const rows = await readTotals(client, range, catchUp ? copy.version : 0n);
    return this.keepNewer(range, catchUp ? copy.withChanges(rows, range.version) : BoardTotals.of(rows, range.version));
  }

  /** Keeps a copy unless a newer one is held (a read whose snapshot is older than another's). */
  private keepNewer(range: BoardRange, totals: BoardTotals): BoardTotals {
    const held = this.copies.get(key(range));
    if (!held || held.version <= totals.version) this.keep(key(range), totals);
    return totals;
  }

  private keep(name: string, totals: BoardTotals): void {
    this.copies.delete(name);
    this.copies.set(name, totals);
    if (this.copies.size > CACHED_BOARD_RANGES) this.copies.delete(this.copies.keys().next().value!);
  }
}

function key(range: BoardRange): string {
  return [range.programId, range.metric, range.unit, range.campaignId, range.grain, range.from, range.to].join('|');
}

async function readTotals(client: SqlClient, range: BoardRange, since: bigint): Promise<BoardValue[]> {
  const params = [range.programId, range.metric, range.unit, range.campaignId, range.grain, range.from, range.to, since.toString()];
  const [{ rows }] = (await client.query<{ rows: string }>(BOARD_TOTALS_SQL, params)).rows;
  if (rows === '') return [];
  return rows.split(',').map((item) => {
    const [partnerId, value, changedAt] = item.split(' ');
    return { partnerId: Number(partnerId), value: BigInt(value), changedAt: Number(changedAt) };
  });
}
