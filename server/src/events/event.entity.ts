import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';
import type { JsonObject } from '@cofactor/schema';

/** What a partner caused. Written in bulk by the event service, never edited. */
@Entity({ tableName: 'event' })
@Unique({ properties: ['programId', 'externalId'] })
@Index({ properties: ['partnerId', 'occurredAt'] })
export class PartnerEvent {
  [OptionalProps]?: 'customerId' | 'couponId' | 'amount' | 'currency' | 'firstPurchase' | 'attributes' | 'recordedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  /** The sender's id for the event: a resend with the same id is a duplicate. */
  @Property({ type: 'text' })
  externalId!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'bigint' })
  partnerId!: string;

  @Property({ type: 'bigint', nullable: true })
  customerId: string | null = null;

  @Property({ type: 'bigint', nullable: true })
  couponId: string | null = null;

  /** Minor units of `currency`. */
  @Property({ type: 'bigint', nullable: true })
  amount: string | null = null;

  @Property({ type: 'text', length: 3, nullable: true })
  currency: string | null = null;

  /** The SALE that was its customer's first purchase. */
  @Property({ type: 'boolean', default: false })
  firstPurchase: boolean = false;

  @Property({ type: 'timestamptz' })
  occurredAt!: Date;

  @Property({ type: 'jsonb', default: '{}' })
  attributes: JsonObject = {};

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  recordedAt: Date = new Date();
}
