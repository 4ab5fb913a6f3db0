import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

export const API_SCOPES = ['admin', 'events:write', 'analytics:read', 'platform:admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * An integrator's key. Only a SHA-256 of the secret is stored: keys are 32 random bytes,
 * so a fast hash is as strong as a slow one here and keeps every request cheap.
 */
@Entity({ tableName: 'api_key' })
@Unique({ properties: ['prefix'] })
export class ApiKey {
  [OptionalProps]?: 'createdAt' | 'revokedAt' | 'lastUsedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'text' })
  name!: string;

  /** The public part of the key, used to find the row. */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'text', hidden: true })
  secretHash!: string;

  @Property({ type: 'text[]' })
  scopes!: ApiScope[];

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;

  /** Within a minute: recorded at most once a minute, so a busy key costs no write per request. */
  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null = null;
}
