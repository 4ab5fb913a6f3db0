#!/usr/bin/env node
// Cofactor ingest benchmark: a real `cofactor start` child process, a bulk-seeded 8-level
// referral tree, SALE events sent as GraphQL `recordEvents` batches over HTTP, and a raw
// PostgreSQL COPY of the same rows as the baseline. See `--help`.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, createWriteStream, chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runningEmbeddedPostgres } from '../../server/dist/db/embedded.js';
import { LEVELS, countBelow, fmt, freePort, log, percentile, readArgs, rng, seedPartners } from './common.mjs';
import { cpuSnapshot, graphqlClient, postgresRss, preloadStatementStats, readMemory, reportFailure, setDeltaTriggers, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// pg-copy-streams is a dependency of the server package only, so resolve it from there.
const { from: copyFrom, to: copyTo } = createRequire(join(ROOT, 'server', 'package.json'))('pg-copy-streams');

const USAGE = `Usage: node test/bench/ingest.mjs [options]   (or: pnpm bench -- [options])

Starts a Cofactor server (embedded PostgreSQL in a fresh temp dir), seeds a referral tree,
sends SALE events through the GraphQL API and compares with a raw PostgreSQL COPY.

Options:
  --events N        SALE events to send (default 200000)
  --batch N         events per recordEvents call (default 1000, server max 5000)
  --concurrency N   recordEvents calls in flight (default 2)
  --partners N      partners in the 8-level referral tree (default 10000)
  --budget N        give the bench campaign a budget and a per-partner monthly cap of a tenth
                    of it (minor units), to measure what holding them costs (default: none)
  --refunds N       REFUND events (refundOf a sale, half of them partial) sent after the sales
                    (default: a tenth of --events; 0 skips them)
  --webhooks        register a webhook endpoint for every reward (reward.created) on a
                    receiver in this process, to measure what writing and delivering the
                    deliveries costs; prints how long after the last batch the last one arrived
  --server PATH     the cli.js to start (default server/dist/cli.js), e.g. a copy of an
                    earlier build to compare with in one run
  --rollups off     send with the triggers that keep board totals and analytics rollups
                    disabled, then enable them and rebuild both before the money lifecycle
                    (\`cofactor leaderboards rebuild\`, \`cofactor analytics rebuild\`): what keeping
                    them costs is the difference from a run with them on (default: on)
  --help            print this help

Extra Node flags for the server: set NODE_OPTIONS. The server's PostgreSQL is restarted once
with pg_stat_statements loaded, so the run counts the statements each batch took.

After ingestion it times the money lifecycle on the whole ledger: approveDueRewards,
createPayoutBatch and the batch's CSV, and \`cofactor verify\`.`;

const PROGRAM_ID = '1'; // the demo program
const COPY_ROUNDS = 3; // the COPY baseline's loads; the median counts
const MAX_ATTEMPTS = 5; // a batch is all-or-nothing and idempotent, so resending is safe
// Approvals are timed on their own, over the whole ledger, after ingestion.
// The webhook receiver listens on loopback, which the server refuses unless allowed.
const SERVER_ENV = { COFACTOR_APPROVE_EVERY: '0', COFACTOR_WEBHOOK_ALLOW_PRIVATE: 'true' };

// ---------------------------------------------------------------------------------------
// Options

function readOptions() {
  const { values, integer, fail } = readArgs(USAGE, {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    // 2 in flight: one batch's SQL runs while another's JS does, so both cores stay busy.
    // Measured on 2 cores, 20k events: 1 → 2.6k ev/s, 2 → 3.8k, 4 → 3.9k at twice the latency.
    concurrency: { type: 'string', default: '2' },
    partners: { type: 'string', default: '10000' },
    refunds: { type: 'string' },
    budget: { type: 'string' },
    webhooks: { type: 'boolean', default: false },
    server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
    rollups: { type: 'string', default: 'on' },
  });
  if (values.rollups !== 'on' && values.rollups !== 'off') fail(`--rollups must be on or off, got "${values.rollups}"`);
  return {
    events: integer('events'),
    batch: integer('batch', 1, 5000),
    concurrency: integer('concurrency', 1, 64),
    partners: integer('partners', LEVELS, 10_000_000),
    budget: values.budget === undefined ? null : integer('budget'),
    webhooks: values.webhooks,
    server: resolve(values.server),
    rollups: values.rollups === 'on',
    refunds: values.refunds === undefined ? Math.floor(Number(values.events) / 10) : integer('refunds', 0, Number(values.events)),
  };
}

// ---------------------------------------------------------------------------------------
// Small helpers

const pct = (n) => `${(n * 100).toFixed(1)}%`;
const ms = (n) => `${Math.round(n)} ms`;

// ---------------------------------------------------------------------------------------
// When the referral tree joined (seedPartners in common.mjs seeds it with bulk SQL)

/**
 * When the bench's partners joined, and last changed: before the first sale (SALES_FROM), as
 * in a live order feed, where a sale names a partner who already joined. Sales dated before
 * a partner's last change make the server read that partner's history (see snapshotsAsOf).
 */
const PARTNERS_JOINED = '2025-12-01T00:00:00Z';
const SALES_FROM = '2026-01-02T00:00:00Z';

// ---------------------------------------------------------------------------------------
// Events

const NEW_CUSTOMER_SHARE = 0.45;
const GOAL_TARGET = 5; // fixed-goal: a bonus at 5 new customers

/**
 * Who buys: 45% of the sales are by a new customer (`C<event index>`), the rest by a
 * returning customer first seen at least `lookback` batches earlier. The gap keeps the same
 * customer out of two batches in flight at once: realistic for an order feed, and it keeps
 * the measurement about throughput rather than about the server's customer row locks
 * (a uniformly random pool makes concurrent batches wait on each other — see the report).
 */
function customerPlan(opts) {
  const lookback = Math.max(8, 2 * opts.concurrency) * opts.batch;
  const random = rng(0xc0ffee);
  const newAt = []; // event indices that bring a new customer, ascending
  for (let i = 0; i < opts.events; i++) if (i < lookback || random() < NEW_CUSTOMER_SHARE) newAt.push(i);
  return { lookback, newAt };
}

/** Batch `index` of the run, generated on demand and deterministic, so a resend is identical. */
function makeBatch(index, opts, partnerIds, runId, plan) {
  const random = rng(0x5eed + index);
  const from = index * opts.batch;
  const to = Math.min(opts.events, from + opts.batch);
  const returningPool = countBelow(plan.newAt, from - plan.lookback);
  let nextNew = countBelow(plan.newAt, from);
  const base = Date.parse(SALES_FROM);
  const events = [];
  for (let i = from; i < to; i++) {
    let customer;
    if (plan.newAt[nextNew] === i) {
      customer = i;
      nextNew += 1;
    } else customer = plan.newAt[Math.floor(random() * returningPool)];
    events.push({
      externalId: `${runId}-${i}`,
      type: 'SALE',
      partnerId: String(partnerIds[Math.floor(random() * partnerIds.length)]),
      customerId: `C${customer}`,
      amount: String(10_000 + Math.floor(random() * 4_990_001)), // 100.00 .. 50,000.00 RUB in kopecks
      currency: 'RUB',
      occurredAt: new Date(base + i * 10_000).toISOString(),
    });
  }
  return events;
}

const RECORD_EVENTS = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted duplicates rewardsCreated } }`;

const isRetryable = (error) => /deadlock detected|could not serialize|40P01|40001/i.test(`${error.message} ${JSON.stringify(error.graphqlErrors ?? '')}`);

async function sendEvents(graphql, opts, partnerIds, serverPid) {
  const runId = `bench-${Date.now().toString(36)}`;
  const batches = Math.ceil(opts.events / opts.batch);
  const latencies = [];
  const totals = { accepted: 0, duplicates: 0, rewardsCreated: 0, retries: 0, retryReasons: new Map() };
  const plan = customerPlan(opts);
  let next = 0;
  let done = 0;
  const started = performance.now();
  let lastReport = started;
  let lastDone = 0;

  async function worker() {
    while (next < batches) {
      const index = next++;
      const events = makeBatch(index, opts, partnerIds, runId, plan);
      for (let attempt = 1; ; attempt++) {
        const t0 = performance.now();
        try {
          const { recordEvents } = await graphql(RECORD_EVENTS, { events });
          latencies.push(performance.now() - t0);
          totals.accepted += recordEvents.accepted;
          totals.duplicates += recordEvents.duplicates;
          totals.rewardsCreated += recordEvents.rewardsCreated;
          break;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw new Error(`batch ${index} failed (attempt ${attempt}): ${error.message}`, { cause: error });
          totals.retries += 1;
          const reason = error.message.slice(0, 120);
          totals.retryReasons.set(reason, (totals.retryReasons.get(reason) ?? 0) + 1);
        }
      }
      done += 1;
      if (done % 20 === 0 || done === batches) {
        const now = performance.now();
        const recent = latencies.slice(-20).sort((a, b) => a - b);
        log(
          `${fmt(done)}/${fmt(batches)} batches, ${fmt(totals.accepted)} events, ${fmt(totals.rewardsCreated)} rewards | ` +
            `${fmt(((done - lastDone) * opts.batch) / ((now - lastReport) / 1000))} ev/s now, ` +
            `${fmt(totals.accepted / ((now - started) / 1000))} ev/s overall | p50 ${ms(percentile(recent, 50))} | ` +
            `server RSS ${fmt(readMemory(serverPid).rss / 2 ** 20)} MiB`,
        );
        lastReport = now;
        lastDone = done;
      }
    }
  }
  // A failing worker stops the others from taking new batches.
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, batches) }, () => worker().catch((error) => {
    next = batches;
    throw error;
  })));
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b), totals, runId };
}

// ---------------------------------------------------------------------------------------
// Refunds and the money lifecycle

/**
 * Refunds spread evenly over the sales, each naming its sale: odd ones return the whole sale,
 * even ones a third of it, so both full and proportional reversals are exercised.
 */
async function sendRefunds(graphql, db, opts, runId) {
  if (opts.refunds === 0) return { seconds: 0, accepted: 0, rewardsCreated: 0, latencies: [] };
  const saleIds = Array.from({ length: opts.refunds }, (_, i) => `${runId}-${Math.floor((i * opts.events) / opts.refunds)}`);
  const { rows } = await db.query('select external_id as "externalId", amount::text as amount from event where external_id = any($1::text[])', [saleIds]);
  const amounts = new Map(rows.map((row) => [row.externalId, BigInt(row.amount)]));
  const refunds = saleIds.map((sale, i) => ({
    externalId: `${runId}-refund-${i}`,
    type: 'REFUND',
    refundOf: sale,
    amount: String(i % 2 ? amounts.get(sale) : amounts.get(sale) / 3n),
    currency: 'RUB',
  }));
  const latencies = [];
  let accepted = 0;
  let rewardsCreated = 0;
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next * opts.batch < refunds.length) {
      const events = refunds.slice(next * opts.batch, ++next * opts.batch);
      const t0 = performance.now();
      const { recordEvents } = await graphql(RECORD_EVENTS, { events });
      latencies.push(performance.now() - t0);
      accepted += recordEvents.accepted;
      rewardsCreated += recordEvents.rewardsCreated;
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, accepted, rewardsCreated, latencies: latencies.sort((a, b) => a - b) };
}

async function timed(work) {
  const t0 = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - t0) / 1000 };
}

/** A `cofactor` command against the bench database, as an operator would run it. */
function runCli(dbUrl, args) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [join(ROOT, 'server', 'dist', 'cli.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: dbUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolveRun({ code, output }));
  });
}

// ---------------------------------------------------------------------------------------
// Rollups: board totals and analytics, kept by triggers that append deltas the server folds

const ROLLUPS = ['board', 'analytics'];

/** Enables the rollup triggers again and rebuilds what they would have kept, as an operator would after a bulk load. */
async function rebuildRollups(db, dbUrl) {
  await setDeltaTriggers(db, ROLLUPS, true);
  return timed(async () => {
    for (const args of [['leaderboards', 'rebuild', '--program', PROGRAM_ID], ['analytics', 'rebuild', '--program', PROGRAM_ID]]) {
      const run = await runCli(dbUrl, args);
      if (run.code !== 0) throw new Error(`cofactor ${args.join(' ')} exited ${run.code}: ${run.output.slice(0, 500)}`);
    }
  });
}

async function moneyLifecycle(graphql, db, dbUrl, opts, runId) {
  log(`sending ${fmt(opts.refunds)} refunds`);
  const refunds = await sendRefunds(graphql, db, opts, runId);
  log(`refunds: ${fmt(refunds.accepted)} in ${refunds.seconds.toFixed(1)} s, ${fmt(refunds.rewardsCreated)} compensating entries`);
  const approval = await timed(() => graphql('mutation { approveDueRewards { approved } }'));
  log(`approveDueRewards: ${fmt(approval.result.approveDueRewards.approved)} entries in ${approval.seconds.toFixed(1)} s`);
  const batch = await timed(() => graphql('mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { id total payouts { id } } }'));
  const { createPayoutBatch } = batch.result;
  const items = (await db.query('select count(*)::bigint as n from payout_item i join payout p on p.id = i.payout_id where p.batch_id = $1', [createPayoutBatch.id])).rows[0].n;
  log(`createPayoutBatch: ${fmt(createPayoutBatch.payouts.length)} payouts over ${fmt(Number(items))} entries in ${batch.seconds.toFixed(1)} s`);
  const csv = await timed(() => graphql('query($id: ID!) { payoutBatch(id: $id) { csv } }', { id: createPayoutBatch.id }));
  const verify = await timed(() => runCli(dbUrl, ['verify', '--json']));
  log(`cofactor verify: exit ${verify.result.code} in ${verify.seconds.toFixed(1)} s`);
  // Σ of the payouts must equal Σ of the approved entries they hold, refunds deducted.
  const [sums] = (
    await db.query(
      `select (select coalesce(sum(amount), 0) from payout where batch_id = $1)::text as paid,
              (select coalesce(sum(r.amount), 0) from reward r join payout_item i on i.reward_id = r.id join payout p on p.id = i.payout_id
                where p.batch_id = $1)::text as entries`,
      [createPayoutBatch.id],
    )
  ).rows;
  return { refunds, approval, batch, items: Number(items), csv, verify, sums, total: createPayoutBatch.total };
}

// ---------------------------------------------------------------------------------------
// Statements per batch

/**
 * What the server's role ran while events were sent: statements per batch, and the five that
 * took the most of PostgreSQL's time, logged with their share of it.
 */
async function statementStats(db, batches) {
  const { rows } = await db.query(
    `select s.calls::bigint as calls, s.total_exec_time as ms, s.rows::bigint as rows, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) as query
       from pg_stat_statements s join pg_roles r on r.oid = s.userid
      where r.rolname = 'cofactor_app' order by s.total_exec_time desc`,
  );
  const calls = rows.reduce((sum, row) => sum + Number(row.calls), 0);
  const milliseconds = rows.reduce((sum, row) => sum + row.ms, 0);
  log(`statements while sending: ${fmt(calls)} (${(calls / batches).toFixed(1)} per batch), ${fmt(milliseconds)} ms; the most time:`);
  for (const row of rows.slice(0, 6)) {
    log(`  ${pct(row.ms / milliseconds).padStart(6)} ${(Number(row.calls) / batches).toFixed(1).padStart(5)}/batch ${fmt(row.ms / Number(row.calls)).padStart(6)} ms each  ${row.query}`);
  }
  return { perBatch: calls / batches, milliseconds, batches };
}

// ---------------------------------------------------------------------------------------
// The COPY baseline

/**
 * Dumps `source` to a file first, then times only `copy <target> from stdin` streaming it
 * back, so the baseline measures loading (parsing, heap + index writes), not reading. The
 * load runs COPY_ROUNDS times into a fresh table, each after a checkpoint, and the median
 * counts: a single load lands on whatever the run left behind (a checkpoint flushing the
 * lifecycle's updates, autovacuum on the ledger) and varied twofold between runs.
 */
async function copyBaseline(dbUrl, dir, source, target) {
  const file = join(dir, `${target}.copy`);
  const reader = new pg.Client({ connectionString: dbUrl });
  const writer = new pg.Client({ connectionString: dbUrl });
  await reader.connect();
  await writer.connect();
  try {
    await pipeline(reader.query(copyTo(`copy ${source} to stdout (format binary)`)), createWriteStream(file));
    const rounds = [];
    for (let round = 0; round < COPY_ROUNDS; round++) {
      await writer.query(`drop table if exists ${target}`);
      await writer.query(`create table ${target} (like ${source} including all)`);
      await writer.query('checkpoint');
      const t0 = performance.now();
      const stream = writer.query(copyFrom(`copy ${target} from stdin (format binary)`));
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), stream);
      rounds.push({ rows: Number(stream.rowCount), seconds: (performance.now() - t0) / 1000 });
    }
    rounds.sort((a, b) => a.seconds - b.seconds);
    const median = rounds[Math.floor(rounds.length / 2)];
    log(`COPY ${target}: ${fmt(median.rows)} rows in ${median.seconds.toFixed(2)} s (median of ${rounds.map((r) => r.seconds.toFixed(2)).join(', ')} s)`);
    return median;
  } finally {
    rmSync(file, { force: true });
    await reader.end();
    await writer.end();
  }
}

// ---------------------------------------------------------------------------------------
// Webhooks

/** A receiver that answers 200 at once, and an endpoint sending it every reward. */
async function startReceiver(graphql) {
  let received = 0;
  let lastAt = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      lastAt = performance.now();
      response.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/hooks`;
  await graphql('mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: ["reward.created"] }) { secret } }', { url });
  log(`webhook endpoint ${url} for reward.created`);
  return {
    /** Waits until `expected` deliveries arrived (at most 10 minutes); how long after now the last one came. */
    async drained(expected) {
      const sentAt = performance.now();
      for (const started = performance.now(); received < expected && performance.now() - started < 600_000; ) await new Promise((resolve) => setTimeout(resolve, 50));
      if (received < expected) log(`webhooks: only ${fmt(received)} of ${fmt(expected)} arrived in 10 minutes`);
      return { received, lagSeconds: Math.max(0, lastAt - sentAt) / 1000 };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-bench-'));
  // As root the embedded PostgreSQL runs as the `postgres` user, which must reach dataDir/pg.
  chmodSync(dataDir, 0o755);
  const [port, pgPort] = [await freePort(), await freePort()];
  let server = null;
  let db = null;
  let memoryTimer = null;
  let receiver = null;

  let cleaning = null;
  let interrupted = false;
  const cleanup = () =>
    (cleaning ??= (async () => {
      clearInterval(memoryTimer);
      await receiver?.close();
      await db?.end().catch(() => {});
      if (server) {
        const t0 = performance.now();
        await stopServer(server);
        log(`server stopped in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      rmSync(dataDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping the server and removing ${dataDir}`);
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    log(`starting the server (HTTP ${port}, PostgreSQL ${pgPort}, data ${dataDir})`);
    const t0 = performance.now();
    server = startServer({ cli: opts.server, port, pgPort, dataDir, env: SERVER_ENV });
    await server.ready;
    // The owner's URL, with the password the server generated at first start: the bench seeds and copies as the owner.
    const dbUrl = runningEmbeddedPostgres(dataDir).url;
    // pg_stat_statements counts each batch's statements; PostgreSQL loads it only at start.
    await preloadStatementStats(dbUrl);
    await stopServer(server);
    server = startServer({ cli: opts.server, port, pgPort, dataDir, env: SERVER_ENV });
    await server.ready;
    const serverPid = server.child.pid;
    log(`server pid ${serverPid} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (started twice, to load pg_stat_statements)`);

    const token = readFileSync(join(dataDir, 'demo-admin-key'), 'utf8').trim();
    const graphql = graphqlClient(`http://127.0.0.1:${port}/graphql`, token);
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    await db.query('create extension if not exists pg_stat_statements');

    const s0 = performance.now();
    const tree = await seedPartners(db, { programId: PROGRAM_ID, total: opts.partners, joinedAt: PARTNERS_JOINED, codePrefix: 'B' });
    log(
      `seeded ${fmt(tree.ids.length)} partners (levels ${tree.widths.join(' / ')}) and ${fmt(tree.closureRows)} closure rows ` +
        `in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
    );

    // Only the bench campaign may pay: the demo campaign would add its own rewards.
    await graphql('mutation { pauseCampaign(id: "1") { id } }');
    const { createCampaign } = await graphql(`mutation {
      createCampaign(input: {name: "Bench campaign", startsAt: "2026-01-01T00:00:00Z", currency: "RUB",
        ${opts.budget ? `budget: ${opts.budget}, partnerCap: ${Math.floor(opts.budget / 10)},` : ''} schemes: [
        {code: "percentage-of-sales", args: {percent: "5"}},
        {code: "multi-level", args: {levels: ["3", "2", "1"]}},
        {code: "fixed-goal", args: {metric: "NEW_CUSTOMERS", target: ${GOAL_TARGET}, amount: 100000}}]}) { id }
    }`);
    const campaignId = createCampaign.id;
    await graphql('mutation($id: ID!) { activateCampaign(id: $id) { id } }', { id: campaignId });
    receiver = opts.webhooks ? await startReceiver(graphql) : null;
    log(`campaign ${campaignId} active; sending ${fmt(opts.events)} events in batches of ${fmt(opts.batch)}, concurrency ${opts.concurrency}`);

    // Memory: the node server's RSS (VmHWM at the end is its true peak) and PostgreSQL's.
    let peakNodeRss = 0;
    let peakPostgresRss = 0;
    let samples = 0;
    memoryTimer = setInterval(() => {
      peakNodeRss = Math.max(peakNodeRss, readMemory(serverPid).rss);
      if (samples++ % 4 === 0) peakPostgresRss = Math.max(peakPostgresRss, postgresRss(serverPid));
    }, 250);

    if (!opts.rollups) log(`rollup triggers disabled while sending: ${(await setDeltaTriggers(db, ROLLUPS, false)).join(', ')}`);
    await db.query('select pg_stat_statements_reset()');
    const cpuBefore = cpuSnapshot(serverPid);
    const clientCpuBefore = process.cpuUsage();
    const sent = await sendEvents(graphql, opts, tree.ids, serverPid);
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const cpuAfter = cpuSnapshot(serverPid);
    const webhooks = receiver ? await receiver.drained(sent.totals.rewardsCreated) : null;
    const statements = await statementStats(db, Math.ceil(opts.events / opts.batch));
    clearInterval(memoryTimer);
    const hwm = readMemory(serverPid).hwm;
    peakNodeRss = Math.max(peakNodeRss, hwm);
    peakPostgresRss = Math.max(peakPostgresRss, postgresRss(serverPid));
    const rebuilt = opts.rollups ? null : await rebuildRollups(db, dbUrl);
    if (rebuilt) log(`rollup triggers enabled again; board totals and analytics rebuilt in ${rebuilt.seconds.toFixed(1)} s`);

    // Verification straight from the database.
    const counts = (
      await db.query(
        `select (select count(*) from event where type = 'SALE')::bigint as events,
                (select count(*) from event where first_purchase)::bigint as "firstPurchases",
                (select count(*) from reward)::bigint as rewards,
                (select count(*) from reward where campaign_id = $1 and details ? 'metric')::bigint as goals,
                (select count(*) from (select partner_id from event where first_purchase
                                        group by partner_id having count(*) >= $2) reached)::bigint as "atGoal"`,
        [campaignId, GOAL_TARGET],
      )
    ).rows[0];
    const problems = [];
    if (Number(counts.events) !== opts.events) problems.push(`SALE events = ${counts.events}, expected ${opts.events}`);
    if (Number(counts.rewards) !== sent.totals.rewardsCreated) {
      problems.push(`count(reward) = ${counts.rewards}, but the calls reported ${sent.totals.rewardsCreated} rewardsCreated`);
    }
    if (sent.totals.accepted !== opts.events) problems.push(`accepted ${sent.totals.accepted} of ${opts.events} events`);

    const money = await moneyLifecycle(graphql, db, dbUrl, opts, sent.runId);
    if (money.refunds.accepted !== opts.refunds) problems.push(`accepted ${money.refunds.accepted} of ${opts.refunds} refunds`);
    if (money.sums.paid !== money.sums.entries) problems.push(`payouts total ${money.sums.paid}, their entries ${money.sums.entries}`);
    if (money.verify.result.code !== 0) problems.push(`cofactor verify exited ${money.verify.result.code}: ${money.verify.result.output.slice(0, 500)}`);

    // Baseline: the same rows loaded with COPY into LIKE-copies (same indexes; no FKs, no trigger).
    log('COPY baseline: events');
    const copyEvents = await copyBaseline(dbUrl, dataDir, 'event', 'bench_event');
    log('COPY baseline: rewards');
    const copyRewards = await copyBaseline(dbUrl, dataDir, 'reward', 'bench_reward');

    const eventsPerSecond = sent.totals.accepted / sent.seconds;
    const ledgerPerSecond = sent.totals.rewardsCreated / sent.seconds;
    const copyEventsPerSecond = copyEvents.rows / copyEvents.seconds;
    const copyLedgerPerSecond = copyRewards.rows / copyRewards.seconds;
    const serverCpu = cpuAfter.server - cpuBefore.server;
    const postgresCpu = cpuAfter.postgres - cpuBefore.postgres;
    const benchCpu = (clientCpu.user + clientCpu.system) / 1e6;
    const row = (label, value) => `  ${label.padEnd(30)}${value}`;
    const lines = [
      '',
      `Cofactor ingest benchmark — ${fmt(opts.events)} SALE events, batches of ${fmt(opts.batch)}, concurrency ${opts.concurrency}, ` +
        `${fmt(tree.ids.length)} partners in ${LEVELS} levels` +
        (opts.budget ? `, campaign budget ${fmt(opts.budget)} and partner cap ${fmt(Math.floor(opts.budget / 10))} per month` : ''),
      row('events/s (end to end)', fmt(eventsPerSecond)),
      row('ledger rows/s', `${fmt(ledgerPerSecond)}   (${fmt(sent.totals.rewardsCreated)} rewards, ${(sent.totals.rewardsCreated / sent.totals.accepted).toFixed(2)} per event)`),
      row('wall time sending', `${sent.seconds.toFixed(1)} s`),
      row('batch latency p50 / p95', `${ms(percentile(sent.latencies, 50))} / ${ms(percentile(sent.latencies, 95))}   (max ${ms(sent.latencies.at(-1))})`),
      row('statements per batch', `${statements.perBatch.toFixed(1)}   (pg_stat_statements, BEGIN and COMMIT included; ${fmt(statements.milliseconds / statements.batches)} ms of PostgreSQL per batch)`),
      row('retried batches', `${fmt(sent.totals.retries)}${sent.totals.retries ? `   (${[...sent.totals.retryReasons].map(([r, n]) => `${n}× ${r}`).join('; ')})` : ''}`),
      row('peak server RSS', `${fmt(peakNodeRss / 2 ** 20)} MiB   (node; PostgreSQL processes summed: ${fmt(peakPostgresRss / 2 ** 20)} MiB)`),
      row('CPU while sending', `server node ${serverCpu.toFixed(1)} s (${pct(serverCpu / sent.seconds)} of a core), PostgreSQL ${postgresCpu.toFixed(1)} s (${pct(postgresCpu / sent.seconds)}), bench client ${benchCpu.toFixed(1)} s`),
      // What a target rate leaves: every core's time shared by every event.
      row('CPU per event', `server node ${fmt((serverCpu * 1e6) / sent.totals.accepted)} µs, PostgreSQL ${fmt((postgresCpu * 1e6) / sent.totals.accepted)} µs   ` +
        `(10,000 events/s on ${availableParallelism()} cores leaves ${fmt((availableParallelism() * 1e6) / 10_000)} µs for both)`),
      row('rollups while sending', opts.rollups ? 'kept (board and analytics deltas, folded by the server)' : `off (their triggers disabled), rebuilt after in ${rebuilt.seconds.toFixed(1)} s`),
      row('webhooks (reward.created)', webhooks ? `${fmt(webhooks.received)} delivered, the last ${webhooks.lagSeconds.toFixed(1)} s after the last batch (${fmt(webhooks.received / (sent.seconds + webhooks.lagSeconds))} per second overall)` : 'none (--webhooks to add them)'),
      row('raw COPY events/s', `${fmt(copyEventsPerSecond)}   (Cofactor = ${pct(eventsPerSecond / copyEventsPerSecond)} of COPY)`),
      row('raw COPY ledger rows/s', `${fmt(copyLedgerPerSecond)}   (Cofactor = ${pct(ledgerPerSecond / copyLedgerPerSecond)} of COPY)`),
      row('refunds/s (end to end)', opts.refunds ? `${fmt(money.refunds.accepted / money.refunds.seconds)}   (${fmt(money.refunds.rewardsCreated)} compensating entries; p50 ${ms(percentile(money.refunds.latencies, 50))} per batch)` : 'skipped'),
      row('approveDueRewards', `${fmt(money.approval.result.approveDueRewards.approved / money.approval.seconds)} entries/s   (${fmt(money.approval.result.approveDueRewards.approved)} in ${money.approval.seconds.toFixed(1)} s; ${pct(money.approval.result.approveDueRewards.approved / money.approval.seconds / copyLedgerPerSecond)} of COPY rows/s)`),
      row('createPayoutBatch', `${fmt(money.items / money.batch.seconds)} entries/s   (${fmt(money.items)} entries into ${fmt(money.batch.result.createPayoutBatch.payouts.length)} payouts in ${money.batch.seconds.toFixed(1)} s)`),
      row('payout batch CSV', `${money.csv.seconds.toFixed(2)} s   (${fmt(money.csv.result.payoutBatch.csv.length / 1024)} KiB)`),
      row('cofactor verify', `${money.verify.seconds.toFixed(1)} s over the whole ledger, exit code ${money.verify.result.code}`),
      row('verified', problems.length ? `NO — ${problems.join('; ')}` : `SALE events = ${fmt(Number(counts.events))}, count(reward) = ${fmt(Number(counts.rewards))} = Σ rewardsCreated ` +
        `(${fmt(Number(counts.firstPurchases))} first purchases)`),
      // Not a failure of the run, but worth seeing: concurrent batches can each miss a goal crossing.
      row('fixed-goal bonuses', `${fmt(Number(counts.goals))} paid; ${fmt(Number(counts.atGoal))} partners have ≥ ${GOAL_TARGET} new customers` +
        (Number(counts.atGoal) > Number(counts.goals) ? `   (${fmt(Number(counts.atGoal) - Number(counts.goals))} bonuses MISSING)` : '')),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    process.exitCode = problems.length ? 1 : 0;
  } catch (error) {
    if (interrupted) return; // the signal handler cleans up and exits
    reportFailure(error, server);
  } finally {
    await cleanup();
  }
}

await main();
