import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { createCofactorPubSub, type CofactorPubSub } from './pubsub.js';
import { AnalyticsResolver } from '../analytics/analytics.resolver.js';
import { AuthResolver } from '../auth/auth.resolver.js';
import { CampaignResolver } from '../campaigns/campaign.resolver.js';
import { SchemeInstanceResolver } from '../campaigns/scheme-instance.resolver.js';
import { CouponResolver } from '../coupons/coupon.resolver.js';
import { EventResolver } from '../events/event.resolver.js';
import { LeaderboardResolver } from '../leaderboards/leaderboard.resolver.js';
import { LeaderboardLiveResolver } from '../leaderboards/leaderboard-live.resolver.js';
import { LifecycleResolver } from '../ledger/lifecycle.resolver.js';
import { RewardResolver } from '../ledger/reward.resolver.js';
import { PartnerStatementsResolver, StatementResolver } from '../ledger/statement.resolver.js';
import { PayoutBatchResolver, PayoutResolver } from '../payouts/payout.resolver.js';
import { DownlineResolver, PartnerResolver } from '../partners/partner.resolver.js';
import { PeriodCloseResolver } from '../periods/period-close.resolver.js';
import { SchemeResolver } from '../plugins/scheme.resolver.js';
import { PerkResolver } from '../perks/perk.resolver.js';
import { ProgramResolver } from '../programs/program.resolver.js';
import { PartnerProgressResolver } from '../progress/progress.resolver.js';
import { PartnerBadgesResolver } from '../badges/badge.resolver.js';
import { CampaignCatalogResolver, PartnerPointsResolver, PointsResolver } from '../points/points.resolver.js';
import { RegionResolver } from '../regions/region.resolver.js';
import { SimulationJobResolver } from '../simulation/simulation-jobs.resolver.js';
import { SimulationResolver } from '../simulation/simulation.resolver.js';
import { SurveyResolver } from '../surveys/survey.resolver.js';
import { WebhookDeliveryResolver, WebhookEndpointResolver } from '../webhooks/webhook.resolver.js';
import { DateTimeScalar } from './scalars.js';

export const resolvers = [
  WebhookEndpointResolver,
  WebhookDeliveryResolver,
  SchemeResolver,
  RegionResolver,
  LeaderboardResolver,
  LeaderboardLiveResolver,
  PartnerResolver,
  DownlineResolver,
  CouponResolver,
  CampaignResolver,
  SchemeInstanceResolver,
  EventResolver,
  RewardResolver,
  AuthResolver,
  PeriodCloseResolver,
  PointsResolver,
  PartnerPointsResolver,
  CampaignCatalogResolver,
  PerkResolver,
  PartnerBadgesResolver,
  PartnerProgressResolver,
  LifecycleResolver,
  StatementResolver,
  PartnerStatementsResolver,
  PayoutBatchResolver,
  PayoutResolver,
  ProgramResolver,
  SimulationResolver,
  SimulationJobResolver,
  SurveyResolver,
  AnalyticsResolver,
] as const;

/** The schema does not depend on which schemes are installed, so the committed SDL is stable. */
export async function createSchema(pubSub?: CofactorPubSub): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub: (pubSub ?? createCofactorPubSub()) as never,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: false,
    emitSchemaFile: false,
  });
}
