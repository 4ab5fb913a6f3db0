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

/**
 * The snapshot of each partner `$2[i]` as it was at `$3[i]`, tagged `$4[i]` (as "key"), in program
 * `$1`: status, kind, region, segment and sponsor from `partner_history`, level from
 * `partner_level_history` (see `historyAt`). Name and referral code are today's. Every history
 * row is written with `updated_at` set to its transaction's time and none is valid from later,
 * so from `updated_at` on the partner is as it is now: the history is read only before that.
 */
export const SNAPSHOT_AS_OF = `select k.key, p.id, p.name, p.referral_code as "referralCode",
    case when c.now then p.kind else s.kind end as kind, case when c.now then p.region_id else s.region_id end as "regionId",
    case when c.now then p.segment else s.segment end as segment, case when c.now then p.level else l.level end as level,
    case when c.now then p.status else s.status end as status, case when c.now then p.sponsor_id else s.sponsor_id end as "sponsorId"
  from unnest($2::bigint[], $3::timestamptz[], $4::text[]) as k(id, at, key)
  join partner p on p.id = k.id and p.program_id = $1
  cross join lateral (select k.at >= p.updated_at as now) c
  left join lateral (${historyAt('partner_history', 'h.status, h.kind, h.region_id, h.segment, h.sponsor_id', 'k.id', 'k.at', 'not c.now')}) s on true
  left join lateral (${historyAt('partner_level_history', 'h.level', 'k.id', 'k.at', 'not c.now')}) l on true`;
