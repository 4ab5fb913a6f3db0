import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from './app.js';
import { readConfig, type CofactorConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.js';
import { startHttpServer } from './http/server.js';
import { startApprovalJob } from './ledger/approval-job.js';
import { WebhookWorker } from './webhooks/webhook-worker.js';
import { ANALYTICS_CHANNEL, foldAnalyticsDeltas } from './analytics/rollups.js';
import { startFolding } from './db/folding.js';
import { foldBoardDeltas } from './leaderboards/board-totals.js';
import { BOARD_CHANNEL } from './leaderboards/live.js';
import { roleOf } from './db/roles.js';
import { seedDemo, type DemoSeed } from './programs/demo-seed.js';

export { createApp, type App } from './app.js';
export { readConfig, type CofactorConfig } from './config.js';
export { startEmbeddedPostgres } from './db/embedded.js';
export { createSchema } from './graphql/schema.js';

export interface RunningCofactor {
  app: App;
  url: string;
  wsUrl: string;
  webUrl: string;
  seed: DemoSeed | null;
  /** What the operator should fix, one line each (e.g. the server connects as a superuser). */
  warnings: string[];
  stop(): Promise<void>;
}

/** The web client as built (`pnpm build`), next to the server package in the workspace. */
export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/**
 * Starts everything `cofactor start` starts: PostgreSQL (embedded unless DATABASE_URL is
 * set), migrations, the demo seed on an empty database, and the HTTP/WebSocket server.
 * `stop()` closes them in reverse order.
 */
export async function startCofactor(config: CofactorConfig = readConfig()): Promise<RunningCofactor> {
  let database: EmbeddedDatabase | null = null;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => {});
  };
  try {
    if (!config.databaseUrl) {
      database = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, command: 'start' });
      stops.push(() => database!.stop());
    }
    const app = database
      ? await createApp(config, database.appUrl, database.url)
      : await createApp(config, config.databaseUrl!, config.databaseOwnerUrl ?? config.databaseUrl!);
    stops.push(() => app.close());
    // Runs left QUEUED or RUNNING by a process that was killed.
    await app.simulationJobs.recover();
    const warnings = config.databaseUrl ? await roleWarnings(config.databaseUrl) : [];
    const seed = config.seedDemo ? await seedDemo(app) : null;
    const boards = startFolding(app.notifications, BOARD_CHANNEL, (stopping) => foldBoardDeltas(app.sql, { stopping }), (error) =>
      console.error(`cofactor: folding board totals failed: ${error.message}`),
    );
    stops.push(() => boards.stop());
    const analytics = startFolding(app.notifications, ANALYTICS_CHANNEL, (stopping) => foldAnalyticsDeltas(app.sql, { stopping }), (error) =>
      console.error(`cofactor: folding analytics rollups failed: ${error.message}`),
    );
    stops.push(() => analytics.stop());
    const webhooks = new WebhookWorker(
      app.sql,
      config.webhooks,
      (error) => console.error(`cofactor: delivering webhooks failed: ${error.message}`),
      () => app.webhooks.prune(config.webhooks.keepDays),
    );
    webhooks.start(app.notifications);
    stops.push(() => webhooks.stop());
    await app.notifications.start();
    const http = await startHttpServer(app, WEB_DIR);
    stops.push(() => http.stop());
    const approvals = startApprovalJob(app.lifecycle, app.sql, config.approveEverySeconds, (error) => console.error(`cofactor: approving due rewards failed: ${error.message}`));
    stops.push(() => approvals.stop());
    return { app, url: http.url, wsUrl: http.wsUrl, webUrl: http.url.replace(/\/graphql$/, '/'), seed, warnings, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A superuser or the tables' owner can switch the ledger's guards off: say so once, at start. */
async function roleWarnings(databaseUrl: string): Promise<string[]> {
  const role = await roleOf(databaseUrl);
  if (!role.superuser && !role.owner) return [];
  const who = role.superuser ? `the superuser "${role.name}",` : `"${role.name}", the owner of the tables,`;
  return [`DATABASE_URL logs in as ${who} which can edit the ledger past its guards; give the server a role that can only read and write rows, and the owner's URL as DATABASE_OWNER_URL`];
}
