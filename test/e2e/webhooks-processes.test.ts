/**
 * Webhooks across real `cofactor start` processes on one PostgreSQL: deliveries pending while
 * the receiver is down survive a SIGKILL of the server that recorded them, and two processes
 * started afterwards deliver every one of them, each accepted once (an attempt is claimed by one
 * process), in order per partner.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../server/src/index.js';
import { ROOT_DIR, freePort } from '../support/harness.js';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');

interface Node {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<unknown>;
}

const dirs: string[] = [];
const nodes: Node[] = [];
let database: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let owner: pg.Client;
let receiver: WebhookReceiver;
let adminKey: string;

async function startNode(seedDemo: boolean): Promise<Node> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-node-'));
  dirs.push(dataDir);
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATABASE_URL: database.appUrl,
    DATABASE_OWNER_URL: database.url,
    COFACTOR_DATA_DIR: dataDir,
    COFACTOR_SEED_DEMO: String(seedDemo),
    COFACTOR_APPROVE_EVERY: '0',
    COFACTOR_WEBHOOK_ALLOW_PRIVATE: 'true',
    COFACTOR_WEBHOOK_RETRY_FIRST_MS: '100',
    COFACTOR_WEBHOOK_RETRY_MAX_MS: '400',
    COFACTOR_WEBHOOK_TIMEOUT_MS: '2000',
  };
  const child = spawn(process.execPath, [CLI, 'start'], { env, cwd: ROOT_DIR });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (const started = Date.now(); !output.includes('Press Ctrl-C to stop.'); ) {
    if (child.exitCode !== null) throw new Error(`cofactor start exited early:\n${output}`);
    if (Date.now() - started > 90_000) throw new Error(`cofactor start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const node = { child, url: /GraphQL \(HTTP\)\s+(\S+)/.exec(output)![1], output: () => output, exited };
  nodes.push(node);
  return node;
}

async function ok<T = Record<string, any>>(node: Node, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data: T; errors?: unknown[] };
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

async function until(done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); !(await done()); ) {
    if (Date.now() - started > timeoutMs) throw new Error('what was awaited never came');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const count = async (sql: string) => Number((await owner.query<{ n: string }>(sql)).rows[0].n);

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-shared-pg-'));
  dirs.push(dataDir);
  database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  owner = new pg.Client({ connectionString: database.url });
  await owner.connect();
}, 60_000);

afterAll(async () => {
  for (const node of nodes) {
    if (node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  }
  await receiver?.close();
  await owner?.end();
  await database?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('loses nothing when the server is killed with deliveries pending, and two servers then deliver each once, in order per partner', async () => {
  const port = await freePort(); // nothing listens there yet: every attempt is refused
  const first = await startNode(true);
  adminKey = /Demo admin API key\s+(cfk_\S+)/.exec(first.output())![1];
  await ok(first, `mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, {
    input: { url: `http://127.0.0.1:${port}/hooks`, events: ['reward.created'] },
  });
  const sellers = ['OLEG', 'MARIA', 'SC-1'];
  for (let batch = 0; batch < 4; batch++) {
    const events = Array.from({ length: 6 }, (_, i) => ({
      externalId: `K-${batch}-${i}`, type: 'SALE', referralCode: sellers[i % 3], amount: 10_000 * (i + 1), currency: 'RUB',
    }));
    await ok(first, 'mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }', { events });
  }
  const expected = await owner.query<{ id: string; partner: string }>(
    `select r.id::text, r.partner_id::text as partner from reward r join event e on e.id = r.event_id where e.external_id like 'K-%' order by r.id`,
  );
  expect(expected.rows.length).toBeGreaterThan(24);
  expect(await count(`select count(*) as n from webhook_delivery`)).toBe(expected.rows.length);
  await until(async () => (await count(`select count(*) as n from webhook_attempt where error like 'ECONNREFUSED%'`)) >= 3);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(await count(`select count(*) as n from webhook_delivery where status = 'DELIVERED'`)).toBe(0);

  receiver = await WebhookReceiver.start(port);
  const accepted: ReceivedWebhook[] = [];
  receiver.answer = (_request, response) => {
    accepted.push(receiver.received.at(-1)!);
    response.end('ok');
  };
  await Promise.all([startNode(false), startNode(false)]);
  await until(async () => (await count(`select count(*) as n from webhook_delivery where status <> 'DELIVERED'`)) === 0);

  // Every reward of the sales reached the receiver, none twice: each attempt was claimed by one process.
  expect(accepted.map((item) => item.message.data.id).sort()).toEqual(expected.rows.map((row) => row.id).sort());
  expect(new Set(accepted.map((item) => item.id)).size).toBe(accepted.length);
  for (const partner of new Set(expected.rows.map((row) => row.partner))) {
    const order = accepted.filter((item) => item.message.data.partnerId === partner).map((item) => Number(item.message.data.id));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
}, 240_000);
