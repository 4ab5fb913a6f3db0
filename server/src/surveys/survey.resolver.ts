import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { callerProgram, listScope, requireReader } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import { MAX_SURVEY_RESPONSES_PER_CALL, type RecordSurveyResponsesResult, type SurveyResponseRow } from './survey.service.js';
import type { Satisfaction } from './satisfaction.js';
import {
  RecordSurveyResponsesResult as RecordSurveyResponsesResultType,
  SatisfactionType,
  SurveyResponseConnection,
  SurveyResponseInputType,
} from './survey.types.js';

@Resolver()
export class SurveyResolver {
  @Mutation(() => RecordSurveyResponsesResultType, {
    description:
      `Records up to ${MAX_SURVEY_RESPONSES_PER_CALL} satisfaction survey answers, all or nothing, idempotent by externalId. An API key with ` +
      'events:write (or admin) records any partner\'s answers; a partner token only its own (another partner\'s is FORBIDDEN). A bad item ' +
      'fails the call with BAD_USER_INPUT naming it (e.g. responses[3].score); an externalId resent with other content with CONFLICT.',
  })
  @Requires('events:write', { ownPartnerItems: 'responses' })
  async recordSurveyResponses(
    @Arg('responses', () => [SurveyResponseInputType]) responses: SurveyResponseInputType[],
    @Ctx() ctx: RequestContext,
  ): Promise<RecordSurveyResponsesResult> {
    return ctx.app.surveys.record(callerProgram(ctx.principal), responses);
  }

  @Query(() => SurveyResponseConnection, {
    description: "Survey answers, newest first; from/to bound answeredAt, [from, to). An analytics:read or admin key reads all, a partner token only its own.",
  })
  async surveyResponses(
    @Ctx() ctx: RequestContext,
    @Arg('partnerId', () => ID, { nullable: true }) partnerId?: string,
    @Arg('from', () => DateTimeScalar, { nullable: true }) from?: Date,
    @Arg('to', () => DateTimeScalar, { nullable: true }) to?: Date,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ConnectionShape<SurveyResponseRow>> {
    const scope = listScope(ctx.principal, partnerId);
    const size = pageSize(first);
    if (from && to && from >= to) throw errors.badInput([{ path: 'to', message: 'must be after from' }]);
    const rows = await ctx.app.surveys.list(scope.programId, { partnerId: scope.partnerId, from, to }, decodeCursor(after), size + 1);
    return toConnection(rows, size);
  }

  @Query(() => SatisfactionType, {
    description:
      "Partner satisfaction from the answers given in [from, to), of the whole program or of a region's partners (with its sub-regions). " +
      'An analytics:read or admin key.',
  })
  async satisfaction(
    @Ctx() ctx: RequestContext,
    @Arg('from', () => DateTimeScalar) from: Date,
    @Arg('to', () => DateTimeScalar) to: Date,
    @Arg('regionCode', () => String, { nullable: true }) regionCode?: string,
  ): Promise<Satisfaction> {
    const programId = requireReader(ctx.principal);
    if (from >= to) throw errors.badInput([{ path: 'to', message: 'must be after from' }]);
    return ctx.app.surveys.satisfaction(programId, from, to, regionCode ?? null);
  }
}
