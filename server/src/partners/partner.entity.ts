import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** PENDING: signed up, awaiting approval. Only ACTIVE partners earn. */
export const PARTNER_STATUSES = ['PENDING', 'ACTIVE', 'SUSPENDED', 'TERMINATED'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

@Entity({ tableName: 'partner' })
@Unique({ properties: ['programId', 'referralCode'] })
@Unique({ properties: ['programId', 'externalId'] })
export class Partner {
  [OptionalProps]?: 'externalId' | 'email' | 'regionId' | 'segment' | 'level' | 'status' | 'sponsorId' | 'joinedAt' | 'updatedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  /** The brand's own id for this partner, if it has one. */
  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  @Property({ type: 'text' })
  kind!: string;

  @Index()
  @Property({ type: 'bigint', nullable: true })
  regionId: string | null = null;

  @Property({ type: 'text', nullable: true })
  segment: string | null = null;

  @Property({ type: 'integer', default: 1 })
  level: number = 1;

  @Property({ type: 'text', default: 'ACTIVE' })
  status: PartnerStatus = 'ACTIVE';

  @Property({ type: 'text' })
  referralCode!: string;

  @Index()
  @Property({ type: 'bigint', nullable: true })
  sponsorId: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  joinedAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
