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
