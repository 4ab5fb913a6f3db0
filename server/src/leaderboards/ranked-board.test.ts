import { rankByCompetition } from '@cofactor/schema';
import { BoardTotals, RankedBoard, type BoardValue, type RankedEntry } from './ranked-board.js';

const value = (partnerId: number, amount: number, changedAt = 0): BoardValue => ({ partnerId, value: BigInt(amount), changedAt });
/** [partner, rank, value, position] per entry. */
const rows = (entries: readonly (RankedEntry | null)[]) => entries.map((entry) => entry && [entry.partnerId, entry.rank, Number(entry.value), entry.position]);

// Totals: 1 → 70, 2 → 50, 3 → 50, 4 → 30, 5 → 10, given out of order.
const totals = BoardTotals.of([value(4, 30, 400), value(2, 50, 200), value(5, 10, 500), value(1, 70, 100), value(3, 50, 300)], 7n);

describe('BoardTotals', () => {
  it('orders by value, ties by partner id, and counts what comes before a value', () => {
    expect([0, 1, 2, 3, 4].map((position) => totals.row(position).partnerId)).toEqual([1, 2, 3, 4, 5]);
    // Greater than 50: partner 1 only; before (50, 3): partners 1 and 2.
    expect([totals.countBefore(50n, -Infinity), totals.countBefore(50n, 3), totals.countBefore(5n, -Infinity)]).toEqual([1, 2, 5]);
    expect([totals.totalOf(3), totals.totalOf(9)]).toEqual([value(3, 50, 300), null]);
    expect(totals.lastChange()).toBe(500);
  });

  it('takes changes by merging: a partner moves, another arrives', () => {
    // 5 rises from 10 to 60 (between 1 and 2); 6 arrives with 50 (after 3, its id the highest of the 50s).
    const changed = totals.withChanges([value(5, 60, 900), value(6, 50, 950)], 8n);
    expect(changed.version).toBe(8n);
    expect([0, 1, 2, 3, 4, 5].map((position) => [changed.row(position).partnerId, Number(changed.row(position).value)])).toEqual([
      [1, 70], [5, 60], [2, 50], [3, 50], [6, 50], [4, 30],
    ]);
    expect([changed.totalOf(5), changed.totalOf(6), changed.totalOf(4)]).toEqual([value(5, 60, 900), value(6, 50, 950), value(4, 30, 400)]);
    // The earlier version is untouched.
    expect(totals.totalOf(5)).toEqual(value(5, 10, 500));
  });

  it('keeps only a slice of its partners, in board order', () => {
    const slice = totals.only(new Set([5, 3, 4]));
    expect([slice.size, slice.row(0).partnerId, slice.row(2).partnerId, slice.lastChange()]).toEqual([3, 3, 5, 500]);
  });

  it('narrows a changed copy by following the slice of the copy it was made from', () => {
    const members = new Set([5, 3, 4]);
    const narrowed = new WeakMap<BoardTotals, BoardTotals>();
    narrowed.set(totals, totals.only(members));
    // 5 rises from 10 to 60 and 2 (not a member) from 50 to 80: the slice is 5 (60), 3 (50), 4 (30).
    const changed = totals.withChanges([value(5, 60, 900), value(2, 80, 950)], 8n);
    const slice = changed.only(members, narrowed);
    expect([0, 1, 2].map((position) => [slice.row(position).partnerId, Number(slice.row(position).value)])).toEqual([[5, 60], [3, 50], [4, 30]]);
    expect([slice.size, slice.version, slice.totalOf(2)]).toEqual([3, 8n, null]);
  });

  it('refuses values beyond 64 bits rather than round them', () => {
    expect(() => BoardTotals.of([{ partnerId: 1, value: 2n ** 63n, changedAt: 0 }], 1n)).toThrow('beyond 64 bits');
  });
});

describe('RankedBoard', () => {
  it('ranks totals alone "1224", as rankByCompetition does', () => {
    const board = new RankedBoard(totals, []);
    expect(rows(board.page(0, 10))).toEqual([[1, 1, 70, 1], [2, 2, 50, 2], [3, 2, 50, 3], [4, 4, 30, 4], [5, 5, 10, 5]]);
    const contest = rankByCompetition([1, 2, 3, 4, 5].map((id) => ({ partner: { id: String(id) } as never, value: totals.row(id - 1).value })));
    expect(contest.map((entry) => entry.place)).toEqual([1, 2, 2, 4, 5]);
    expect([board.ranked, board.changedAt]).toEqual([5, 500]);
  });

  it('lays deltas over the totals: a touched partner moves, a new one is ranked', () => {
    // Deltas: 4 gains 40 (30 → 70, ties 1 and follows it by id), 2 loses 45 (50 → 5), 9 arrives with 50.
    // Board: 1 (70), 4 (70), 3 (50), 9 (50), 5 (10), 2 (5).
    const board = new RankedBoard(totals, [value(4, 40, 1000), value(2, -45, 1100), value(9, 50, 1200)]);
    expect(rows(board.page(0, 10))).toEqual([[1, 1, 70, 1], [4, 1, 70, 2], [3, 3, 50, 3], [9, 3, 50, 4], [5, 5, 10, 5], [2, 6, 5, 6]]);
    expect(rows(board.page(2, 2))).toEqual([[3, 3, 50, 3], [9, 3, 50, 4]]);
    expect(rows([board.entryOf(9), board.entryOf(2), board.entryOf(7)])).toEqual([[9, 3, 50, 4], [2, 6, 5, 6], null]);
    expect([board.ranked, board.changedAt, board.rankOf(60n), board.valueOf(4)]).toEqual([6, 1200, 3, 70n]);
  });

  it('ranks an empty board and one of deltas alone', () => {
    expect([new RankedBoard(BoardTotals.empty(), []).page(0, 5), new RankedBoard(BoardTotals.empty(), []).changedAt]).toEqual([[], null]);
    const board = new RankedBoard(BoardTotals.empty(), [value(3, 20), value(8, 20), value(2, -1)]);
    expect(rows(board.page(0, 5))).toEqual([[3, 1, 20, 1], [8, 1, 20, 2], [2, 3, -1, 3]]);
  });
});
