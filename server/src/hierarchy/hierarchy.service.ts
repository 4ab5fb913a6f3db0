import { PreparedStatement, type Sql, type SqlClient } from '../db/sql.js';
import { errors } from '../graphql/errors.js';
import { recordState } from '../partners/partner-history.js';

export interface UplineRow {
  descendantId: string;
  ancestorId: string;
  depth: number;
}

export interface DownlineLevel {
  depth: number;
  count: number;
}

export const MAX_HIERARCHY_DEPTH = 50;

/** Downline sizes per level, as a cabinet shows them. */
const DOWNLINE_COUNTS = new PreparedStatement(
  'downline-counts',
  `select ancestor_id as "ancestorId", depth, count(*) as count
     from partner_closure
    where ancestor_id = any($1::bigint[]) and depth between 1 and $2
    group by ancestor_id, depth
    order by ancestor_id, depth`,
);

/**
 * The referral hierarchy over the `partner_closure` table (see its entity for why a
 * closure table). Every change to the tree takes a per-program advisory lock: attaching a
 * new partner shares it, moving a subtree holds it alone, so no two moves can race into
 * a cycle and no new partner copies a half-moved upline.
 */
export class HierarchyService {
  constructor(private readonly sql: Sql) {}

  /** Inserts the closure rows of a new partner under `sponsorId` (or as a root). */
  async attach(client: SqlClient, programId: string, partnerId: string, sponsorId: string | null): Promise<void> {
    await client.query('select pg_advisory_xact_lock_shared(hashtext($1))', [`hierarchy:${programId}`]);
    await client.query(
      `insert into partner_closure (ancestor_id, descendant_id, depth)
       select $1::bigint, $1::bigint, 0
       union all
       select ancestor_id, $1::bigint, depth + 1 from partner_closure where descendant_id = $2::bigint`,
      [partnerId, sponsorId],
    );
  }

  /**
   * Re-sponsors a partner with its whole downline. Rejects a move under the partner itself
   * or anyone in its downline, which is what would create a cycle.
   */
  async move(programId: string, partnerId: string, sponsorId: string | null): Promise<void> {
    await this.sql.transaction(async (client) => {
      await client.query('select pg_advisory_xact_lock(hashtext($1))', [`hierarchy:${programId}`]);
      const found = await client.query<{ id: string; sponsor_id: string | null }>(
        'select id, sponsor_id from partner where program_id = $1 and id = any($2::bigint[])',
        [programId, [partnerId, sponsorId].filter((id) => id !== null)],
      );
      if (!found.rows.some((row) => row.id === partnerId)) throw errors.notFound('partner', partnerId);
      if (sponsorId !== null && !found.rows.some((row) => row.id === sponsorId)) {
        throw errors.badInput([{ path: 'sponsorId', message: `no partner ${sponsorId} in this program` }]);
      }
      if (sponsorId !== null) {
        const cycle = await client.query(
          'select 1 from partner_closure where ancestor_id = $1 and descendant_id = $2',
          [partnerId, sponsorId],
        );
        if (cycle.rowCount) {
          throw errors.badInput([
            { path: 'sponsorId', message: `partner ${sponsorId} is ${partnerId} itself or in its downline: the move would create a cycle` },
          ]);
        }
      }
      // Unlink the subtree from every ancestor above the moved partner...
      await client.query(
        `delete from partner_closure link
          using partner_closure sub, partner_closure up
          where sub.ancestor_id = $1 and up.descendant_id = $1 and up.depth > 0
            and link.descendant_id = sub.descendant_id and link.ancestor_id = up.ancestor_id`,
        [partnerId],
      );
      // ...and link it under every ancestor of the new sponsor (the sponsor included).
      if (sponsorId !== null) {
        await client.query(
          `insert into partner_closure (ancestor_id, descendant_id, depth)
           select up.ancestor_id, sub.descendant_id, up.depth + sub.depth + 1
             from partner_closure up cross join partner_closure sub
            where up.descendant_id = $2 and sub.ancestor_id = $1`,
          [partnerId, sponsorId],
        );
      }
      await client.query('update partner set sponsor_id = $2, updated_at = now() where id = $1', [partnerId, sponsorId]);
      // The downline moves with it through this one link: its history is the moved partner's row.
      await recordState(client, [partnerId]);
    });
  }

  /** Ancestors of many partners at once, nearest first, up to `levels` each. */
  async uplines(partnerIds: readonly string[], levels: number): Promise<UplineRow[]> {
    return this.sql.query<UplineRow>(
      `select descendant_id as "descendantId", ancestor_id as "ancestorId", depth
         from partner_closure
        where descendant_id = any($1::bigint[]) and depth between 1 and $2
        order by descendant_id, depth`,
      [partnerIds, levels],
    );
  }

  /** Per-level downline counts of many partners at once, down to `depth` levels. */
  async downlineCounts(partnerIds: readonly string[], depth: number): Promise<Map<string, DownlineLevel[]>> {
    const rows = await this.sql.query<{ ancestorId: string; depth: number; count: string }>(DOWNLINE_COUNTS, [partnerIds, depth]);
    const result = new Map<string, DownlineLevel[]>(partnerIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.ancestorId)!.push({ depth: row.depth, count: Number(row.count) });
    return result;
  }

  /** One page of a partner's downline (keyset on partner id) within `depth` levels. */
  async downlinePage(partnerId: string, depth: number, afterId: string | null, limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select descendant_id as id from partner_closure
        where ancestor_id = $1 and depth between 1 and $2 and ($3::bigint is null or descendant_id > $3)
        order by descendant_id limit $4`,
      [partnerId, depth, afterId, limit],
    );
    return rows.map((row) => row.id);
  }
}
