import { isCurrencyCode } from '@cofactor/schema';
import { Arg, Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { requirePartnerAccess } from '../auth/access.js';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../graphql/connection.js';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import { BigIntScalar } from '../graphql/scalars.js';
import { PartnerType } from '../partners/partner.types.js';
import type { RewardRow, StatementFigures } from './ledger.service.js';
import { RewardConnection } from './reward.types.js';

@ObjectType('Statement', { description: "A partner's money in one currency. Every figure is a sum of ledger entries, in minor units." })
export class StatementType {
  @Field()
  currency!: string;

  @Field(() => BigIntScalar, { description: 'Held for the hold days, net of refunds of those rewards.' })
  pending!: bigint;

  @Field(() => BigIntScalar, { description: 'Approved and not yet paid, including what is in a payout on its way.' })
  approved!: bigint;

  @Field(() => BigIntScalar, { description: 'Approved entries in payouts that are not yet paid.' })
  inPayout!: bigint;

  @Field(() => BigIntScalar, {
    description: 'What the next payout batch would pay (approved − inPayout). Negative when refunds of paid rewards exceed new approvals; it carries over.',
  })
  available!: bigint;

  @Field(() => BigIntScalar)
  paid!: bigint;

  @Field(() => BigIntScalar, { description: 'Taken back by refunds and chargebacks, as a positive figure.' })
  reversed!: bigint;

  @Field(() => BigIntScalar)
  rejected!: bigint;

  @Field(() => BigIntScalar, { description: 'Not granted: a campaign budget or a per-partner cap was reached.' })
  capped!: bigint;

  programId!: string;
  partnerId!: string;
}

@Resolver(() => PartnerType)
export class PartnerStatementsResolver {
  @FieldResolver(() => [StatementType], {
    description: "The partner's statement in each currency it has money rewards in, by currency code; none before its first. A partner token reads its own.",
  })
  async statements(@Root() partner: PartnerType, @Ctx() ctx: RequestContext): Promise<StatementType[]> {
    const programId = requirePartnerAccess(ctx.principal, partner.id);
    return (await ctx.loaders.ledgerSummary.load(partner.id)).statements.map((statement) => ({ ...statement, programId }));
  }
}

@Resolver(() => StatementType)
export class StatementResolver {
  @Query(() => StatementType, { description: "A partner's statement in one currency. A partner token reads its own." })
  async statement(@Arg('partnerId', () => ID) partnerId: string, @Arg('currency') currency: string, @Ctx() ctx: RequestContext): Promise<StatementType> {
    const programId = requirePartnerAccess(ctx.principal, requireId(partnerId, 'partnerId'));
    if (!isCurrencyCode(currency)) throw errors.badInput([{ path: 'currency', message: 'must be an ISO 4217 code such as RUB' }]);
    if (!(await ctx.loaders.partner.load(partnerId))) throw errors.notFound('partner', partnerId);
    const figures: StatementFigures = await ctx.app.ledger.statement(programId, partnerId, currency);
    return { ...figures, currency, programId, partnerId };
  }

  @FieldResolver(() => PartnerType)
  partner(@Root() statement: StatementType, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partner.load(statement.partnerId);
  }

  @FieldResolver(() => RewardConnection, { description: 'The money entries behind the figures, newest first, each with its explanation and status history.' })
  async entries(
    @Root() statement: StatementType,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<ConnectionShape<RewardRow>> {
    const size = pageSize(first);
    const rows = await ctx.app.ledger.list(
      statement.programId,
      { partnerId: statement.partnerId, kind: 'MONEY', unit: statement.currency },
      decodeCursor(after),
      size + 1,
    );
    return toConnection(rows, size);
  }
}
