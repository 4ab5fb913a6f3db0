import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** A coupon code that attributes a purchase to its partner. */
@Entity({ tableName: 'coupon' })
@Unique({ properties: ['programId', 'code'] })
export class Coupon {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'text' })
  code!: string;

  @Index()
  @Property({ type: 'bigint' })
  partnerId!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
