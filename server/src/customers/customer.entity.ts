import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** A buyer, known by the brand's external id. New-customer rules read `firstPurchaseAt`. */
@Entity({ tableName: 'customer' })
@Unique({ properties: ['programId', 'externalId'] })
export class Customer {
  [OptionalProps]?: 'firstPurchaseAt' | 'firstPartnerId' | 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'timestamptz', nullable: true })
  firstPurchaseAt: Date | null = null;

  /** The partner the first purchase was attributed to. */
  @Property({ type: 'bigint', nullable: true })
  firstPartnerId: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
