import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/**
 * The referral hierarchy as a closure table: one row per (ancestor, descendant) pair,
 * including each partner with itself at depth 0.
 *
 * Why a closure table and not ltree or a recursive walk: upline(N) is one index range scan
 * on (descendant_id, depth) and downline(depth) with per-level counts is one index range
 * scan on (ancestor_id, depth), whatever the size of the tree, and both batch naturally
 * (`descendant_id = any($1)`) for the rewards engine. A recursive CTE costs a round of
 * index probes per level per request; ltree makes depth-limited downline counts a GiST
 * scan over path strings and needs every path in a subtree rewritten on a move, the same
 * write cost as here. Storage is partners × average depth rows: ~9M narrow rows at 1M
 * partners in an 8-level tree.
 */
@Entity({ tableName: 'partner_closure' })
@Index({ properties: ['descendantId', 'depth'] })
@Index({ properties: ['ancestorId', 'depth'] })
export class PartnerClosure {
  @PrimaryKey({ type: 'bigint' })
  ancestorId!: string;

  @PrimaryKey({ type: 'bigint' })
  descendantId!: string;

  @Property({ type: 'integer' })
  depth!: number;
}
