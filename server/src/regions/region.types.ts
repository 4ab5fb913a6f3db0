import { Field, ID, InputType, ObjectType } from 'type-graphql';

@ObjectType('Region', { description: 'Country → region → city.' })
export class RegionType {
  @Field(() => ID)
  id!: string;

  @Field()
  code!: string;

  @Field()
  name!: string;

  parentId!: string | null;
}

@InputType()
export class CreateRegionInput {
  @Field()
  code!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  parentCode?: string | null;
}
