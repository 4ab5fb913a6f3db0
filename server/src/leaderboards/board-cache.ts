import type { SqlClient } from '../db/sql.js';
import { BOARD_CHANGED_TOTALS_SQL, BOARD_TOTALS_SQL } from './board-sql.js';
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
  /** The latest of its buckets' versions. */
  version: bigint;
  /** How many buckets hold totals. */
  buckets: number;
  /** The latest version at which one of its buckets was rebuilt. */
  reset: bigint;
}

/**
 * This process's copies of board totals, one per board range, each at a version. A read's
 * snapshot names each range's version; a copy at that version is the totals as the snapshot
 * sees them. A copy behind it reads only what changed since: in a range of one bucket the
 * totals stamped since (a fold's handful, not the board), in a range of several (a campaign's
 * days) the sums of the partners with such a total. Folds and rebuilds take their versions in
 * turn under one lock, so every total a copy lacks is stamped above the copy's version. A copy
 * older than a rebuild of the range, which may have removed totals, is read again whole. Copies
 * are shared by every slice of a board: a region's board filters the program's.
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
    const catchUp = copy && copy.version > 0n && copy.version < range.version && copy.version >= range.reset;
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

/** The range's totals of each partner, all (`since` 0) or those that changed after `since`. */
async function readTotals(client: SqlClient, range: BoardRange, since: bigint): Promise<BoardValue[]> {
  const params = [range.programId, range.metric, range.unit, range.campaignId, range.grain, range.from, range.to, since.toString()];
  // In one bucket a changed total is the partner's whole value; in several it is one part of it.
  const statement = since > 0n && range.buckets > 1 ? BOARD_CHANGED_TOTALS_SQL : BOARD_TOTALS_SQL;
  const [{ rows }] = (await client.query<{ rows: string }>(statement, params)).rows;
  if (rows === '') return [];
  return rows.split(',').map((item) => {
    const [partnerId, value, changedAt] = item.split(' ');
    return { partnerId: Number(partnerId), value: BigInt(value), changedAt: Number(changedAt) };
  });
}
