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
 * The snapshot of each partner `$2[i]` as it was at `$3[i]`, tagged `$4[i]` (as "key"), in program
 * `$1`: its status, kind, region, segment and sponsor from `partner_history`, its level from
 * `partner_level_history`, each the row valid at that time (of rows with one date, the last
 * written; before the first row, the first). Name and referral code are today's.
 */
export const SNAPSHOT_AS_OF = `select k.key, p.id, p.name, s.kind, s.region_id as "regionId", s.segment, l.level, s.status,
    p.referral_code as "referralCode", s.sponsor_id as "sponsorId"
  from unnest($2::bigint[], $3::timestamptz[], $4::text[]) as k(id, at, key)
  join partner p on p.id = k.id and p.program_id = $1
  cross join lateral (select h.status, h.kind, h.region_id, h.segment, h.sponsor_id from partner_history h where h.partner_id = k.id
    order by h.valid_from <= k.at desc, case when h.valid_from <= k.at then h.valid_from end desc nulls last, h.valid_from, h.id desc
    limit 1) s
  cross join lateral (select h.level from partner_level_history h where h.partner_id = k.id
    order by h.valid_from <= k.at desc, case when h.valid_from <= k.at then h.valid_from end desc nulls last, h.valid_from, h.id desc
    limit 1) l`;
