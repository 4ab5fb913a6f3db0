import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A text in every language the API speaks.', simpleResolvers: true })
export class LocalizedText {
  @Field()
  en!: string;

  @Field()
  ru!: string;
}
