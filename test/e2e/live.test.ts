/**
 * What keeps subscriptions live on a real server and PostgreSQL: live boards pushed once per
 * window and only to those whose view changed, the process's listening connection coming back
 * after PostgreSQL drops it, and the scheduled approval stepping aside while another process
 * runs one.
 *
 * The tree: Anna (root) → Boris. The campaign: percentage-of-sales 5 %, multi-level 3 % to
 * the sponsor, no hold days (so rewards are due for approval at once). Amounts in kopecks.
 */
import pg from 'pg';
import { approveIfAlone, APPROVAL_LOCK } from '../../server/src/ledger/approval-job.js';
import { annaRecruitsBoris, collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';

const RECORD = 'mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { rewardsCreated } }';
/** A board is pushed at most once this long, changes gathered half of it: wide enough for a burst on a loaded machine. */
const PUSH_MS = 2000;
let server: TestServer;
const ids: Record<string, string> = {};

/** A sale of 1 000,00 ₽ by Boris: 5 % = 5 000 to Boris, 3 % = 3 000 to Anna. */
function borisSells(externalId: string) {
  return server.ok(RECORD, { events: [{ externalId, type: 'SALE', referralCode: 'BORIS', amount: 100_000, currency: 'RUB' }] });
}

async function statuses(): Promise<string[]> {
  const rows = await server.sql<{ status: string }>('select status from reward order by id');
  return rows.map((row) => row.status);
}

beforeAll(async () => {
  server = await startTestServer({ boardPushMs: PUSH_MS });
  Object.assign(ids, await annaRecruitsBoris(server, 'Live'));
});

afterAll(async () => {
  await server?.stop();
});

it('delivers rewards again after PostgreSQL drops the listening connection', async () => {
  const listening = "select pid from pg_stat_activity where query like 'listen %'";
  const [before] = await server.sql<{ pid: number }>(listening);
  await server.sql('select pg_terminate_backend($1)', [before.pid]);
  // The process connects again on its own, and the server answers meanwhile.
  for (let waited = 0; ; waited += 50) {
    const now = await server.sql<{ pid: number }>(listening);
    if (now.length === 1 && now[0].pid !== before.pid) break;
    if (waited > 15_000) throw new Error('the listening connection did not come back');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const client = wsClient(server.wsUrl, server.adminKey);
  try {
    const stream = collect<{ rewardCreated: { amount: number } }>(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount } }', { p: ids.Anna });
    await server.rewardListeners(ids.Anna);
    await borisSells('LIVE-1');
    const [reward] = await stream.waitFor(1);
    expect(reward.rewardCreated.amount).toBe(3_000);
  } finally {
    await client.dispose();
  }
});

it('publishes, once its listening connection is back, rewards committed while it was down', async () => {
  const client = wsClient(server.wsUrl, server.adminKey);
  try {
    const stream = collect<{ rewardCreated: { amount: number } }>(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount } }', { p: ids.Anna });
    await server.rewardListeners(ids.Anna);
    const [{ pid }] = await server.sql<{ pid: number }>("select pid from pg_stat_activity where query like 'listen %'");
    // One statement ends the listening connection (waiting until it is gone) and appends a copy
    // of Anna's reward of 7 kopecks: it commits while nobody on the server listens.
    await server.sql(
      `with gone as (select pg_terminate_backend($2, 5000))
       insert into reward select (json_populate_record(r, json_build_object('id', nextval(pg_get_serial_sequence('reward', 'id')),
         'idempotency_key', 'outage', 'amount', 7, 'status', 'PENDING'))).*
       from reward r, gone where r.id = (select min(id) from reward where partner_id = $1)`,
      [ids.Anna, pid],
    );
    const [reward] = await stream.waitFor(1);
    expect(reward.rewardCreated.amount).toBe(7);
  } finally {
    await client.dispose();
  }
});

it('skips a scheduled approval while another process holds the approval lock', async () => {
  await borisSells('LIVE-2');
  // LIVE-1's rewards (Boris 5 000, Anna 3 000), the 7 of the outage, LIVE-2's (5 000, 3 000): all due now.
  expect(await statuses()).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING']);
  const other = new pg.Client({ connectionString: server.databaseUrl });
  await other.connect();
  try {
    await other.query('select pg_advisory_lock(hashtext($1))', [APPROVAL_LOCK]);
    expect(await approveIfAlone(server.running.app.lifecycle, server.running.app.sql)).toBe(false);
    expect(await statuses()).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING']);
    await other.query('select pg_advisory_unlock(hashtext($1))', [APPROVAL_LOCK]);
  } finally {
    await other.end();
  }
  expect(await approveIfAlone(server.running.app.lifecycle, server.running.app.sql)).toBe(true);
  expect(await statuses()).toEqual(['APPROVED', 'APPROVED', 'APPROVED', 'APPROVED', 'APPROVED']);
});

it('publishes each reward once when two transactions drew interleaving ids', async () => {
  const [{ id: annas }] = await server.sql<{ id: string }>('select id from reward where partner_id = $1 order by id limit 1', [ids.Anna]);
  // Copies of Anna's first reward with other amounts, appended in one statement as the ledger
  // appends a batch; a row with a pause waits that long before drawing its id.
  const append = (client: pg.Client, rows: [amount: number, pauseSeconds: number][]) =>
    client.query(
      `insert into reward select (json_populate_record(r, json_build_object('id', nextval(pg_get_serial_sequence('reward', 'id')),
         'idempotency_key', 'copy:' || v.amount, 'amount', v.amount, 'status', 'PENDING'))).*
       from reward r, json_to_recordset($2::json) as v(amount bigint, pause float8)
       where r.id = $1 and pg_sleep(v.pause) is not null`,
      [annas, JSON.stringify(rows.map(([amount, pause]) => ({ amount, pause })))],
    );
  const [slow, quick] = [new pg.Client({ connectionString: server.databaseUrl }), new pg.Client({ connectionString: server.databaseUrl })];
  const client = wsClient(server.wsUrl, server.adminKey);
  try {
    await Promise.all([slow.connect(), quick.connect()]);
    const stream = collect<{ rewardCreated: { amount: number } }>(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount } }', { p: ids.Anna });
    await server.rewardListeners(ids.Anna);
    // The slow statement draws id n for 1, then pauses; the quick one draws n + 1 for 2 and
    // commits; the slow one draws n + 2 for 3. Its notice names n to n + 2, the quick one's too.
    const [{ pid }] = (await slow.query<{ pid: number }>('select pg_backend_pid() as pid')).rows;
    const slowDone = append(slow, [
      [1, 0],
      [3, 1],
    ]);
    for (let waited = 0; ; waited += 20) {
      const { rows } = await quick.query(`select 1 from pg_stat_activity where pid = $1 and wait_event = 'PgSleep'`, [pid]);
      if (rows.length) break;
      if (waited > 15_000) throw new Error('the slow statement never paused');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await append(quick, [[2, 0]]);
    await slowDone;
    // A last sale, 3 000 to Anna: once it arrived, anything sent twice before it has arrived too.
    await borisSells('LIVE-3');
    await stream.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.received.map((payload) => payload.rewardCreated.amount)).toEqual([2, 1, 3, 3_000]);
    const [{ ids: drawn }] = await server.sql<{ ids: string[] }>(`select array_agg(amount::text order by id) as ids from reward where idempotency_key like 'copy:%'`);
    expect(drawn).toEqual(['1', '2', '3']);
  } finally {
    await client.dispose();
    await Promise.all([slow.end(), quick.end()]);
  }
});

describe('leaderboardChanged', () => {
  const WATCH = `subscription($input: LeaderboardInput!, $top: Int) {
    leaderboardChanged(input: $input, top: $top) { ranked edges { node { rank value partner { name } } } me { rank value } }
  }`;
  type Entry = { rank: number; value: number; partner: { name: string | null } };
  type Pushed = { leaderboardChanged: { ranked: number; edges: { node: Entry }[]; me: { rank: number; value: number } | null } };
  const north = { metric: 'NET_SALES', period: 'ALL', regionCode: 'NORTH' };
  const south = { metric: 'NET_SALES', period: 'ALL', regionCode: 'SOUTH' };
  const places = (pushed: Pushed) => pushed.leaderboardChanged.edges.map(({ node }) => [node.partner.name, node.rank, node.value]);
  const sell = (externalId: string, partner: string, amount: number) =>
    server.ok(RECORD, { events: [{ externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB' }] });

  beforeAll(async () => {
    await server.ok('mutation { createRegion(input: { code: "NORTH", name: "North" }) { id } }');
    await server.ok('mutation { createRegion(input: { code: "SOUTH", name: "South" }) { id } }');
    const create = 'mutation Create($input: CreatePartnerInput!) { createPartner(input: $input) { id } }';
    for (const [name, regionCode] of [['Nina', 'NORTH'], ['Nikita', 'NORTH'], ['Sasha', 'SOUTH']]) {
      ids[name] = (await server.ok(create, { input: { name, kind: 'DEALER', regionCode } })).createPartner.id;
    }
  });

  it('gives subscribers of two regions the board at once, then only their own board\'s changes', async () => {
    const clients = [wsClient(server.wsUrl, server.adminKey), wsClient(server.wsUrl, server.adminKey)];
    try {
      const [northern, southern] = [collect<Pushed>(clients[0], WATCH, { input: north, top: 3 }), collect<Pushed>(clients[1], WATCH, { input: south, top: 3 })];
      const [firstNorth] = await northern.waitFor(1);
      const [firstSouth] = await southern.waitFor(1);
      expect([firstNorth.leaderboardChanged.ranked, firstSouth.leaderboardChanged.ranked]).toEqual([0, 0]);
      await sell('BOARD-N1', 'Nina', 100_000);
      expect(places((await northern.waitFor(2))[1])).toEqual([['Nina', 1, 100_000]]);
      await sell('BOARD-S1', 'Sasha', 40_000);
      expect(places((await southern.waitFor(2))[1])).toEqual([['Sasha', 1, 40_000]]);
      // Each board was read again after both sales; each pushed only its own change.
      await new Promise((resolve) => setTimeout(resolve, PUSH_MS + 500));
      expect([northern.received.length, southern.received.length]).toEqual([2, 2]);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  it('gathers a burst of 50 sales into one push, showing a partner its own entry', async () => {
    const token = (await server.ok(`mutation { issuePartnerToken(partnerId: "${ids.Nikita}") { token } }`)).issuePartnerToken.token;
    const client = wsClient(server.wsUrl, token);
    try {
      const stream = collect<Pushed>(client, WATCH, { input: north, top: 1 });
      const [first] = await stream.waitFor(1);
      // Nina leads with 100 000; Nikita has sold nothing, so has no entry yet.
      expect(places(first)).toEqual([[null, 1, 100_000]]);
      expect(first.leaderboardChanged.me).toBeNull();
      // 50 sales of 3 000 by Nikita, all at once: 150 000, first place; Nina, 100 000, second, out of the top 1.
      const started = Date.now();
      await Promise.all(Array.from({ length: 50 }, (_, sale) => sell(`BURST-${sale}`, 'Nikita', 3_000)));
      const burstMs = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 2 * PUSH_MS + 500));
      const pushed = stream.received.slice(1);
      expect(places(pushed.at(-1)!)).toEqual([['Nikita', 1, 150_000]]);
      expect(pushed.at(-1)!.leaderboardChanged.me).toEqual({ rank: 1, value: 150_000 });
      // The board is read half a window after the first sale's commit, and pushed at most once
      // a window: a burst shorter than half a window (the usual: a few hundred ms) is one push,
      // and a slow machine's longer burst one more per window it lasts.
      expect(pushed.length).toBeLessThanOrEqual(burstMs < PUSH_MS / 2 ? 1 : Math.ceil(burstMs / PUSH_MS) + 1);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a top over MAX_LIVE_TOP (100), naming the argument', async () => {
    const client = wsClient(server.wsUrl, server.adminKey);
    try {
      const refused = collect(client, WATCH, { input: north, top: 101 });
      await expect(refused.waitFor(1, 5_000)).rejects.toThrow(/must be from 1 to 100/);
      expect(refused.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    } finally {
      await client.dispose();
    }
  });
});
