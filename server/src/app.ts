import type { MikroORM } from '@mikro-orm/postgresql';
import { AuthService } from './auth/auth.service.js';
import { CampaignService } from './campaigns/campaign.service.js';
import type { CofactorConfig } from './config.js';
import { openOrm, prepareDatabase } from './db/orm.js';
import { Sql, StatementCounter } from './db/sql.js';
import { EventService } from './events/event.service.js';
import { HierarchyService } from './hierarchy/hierarchy.service.js';
import { LedgerService } from './ledger/ledger.service.js';
import { LifecycleService } from './ledger/lifecycle.service.js';
import { PayoutService } from './payouts/payout.service.js';
import { createCofactorPubSub, fanOutRewards, type CofactorPubSub } from './graphql/pubsub.js';
import { DatabaseNotifications } from './db/notifications.js';
import { PartnerService } from './partners/partner.service.js';
import { PeriodCloseService } from './periods/period-close.service.js';
import { PointsService } from './points/points.service.js';
import { PerkService } from './perks/perk.service.js';
import { ProgramService } from './programs/program.service.js';
import { loadSchemeRegistry, type SchemeRegistry } from './plugins/registry.js';
import { BoardLinks } from './leaderboards/board-links.js';
import type { BoardQuery } from './leaderboards/board-query.js';
import { LeaderboardService, type BoardViewer } from './leaderboards/leaderboard.service.js';
import { LiveBoards, leaderboardReader, type ViewedBoard } from './leaderboards/live.js';
import { PostgresRewardingStorage } from './rewarding/postgres/storage.js';
import { Rewarding } from './rewarding/rewarding.js';
import { SimulationJobs } from './simulation/simulation-jobs.js';
import { SimulationService } from './simulation/simulation.service.js';
import { SurveyService } from './surveys/survey.service.js';
import { AnalyticsService } from './analytics/analytics.service.js';
import { WebhookService } from './webhooks/webhook.service.js';

/** The services of one server process, wired once. */
export interface App {
  config: CofactorConfig;
  orm: MikroORM;
  sql: Sql;
  /** SQL statements sent so far. */
  statements: StatementCounter;
  registry: SchemeRegistry;
  pubSub: CofactorPubSub;
  /** This process's LISTEN connection; `startCofactor` starts it, so one-off CLI commands do not listen. */
  notifications: DatabaseNotifications;
  auth: AuthService;
  programs: ProgramService;
  hierarchy: HierarchyService;
  partners: PartnerService;
  campaigns: CampaignService;
  ledger: LedgerService;
  lifecycle: LifecycleService;
  payouts: PayoutService;
  rewarding: Rewarding;
  events: EventService;
  periods: PeriodCloseService;
  points: PointsService;
  perks: PerkService;
  simulation: SimulationService;
  simulationJobs: SimulationJobs;
  leaderboards: LeaderboardService;
  boardLinks: BoardLinks;
  surveys: SurveyService;
  analytics: AnalyticsService;
  webhooks: WebhookService;
  /** The boards this process's `leaderboardChanged` subscribers watch. */
  liveBoards: LiveBoards<BoardQuery, BoardViewer, ViewedBoard>;
  close(): Promise<void>;
}

/** `databaseUrl` is the server's role (rows only); `ownerUrl`, the tables' owner, runs migrations and grants. */
export async function createApp(config: CofactorConfig, databaseUrl: string, ownerUrl = databaseUrl): Promise<App> {
  const registry = await loadSchemeRegistry(config.plugins, config.rootDir);
  const statements = new StatementCounter();
  await prepareDatabase(ownerUrl, databaseUrl);
  const orm = await openOrm(databaseUrl, statements);
  const sql = new Sql(databaseUrl, statements);
  const pubSub = createCofactorPubSub();
  const hierarchy = new HierarchyService(sql);
  const ledger = new LedgerService(sql);
  const notifications = new DatabaseNotifications(databaseUrl, (error) => console.error(`cofactor: live notifications: ${error.message}`));
  // Every process, this one included, publishes rewards from the database's notices at commit
  // (graphql/pubsub.ts): publishing here as well would deliver this process's rewards twice.
  const publish = () => {};
  fanOutRewards(notifications, pubSub, sql, ledger, (error) => console.error(`cofactor: publishing rewards failed: ${error.message}`));
  const leaderboards = new LeaderboardService(sql);
  const liveBoards = new LiveBoards(leaderboardReader(leaderboards), config.boardPushMs, (error) => console.error(`cofactor: pushing a live board failed: ${error.message}`));
  liveBoards.listen(notifications);
  const storage = new PostgresRewardingStorage(sql, ledger);
  const rewarding = new Rewarding(storage, registry, publish, config);
  const auth = new AuthService(orm, sql, config);
  const campaigns = new CampaignService(orm, registry);
  const simulation = new SimulationService(sql, campaigns, registry, config);
  const simulationJobs = new SimulationJobs(sql, simulation, config);
  return {
    config,
    orm,
    sql,
    statements,
    registry,
    pubSub,
    notifications,
    auth,
    programs: new ProgramService(orm, auth),
    hierarchy,
    partners: new PartnerService(sql, hierarchy, rewarding, storage),
    campaigns,
    ledger,
    lifecycle: new LifecycleService(sql, ledger),
    payouts: new PayoutService(sql),
    rewarding,
    events: new EventService(rewarding),
    periods: new PeriodCloseService(orm, rewarding),
    points: new PointsService(sql, registry, rewarding),
    perks: new PerkService(sql, ledger),
    simulation,
    simulationJobs,
    leaderboards,
    boardLinks: new BoardLinks(sql),
    surveys: new SurveyService(sql, config),
    analytics: new AnalyticsService(sql, leaderboards),
    webhooks: new WebhookService(sql, config.webhooks),
    liveBoards,
    async close() {
      await notifications.close();
      liveBoards.close();
      await simulationJobs.close();
      await sql.close();
      await orm.close();
    },
  };
}
