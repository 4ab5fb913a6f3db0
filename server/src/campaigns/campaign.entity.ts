import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

export const CAMPAIGN_STATUSES = ['DRAFT', 'ACTIVE', 'PAUSED', 'ENDED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** The span a partner cap counts over (ledger/README.md, rule 9). */
export const CAP_PERIODS = ['MONTH', 'QUARTER', 'CAMPAIGN'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

/** Who a campaign applies to; an empty list means "any". Regions include their sub-regions. */
export interface Targeting {
  regionIds: string[];
  partnerKinds: string[];
  segments: string[];
  levels: number[];
}

@Entity({ tableName: 'campaign' })
@Index({ properties: ['programId', 'status'] })
export class Campaign {
  [OptionalProps]?: 'status' | 'endsAt' | 'holdDays' | 'budget' | 'partnerCap' | 'capPeriod' | 'targeting' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', default: 'DRAFT' })
  status: CampaignStatus = 'DRAFT';

  @Property({ type: 'timestamptz' })
  startsAt!: Date;

  /** Exclusive end; null for an open-ended campaign. */
  @Property({ type: 'timestamptz', nullable: true })
  endsAt: Date | null = null;

  @Property({ type: 'text', length: 3 })
  currency!: string;

  /** Days a reward stays PENDING before it may be approved (refund window). */
  @Property({ type: 'integer', default: 0 })
  holdDays: number = 0;

  /** Total money the campaign may grant, in minor units of `currency`; null = no limit (ledger/README.md, rule 9). */
  @Property({ type: 'bigint', nullable: true })
  budget: string | null = null;

  /** Money one partner may be granted per `capPeriod`, in minor units of `currency`; null = no cap. */
  @Property({ type: 'bigint', nullable: true })
  partnerCap: string | null = null;

  @Property({ type: 'text', default: 'MONTH' })
  capPeriod: CapPeriod = 'MONTH';

  @Property({ type: 'jsonb' })
  targeting: Targeting = { regionIds: [], partnerKinds: [], segments: [], levels: [] };

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
