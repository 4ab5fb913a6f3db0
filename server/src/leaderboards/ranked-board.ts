/**
 * A board ranked in memory: the totals of one board range as of a version (`BoardTotals`,
 * kept by the board cache), with the deltas not yet folded into them laid over (`RankedBoard`).
 * Board order is value descending, then partner id ascending; a rank is one more than the
 * number of partners with a greater value: the "1224" rule of `rankByCompetition`, answered by
 * binary search instead of a sort, so a page, an own entry or a previous rank costs
 * O(log partners + partners with deltas), whatever the board's size.
 */

/** One partner's value on a board range: a total, or the sum of its unfolded deltas. */
export interface BoardValue {
  partnerId: number;
  value: bigint;
  /** When it last changed, in milliseconds since the epoch. */
  changedAt: number;
}

/** A ranked entry: where a partner stands on the board. */
export interface RankedEntry {
  partnerId: number;
  value: bigint;
  rank: number;
  /** Its place in board order, from 1: what a page cursor names. */
  position: number;
}

/** A slice with fewer members than the board's totals over this is looked up, not scanned for. */
const SMALL_SLICE = 8;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether (a, idA) comes before (b, idB) in board order. */
function before(a: bigint, idA: number, b: bigint, idB: number): boolean {
  return a > b || (a === b && idA < idB);
}

/** How many of the indexes 0 … size-1 pass `passes`, which holds for a prefix of them: a binary search. */
function prefixLength(size: number, passes: (index: number) => boolean): number {
  let low = 0;
  let high = size;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (passes(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Totals as columns: partner ids, values and changes, one row per partner, in one order. */
class Columns {
  constructor(
    readonly ids: Float64Array,
    readonly values: BigInt64Array,
    readonly changed: Float64Array,
  ) {}

  static of(rows: readonly BoardValue[]): Columns {
    return new Columns(Float64Array.from(rows, (row) => row.partnerId), BigInt64Array.from(rows, (row) => row.value), Float64Array.from(rows, (row) => row.changedAt));
  }

  static sized(size: number): Columns {
    return new Columns(new Float64Array(size), new BigInt64Array(size), new Float64Array(size));
  }

  get size(): number {
    return this.ids.length;
  }

  row(index: number): BoardValue {
    return { partnerId: this.ids[index], value: this.values[index], changedAt: this.changed[index] };
  }

  /** The rows at these indexes, in their order. */
  gather(indexes: ArrayLike<number>): Columns {
    const gathered = Columns.sized(indexes.length);
    for (let at = 0; at < indexes.length; at++) {
      gathered.ids[at] = this.ids[indexes[at]];
      gathered.values[at] = this.values[indexes[at]];
      gathered.changed[at] = this.changed[indexes[at]];
    }
    return gathered;
  }

  /** The indexes in partner id order. */
  idOrder(): Int32Array {
    return Int32Array.from(this.ids.keys()).sort((a, b) => this.ids[a] - this.ids[b]);
  }

  /**
   * These rows without those at the positions `removed`, with `added`'s rows inserted before
   * the positions `at` (both ascending): the rows in between move by bulk copies.
   */
  splice(removed: readonly number[], added: Columns, at: readonly number[]): Columns {
    const result = Columns.sized(this.size - removed.length + added.size);
    let from = 0;
    let to = 0;
    const copyUpTo = (end: number) => {
      result.ids.set(this.ids.subarray(from, end), to);
      result.values.set(this.values.subarray(from, end), to);
      result.changed.set(this.changed.subarray(from, end), to);
      to += end - from;
      from = end;
    };
    for (let r = 0, a = 0; r < removed.length || a < added.size; ) {
      if (a < added.size && (r >= removed.length || at[a] <= removed[r])) {
        copyUpTo(at[a]);
        result.ids[to] = added.ids[a];
        result.values[to] = added.values[a];
        result.changed[to++] = added.changed[a++];
      } else {
        copyUpTo(removed[r++]);
        from++;
      }
    }
    copyUpTo(this.size);
    return result;
  }
}

/** Indexes of rows in board order; values compared as numbers when all are exact as numbers. */
function boardOrder(rows: readonly BoardValue[]): Int32Array {
  const indexes = Int32Array.from(rows.keys());
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  if (rows.every((row) => row.value <= limit && row.value >= -limit)) {
    const values = Float64Array.from(rows, (row) => Number(row.value));
    return indexes.sort((a, b) => values[b] - values[a] || rows[a].partnerId - rows[b].partnerId);
  }
  return indexes.sort((a, b) => byBoardOrder(rows[a], rows[b]));
}

/**
 * The totals of one board range at one version, in board order (for ranks and pages) and in
 * partner id order (for a partner's value). A fold's changes are spliced into both, a slice
 * gathers its members from both: copies of typed arrays, no sort of the board.
 */
export class BoardTotals {
  private latest: number | null = null;
  /**
   * The copy this one was made from by `withChanges`, and the rows that changed: a slice
   * narrowed from that copy follows by the same change instead of being gathered again. Only
   * one step back is kept, so copies do not chain up.
   */
  private origin: { base: BoardTotals; rows: readonly BoardValue[] } | null = null;

  private constructor(
    readonly version: bigint,
    private readonly board: Columns,
    private readonly byId: Columns,
  ) {}

  /** Totals from rows in any order; values beyond 64 bits are refused, as nothing is rounded. */
  static of(rows: readonly BoardValue[], version: bigint): BoardTotals {
    for (const row of rows) {
      if (row.value < INT64_MIN || row.value > INT64_MAX) throw new Error(`board value ${row.value} of partner ${row.partnerId} is beyond 64 bits`);
      if (!Number.isSafeInteger(row.partnerId)) throw new Error(`partner id ${row.partnerId} is beyond 2^53`);
    }
    const board = Columns.of(rows).gather(boardOrder(rows));
    return new BoardTotals(version, board, board.gather(board.idOrder()));
  }

  static empty(): BoardTotals {
    return BoardTotals.of([], 0n);
  }

  get size(): number {
    return this.board.size;
  }

  /** The totals at a later version: these rows replace the partners' totals or add new ones. */
  withChanges(rows: readonly BoardValue[], version: bigint): BoardTotals {
    const changes = BoardTotals.of(rows, version);
    const old = rows.map((row) => this.totalOf(row.partnerId)).filter((total) => total !== null);
    const ascending = (positions: number[]) => positions.sort((a, b) => a - b);
    const board = this.board.splice(
      ascending(old.map((total) => this.countBefore(total.value, total.partnerId))),
      changes.board,
      Array.from(changes.board.ids, (partnerId, i) => this.countBefore(changes.board.values[i], partnerId)),
    );
    const byId = this.byId.splice(
      ascending(old.map((total) => this.idsBefore(total.partnerId))),
      changes.byId,
      Array.from(changes.byId.ids, (partnerId) => this.idsBefore(partnerId)),
    );
    const next = new BoardTotals(version, board, byId);
    next.origin = { base: this, rows };
    this.origin = null;
    return next;
  }

  /**
   * Only these partners' totals: the board of a slice (a region, a kind, a campaign's targets).
   * When `narrowed` holds the slice of the copy this one was made from, the slice follows it by
   * the members' changed rows; otherwise the members are gathered from this copy.
   */
  only(members: ReadonlySet<number>, narrowed?: WeakMap<BoardTotals, BoardTotals>): BoardTotals {
    const base = this.origin && narrowed?.get(this.origin.base);
    if (base) return base.withChanges(this.origin!.rows.filter((row) => members.has(row.partnerId)), this.version);
    // A small slice (a region's) looks its members up by id; a large one is picked out of the board.
    if (members.size * SMALL_SLICE < this.size) {
      const rows: BoardValue[] = [];
      for (const partnerId of members) {
        const total = this.totalOf(partnerId);
        if (total) rows.push(total);
      }
      return BoardTotals.of(rows, this.version);
    }
    const picked: number[] = [];
    for (let i = 0; i < this.board.size; i++) if (members.has(this.board.ids[i])) picked.push(i);
    const board = this.board.gather(picked);
    return new BoardTotals(this.version, board, board.gather(board.idOrder()));
  }

  /** A partner's total, or null. */
  totalOf(partnerId: number): BoardValue | null {
    const at = this.idsBefore(partnerId);
    return at < this.byId.size && this.byId.ids[at] === partnerId ? this.byId.row(at) : null;
  }

  /** The total at a board position (from 0). */
  row(position: number): BoardValue {
    return this.board.row(position);
  }

  /** The partner at a board position (from 0). */
  partnerAt(position: number): number {
    return this.board.ids[position];
  }

  /** How many totals come before (value, partnerId) in board order; with partnerId -Infinity, how many are greater than value. */
  countBefore(value: bigint, partnerId: number): number {
    return prefixLength(this.board.size, (at) => before(this.board.values[at], this.board.ids[at], value, partnerId));
  }

  /** How many totals are of partners with a lower id. */
  private idsBefore(partnerId: number): number {
    return prefixLength(this.byId.size, (at) => this.byId.ids[at] < partnerId);
  }

  /** The latest change of any total (-Infinity when there is none). */
  lastChange(): number {
    if (this.latest === null) this.latest = this.board.changed.reduce((latest, at) => Math.max(latest, at), -Infinity);
    return this.latest;
  }
}

function byBoardOrder(a: BoardValue, b: BoardValue): number {
  return before(a.value, a.partnerId, b.value, b.partnerId) ? -1 : before(b.value, b.partnerId, a.value, a.partnerId) ? 1 : 0;
}

/**
 * A board: totals with the unfolded deltas of their partners added. The partners with deltas
 * (`touched`, few: the fold runs a second after a change) are ranked by their new values; the
 * other totals keep theirs, so counts over the board are counts over the totals, less the
 * touched partners' old totals, plus their new values.
 */
export class RankedBoard {
  /** Touched partners with their values on this board. */
  private readonly touched = new Map<number, BoardValue>();
  /** The touched partners' values, in board order. */
  private readonly newValues: BoardValue[];
  /** The old totals of the touched partners that had one, in board order. */
  private readonly oldValues: BoardValue[];
  readonly ranked: number;
  readonly changedAt: number | null;

  constructor(
    private readonly totals: BoardTotals,
    deltas: readonly BoardValue[],
  ) {
    const old: BoardValue[] = [];
    for (const delta of deltas) {
      const total = totals.totalOf(delta.partnerId);
      if (total) old.push(total);
      this.touched.set(delta.partnerId, { partnerId: delta.partnerId, value: (total?.value ?? 0n) + delta.value, changedAt: Math.max(delta.changedAt, total?.changedAt ?? -Infinity) });
    }
    // A few rows per board and read: plain arrays, not the typed columns of the totals.
    this.newValues = [...this.touched.values()].sort(byBoardOrder);
    this.oldValues = old.sort(byBoardOrder);
    this.ranked = totals.size + this.touched.size - old.length;
    let latest = totals.lastChange();
    for (const row of this.touched.values()) latest = Math.max(latest, row.changedAt);
    this.changedAt = Number.isFinite(latest) ? latest : null;
  }

  /** The value of a partner on the board, or null when it is not ranked. */
  valueOf(partnerId: number): bigint | null {
    const touched = this.touched.get(partnerId);
    if (touched) return touched.value;
    return this.totals.totalOf(partnerId)?.value ?? null;
  }

  /** The rank of a value: one more than the number of partners above it. */
  rankOf(value: bigint): number {
    return 1 + this.countBefore(value, -Infinity);
  }

  /** A partner's entry, or null when it is not ranked. */
  entryOf(partnerId: number): RankedEntry | null {
    const value = this.valueOf(partnerId);
    if (value === null) return null;
    return { partnerId, value, rank: this.rankOf(value), position: 1 + this.countBefore(value, partnerId) };
  }

  /** The entries at positions after+1 … after+count, in board order. */
  page(after: number, count: number): RankedEntry[] {
    const entries: RankedEntry[] = [];
    let position = 0;
    let total = 0;
    let touched = 0;
    while (entries.length < count) {
      while (total < this.totals.size && this.touched.has(this.totals.partnerAt(total))) total++;
      const fromTotals = total < this.totals.size ? this.totals.row(total) : undefined;
      const fromTouched = this.newValues[touched];
      if (!fromTotals && !fromTouched) break;
      const next = !fromTouched || (fromTotals && before(fromTotals.value, fromTotals.partnerId, fromTouched.value, fromTouched.partnerId)) ? fromTotals! : fromTouched;
      if (next === fromTotals) total++;
      else touched++;
      if (++position > after) entries.push({ partnerId: next.partnerId, value: next.value, rank: this.rankOf(next.value), position });
    }
    return entries;
  }

  /** How many partners come before (value, partnerId) in board order (with -Infinity: how many have a greater value). */
  private countBefore(value: bigint, partnerId: number): number {
    return this.totals.countBefore(value, partnerId) - countBefore(this.oldValues, value, partnerId) + countBefore(this.newValues, value, partnerId);
  }
}

/** How many of `rows` (in board order) come before (value, partnerId). */
function countBefore(rows: readonly BoardValue[], value: bigint, partnerId: number): number {
  return prefixLength(rows.length, (at) => before(rows[at].value, rows[at].partnerId, value, partnerId));
}
