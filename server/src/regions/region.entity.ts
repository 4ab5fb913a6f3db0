import { BigIntType, OptionalProps } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/decorators/legacy';

/** Country → region → city. Targeting a region includes the regions below it. */
@Entity({ tableName: 'region' })
@Unique({ properties: ['programId', 'code'] })
export class Region {
  [OptionalProps]?: 'parentId';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'bigint' })
  programId!: string;

  @Property({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  /**
   * Says `string` to the ORM in so many words: for a `string | null` property it cannot read
   * the type and would hand back a JS bigint, which no loader keyed by string ids finds.
   */
  @Index()
  @Property({ type: new BigIntType('string'), nullable: true })
  parentId: string | null = null;
}
