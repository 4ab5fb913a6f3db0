import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { JSONScalar } from '../graphql/scalars.js';
import { LocalizedText } from '../graphql/common.types.js';

export enum ArgTypeEnum {
  INT = 'int',
  MONEY = 'money',
  PERCENT = 'percent',
  DECIMAL = 'decimal',
  STRING = 'string',
  BOOLEAN = 'boolean',
  ENUM = 'enum',
  OBJECT = 'object',
}
registerEnumType(ArgTypeEnum, {
  name: 'ArgType',
  description: 'MONEY is minor units (an integer); PERCENT and DECIMAL are exact decimal strings such as "2.5".',
});

@ObjectType()
export class ArgOption {
  @Field()
  value!: string;

  @Field(() => LocalizedText)
  label!: LocalizedText;
}

@ObjectType('ArgDefinition', { description: "One arg of a scheme: its type and validation rules, and the metadata a config form needs." })
export class ArgDefinitionType {
  @Field()
  name!: string;

  @Field(() => ArgTypeEnum)
  type!: ArgTypeEnum;

  @Field()
  required!: boolean;

  @Field(() => JSONScalar, { nullable: true, description: "The default in the arg's JSON form." })
  default!: unknown;

  @Field()
  list!: boolean;

  @Field(() => String, { nullable: true, description: 'Inclusive lower bound (of each item, for a list).' })
  min!: string | null;

  @Field(() => String, { nullable: true, description: 'Inclusive upper bound (of each item, for a list).' })
  max!: string | null;

  @Field(() => Int, { nullable: true })
  minItems!: number | null;

  @Field(() => Int, { nullable: true })
  maxItems!: number | null;

  @Field(() => [ArgOption], { nullable: true })
  options!: ArgOption[] | null;

  @Field(() => [ArgDefinitionType], { nullable: true, description: 'The fields of an OBJECT arg.' })
  fields!: ArgDefinitionType[] | null;

  @Field(() => LocalizedText)
  label!: LocalizedText;

  @Field(() => LocalizedText, { nullable: true })
  help!: LocalizedText | null;

  @Field(() => String, { nullable: true, description: "A rendering hint such as 'currency-amount' or 'percent'." })
  ui!: string | null;
}

@ObjectType('RewardSchemeDefinition')
export class RewardSchemeDefinition {
  @Field()
  code!: string;

  @Field()
  version!: string;

  @Field(() => LocalizedText)
  name!: LocalizedText;

  @Field(() => LocalizedText)
  description!: LocalizedText;

  @Field(() => [String])
  eventTypes!: string[];

  @Field(() => [ArgDefinitionType])
  args!: ArgDefinitionType[];
}
