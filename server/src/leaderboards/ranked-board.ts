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

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether (a, idA) comes before (b, idB) in board order. */
function before(a: bigint, idA: number, b: bigint, idB: number): boolean {
  return a > b || (a === b && idA < idB);
}

/** The totals of one board range at one version, in board order. */
export class BoardTotals {
  /** Partner id → board position (from 0), built on the first lookup. */
  private index: Map<number, number> | null = null;
  private latest: number | null = null;

  private constructor(
    readonly version: bigint,
    private readonly ids: Float64Array,
    private readonly values: BigInt64Array,
    private readonly changed: Float64Array,
  ) {}

  /** Totals from rows in any order; values beyond 64 bits are refused, as nothing is rounded. */
  static of(rows: readonly BoardValue[], version: bigint): BoardTotals {
    for (const row of rows) {
      if (row.value < INT64_MIN || row.value > INT64_MAX) throw new Error(`board value ${row.value} of partner ${row.partnerId} is beyond 64 bits`);
      if (!Number.isSafeInteger(row.partnerId)) throw new Error(`partner id ${row.partnerId} is beyond 2^53`);
    }
    return BoardTotals.inOrder([...rows].sort(byBoardOrder), version);
  }

  static empty(): BoardTotals {
    return BoardTotals.of([], 0n);
  }

  private static inOrder(rows: readonly BoardValue[], version: bigint): BoardTotals {
    const ids = Float64Array.from(rows, (row) => row.partnerId);
    return new BoardTotals(version, ids, BigInt64Array.from(rows, (row) => row.value), Float64Array.from(rows, (row) => row.changedAt));
  }

  get size(): number {
    return this.ids.length;
  }

  /** The totals at a later version: these rows replace the partners' totals or add new ones (a merge, not a sort of the board). */
  withChanges(rows: readonly BoardValue[], version: bigint): BoardTotals {
    const changes = BoardTotals.of(rows, version);
    const replaced = new Set(rows.map((row) => row.partnerId));
    const merged: BoardValue[] = [];
    let change = 0;
    for (let i = 0; i < this.ids.length; i++) {
      if (replaced.has(this.ids[i])) continue;
      const kept = this.row(i);
      while (change < changes.size && byBoardOrder(changes.row(change), kept) < 0) merged.push(changes.row(change++));
      merged.push(kept);
    }
    while (change < changes.size) merged.push(changes.row(change++));
    return BoardTotals.inOrder(merged, version);
  }

  /** Only these partners' totals: the board of a slice (a region, a kind, a campaign's targets). */
  only(members: ReadonlySet<number>): BoardTotals {
    const rows: BoardValue[] = [];
    for (let i = 0; i < this.ids.length; i++) if (members.has(this.ids[i])) rows.push(this.row(i));
    return BoardTotals.inOrder(rows, this.version);
  }

  /** The board position (from 0) of a partner's total, or -1. */
  positionOf(partnerId: number): number {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.ids.length; i++) this.index.set(this.ids[i], i);
    }
    return this.index.get(partnerId) ?? -1;
  }

  row(position: number): BoardValue {
    return { partnerId: this.ids[position], value: this.values[position], changedAt: this.changed[position] };
  }

  /** How many totals come before (value, partnerId) in board order; with partnerId -Infinity, how many are greater than value. */
  countBefore(value: bigint, partnerId: number): number {
    let low = 0;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(this.values[middle], this.ids[middle], value, partnerId)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The latest change of any total (-Infinity when there is none). */
  lastChange(): number {
    if (this.latest === null) this.latest = this.changed.reduce((latest, at) => Math.max(latest, at), -Infinity);
    return this.latest;
  }
}

function byBoardOrder(a: BoardValue, b: BoardValue): number {
  return before(a.value, a.partnerId, b.value, b.partnerId) ? -1 : before(b.value, b.partnerId, a.value, a.partnerId) ? 1 : 0;
}

/** The values of the partners with deltas in board order, for counting by binary search. */
class SortedValues {
  private readonly rows: BoardValue[];

  constructor(rows: readonly BoardValue[]) {
    this.rows = [...rows].sort(byBoardOrder);
  }

  countBefore(value: bigint, partnerId: number): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(this.rows[middle].value, this.rows[middle].partnerId, value, partnerId)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  at(index: number): BoardValue | undefined {
    return this.rows[index];
  }
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
  private readonly newValues: SortedValues;
  /** The old totals of the touched partners that had one. */
  private readonly oldValues: SortedValues;
  readonly ranked: number;
  readonly changedAt: number | null;

  constructor(
    private readonly totals: BoardTotals,
    deltas: readonly BoardValue[],
  ) {
    const old: BoardValue[] = [];
    for (const delta of deltas) {
      const position = totals.positionOf(delta.partnerId);
      const total = position >= 0 ? totals.row(position) : null;
      if (total) old.push(total);
      this.touched.set(delta.partnerId, { partnerId: delta.partnerId, value: (total?.value ?? 0n) + delta.value, changedAt: Math.max(delta.changedAt, total?.changedAt ?? -Infinity) });
    }
    this.newValues = new SortedValues([...this.touched.values()]);
    this.oldValues = new SortedValues(old);
    this.ranked = totals.size + this.touched.size - old.length;
    let latest = totals.lastChange();
    for (const row of this.touched.values()) latest = Math.max(latest, row.changedAt);
    this.changedAt = Number.isFinite(latest) ? latest : null;
  }

  /** The value of a partner on the board, or null when it is not ranked. */
  valueOf(partnerId: number): bigint | null {
    const touched = this.touched.get(partnerId);
    if (touched) return touched.value;
    const position = this.totals.positionOf(partnerId);
    return position >= 0 ? this.totals.row(position).value : null;
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
      while (total < this.totals.size && this.touched.has(this.totals.row(total).partnerId)) total++;
      const fromTotals = total < this.totals.size ? this.totals.row(total) : undefined;
      const fromTouched = this.newValues.at(touched);
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
    return this.totals.countBefore(value, partnerId) - this.oldValues.countBefore(value, partnerId) + this.newValues.countBefore(value, partnerId);
  }
}
