import { OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { JsonObject } from '@cofactor/schema';

/**
 * One configured scheme of a campaign, immutable once written: changing a campaign's
 * schemes retires the old rows and writes new ones, so every reward points at the exact
 * terms (scheme code, version, args) it was computed with.
 *
 * `key` names the slot across versions (default: the scheme code). Reward idempotency keys
 * use it, so a goal paid under one version of the args is not paid again under the next.
 */
@Entity({ tableName: 'scheme_instance' })
@Index({ properties: ['campaignId', 'retiredAt'] })
export class SchemeInstance {
  [OptionalProps]?: 'createdAt' | 'retiredAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  campaignId!: string;

  @Property({ type: 'text' })
  key!: string;

  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'text' })
  schemeCode!: string;

  @Property({ type: 'text' })
  schemeVersion!: string;

  /** The canonical snapshot of the validated args (money as integer strings). */
  @Property({ type: 'jsonb' })
  args!: JsonObject;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  retiredAt: Date | null = null;
}
