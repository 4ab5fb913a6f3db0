/**
 * Webhooks across real `cofactor start` processes on one PostgreSQL: deliveries pending while
 * the receiver is down survive a SIGKILL of the server that recorded them, and two processes
 * started afterwards deliver every one of them, each accepted once (an attempt is claimed by one
 * process), in order per partner.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../server/src/index.js';
import { okFrom, startCliNode, type CliNode } from '../support/cli-node.js';
import { freePort } from '../support/harness.js';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';

const dirs: string[] = [];
const nodes: CliNode[] = [];
let database: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let owner: pg.Client;
let receiver: WebhookReceiver;
let adminKey: string;

/** A server node that retries fast and may deliver to the receiver on loopback. */
async function startNode(seedDemo: boolean): Promise<CliNode> {
  const node = await startCliNode(database, {
    COFACTOR_SEED_DEMO: String(seedDemo),
    COFACTOR_WEBHOOK_ALLOW_PRIVATE: 'true',
    COFACTOR_WEBHOOK_RETRY_FIRST_MS: '100',
    COFACTOR_WEBHOOK_RETRY_MAX_MS: '400',
    COFACTOR_WEBHOOK_TIMEOUT_MS: '2000',
  });
  dirs.push(node.dataDir);
  nodes.push(node);
  return node;
}

function ok<T = Record<string, any>>(node: CliNode, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return okFrom<T>(node, adminKey, query, variables);
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
