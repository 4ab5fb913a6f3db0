import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { JsonObject, RewardReversal } from '@cofactor/schema';

/**
 * PENDING → APPROVED → PAID, or REJECTED; CAPPED entries are written so and never move
 * (ledger/README.md, rule 7). A refund is a compensating entry, not a status.
 */
export const REWARD_STATUSES = ['PENDING', 'APPROVED', 'PAID', 'REJECTED', 'CAPPED'] as const;
export type RewardStatus = (typeof REWARD_STATUSES)[number];

/**
 * One entry of the append-only reward ledger. See ledger/README.md for its invariants.
 * Amounts are never edited: a correction is a new entry that points at the one it
 * corrects (`correctsId`).
 */
@Entity({ tableName: 'reward' })
@Unique({ properties: ['programId', 'idempotencyKey'] })
@Index({ properties: ['partnerId', 'id'] })
@Index({ properties: ['campaignId', 'id'] })
@Index({ properties: ['eventId'] })
export class Reward {
  [OptionalProps]?: 'eventId' | 'periodKey' | 'status' | 'details' | 'correctsId' | 'reversal' | 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'bigint' })
  partnerId!: string;

  @Property({ type: 'bigint' })
  campaignId!: string;

  /** The exact terms (scheme code, version, args) the reward was computed with. */
  @Property({ type: 'bigint' })
  schemeInstanceId!: string;

  @Property({ type: 'bigint', nullable: true })
  eventId: string | null = null;

  /** The period a period reward is for ('2026-03'); null for an event's reward. */
  @Property({ type: 'text', nullable: true })
  periodKey: string | null = null;

  @Property({ type: 'text' })
  kind!: string;

  /** MONEY: minor units of `unit`; POINTS: hundredths; PERK/BADGE: a count. */
  @Property({ type: 'bigint' })
  amount!: string;

  @Property({ type: 'text' })
  unit!: string;

  @Property({ type: 'text', default: 'PENDING' })
  status: RewardStatus = 'PENDING';

  @Property({ type: 'text' })
  idempotencyKey!: string;

  @Property({ type: 'text' })
  explanationEn!: string;

  @Property({ type: 'text' })
  explanationRu!: string;

  @Property({ type: 'jsonb', default: '{}' })
  details: JsonObject = {};

  /** Earliest time the reward may be approved: creation + the campaign's hold days. */
  @Property({ type: 'timestamptz' })
  holdUntil!: Date;

  /** For a compensating entry (negative), the entry it takes back part of. */
  @Property({ type: 'bigint', nullable: true })
  correctsId: string | null = null;

  /** What a refund of the source sale does to this entry: PROPORTIONAL or NONE. */
  @Property({ type: 'text', default: 'PROPORTIONAL' })
  reversal: RewardReversal = 'PROPORTIONAL';

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
