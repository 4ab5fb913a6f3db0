/**
 * Simulations as jobs over real HTTP against a real PostgreSQL: startSimulation, simulation(id),
 * simulations, cancelSimulation and deleteSimulation; the result a job keeps, its progress, the
 * bounds (one run at a time per process, runs kept per program), runs left by a killed process
 * and by a stopped server, and who may see them.
 *
 * Program "Test brand": Anna (an AMBASSADOR) sponsors Boris (a RESELLER); campaign "Sales" pays
 * 5 % of each sale since 2026-01-01, as in simulation.test.ts. Program "Long brand" holds
 * LONG_BATCHES recorded batches of 1,000 sales each: enough that replaying them takes many
 * seconds, so a run is surely still going when a test cancels, deletes or stops it. Amounts are kopecks.
 */
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { startTestServer, tableFingerprints, type TestServer } from '../support/harness.js';
import { sale, seedNovemberSales } from '../support/november-sales.js';

const LONG_BATCHES = 250;
const NOVEMBER = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
const DRAFT = { name: 'Draft', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] };

let server: TestServer;
let annaId: string;
let campaignId: string;
let long: { programId: string; key: string };

const RESULT = `campaignId eventsReplayed periodsClosed currency netSales costOfSalesPercent
  totals { kind unit granted capped entries }
  budget { budget usedBefore usedInSpan left ranOutAt cappedByBudget }
  partnerCap { partnerCap capPeriod partnersCapped cappedByCap }
  byRegion { key kind unit granted } byPartnerKind { key kind unit granted } byLevel { key granted } byScheme { key granted }
  partnerChanges { partnerId name simulated actual change }
  comparison { campaignId actual { kind unit granted capped entries } difference { kind unit granted capped entries } }`;
const JOB = `id status startedBy failure campaignId compareWith from to createdAt startedAt finishedAt progress { eventsDone eventsTotal } result { ${RESULT} }`;
const START = `mutation($input: SimulationInput!) { startSimulation(input: $input) { ${JOB} } }`;
const GET = `query($id: ID!) { simulation(id: $id) { ${JOB} } }`;
const CANCEL = `mutation($id: ID!) { cancelSimulation(id: $id) { ${JOB} } }`;
const DELETE = `mutation($id: ID!) { deleteSimulation(id: $id) { id status } }`;

interface Job {
  id: string;
  status: string;
  failure: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  progress: { eventsDone: number; eventsTotal: number | null };
  result: Record<string, unknown> | null;
}

async function start(input: object, key: string = server.adminKey, on: TestServer = server): Promise<Job> {
  return (await on.ok<{ startSimulation: Job }>(START, { input }, key)).startSimulation;
}

async function job(id: string, key: string = server.adminKey, on: TestServer = server): Promise<Job> {
  return (await on.ok<{ simulation: Job }>(GET, { id }, key)).simulation;
}

/** Polls until the job is as `done` says; a bound, not a timing assertion: the run has minutes. */
async function until(id: string, done: (job: Job) => boolean, key: string = server.adminKey, on: TestServer = server): Promise<Job> {
  const started = Date.now();
  for (;;) {
    const current = await job(id, key, on);
    if (done(current)) return current;
    if (Date.now() - started > 180_000) throw new Error(`simulation ${id} is still ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const finished = (current: Job) => !['QUEUED', 'RUNNING'].includes(current.status);
const underWay = (current: Job) => current.status === 'RUNNING' && current.progress.eventsDone > 0;

/** A second program and its admin key. */
async function newProgram(name: string): Promise<{ programId: string; key: string }> {
  const em = server.running.app.orm.em.fork();
  const program = em.create(Program, { name, defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  return { programId: program.id, key: (await server.running.app.auth.createApiKey(program.id, `${name} admin`, ['admin'])).key };
}

/**
 * LONG_BATCHES batches of 1,000 sales of RUB 1,000.00 over 20 partners, a second apart, from
 * 2026-11-01. Written as the owner, one INSERT a batch: each statement is a transaction of its
 * own, as a recordEvents call is, so a replay sees 1,000-event batches, and stops between two.
 */
async function seedLongProgram(): Promise<void> {
  long = await newProgram('Long brand');
  const partners: string[] = [];
  for (let n = 0; n < 20; n++) {
    partners.push((await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "P${n}", kind: "DEALER" }) { id } }`, {}, long.key)).createPartner.id);
  }
  for (let batch = 0; batch < LONG_BATCHES; batch++) {
    await server.sql(
      `insert into event (program_id, external_id, type, partner_id, amount, currency, occurred_at)
       select $1, 'L-' || ($2 * 1000 + i), 'SALE', ($3::bigint[])[1 + i % 20], 100000, 'RUB', '2026-11-01T00:00:00Z'::timestamptz + ($2 * 1000 + i) * interval '1 second'
         from generate_series(0, 999) i`,
      [long.programId, batch, partners],
    );
  }
}

beforeAll(async () => {
  server = await startTestServer();
  ({ annaId, campaignId } = await seedNovemberSales(server));
  await seedLongProgram();
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe('startSimulation and simulation(id)', () => {
  it('keeps what simulateCampaign returns for the same input, ends with every event done, and writes no table but its own', async () => {
    const input = { campaignId, campaign: { schemes: [{ code: 'percentage-of-sales', args: { percent: '7' } }] }, ...NOVEMBER, compareWith: campaignId };
    const { simulation_run: runsBefore, ...before } = await tableFingerprints(server);
    const started = await start(input);
    expect([started.status, started.result, started.progress.eventsDone]).toEqual(['QUEUED', null, 0]);
    const done = await until(started.id, finished);
    const { simulation_run: runsAfter, ...after } = await tableFingerprints(server);
    expect(after).toEqual(before);
    // One row more in the runs table: this run.
    expect([runsBefore.split(':')[0], runsAfter.split(':')[0]].map(Number)).toEqual([Number(runsBefore.split(':')[0]), Number(runsBefore.split(':')[0]) + 1]);

    // Replayed: S-1, S-2, S-3 and R-1 (S-0 occurred in October).
    expect(done).toMatchObject({ status: 'SUCCEEDED', failure: null, campaignId, compareWith: campaignId, from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(done.progress).toEqual({ eventsDone: 4, eventsTotal: 4 });
    expect(done.startedAt! >= done.createdAt && done.finishedAt! >= done.startedAt!).toBe(true);
    // 7 %: 700 000 + 210 000 + 86 420 (86 419.69, half to even) − 105 000 (half of S-2's back) = 891 420 in 4 entries;
    // actually paid at 5 %: 500 000 + 150 000 + 61 728 − 75 000 = 636 728; the difference 254 692.
    expect(done.result!.totals).toEqual([{ kind: 'MONEY', unit: 'RUB', granted: 891_420, capped: 0, entries: 4 }]);
    expect(done.result!.comparison).toEqual({
      campaignId,
      actual: [{ kind: 'MONEY', unit: 'RUB', granted: 636_728, capped: 0, entries: 4 }],
      difference: [{ kind: 'MONEY', unit: 'RUB', granted: 254_692, capped: 0, entries: 0 }],
    });
    // 10 000 000 + 3 000 000 + 1 234 567 − 1 500 000 = 12 734 567 net; 891 420 of it is 7.00 %.
    expect([done.result!.netSales, done.result!.costOfSalesPercent]).toEqual([12_734_567, '7.00']);
    // Every other field as the synchronous query gives it.
    const direct = await server.ok<{ simulateCampaign: Record<string, unknown> }>(`query($input: SimulationInput!) { simulateCampaign(input: $input) { ${RESULT} } }`, { input });
    expect(done.result).toEqual(direct.simulateCampaign);
  });

  it('refuses a bad input up front with its path and stores nothing', async () => {
    const [{ count }] = await server.sql<{ count: number }>('select count(*)::int as count from simulation_run');
    const refuse = async (input: object) => (await server.gql(START, { input })).errors?.[0]?.extensions;
    expect(await refuse({ campaignId, campaign: { schemes: [{ code: 'percentage-of-sales', args: { percent: '120' } }] }, ...NOVEMBER })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.campaign.schemes[0].args.percent',
    });
    expect(await refuse({ campaignId, from: NOVEMBER.to, to: NOVEMBER.from })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to' });
    expect(await refuse({ campaignId: '999999', ...NOVEMBER })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await server.sql('select count(*)::int as count from simulation_run')).toEqual([{ count }]);
  });

  it('lists runs newest first, a page at a time', async () => {
    const first = await start({ campaign: DRAFT, ...NOVEMBER });
    const second = await start({ campaign: DRAFT, ...NOVEMBER });
    await until(second.id, finished);
    const page = await server.ok(`{ simulations(first: 1) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`);
    expect(page.simulations.edges).toEqual([{ node: { id: second.id } }]);
    expect(page.simulations.pageInfo.hasNextPage).toBe(true);
    const next = await server.ok(`query($after: String) { simulations(first: 1, after: $after) { edges { node { id } } } }`, { after: page.simulations.pageInfo.endCursor });
    expect(next.simulations.edges).toEqual([{ node: { id: first.id } }]);
    expect((await server.gql(`{ simulations(first: 501) { edges { cursor } } }`)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('cancelling, deleting and the one run at a time', () => {
  it('queues a second run behind a running one, cancels the running one within a batch, then runs the second', async () => {
    const running = await until((await start({ campaign: DRAFT, ...NOVEMBER }, long.key)).id, underWay, long.key);
    // COFACTOR_SIMULATION_CONCURRENCY is 1: the next run waits.
    const waiting = await start({ campaign: DRAFT, ...NOVEMBER }, long.key);
    expect((await job(waiting.id, long.key)).status).toBe('QUEUED');
    const cancelled = (await server.ok<{ cancelSimulation: Job }>(CANCEL, { id: running.id }, long.key)).cancelSimulation;
    expect(cancelled.status).toBe('CANCELLED');
    // The waiting run starts once the cancelled one has stopped, and replays every stored event.
    const next = await until(waiting.id, underWay, long.key);
    expect(next.progress.eventsTotal).toBe(LONG_BATCHES * 1000);
    const stopped = await job(running.id, long.key);
    expect(stopped.status).toBe('CANCELLED');
    expect(stopped.result).toBeNull();
    expect(stopped.progress.eventsTotal).toBe(LONG_BATCHES * 1000);
    expect(stopped.progress.eventsDone).toBeGreaterThan(0);
    expect(stopped.progress.eventsDone).toBeLessThan(LONG_BATCHES * 1000);
    // A finished run cannot be cancelled.
    const again = await server.gql(CANCEL, { id: running.id }, long.key);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // Deleting the running one cancels it; it is gone.
    expect((await server.ok(DELETE, { id: waiting.id }, long.key)).deleteSimulation).toEqual({ id: waiting.id, status: 'CANCELLED' });
    expect((await server.gql(GET, { id: waiting.id }, long.key)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await server.gql(DELETE, { id: waiting.id }, long.key)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // And the place it held is free: a small run in the other program runs to the end.
    expect((await until((await start({ campaign: DRAFT, ...NOVEMBER })).id, finished)).status).toBe('SUCCEEDED');
  }, 300_000);

  it('stops a run cancelled through another server process at its next progress write', async () => {
    const running = await until((await start({ campaign: DRAFT, ...NOVEMBER }, long.key)).id, underWay, long.key);
    const waiting = await start({ campaign: DRAFT, ...NOVEMBER });
    // What cancelSimulation does on any server: the row says CANCELLED; this process holds the run and learns it from the row.
    await server.sql(`update simulation_run set status = 'CANCELLED', finished_at = now() where id = $1`, [running.id]);
    // It stopped: the run queued behind it gets the one place and runs to the end.
    expect((await until(waiting.id, finished)).status).toBe('SUCCEEDED');
    const stopped = await job(running.id, long.key);
    expect([stopped.status, stopped.result]).toEqual(['CANCELLED', null]);
    expect(stopped.progress.eventsDone).toBeLessThan(LONG_BATCHES * 1000);
  }, 300_000);

  it('deletes a finished run and its result', async () => {
    const done = await until((await start({ campaign: DRAFT, ...NOVEMBER })).id, finished);
    expect((await server.ok(DELETE, { id: done.id })).deleteSimulation).toEqual({ id: done.id, status: 'SUCCEEDED' });
    expect((await server.gql(GET, { id: done.id })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await server.sql('select id from simulation_run where id = $1', [done.id])).toEqual([]);
  });
});

describe('bounds and failures', () => {
  it('keeps at most COFACTOR_SIMULATION_KEPT runs per program, and a run over COFACTOR_SIMULATION_MAX_EVENTS fails saying so', async () => {
    const small = await startTestServer({ simulationKept: 2, simulationMaxEvents: 2 });
    try {
      const vera = (await small.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Vera", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
      await small.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: [1, 2, 3].map((n) => sale(`V-${n}`, vera, 100_000, '2026-11-05T10:00:00Z')) });
      // Three stored events, two allowed: checked when the run loads them, so the run fails with the input's issue.
      const failed = await until((await start({ campaign: DRAFT, ...NOVEMBER }, small.adminKey, small)).id, finished, small.adminKey, small);
      expect(failed.status).toBe('FAILED');
      expect(failed.failure).toContain('input: ');
      expect(failed.failure).toContain('more than 2 stored events (COFACTOR_SIMULATION_MAX_EVENTS)');
      expect(failed.result).toBeNull();
      // Two kept, whatever their status: a third is refused until one is deleted.
      await start({ campaign: DRAFT, ...NOVEMBER }, small.adminKey, small);
      const refused = await small.gql(START, { input: { campaign: DRAFT, ...NOVEMBER } });
      expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(refused.errors?.[0]?.message).toContain('at most 2 simulation runs (COFACTOR_SIMULATION_KEPT): delete old ones');
      expect(await small.sql('select count(*)::int as count from simulation_run')).toEqual([{ count: 2 }]);
      await small.ok(DELETE, { id: failed.id });
      expect((await start({ campaign: DRAFT, ...NOVEMBER }, small.adminKey, small)).status).toBe('QUEUED');
    } finally {
      await small.stop();
    }
  });

  it("marks runs whose process went silent FAILED when a server starts a run, and leaves a live process's runs alone", async () => {
    const [keyRow] = await server.sql<{ id: string }>(`select id::text from api_key where program_id = $1 order by id limit 1`, [server.programId]);
    const insert = (owner: string, beat: string) =>
      server.sql<{ id: string }>(
        `insert into simulation_run (program_id, started_by, input, status, owner, heartbeat_at, started_at)
         values ($1, $2, $3, 'RUNNING', $4, now() - $5::interval, now() - $5::interval) returning id::text`,
        [server.programId, keyRow.id, JSON.stringify({ campaign: DRAFT, ...NOVEMBER }), owner, beat],
      );
    // Silent for ten minutes (STALE_SECONDS is 60), and one that beat a second ago.
    const [gone] = await insert('a killed process', '10 minutes');
    const [alive] = await insert('another live process', '1 second');
    await until((await start({ campaign: DRAFT, ...NOVEMBER })).id, finished);
    expect(await job(gone.id)).toMatchObject({ status: 'FAILED', failure: 'the server stopped', result: null });
    expect((await job(alive.id)).status).toBe('RUNNING');
    // Cancelled through this process, it is CANCELLED for its own process to find at its next progress write.
    expect((await server.ok<{ cancelSimulation: Job }>(CANCEL, { id: alive.id })).cancelSimulation.status).toBe('CANCELLED');
  });
});

describe('who may see runs', () => {
  it('refuses partner tokens and keys without admin, and shows another program nothing', async () => {
    const done = await until((await start({ campaign: DRAFT, ...NOVEMBER })).id, finished);
    const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${annaId}") { token } }`)).issuePartnerToken.token;
    const reader = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "reader", scopes: ["analytics:read"]) { key } }`)).createApiKey.key;
    const calls: [string, Record<string, unknown>][] = [
      [START, { input: { campaign: DRAFT, ...NOVEMBER } }],
      [GET, { id: done.id }],
      [`{ simulations { edges { node { id } } } }`, {}],
      [CANCEL, { id: done.id }],
      [DELETE, { id: done.id }],
    ];
    for (const credential of [token, reader]) {
      for (const [query, variables] of calls) expect((await server.gql(query, variables, credential)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // Another program's admin: the run does not exist for it.
    for (const [query, variables] of [calls[1], calls[3], calls[4]]) {
      expect((await server.gql(query, variables, long.key)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const theirs = await server.ok<{ simulations: { edges: { node: { id: string } }[] } }>(`{ simulations(first: 500) { edges { node { id } } } }`, {}, long.key);
    expect(theirs.simulations.edges.map((edge) => edge.node.id)).not.toContain(done.id);
    expect((await job(done.id)).status).toBe('SUCCEEDED');
  });
});

describe('stopping the server', () => {
  it('stops its running run and its queued ones and marks them FAILED "the server stopped"', async () => {
    const running = await until((await start({ campaign: DRAFT, ...NOVEMBER }, long.key)).id, underWay, long.key);
    const queued = await start({ campaign: DRAFT, ...NOVEMBER }, long.key);
    // What App.close() does first when the server stops.
    await server.running.app.simulationJobs.close();
    const rows = await server.sql(`select id::text, status, failure, result from simulation_run where id in ($1, $2) order by id`, [running.id, queued.id]);
    expect(rows).toEqual([
      { id: running.id, status: 'FAILED', failure: 'the server stopped', result: null },
      { id: queued.id, status: 'FAILED', failure: 'the server stopped', result: null },
    ]);
  }, 300_000);
});
