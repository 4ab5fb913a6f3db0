import type { PartnerSnapshot } from '@cofactor/schema';
import type { PartnerStatus } from './partner.entity.js';

/** Just what a PartnerSnapshot needs: the engine reads thousands of these per batch. */
export const SNAPSHOT_COLUMNS = `p.id, p.name, p.kind, p.region_id as "regionId", p.segment, p.level, p.status,
  p.referral_code as "referralCode", p.sponsor_id as "sponsorId"`;

/** A partner row as SNAPSHOT_COLUMNS reads it. */
export interface SnapshotRow {
  id: string;
  name: string;
  kind: string;
  regionId: string | null;
  segment: string | null;
  level: number;
  status: PartnerStatus;
  referralCode: string;
  sponsorId: string | null;
}

export function toSnapshot(row: SnapshotRow): PartnerSnapshot {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    regionId: row.regionId,
    segment: row.segment as PartnerSnapshot['segment'],
    level: row.level,
    status: row.status,
    referralCode: row.referralCode,
    sponsorId: row.sponsorId,
  };
}

/**
 * The row of a history table (`partner_history` or `partner_level_history`, as `h`) valid for
 * partner `partnerId` at `at`: the latest from then or before (of rows with one date, the last
 * written); before the partner's first row, its first row.
 */
export function historyAt(table: string, columns: string, partnerId: string, at: string, when = 'true'): string {
  return `select ${columns} from ${table} h where ${when} and h.partner_id = ${partnerId}
    order by h.valid_from <= ${at} desc, case when h.valid_from <= ${at} then h.valid_from end desc nulls last, h.valid_from, h.id desc
    limit 1`;
}

/** A time in microseconds since 1970, as PostgreSQL keeps it (a JavaScript Date has milliseconds only). */
export const MICROS = (column: string) => `(extract(epoch from ${column}) * 1000000)::bigint::text`;

/** One row of a partner's history, `validFrom` in microseconds; rows come sorted by (validFrom, id). */
export interface HistoryRow {
  validFrom: number;
}

/**
 * The row valid at `at` (microseconds): the last from then or before (of rows with one date,
 * the last written); before the first row, the last written of the earliest date.
 */
export function rowAt<R extends HistoryRow>(rows: readonly R[], at: number): R | undefined {
  let found: R | undefined;
  for (const row of rows) {
    if (row.validFrom > at) break;
    found = row;
  }
  return found ?? rows.filter((row) => row.validFrom === rows[0]?.validFrom).pop();
}

export interface StateRow extends HistoryRow {
  status: PartnerStatus;
  kind: string;
  regionId: string | null;
  segment: string | null;
  sponsorId: string | null;
}

export interface LevelRow extends HistoryRow {
  level: number;
}

/**
 * The partner as it was at `at` (microseconds), from its row of today and its history. Name and
 * referral code are today's; a partner with no history rows is as it is today.
 */
export function snapshotAt(today: SnapshotRow, states: readonly StateRow[], levels: readonly LevelRow[], at: number): PartnerSnapshot {
  const state = rowAt(states, at) ?? today;
  // Built in one go: the engine asks for several partners as they were per event.
  return {
    id: today.id,
    name: today.name,
    kind: state.kind,
    regionId: state.regionId,
    segment: state.segment as PartnerSnapshot['segment'],
    level: (rowAt(levels, at) ?? today).level,
    status: state.status,
    referralCode: today.referralCode,
    sponsorId: state.sponsorId,
  };
}
