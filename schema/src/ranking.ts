/**
 * Ranking for contests and leaderboards: standard competition ranking ("1224"). Partners with
 * equal values share a place and the next place is skipped; the order inside a tie is by
 * partner id, so the same inputs always rank the same way.
 */
import type { PartnerSnapshot } from './scheme.js';

/**
 * A total order on ids: numeric ids (the database's) first, by value, so "9" precedes "10";
 * any other ids after them, by code units.
 */
export function compareIds(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA !== numericB) return numericA ? -1 : 1;
  const [left, right] = numericA ? [BigInt(a), BigInt(b)] : [a, b];
  return left < right ? -1 : left > right ? 1 : 0;
}

export interface RankEntry {
  partner: PartnerSnapshot;
  value: bigint;
}

export interface Ranked extends RankEntry {
  place: number;
  /** How many hold this place, the entry itself included. */
  sharedBy: number;
}

/** Ranks entries by value, highest first: places 1, 2, 2, 4 for values 9, 7, 7, 5. */
export function rankByCompetition(entries: readonly RankEntry[]): Ranked[] {
  const sorted = [...entries].sort((a, b) => (a.value > b.value ? -1 : a.value < b.value ? 1 : compareIds(a.partner.id, b.partner.id)));
  const holders = new Map<bigint, number>();
  for (const { value } of sorted) holders.set(value, (holders.get(value) ?? 0) + 1);
  const ranked: Ranked[] = [];
  sorted.forEach((entry, index) => {
    const previous = ranked[index - 1];
    const place = previous && previous.value === entry.value ? previous.place : index + 1;
    ranked.push({ ...entry, place, sharedBy: holders.get(entry.value)! });
  });
  return ranked;
}
