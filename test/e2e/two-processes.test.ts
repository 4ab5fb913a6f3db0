/**
 * Two real `cofactor start` processes on one PostgreSQL, as an operator runs several server
 * nodes behind a load balancer: a subscriber connected to either hears what a request to the
 * other caused, the process that wrote a reward delivers it once, and killing one process
 * loses nothing for the other's subscribers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { okFrom, startCliNode, type CliNode } from '../support/cli-node.js';
import { collect, freePort, wsClient } from '../support/harness.js';
import { startEmbeddedPostgres } from '../../server/src/index.js';

const RECORD = 'mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { rewardsCreated } }';
const REWARDS = 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount partner { referralCode } } }';
type RewardPayload = { rewardCreated: { amount: number; partner: { referralCode: string } } };
const BOARD = `subscription($input: LeaderboardInput!) {
  leaderboardChanged(input: $input, top: 5) { edges { node { rank value partner { name } } } }
}`;
type BoardPayload = { leaderboardChanged: { edges: { node: { rank: number; value: number; partner: { name: string } } }[] } };

type Node = CliNode;

const dirs: string[] = [];
const clients: Client[] = [];
let database: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let first: Node;
let second: Node;
let adminKey: string;
const partnerIds: Record<string, string> = {};

/** `cofactor start` on the shared database, waiting for its banner. */
async function startNode(seedDemo: boolean): Promise<Node> {
  const node = await startCliNode(database, { COFACTOR_SEED_DEMO: String(seedDemo) });
  dirs.push(node.dataDir);
  return node;
}

function ok<T = Record<string, any>>(node: Node, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return okFrom<T>(node, adminKey, query, variables);
}

function subscribe(node: Node, referralCode: string) {
  const client = wsClient(node.wsUrl, adminKey);
  clients.push(client);
  return collect<RewardPayload>(client, REWARDS, { p: partnerIds[referralCode] });
}

/** A sale of 1 000,00 ₽ by Maria: 5 % = 5 000 to Maria, and 3 % = 3 000 to Ivan, her sponsor (the demo campaign). */
function mariaSells(node: Node, externalId: string) {
  return ok(node, RECORD, { events: [{ externalId, type: 'SALE', referralCode: 'MARIA', amount: 100_000, currency: 'RUB' }] });
}

async function waitUntil(done: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const started = Date.now(); !done(); ) {
    if (Date.now() - started > timeoutMs) throw new Error('what was awaited never came');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Subscriptions travel over their own socket: give them time to reach the server before the sale. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-shared-pg-'));
  dirs.push(dataDir);
  database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  first = await startNode(true);
  second = await startNode(false);
  adminKey = /Demo admin API key\s+(cfk_\S+)/.exec(first.output())![1];
  const { partners } = await ok<{ partners: { edges: { node: { id: string; referralCode: string } }[] } }>(first, '{ partners { edges { node { id referralCode } } } }');
  for (const { node } of partners.edges) partnerIds[node.referralCode] = node.id;
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  for (const node of [first, second]) {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  }
  await database?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('delivers a reward recorded on one process to a subscriber of the other, and once to a subscriber of the one that wrote it', async () => {
  const onSecond = subscribe(second, 'IVAN');
  const onFirst = subscribe(first, 'IVAN');
  const boardClient = wsClient(second.wsUrl, adminKey);
  clients.push(boardClient);
  const board = collect<BoardPayload>(boardClient, BOARD, { input: { metric: 'NET_SALES', period: 'ALL' } });
  expect((await board.waitFor(1, 15_000))[0].leaderboardChanged.edges).toEqual([]);
  await settle();
  await mariaSells(first, 'TWO-1');
  // Arrival is what is asserted; the generous wait is for a loaded machine, not a latency figure.
  const [fromOther] = await onSecond.waitFor(1, 15_000);
  expect(fromOther.rewardCreated).toEqual({ amount: 3_000, partner: { referralCode: 'IVAN' } });
  await onFirst.waitFor(1, 15_000);

  // A second sale: whatever the first one delivered has arrived before the second's reward does.
  await mariaSells(first, 'TWO-2');
  await onFirst.waitFor(2, 15_000);
  await onSecond.waitFor(2, 15_000);
  expect(onFirst.received.map((payload) => payload.rewardCreated.amount)).toEqual([3_000, 3_000]);
  expect(onSecond.received.map((payload) => payload.rewardCreated.amount)).toEqual([3_000, 3_000]);
  // The board on the second process follows both sales on the first: Maria, 2 × 100 000.
  // The two may arrive as one push or two, depending on the window they fell in.
  await waitUntil(() => board.received.at(-1)?.leaderboardChanged.edges[0]?.node.value === 200_000);
  expect(board.received.at(-1)!.leaderboardChanged.edges).toEqual([{ node: { rank: 1, value: 200_000, partner: { name: 'Maria Sokolova' } } }]);
  expect(board.errors).toEqual([]);
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

it('keeps serving the subscribers of one process when the other is killed', async () => {
  const onSecond = subscribe(second, 'MARIA');
  const boardClient = wsClient(second.wsUrl, adminKey);
  clients.push(boardClient);
  const board = collect<BoardPayload>(boardClient, BOARD, { input: { metric: 'NET_SALES', period: 'ALL' } });
  await board.waitFor(1, 15_000);
  await settle();
  first.child.kill('SIGKILL');
  await first.exited;
  await mariaSells(second, 'TWO-3');
  const [reward] = await onSecond.waitFor(1, 15_000);
  expect(reward.rewardCreated).toEqual({ amount: 5_000, partner: { referralCode: 'MARIA' } });
  expect(onSecond.errors).toEqual([]);
  // Maria's third sale of 100 000: 300 000 on the board.
  await waitUntil(() => board.received.at(-1)?.leaderboardChanged.edges[0]?.node.value === 300_000);
  expect(board.errors).toEqual([]);
});
