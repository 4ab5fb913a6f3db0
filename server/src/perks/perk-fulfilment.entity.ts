import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

export const FULFILMENT_STATES = ['GRANTED', 'DELIVERED'] as const;
export type FulfilmentState = (typeof FULFILMENT_STATES)[number];

/**
 * One change of a perk's fulfilment (a PERK ledger entry: training access, a closed event,
 * an exclusive product, a status). Append-only like the ledger: the current state is the
 * latest change; a perk without changes is GRANTED.
 */
@Entity({ tableName: 'perk_fulfilment' })
@Index({ properties: ['rewardId', 'id'] })
export class PerkFulfilment {
  [OptionalProps]?: 'changedAt' | 'note';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  rewardId!: string;

  @Property({ type: 'text' })
  state!: FulfilmentState;

  @Property({ type: 'text', nullable: true })
  note: string | null = null;

  /** The API key that made the change. */
  @Property({ type: 'bigint' })
  changedBy!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  changedAt: Date = new Date();
}
