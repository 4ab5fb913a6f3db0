/**
 * The server's database role can read and write rows and nothing more. Every test server runs
 * as it (test/support/harness.ts); here a client logs in as that same role and tries what an
 * attacker holding the server's credentials would: edit, delete or truncate the ledger, switch
 * its append-only trigger off, change the schema. Each attempt is refused by PostgreSQL with
 * 42501 (insufficient_privilege), and the ledger is unchanged afterwards.
 *
 * Also: the embedded PostgreSQL's passwords are random, kept in a file only its user can read,
 * and a data directory created with the old fixed password `cofactor` is moved off it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readConfig, startCofactor, startEmbeddedPostgres } from '../../server/src/index.js';
import { prepareDatabase } from '../../server/src/db/orm.js';
import { migrations } from '../../server/src/migrations/index.js';
import { ROOT_DIR, freePort, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let app: pg.Client;
let rewardId: string;

/** Runs `text` as the server's role and returns the SQLSTATE it failed with, or 'ok'. */
async function asServer(text: string, params: unknown[] = []): Promise<string> {
  try {
    await app.query(text, params);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a refused statement rejects its query; nothing else is expected
  await client.connect();
  return client;
}

beforeAll(async () => {
  server = await startTestServer();
  const { createPartner } = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Nina", kind: "RESELLER" }) { id } }`);
  const { createCampaign } = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name: 'Ten', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 14, schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }] },
  });
  await server.ok(`mutation { activateCampaign(id: "${createCampaign.id}") { id } }`);
  await server.ok(`mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }`, {
    events: [{ externalId: 'S-1', type: 'SALE', partnerId: createPartner.id, amount: 100_000, currency: 'RUB' }],
  });
  [{ id: rewardId }] = await server.sql<{ id: string }>('select id::text from reward');
  app = await connect(server.appDatabaseUrl);
});

afterAll(async () => {
  await app?.end();
  await server?.stop();
});

it('runs the server as a role that is no superuser and cannot create roles or databases', async () => {
  const [role] = (await app.query('select rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls from pg_roles where rolname = current_user')).rows;
  expect(role).toEqual({ rolname: 'cofactor_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
  // The test's own sql() is the owner, which may do all of the below.
  expect(await server.sql('select current_user as name')).toEqual([{ name: 'cofactor' }]);
});

it('refuses to edit, delete or truncate the ledger and its history, or to switch its trigger off', async () => {
  const refused = {
    update: await asServer('update reward set amount = amount * 100 where id = $1', [rewardId]),
    updateKey: await asServer("update reward set idempotency_key = 'forged' where id = $1", [rewardId]),
    delete: await asServer('delete from reward where id = $1', [rewardId]),
    truncate: await asServer('truncate reward'),
    disableTrigger: await asServer('alter table reward disable trigger reward_append_only'),
    disableAllTriggers: await asServer('alter table reward disable trigger all'),
    replicaMode: await asServer('set session_replication_role = replica'),
    dropTrigger: await asServer('drop trigger reward_append_only on reward'),
    historyUpdate: await asServer("update reward_status_change set reason = 'forged'"),
    historyDelete: await asServer('delete from reward_status_change'),
    payoutItems: await asServer('delete from payout_item'),
    perkLog: await asServer('delete from perk_fulfilment'),
    eventDelete: await asServer('delete from event'),
  };
  // 42501: insufficient_privilege, for every one of them.
  expect(refused).toEqual(Object.fromEntries(Object.keys(refused).map((key) => [key, '42501'])));
  // 10 % of 1 000,00 ₽ = 10 000 kopecks, PENDING, as written.
  expect(await server.sql('select amount::int, status from reward')).toEqual([{ amount: 10_000, status: 'PENDING' }]);
});

it('may move a reward along its lifecycle, and the trigger still refuses any other move', async () => {
  // The privilege covers the status column only; which moves are allowed is the trigger's to say.
  expect(await asServer("update reward set status = 'PAID' where id = $1", [rewardId])).toBe('P0001');
  expect(await server.sql('select status from reward')).toEqual([{ status: 'PENDING' }]);
});

it('refuses any change of the schema', async () => {
  const refused = {
    createTable: await asServer('create table stolen (secret text)'),
    createTempTable: await asServer('create temp table scratch (n int)'),
    createSchema: await asServer('create schema mine'),
    createFunction: await asServer("create function public.noop() returns int language sql as 'select 1'"),
    alterTable: await asServer('alter table partner add column note text'),
    dropTable: await asServer('drop table partner'),
    dropFunction: await asServer('drop function reward_is_append_only()'),
    createIndex: await asServer('create index on partner (name)'),
    createRole: await asServer('create role helper login'),
    createDatabase: await asServer('create database copy'),
  };
  expect(refused).toEqual(Object.fromEntries(Object.keys(refused).map((key) => [key, '42501'])));
});

it('lets no other role read the partner-token secrets', async () => {
  // Only the owner and the server's role may read program rows; PUBLIC has no grant at all.
  await server.sql("create role reporting login password 'reporting'");
  const url = new URL(server.databaseUrl);
  url.username = 'reporting';
  url.password = 'reporting';
  const reporting = await connect(url.toString());
  try {
    await expect(reporting.query('select token_secret from program')).rejects.toMatchObject({ code: '42501' });
  } finally {
    await reporting.end();
    await server.sql('drop role reporting');
  }
});

it('grants the server role row access to tables a later migration adds, when the owner migrates again (several nodes at once)', async () => {
  await server.sql('create table later_feature (id bigserial primary key, note text)');
  expect(await asServer("insert into later_feature (note) values ('x')")).toBe('42501');
  // Three nodes starting at once grant one after the other, none failing.
  await Promise.all([1, 2, 3].map(() => prepareDatabase(server.databaseUrl, server.appDatabaseUrl)));
  expect(await asServer("insert into later_feature (note) values ('x')")).toBe('ok');
  expect(await asServer('truncate later_feature')).toBe('42501');
  expect(await asServer('drop table later_feature')).toBe('42501');
  await server.sql('drop table later_feature');
});

describe('the embedded PostgreSQL', () => {
  const dirs: string[] = [];
  const folder = () => {
    dirs.push(mkdtempSync(join(tmpdir(), 'cofactor-role-')));
    return dirs[dirs.length - 1];
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  async function loginCode(port: number, user: string, password: string): Promise<string> {
    try {
      (await connect(`postgresql://${user}:${password}@127.0.0.1:${port}/postgres`)).end();
      return 'ok';
    } catch (error) {
      return (error as { code: string }).code;
    }
  }

  it('generates random passwords at first start, in a file only its user can read', async () => {
    const dataDir = folder();
    const port = await freePort();
    const database = await startEmbeddedPostgres({ dataDir, port, persistent: false });
    try {
      const file = join(dataDir, 'credentials.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const credentials = JSON.parse(readFileSync(file, 'utf8')) as { owner: string; app: string };
      expect(credentials.owner).toMatch(/^[0-9a-f]{48}$/);
      expect(credentials.app).toMatch(/^[0-9a-f]{48}$/);
      expect(credentials.app).not.toBe(credentials.owner);
      expect(await loginCode(port, 'cofactor', 'cofactor')).toBe('28P01'); // invalid_password
      expect(await loginCode(port, 'cofactor_app', credentials.app)).toBe('ok');
    } finally {
      await database.stop();
    }
  });

  it('migrates a new database once when several server nodes start on it together', async () => {
    const database = await startEmbeddedPostgres({ dataDir: folder(), port: await freePort(), persistent: false });
    try {
      const applied = await Promise.all([1, 2, 3].map(() => prepareDatabase(database.url, database.appUrl)));
      // One node applies every migration; the others wait for it and find none pending.
      expect(applied.map((names) => names.length).sort()).toEqual([0, 0, migrations.length]);
    } finally {
      await database.stop();
    }
  });

  it('moves a data directory created with the old fixed password to a generated one', async () => {
    const dataDir = folder();
    const port = await freePort();
    // What earlier versions left: the bootstrap superuser `cofactor` with password `cofactor`, and no credentials file.
    const old = await startEmbeddedPostgres({ dataDir, port });
    const owner = await connect(old.url);
    await owner.query("alter role cofactor password 'cofactor'");
    await owner.end();
    await old.stop();
    rmSync(join(dataDir, 'credentials.json'));
    expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    const database = await startEmbeddedPostgres({ dataDir, port, persistent: false });
    try {
      const credentials = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { owner: string };
      expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
      expect(await loginCode(port, 'cofactor', 'cofactor')).toBe('28P01');
      expect(await loginCode(port, 'cofactor', credentials.owner)).toBe('ok');
    } finally {
      await database.stop();
    }
  });

  it('warns once at start when DATABASE_URL is a superuser or owns the tables', async () => {
    const dataDir = folder();
    const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
    try {
      const config = { rootDir: ROOT_DIR, host: '127.0.0.1', port: 0, dataDir, seedDemo: false, approveEverySeconds: 0 };
      const asOwner = await startCofactor(readConfig({}, { ...config, databaseUrl: database.url }));
      expect(asOwner.warnings).toEqual([expect.stringContaining('DATABASE_URL logs in as the superuser "cofactor"')]);
      await asOwner.stop();
      const asApp = await startCofactor(readConfig({}, { ...config, databaseUrl: database.appUrl, databaseOwnerUrl: database.url }));
      expect(asApp.warnings).toEqual([]);
      await asApp.stop();
      // A database owned by an ordinary role, given as DATABASE_URL alone: that role migrates, owns the tables, and is warned about.
      const owner = await connect(database.url);
      await owner.query("create role shop login password 'shop'");
      await owner.query('create database shop owner shop');
      await owner.end();
      const asTableOwner = await startCofactor(readConfig({}, { ...config, databaseUrl: database.url.replace(/\/\/[^@]*@(.*)\/postgres$/, '//shop:shop@$1/shop') }));
      expect(asTableOwner.warnings).toEqual([expect.stringContaining('DATABASE_URL logs in as "shop", the owner of the tables, which can edit the ledger past its guards')]);
      await asTableOwner.stop();
    } finally {
      await database.stop();
    }
  });
});
