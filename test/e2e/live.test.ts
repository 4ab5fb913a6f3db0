/**
 * What keeps subscriptions live on a real server and PostgreSQL: the process's listening
 * connection comes back after PostgreSQL drops it, and the scheduled approval steps aside
 * while another process runs one.
 *
 * The tree: Anna (root) → Boris. The campaign: percentage-of-sales 5 %, multi-level 3 % to
 * the sponsor, no hold days (so rewards are due for approval at once). Amounts in kopecks.
 */
import pg from 'pg';
import { approveIfAlone, APPROVAL_LOCK } from '../../server/src/ledger/approval-job.js';
import { collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';

const RECORD = 'mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { rewardsCreated } }';
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
  server = await startTestServer();
  const create = 'mutation Create($input: CreatePartnerInput!) { createPartner(input: $input) { id } }';
  ids.Anna = (await server.ok(create, { input: { name: 'Anna', kind: 'AMBASSADOR', referralCode: 'ANNA' } })).createPartner.id;
  ids.Boris = (await server.ok(create, { input: { name: 'Boris', kind: 'COFACTOR', referralCode: 'BORIS', sponsorReferralCode: 'ANNA' } })).createPartner.id;
  const schemes = [
    { code: 'percentage-of-sales', args: { percent: '5' } },
    { code: 'multi-level', args: { levels: ['3'] } },
  ];
  const campaign = await server.ok(`mutation Create($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name: 'Live', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 0, schemes },
  });
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { status } }`);
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
    await new Promise((resolve) => setTimeout(resolve, 500));
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
    await new Promise((resolve) => setTimeout(resolve, 500));
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
    await new Promise((resolve) => setTimeout(resolve, 500));
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
