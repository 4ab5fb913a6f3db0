import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** A recorded period close, as read. */
export interface PeriodCloseRow {
  id: string;
  campaignId: string;
  periodKey: string;
  startsAt: Date;
  endsAt: Date;
  closedBy: string;
  forced: boolean;
  rewardsCreated: number;
  closedAt: Date;
}

/** One run of `closePeriod` for a campaign: who closed which period, when, and what it wrote. */
@Entity({ tableName: 'period_close' })
@Index({ properties: ['campaignId', 'periodKey'] })
export class PeriodClose {
  [OptionalProps]?: 'closedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  campaignId!: string;

  /** '2026-03' or '2026-Q1'. */
  @Property({ type: 'text' })
  periodKey!: string;

  @Property({ type: 'timestamptz' })
  startsAt!: Date;

  @Property({ type: 'timestamptz' })
  endsAt!: Date;

  /** The API key that closed it. */
  @Property({ type: 'bigint' })
  closedBy!: string;

  /** Closed before the period ended. */
  @Property({ type: 'boolean' })
  forced!: boolean;

  @Property({ type: 'integer' })
  rewardsCreated!: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  closedAt: Date = new Date();
}
