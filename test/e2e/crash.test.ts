/**
 * Crash safety of ingestion: a real `cofactor start` child process is killed with SIGKILL again
 * and again while a client streams sales and refunds at it. The client does what a real sender
 * does: on any failed request it waits for the server to come back and resends the same batch,
 * unchanged. PostgreSQL is an embedded one owned by this test, so it outlives every kill.
 *
 * Afterwards, and after resending the whole stream once more, the ledger must equal an oracle
 * computed here from the stream alone (nothing lost, nothing doubled): per event and partner the
 * entry amounts, per partner the sum and count of entries and the statement, one stored event per
 * externalId, unique idempotency keys, and `cofactor verify` finding nothing.
 *
 * The oracle (schema/ledger rules, api.md): a sale of S by P pays P round_half_even(S × 5 / 100)
 * and P's uplines round_half_even(S × 3|2|1 / 100) for levels 1|2|3; an entry that rounds to 0
 * is not written. After refunds of a sale totalling R, an entry of A of that sale has been taken
 * back by round_half_even(A × R / S) in all: each refund writes, per entry, that target minus what
 * earlier refunds took back (nothing when that is 0). Refunds count in the order they are stored:
 * event externalIds are zero-padded stream positions, so within a batch (sales first, then
 * refunds, each in externalId order) and across batches that is the stream order.
 *
 * Kills: kill i is armed at a random batch of the i-th of K equal parts of the stream and fires
 * while that batch's request is in flight: every other one (the 1st, 3rd, ...) while the server's
 * COMMIT of that batch is in flight or as soon as the batch is visible — committed, and most
 * likely before the response reaches the client — the others after a random delay (before,
 * during or after the server's transaction).
 *
 * Default: 1500 events in batches of 50, 5 kills. COFACTOR_SOAK=1: 6000 events, 30 kills.
 * COFACTOR_CRASH_SEED=<n> replays a stream (the seed is printed).
 */
import { execFile, spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../server/src/index.js';
import { ROOT_DIR, freePort, type GraphQLResponse } from '../support/harness.js';
import { roundHalfEven, seeded } from '../support/money.js';

const SOAK = process.env.COFACTOR_SOAK === '1';
const EVENTS = SOAK ? 6000 : 1500;
const BATCH_SIZE = 50;
const KILLS = SOAK ? 30 : 5;
const SEED = Number(process.env.COFACTOR_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
/** No progress for this long (server down and not coming back, a request hanging) fails the test. */
const STALL_MS = 60_000;
/** The application_name of the test's own connections, to tell them from the server's. */
const TEST_CONNECTION = 'cofactor-crash-test';

/** Per hook and test (the jest global is not there in ESM mode). */
const TIMEOUT = SOAK ? 1_800_000 : 120_000;

// ---------------------------------------------------------------------------------------------
// The stream and the oracle
// ---------------------------------------------------------------------------------------------

type Name = 'A' | 'B' | 'C' | 'D';
const NAMES: Name[] = ['A', 'B', 'C', 'D'];
/** A → B → C → D: the sponsor of each partner. */
const SPONSOR: Record<Name, Name | null> = { A: null, B: 'A', C: 'B', D: 'C' };
const SELLER_PERCENT = 5n;
const LEVEL_PERCENTS = [3n, 2n, 1n];

interface StreamEvent {
  externalId: string;
  type: 'SALE' | 'REFUND' | 'CHARGEBACK';
  /** The seller, for a SALE. */
  partner?: Name;
  refundOf?: string;
  amount: bigint;
}

/** Sales with varied amounts (small ones, ones that land on .5, large ones) mixed with partial and full refunds of earlier sales. */
function makeStream(count: number, seed: number): StreamEvent[] {
  const random = seeded(seed);
  const events: StreamEvent[] = [];
  const open: { externalId: string; amount: bigint; refunded: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const externalId = `CR-${String(i).padStart(6, '0')}`;
    if (i >= 20 && open.length && random.next() < 0.3) {
      // Often a recent sale (possibly in the same batch), otherwise any sale with money left to refund.
      const index = random.next() < 0.3 ? Math.max(0, open.length - 1 - random.int(0, 9)) : random.int(0, open.length - 1);
      const sale = open[index];
      const remaining = sale.amount - sale.refunded;
      const full = remaining === 1n || random.next() < 0.4;
      const amount = full ? remaining : BigInt(random.int(1, Number(remaining) - 1));
      sale.refunded += amount;
      if (sale.refunded === sale.amount) open.splice(index, 1);
      events.push({ externalId, type: random.next() < 0.1 ? 'CHARGEBACK' : 'REFUND', refundOf: sale.externalId, amount });
    } else {
      const shape = random.next();
      const amount =
        shape < 0.15
          ? random.int(100, 2_000) // small: 1 % of it may round to 0 or land on .5
          : shape < 0.35
            ? random.int(100, 20_000) * 10 // a multiple of 10: 5 % of it is often x.5
            : random.int(100, 5_000_000);
      events.push({ externalId, type: 'SALE', partner: NAMES[random.int(0, 3)], amount: BigInt(amount) });
      open.push({ externalId, amount: BigInt(amount), refunded: 0n });
    }
  }
  return events;
}


interface OracleEntry {
  event: string;
  partner: Name;
  amount: bigint;
  /** For a compensating entry: the sale whose entry it takes back. */
  corrects: string | null;
}

/** Every entry the ledger must hold, computed from the stream alone. */
function oracle(stream: StreamEvent[]): OracleEntry[] {
  const entries: OracleEntry[] = [];
  const sales = new Map<string, { amount: bigint; refunded: bigint; originals: { partner: Name; amount: bigint; taken: bigint }[] }>();
  for (const event of stream) {
    if (event.type === 'SALE') {
      const originals: { partner: Name; amount: bigint; taken: bigint }[] = [];
      const pay = (partner: Name, percent: bigint) => {
        const amount = roundHalfEven(event.amount * percent, 100n);
        if (amount === 0n) return;
        originals.push({ partner, amount, taken: 0n });
        entries.push({ event: event.externalId, partner, amount, corrects: null });
      };
      pay(event.partner!, SELLER_PERCENT);
      let upline = SPONSOR[event.partner!];
      for (const percent of LEVEL_PERCENTS) {
        if (!upline) break;
        pay(upline, percent);
        upline = SPONSOR[upline];
      }
      sales.set(event.externalId, { amount: event.amount, refunded: 0n, originals });
    } else {
      const sale = sales.get(event.refundOf!)!;
      sale.refunded += event.amount;
      for (const original of sale.originals) {
        const target = roundHalfEven(original.amount * sale.refunded, sale.amount);
        const now = target - original.taken;
        if (now <= 0n) continue;
        original.taken = target;
        entries.push({ event: event.externalId, partner: original.partner, amount: -now, corrects: event.refundOf! });
      }
    }
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The server child process
// ---------------------------------------------------------------------------------------------

let pgDir: string | null = null;
let dataDir: string | null = null;
let database: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
let sqlPool: pg.Pool | null = null;
let shuttingDown = false;
const children = new Set<ChildProcess>();
let current: { child: ChildProcess; output: () => string } | null = null;
let port = 0;
let url = '';
let adminKey = '';
let starts = 0;
/** How long each start took until it was running, ms. */
const startTimes: number[] = [];

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `cofactor start` and resolves once it prints that it is running (the key, if any, comes with it). */
async function startServer(): Promise<string> {
  if (shuttingDown) throw new Error('the test is stopping');
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      // As in production: the server's role reads and writes rows; the owner migrates.
      DATABASE_URL: database!.appUrl,
      DATABASE_OWNER_URL: database!.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      COFACTOR_DATA_DIR: dataDir!,
      COFACTOR_SEED_DEMO: 'true',
      COFACTOR_APPROVE_EVERY: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  current = { child, output: () => output };
  starts++;
  const started = Date.now();
  const record = () => startTimes.push(Date.now() - started);
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (exited(child)) throw new Error(`cofactor start (start ${starts}) exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    if (shuttingDown) {
      await killServer();
      throw new Error('the test is stopping');
    }
    if (Date.now() - started > 60_000) throw new Error(`cofactor start (start ${starts}) did not come up:\n${output}`);
    await sleep(20);
  }
  if (!output.includes('Cofactor is running')) throw new Error(`unexpected start output:\n${output}`);
  record();
  return output;
}

async function killServer(): Promise<void> {
  const child = current?.child;
  if (!child || exited(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await gql<T>(query, variables);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  return result.data as T;
}

async function sql<R extends pg.QueryResultRow = any>(text: string, params?: unknown[]): Promise<R[]> {
  return (await sqlPool!.query<R>(text, params)).rows;
}

/** Processes whose command line mentions our PostgreSQL's folder, or our server children still alive. */
function leftovers(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return [...ps.filter((line) => pgDir && line.includes(pgDir)), ...[...children].filter((child) => !exited(child)).map((child) => `cofactor start ${child.pid}`)];
}

async function stopEverything(): Promise<void> {
  shuttingDown = true;
  for (const child of [...children]) {
    if (exited(child)) continue;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  await sqlPool?.end().catch(() => {});
  sqlPool = null;
  await database?.stop().catch(() => {});
  database = null;
  for (const dir of [pgDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted duplicates duplicateExternalIds rewardsCreated } }`;
interface Recorded {
  accepted: number;
  duplicates: number;
  duplicateExternalIds: string[];
  rewardsCreated: number;
}

const stream = makeStream(EVENTS, SEED);
const expected = oracle(stream);
const batches: StreamEvent[][] = [];
for (let i = 0; i < stream.length; i += BATCH_SIZE) batches.push(stream.slice(i, i + BATCH_SIZE));
const ids = {} as Record<Name, string>;
let programId = '';
let campaignId = '';

function toInput(event: StreamEvent) {
  return event.type === 'SALE'
    ? { externalId: event.externalId, type: 'SALE', partnerId: ids[event.partner!], amount: Number(event.amount), currency: 'RUB' }
    : { externalId: event.externalId, type: event.type, refundOf: event.refundOf, amount: Number(event.amount), currency: 'RUB' };
}

class Refused extends Error {}

/** Sends one batch until a response comes back; on any failure waits for the server and resends the same batch. */
async function sendBatch(batch: StreamEvent[], onAttempt: () => void, stats: { failures: number; errors: string[] }): Promise<Recorded> {
  const events = batch.map(toInput);
  let lastProgress = Date.now();
  for (;;) {
    onAttempt();
    try {
      const result = await gql<{ recordEvents: Recorded }>(RECORD, { events });
      if (!result.errors?.length && result.data) return result.data.recordEvents;
      const codes = result.errors?.map((error) => error.extensions?.code) ?? [];
      // A refusal of the resent batch is a verdict, not a hiccup: no retry makes it right.
      if (codes.includes('BAD_USER_INPUT')) throw new Refused(`batch ${batch[0].externalId}… refused: ${JSON.stringify(result.errors)}`);
      stats.errors.push(JSON.stringify(result.errors));
    } catch (error) {
      if (error instanceof Refused) throw error;
    }
    stats.failures++;
    // Wait for the server to answer again.
    for (;;) {
      if (shuttingDown) throw new Error('the test is stopping');
      if (Date.now() - lastProgress > STALL_MS) {
        throw new Error(
          `no answer for batch ${batch[0].externalId}… in ${STALL_MS} ms; errors: ${stats.errors.slice(-3).join('; ')}; server output:\n${current?.output().slice(-4000)}`,
        );
      }
      try {
        const probe = await gql<{ __typename: string }>('{ __typename }');
        if (probe.data?.__typename) break;
      } catch {}
      await sleep(50);
    }
    lastProgress = Date.now();
  }
}

beforeAll(async () => {
  pgDir = mkdtempSync(join(tmpdir(), 'cofactor-crash-pg-'));
  dataDir = mkdtempSync(join(tmpdir(), 'cofactor-crash-data-'));
  database = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), persistent: false });
  sqlPool = new pg.Pool({ connectionString: database.url, max: 2, application_name: TEST_CONNECTION });
  sqlPool.on('error', () => {}); // an idle connection cut when PostgreSQL stops is no test failure
  port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  const output = await startServer();
  adminKey = /Demo admin API key\s+(cfk_\S+)/.exec(output)?.[1] ?? '';
  if (!adminKey) throw new Error(`no demo admin key in:\n${output}`);
  expect(/GraphQL \(HTTP\)\s+(\S+)/.exec(output)?.[1]).toBe(url);

  [{ id: programId }] = await sql<{ id: string }>('select id::text from program order by id limit 1');
  // The demo campaign pays every partner; pause it so only ours pays.
  const demo = await ok<{ campaigns: { edges: { node: { id: string; status: string } }[] } }>(`{ campaigns { edges { node { id status } } } }`);
  for (const { node } of demo.campaigns.edges) if (node.status === 'ACTIVE') await ok(`mutation($id: ID!) { pauseCampaign(id: $id) { id } }`, { id: node.id });

  let sponsor: string | null = null;
  for (const name of NAMES) {
    const created: { createPartner: { id: string } } = await ok(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
      input: { name: `Crash ${name}`, kind: 'AMBASSADOR', referralCode: `CRASH-${name}`, sponsorId: sponsor },
    });
    ids[name] = created.createPartner.id;
    sponsor = ids[name];
  }
  const campaign = await ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'Crash campaign',
      startsAt: '2026-01-01T00:00:00Z',
      currency: 'RUB',
      holdDays: 0,
      schemes: [
        { code: 'percentage-of-sales', args: { percent: '5' } },
        { code: 'multi-level', args: { levels: ['3', '2', '1'] } },
      ],
    },
  });
  campaignId = campaign.createCampaign.id;
  await ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: campaignId });
}, TIMEOUT);

afterAll(async () => {
  await stopEverything();
}, TIMEOUT);

describe(`ingestion survives SIGKILL (seed ${SEED}, ${EVENTS} events, ${KILLS} kills)`, () => {
  /** The last response each batch got: accepted + duplicates, and how many attempts it took. */
  const finals: { result: Recorded; attempts: number }[] = [];

  it('records the whole stream through repeated kills and restarts, every batch all or nothing', async () => {
    const progress = { batch: -1, attempt: 0, done: false };
    const stats = { failures: 0, errors: [] as string[] };
    let latency = 150; // ms, a running average of uninterrupted requests
    const kills: string[] = [];
    const commitSeen: string[] = [];

    // Kill i fires during a random batch of the i-th part of the stream (never the last batch).
    const lastArmable = batches.length - 2;
    const armedAt = Array.from({ length: KILLS }, (_, i) => {
      const from = Math.floor((i * lastArmable) / KILLS);
      const to = Math.max(from, Math.floor(((i + 1) * lastArmable) / KILLS) - 1);
      return from + Math.floor(Math.random() * (to - from + 1));
    });

    const killer = async () => {
      for (let i = 0; i < KILLS && !progress.done; i++) {
        while (!progress.done && progress.batch < armedAt[i]) await sleep(2);
        if (progress.done) break;
        const batch = progress.batch;
        const attempt = progress.attempt;
        const afterCommit = i % 2 === 0;
        if (afterCommit) {
          // While the server's COMMIT is in flight (it completes without the server), or else as
          // soon as the batch is visible: committed, with the response most likely not sent yet.
          const last = batches[batch][batches[batch].length - 1].externalId;
          const started = Date.now();
          while (!progress.done && Date.now() - started < 10_000) {
            const [row] = await sql<{ committing: boolean; committed: boolean }>(
              `select exists (select 1 from pg_stat_activity where datname = current_database() and application_name <> $3
                                 and state = 'active' and query ilike 'commit%') as committing,
                      exists (select 1 from event where program_id = $1 and external_id = $2) as committed`,
              [programId, last, TEST_CONNECTION],
            );
            if (row.committing || row.committed) {
              commitSeen.push(row.committing ? 'in COMMIT' : 'visible');
              break;
            }
          }
        } else {
          await sleep(Math.random() * latency * 1.5);
        }
        if (progress.done) break;
        await killServer();
        kills.push(`${afterCommit ? 'after-commit' : 'random'}@batch ${batch}${progress.batch !== batch ? `→${progress.batch}` : progress.attempt !== attempt ? ' (a resend)' : ''}`);
        await startServer();
      }
    };

    const client = async () => {
      for (let b = 0; b < batches.length; b++) {
        let attempts = 0;
        let started = 0;
        const result = await sendBatch(
          batches[b],
          () => {
            attempts++;
            progress.attempt++;
            progress.batch = b;
            started = Date.now();
          },
          stats,
        );
        if (attempts === 1) latency = latency * 0.7 + (Date.now() - started) * 0.3;
        finals.push({ result, attempts });
      }
    };

    const began = Date.now();
    let killerFailed: unknown = null;
    const killing = killer().catch((error) => {
      killerFailed = error;
    });
    try {
      await client();
    } finally {
      progress.done = true;
      await killing;
    }
    if (killerFailed) throw killerFailed;
    const lostResponses = finals.filter((final) => final.result.accepted === 0).length;
    console.log(
      `crash test: seed ${SEED}, ${EVENTS} events in ${batches.length} batches, ${kills.length} kills (${kills.join(', ')}), ` +
        `after-commit kills saw the batch ${commitSeen.join('/')}, ${stats.failures} failed requests, ${lostResponses} batches committed whose response was lost, ${starts} server starts ` +
        `(${startTimes.join('/')} ms), batch latency ~${Math.round(latency)} ms, ${Date.now() - began} ms in all`,
    );
    expect(kills.length).toBe(KILLS);

    // Every batch was recorded all or nothing: either all its events are new, or (a resend of a
    // batch committed just before a kill) all of them are duplicates. New ones created exactly the
    // oracle's entries for them.
    const entriesOf = new Map<string, number>();
    for (const entry of expected) entriesOf.set(entry.event, (entriesOf.get(entry.event) ?? 0) + 1);
    const observed = finals.map(({ result }, b) => ({
      batch: b,
      accepted: result.accepted,
      duplicates: result.duplicates,
      rewardsCreated: result.rewardsCreated,
    }));
    const allOrNothing = finals.map(({ result }, b) => {
      const size = batches[b].length;
      const created = batches[b].reduce((sum, event) => sum + (entriesOf.get(event.externalId) ?? 0), 0);
      return result.accepted === size
        ? { batch: b, accepted: size, duplicates: 0, rewardsCreated: created }
        : { batch: b, accepted: 0, duplicates: size, rewardsCreated: 0 };
    });
    expect(observed).toEqual(allOrNothing);
  }, TIMEOUT);

  it('takes a resend of everything as duplicates and creates nothing', async () => {
    for (const batch of batches) {
      const { recordEvents } = await ok<{ recordEvents: Recorded }>(RECORD, { events: batch.map(toInput) });
      expect(recordEvents).toEqual({ accepted: 0, duplicates: batch.length, duplicateExternalIds: batch.map((e) => e.externalId), rewardsCreated: 0 });
    }
  }, TIMEOUT);

  /** `cofactor verify`, started once the ledger is final and run while the checks below read it. */
  let verifying: Promise<{ code: number | null; output: string }> | null = null;
  const hasVerify = () => readFileSync(CLI, 'utf8').includes(`command('verify')`);

  it('stores every event exactly once, as sent', async () => {
    if (hasVerify()) {
      verifying = new Promise((resolve) => {
        const child = execFile(process.execPath, [CLI, 'verify'], { cwd: ROOT_DIR, env: { ...process.env, DATABASE_URL: database!.url } }, (_error, stdout, stderr) =>
          resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
        );
        children.add(child);
        child.once('exit', () => children.delete(child));
      });
    }
    const rows = await sql<{ externalId: string; type: string; amount: string; refundOf: string | null; partnerId: string; copies: number }>(
      `select e.external_id as "externalId", min(e.type) as type, min(e.amount)::text as amount, min(s.external_id) as "refundOf",
              min(e.partner_id)::text as "partnerId", count(*)::int as copies
         from event e left join event s on s.id = e.refund_of_id
        where e.program_id = $1 and e.external_id like 'CR-%' group by e.external_id order by e.external_id`,
      [programId],
    );
    const saleOf = new Map(stream.filter((e) => e.type === 'SALE').map((e) => [e.externalId, e.partner!]));
    expect(rows).toEqual(
      stream.map((event) => ({
        externalId: event.externalId,
        type: event.type,
        amount: event.amount.toString(),
        refundOf: event.refundOf ?? null,
        partnerId: ids[event.partner ?? saleOf.get(event.refundOf!)!],
        copies: 1,
      })),
    );
  }, TIMEOUT);

  it('holds exactly the oracle’s entries: per event and partner, per partner in sum and count, with unique keys', async () => {
    type Node = {
      id: string;
      amount: number;
      kind: string;
      status: string;
      unit: string;
      idempotencyKey: string;
      campaign: { id: string };
      event: { externalId: string } | null;
      corrects: { id: string; event: { externalId: string } | null } | null;
    };
    const entries: (Node & { partner: Name })[] = [];
    for (const name of NAMES) {
      let after: string | null = null;
      for (;;) {
        const page: { rewards: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await ok(
          `query($p: ID, $after: String) { rewards(partnerId: $p, first: 500, after: $after) {
             edges { node { id amount kind status unit idempotencyKey campaign { id } event { externalId } corrects { id event { externalId } } } }
             pageInfo { hasNextPage endCursor } } }`,
          { p: ids[name], after },
        );
        entries.push(...page.rewards.edges.map((edge) => ({ ...edge.node, partner: name })));
        if (!page.rewards.pageInfo.hasNextPage) break;
        after = page.rewards.pageInfo.endCursor;
      }
    }
    // Only our campaign paid, in RUB, and nothing was approved (holdDays 0, but no approval ran).
    expect(entries.filter((entry) => entry.campaign.id !== campaignId || entry.kind !== 'MONEY' || entry.unit !== 'RUB' || entry.status !== 'PENDING')).toEqual([]);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
    expect(new Set(entries.map((entry) => entry.idempotencyKey)).size).toBe(entries.length);
    const duplicateKeys = await sql('select idempotency_key, count(*)::int from reward where program_id = $1 group by 1 having count(*) > 1', [programId]);
    expect(duplicateKeys).toEqual([]);

    // Entry by entry: (event, partner, amount, the sale it corrects), in one canonical order.
    const key = (e: { event: string; partner: string; amount: string; corrects: string | null }) => `${e.event}|${e.partner}|${e.corrects ?? ''}|${e.amount}`;
    const got = entries
      .map((entry) => ({
        event: entry.event?.externalId ?? '?',
        partner: entry.partner as string,
        amount: String(entry.amount),
        corrects: entry.corrects ? (entry.corrects.event?.externalId ?? '?') : null,
      }))
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const want = expected
      .map((entry) => ({ event: entry.event, partner: entry.partner as string, amount: entry.amount.toString(), corrects: entry.corrects }))
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    if (got.length !== want.length || got.some((entry, i) => key(entry) !== key(want[i]))) {
      // A readable difference instead of thousands of rows.
      const counts = new Map<string, number>();
      for (const entry of want) counts.set(key(entry), (counts.get(key(entry)) ?? 0) + 1);
      for (const entry of got) counts.set(key(entry), (counts.get(key(entry)) ?? 0) - 1);
      const missing = [...counts].filter(([, n]) => n > 0).map(([k, n]) => `${k} ×${n}`);
      const extra = [...counts].filter(([, n]) => n < 0).map(([k, n]) => `${k} ×${-n}`);
      expect({ missing: missing.slice(0, 20), extra: extra.slice(0, 20), missingCount: missing.length, extraCount: extra.length }).toEqual({
        missing: [],
        extra: [],
        missingCount: 0,
        extraCount: 0,
      });
    }
    expect(got.length).toBe(want.length);

    // Per partner: the sum and the count of entries.
    const summary = (list: { partner: string; amount: bigint }[]) =>
      Object.fromEntries(NAMES.map((name) => [name, { count: list.filter((e) => e.partner === name).length, sum: list.filter((e) => e.partner === name).reduce((s, e) => s + e.amount, 0n).toString() }]));
    expect(summary(entries.map((entry) => ({ partner: entry.partner, amount: BigInt(entry.amount) })))).toEqual(summary(expected));
  }, TIMEOUT);

  it('shows each partner the statement the oracle implies', async () => {
    for (const name of NAMES) {
      const mine = expected.filter((entry) => entry.partner === name);
      const { statement } = await ok<{ statement: Record<string, number> }>(
        `query($p: ID!) { statement(partnerId: $p, currency: "RUB") { pending approved inPayout available paid reversed rejected capped } }`,
        { p: ids[name] },
      );
      expect({ partner: name, ...statement }).toEqual({
        partner: name,
        pending: Number(mine.reduce((sum, entry) => sum + entry.amount, 0n)),
        approved: 0,
        inPayout: 0,
        available: 0,
        paid: 0,
        reversed: Number(mine.reduce((sum, entry) => sum - (entry.corrects ? entry.amount : 0n), 0n)),
        rejected: 0,
        capped: 0,
      });
    }
  }, TIMEOUT);

  it('passes `cofactor verify`', async () => {
    if (!hasVerify()) {
      console.warn('crash test: this build has no `cofactor verify`; skipped');
      return;
    }
    expect(verifying).not.toBeNull();
    const { code, output } = await verifying!;
    // Its report is shown only when it found something.
    expect({ code, report: code === 0 ? '' : output }).toEqual({ code: 0, report: '' });
  }, TIMEOUT);

  it('stops everything it started', async () => {
    await stopEverything();
    expect(leftovers()).toEqual([]);
  }, TIMEOUT);
});
