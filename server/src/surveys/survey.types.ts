import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from '../graphql/connection.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import { MAX_SURVEY_COMMENT_LENGTH } from './survey.service.js';

@InputType('SurveyResponseInput', { description: "One partner's answer to the satisfaction survey: how likely it is to recommend the programme, 0–10." })
export class SurveyResponseInputType {
  @Field(() => ID)
  partnerId!: string;

  @Field(() => Int, { description: '0 (not at all likely) to 10 (extremely likely).' })
  score!: number;

  @Field(() => String, { nullable: true, description: `What the partner wrote, 1–${MAX_SURVEY_COMMENT_LENGTH} characters.` })
  comment?: string | null;

  @Field(() => DateTimeScalar, { description: "When the partner answered: not before 2000-01-01, nor further ahead of the server's clock than COFACTOR_MAX_CLOCK_SKEW." })
  answeredAt!: Date;

  @Field({
    description:
      "The sender's unique id for the answer, 1–200 characters: an idempotency key. Resent with the same content it writes nothing and " +
      'returns the stored answer; with other content (partner, score, comment, answeredAt) it is a CONFLICT naming the field.',
  })
  externalId!: string;
}

@ObjectType('SurveyResponse', { description: "A partner's answer to the satisfaction survey." })
export class SurveyResponseType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  partnerId!: string;

  @Field(() => Int)
  score!: number;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => DateTimeScalar)
  answeredAt!: Date;

  @Field()
  externalId!: string;

  @Field(() => DateTimeScalar, { description: 'When Cofactor stored it.' })
  createdAt!: Date;
}

export const SurveyResponseConnection = Connection(SurveyResponseType, 'SurveyResponse');

@ObjectType()
export class RecordSurveyResponsesResult {
  @Field(() => Int, { description: 'Answers stored by this call.' })
  accepted!: number;

  @Field(() => Int, { description: 'Answers already stored (or repeated in this call) with the same content; nothing was written for them.' })
  duplicates!: number;

  @Field(() => [SurveyResponseType], { description: 'The stored answer of each item, in the order sent (for a duplicate, the one stored before).' })
  responses!: SurveyResponseType[];
}

@ObjectType('Satisfaction', {
  description:
    'Partner satisfaction over the answers given in a period. Promoters answered 9–10, passives 7–8, detractors 0–6. ' +
    "A partner's answers count in the region it is in now.",
})
export class SatisfactionType {
  @Field(() => Int)
  responses!: number;

  @Field(() => Int, { description: 'Answers of 9 or 10.' })
  promoters!: number;

  @Field(() => Int, { description: 'Answers of 7 or 8.' })
  passives!: number;

  @Field(() => Int, { description: 'Answers of 0 to 6.' })
  detractors!: number;

  @Field(() => Float, { nullable: true, description: 'The mean score, rounded to two decimals (halves up); null without answers.' })
  averageScore!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Net Promoter Score, −100 to 100: (promoters − detractors) ÷ responses × 100, rounded to a whole number, halves away from zero ' +
      '(12.5 → 13, −12.5 → −13); null without answers.',
  })
  nps!: number | null;
}
