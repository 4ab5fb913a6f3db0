import type { SqlClient } from '../db/sql.js';

/**
 * The partners' history (tables `partner_history` and `partner_level_history`): what a
 * partner's status, kind, region, segment, sponsor and level were at any date. Every change is
 * written here by the code that makes it, in its transaction, and is valid from that
 * transaction's time; a level earned at a period close is valid from the period's end. Rows
 * are only added. Before a partner's first row, its first row holds (an event dated before a
 * partner joined sees the partner as it joined).
 */

/**
 * Appends the partners' current status, kind, region, segment and sponsor, valid from now. The
 * caller sets their `updated_at` to now in the same transaction (see snapshotsAsOf in rewarding/postgres/batch-context.ts).
 */
export async function recordState(client: SqlClient, partnerIds: string[]): Promise<void> {
  await client.query(
    `insert into partner_history (partner_id, valid_from, status, kind, region_id, segment, sponsor_id)
     select id, now(), status, kind, region_id, segment, sponsor_id from partner where id = any($1::bigint[]) order by id`,
    [partnerIds],
  );
}

export interface LevelChange {
  partnerId: string;
  level: number;
  /** From when the level holds; null for now. */
  validFrom: Date | null;
}

/**
 * Appends level changes in the order given (of two with the same date, the later one holds).
 * None holds from before the partner joined (a partner who joined after a period it is levelled
 * for holds the level from its first day) or from after now (a period closed before its end).
 * The caller sets the partner's `updated_at` to now in the same transaction (see snapshotsAsOf in rewarding/postgres/batch-context.ts).
 */
export async function recordLevels(client: SqlClient, changes: LevelChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `insert into partner_level_history (partner_id, valid_from, level)
     select c.partner_id, greatest(least(coalesce(c.valid_from, now()), now()), p.joined_at), c.level
       from unnest($1::bigint[], $2::int[], $3::timestamptz[]) with ordinality as c(partner_id, level, valid_from, position)
       join partner p on p.id = c.partner_id
      order by c.position`,
    [changes.map((change) => change.partnerId), changes.map((change) => change.level), changes.map((change) => change.validFrom)],
  );
}

/**
 * The level a partner holds now: its level row valid from the latest date (of two with the
 * same date, the one written last). A level earned by closing an earlier period after a later
 * one does not override the later one's.
 */
export const CURRENT_LEVEL = `(select h.level from partner_level_history h where h.partner_id = partner.id
  order by h.valid_from desc, h.id desc limit 1)`;
