import { OptionalProps } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** A brand's programme. Everything else belongs to exactly one program. */
@Entity({ tableName: 'program' })
export class Program {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', length: 3 })
  defaultCurrency!: string;

  @Property({ type: 'text' })
  timeZone!: string;

  /** Signs the program's partner tokens; shared by every API node through the database. */
  @Property({ type: 'text', hidden: true })
  tokenSecret!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
