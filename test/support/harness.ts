import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { readConfig, startEmbeddedPostgres, type CofactorConfig } from '../../server/src/index.js';
import { startCofactor, type RunningCofactor } from '../../server/src/index.js';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { ANALYTICS_TABLES, ANALYTICS_VALUES } from '../../server/src/analytics/rollups.js';
import { BOARD_VALUES } from '../../server/src/leaderboards/board-totals.js';
import { Program } from '../../server/src/programs/program.entity.js';

export const ROOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
}

export interface TestServer {
  running: RunningCofactor;
  url: string;
  wsUrl: string;
  programId: string;
  adminKey: string;
  /** The tables' owner: what `sql()` uses, and what a test uses to inspect or break things on purpose. */
  databaseUrl: string;
  /** The role the server runs as: it may read and write rows, nothing more. */
  appDatabaseUrl: string;
  /** POSTs one GraphQL operation over real HTTP. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any error and returns `data`. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  /** A plain SQL query against the test database, for checks a user could make with psql. */
  sql<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]>;
  /**
   * Resolves once `count` reward subscriptions to the partner listen on this server (program:
   * the test program unless given): a reward committed after that reaches them.
   */
  rewardListeners(partnerId: string, count?: number, programId?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A fresh PostgreSQL for one test file: a new database on DATABASE_URL when it is set,
 * otherwise an embedded PostgreSQL 18 in a temporary folder, deleted afterwards. `url` is its
 * owner; `appUrl` a role that may only read and write rows, as the server runs in production.
 */
async function freshDatabase(): Promise<{ url: string; appUrl: string; drop(): Promise<void> }> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const name = `cofactor_test_${process.pid}_${Date.now()}`;
    const password = randomBytes(16).toString('hex');
    const admin = new pg.Client({ connectionString: external });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.query(`create role ${name}_app login password '${password}'`);
    await admin.end();
    const url = new URL(external);
    url.pathname = `/${name}`;
    const appUrl = new URL(url);
    appUrl.username = `${name}_app`;
    appUrl.password = password;
    return {
      url: url.toString(),
      appUrl: appUrl.toString(),
      async drop() {
        const client = new pg.Client({ connectionString: external });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.query(`drop role if exists ${name}_app`);
        await client.end();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-test-'));
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  return {
    url: database.url,
    appUrl: database.appUrl,
    async drop() {
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * An `Sql` of one connection to a fresh database for the test file, opened before its tests and
 * closed after: what that one PostgreSQL session holds (prepared statements, settings) is what
 * every query of the test used. Call at the top level of a test file.
 */
export function sqlOfOneConnection(): () => Sql {
  let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let sql: Sql | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
    sql = new Sql(database.url, new StatementCounter(), 1);
  });
  afterAll(async () => {
    await sql?.close();
    await database?.drop();
  });
  return () => sql!;
}

/** Starts a real Cofactor server on a loopback port with an empty program and an admin key. */
export async function startTestServer(overrides: Partial<CofactorConfig> = {}): Promise<TestServer> {
  const database = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-data-'));
  let running: RunningCofactor;
  try {
    // No scheduled approvals: a test decides when rewards are approved.
    // The server runs as the row-only role, so a missing grant fails the tests; the owner migrates.
    const config = {
      rootDir: ROOT_DIR,
      host: '127.0.0.1',
      port: 0,
      databaseUrl: database.appUrl,
      databaseOwnerUrl: database.url,
      dataDir,
      seedDemo: false,
      approveEverySeconds: 0,
      ...overrides,
    };
    running = await startCofactor(readConfig({}, config));
  } catch (error) {
    await database.drop();
    throw error;
  }
  const { app } = running;
  const em = app.orm.em.fork();
  const program = em.create(Program, { name: 'Test brand', defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  const { key: adminKey } = await app.auth.createApiKey(program.id, 'test admin', ['admin']);
  const owner = new Sql(database.url, new StatementCounter(), 2);

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token: string | null = adminKey) => {
    const response = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };
  return {
    running,
    url: running.url,
    wsUrl: running.wsUrl,
    programId: program.id,
    adminKey,
    databaseUrl: database.url,
    appDatabaseUrl: database.appUrl,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>, token?: string | null) {
      const result = await gql<T>(query, variables, token);
      if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
      return result.data as T;
    },
    sql: (text, params) => owner.query(text, params),
    rewardListeners: (partnerId, count = 1, programId = program.id) => rewardListeners(running, programId, partnerId, count),
    async stop() {
      await owner.close();
      await running.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `count` reward subscriptions to the partner listen on this server process: a
 * reward committed after that reaches them. What a test waits for instead of a pause.
 */
export async function rewardListeners(running: RunningCofactor, programId: string, partnerId: string, count = 1): Promise<void> {
  const listening = () => running.app.pubSub.rewardListeners(programId, partnerId);
  for (const started = Date.now(); listening() < count; await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() - started > 10_000) throw new Error(`${listening()} of ${count} reward subscriptions to partner ${partnerId} listen after 10 s`);
  }
}

/** A real graphql-ws client over a real WebSocket. */
export function wsClient(url: string, token: string | null): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
  });
}

/** Subscribes and collects every payload until `stop()`. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const received: T[] = [];
  const errors: unknown[] = [];
  let notify: (() => void) | null = null;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) received.push(value.data as T);
        notify?.();
      },
      error: (error) => {
        errors.push(error);
        notify?.();
      },
      complete: () => {},
    },
  );
  return {
    received,
    errors,
    /** Resolves once `count` payloads arrived; rejects after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 10_000): Promise<T[]> {
      const started = Date.now();
      while (received.length < count && errors.length === 0) {
        if (Date.now() - started > timeoutMs) throw new Error(`expected ${count} payloads, got ${received.length} in ${timeoutMs} ms`);
        await new Promise<void>((resolveWait) => {
          notify = resolveWait;
          setTimeout(resolveWait, 50);
        });
      }
      if (errors.length) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
      return received;
    },
    dispose,
  };
}

const BOARD_TABLES = ['board_total', 'board_delta', 'board_size'];

/**
 * Waits until the server has folded every board delta into the totals (it does, a second after
 * each change): a test that counts the statements of a request, or changes totals by hand, first
 * lets that background write pass.
 */
export async function boardDeltasFolded(server: Pick<TestServer, 'sql'>): Promise<void> {
  while ((await server.sql<{ left: number }>(`select count(*)::int as left from board_delta`))[0].left > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Waits until the server has folded every analytics delta into the rollups (it does, a second after each change). */
export async function analyticsFolded(server: Pick<TestServer, 'sql'>): Promise<void> {
  while ((await server.sql<{ left: number }>(`select count(*)::int as left from analytics_delta`))[0].left > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}

/**
 * A fingerprint of every table (row count and a hash of the rows), to prove that a call wrote
 * nothing. A key's last use is left out: recording it is not the caller's doing.
 */
export async function tableFingerprints(server: Pick<TestServer, 'sql'>): Promise<Record<string, string>> {
  const tables = await server.sql<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const fingerprint: Record<string, string> = {};
  for (const { name } of tables) {
    // Boards are fingerprinted by the values they read: a fold moving deltas into totals, at any moment, changes no value.
    // Analytics rollups too: a fold moves deltas into them; the figures they read stay.
    if (BOARD_TABLES.includes(name) || ANALYTICS_TABLES.includes(name)) continue;
    const rows = name === 'api_key' ? `(select id, program_id, name, prefix, secret_hash, scopes, created_at, revoked_at from api_key)` : `"${name}"`;
    const [row] = await server.sql<{ digest: string }>(`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${rows} t`);
    fingerprint[name] = row.digest;
  }
  const [boards] = await server.sql<{ digest: string }>(`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from (${BOARD_VALUES}) t`, [null]);
  fingerprint.boards = boards.digest;
  const [analytics] = await server.sql<{ digest: string }>(`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from (${ANALYTICS_VALUES}) t`, [null]);
  fingerprint.analytics = analytics.digest;
  return fingerprint;
}

/**
 * The smallest program that pays two partners: Anna recruits Boris, and an ACTIVE campaign
 * (`name`) pays 5 % of each sale to the seller and 3 % to the seller's sponsor, with no hold
 * days. Returns their ids.
 */
export async function annaRecruitsBoris(server: TestServer, name: string): Promise<{ Anna: string; Boris: string }> {
  const create = 'mutation Create($input: CreatePartnerInput!) { createPartner(input: $input) { id } }';
  const Anna = (await server.ok(create, { input: { name: 'Anna', kind: 'AMBASSADOR', referralCode: 'ANNA' } })).createPartner.id;
  const Boris = (await server.ok(create, { input: { name: 'Boris', kind: 'COFACTOR', referralCode: 'BORIS', sponsorReferralCode: 'ANNA' } })).createPartner.id;
  const schemes = [
    { code: 'percentage-of-sales', args: { percent: '5' } },
    { code: 'multi-level', args: { levels: ['3'] } },
  ];
  const campaign = await server.ok(`mutation Create($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name, startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 0, schemes },
  });
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { status } }`);
  return { Anna, Boris };
}
