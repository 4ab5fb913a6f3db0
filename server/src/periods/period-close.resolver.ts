import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { actingKey, callerProgram } from '../auth/access.js';
import { Requires } from '../auth/requires.js';
import { CampaignType } from '../campaigns/campaign.types.js';
import type { RequestContext } from '../graphql/context.js';
import { requireId } from '../graphql/ids.js';
import { DateTimeScalar } from '../graphql/scalars.js';
import type { PeriodCloseRow } from './period-close.entity.js';

@ObjectType('PeriodClose', { description: 'One close of a campaign period: who closed it, when, and how many rewards it wrote.' })
export class PeriodCloseType {
  @Field(() => ID)
  id!: string;

  @Field({ description: "'2026-03' or '2026-Q1'." })
  periodKey!: string;

  @Field(() => DateTimeScalar, { description: "The period's start in the program's time zone." })
  startsAt!: Date;

  @Field(() => DateTimeScalar, { description: 'Exclusive.' })
  endsAt!: Date;

  @Field(() => ID, { description: 'The API key that closed it.' })
  closedBy!: string;

  @Field({ description: 'Closed before the period ended.' })
  forced!: boolean;

  @Field(() => Int, { description: 'New rewards written by this close; 0 when an earlier close already wrote them.' })
  rewardsCreated!: number;

  @Field(() => DateTimeScalar)
  closedAt!: Date;

  campaignId!: string;
}

@Resolver(() => PeriodCloseType)
export class PeriodCloseResolver {
  @Mutation(() => PeriodCloseType, {
    description:
      "Runs the campaign's period-based schemes for a month ('2026-03') or quarter ('2026-Q1') in the program's " +
      'time zone. Safe to run again; refused for a period that has not ended unless force is true.',
  })
  @Requires('admin')
  async closePeriod(
    @Arg('campaignId', () => ID) campaignId: string,
    @Arg('period') period: string,
    @Ctx() ctx: RequestContext,
    @Arg('force', { defaultValue: false }) force: boolean,
  ): Promise<PeriodCloseRow> {
    const programId = callerProgram(ctx.principal);
    const closedBy = actingKey(ctx.principal);
    return ctx.app.periods.close(programId, closedBy, requireId(campaignId, 'campaignId'), period, force);
  }

  @FieldResolver(() => CampaignType)
  campaign(@Root() close: PeriodCloseRow, @Ctx() ctx: RequestContext) {
    return ctx.loaders.campaign.load(close.campaignId);
  }
}
