#!/usr/bin/env node
// Cofactor live-board benchmark: a real `cofactor start` child process; board reads over HTTP
// on a bulk-seeded program; thousands of `leaderboardChanged` subscribers in client processes
// while a sender process records sales at a paced rate; and ingestion with the board triggers
// on and off. See `--help`.
import { fork } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runningEmbeddedPostgres } from '../../server/dist/db/embedded.js';
import { LEVELS, fmt, freePort, log, percentile, readArgs, rng, seedPartners } from './common.mjs';
import { RECORD_EVENTS, cpuSnapshot, graphqlClient, isRetryable, now, readCpu, readMemory, reportFailure, setDeltaTriggers, startServer, stopServer } from './server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

const USAGE = `Usage: node test/bench/live.mjs [options]   (or: pnpm bench live -- [options])

Starts one Cofactor server (embedded PostgreSQL in a fresh temp dir), seeds a program with
partners over regions and gives most of them a sale this month, then measures:
  1. reads: \`leaderboard\` over HTTP, a region board and the program-wide board, p50/p95;
  2. live: graphql-ws subscribers (client processes) on many boards while a sender process
     records sales at a paced rate: push latency from the \`recordEvents\` response, pushes lost,
     server RSS per subscriber and CPU;
  3. ingestion events/s with the board triggers enabled and disabled, alternating, as a ratio.

Options (defaults in brackets; --quick gives the second figure, a ~2-minute smoke run):
  --partners N        partners, spread evenly over the regions          [100000 | 10000]
  --regions N         regions                                           [50]
  --reads N           timed requests per board read, after a warm-up    [200 | 40]
  --subscribers N     WebSocket connections, one subscription each      [10000 | 1000]
  --boards N          distinct boards subscribed to (region or program-wide × NET_SALES or
                      SALES × MONTH, QUARTER or ALL, top 10, 25, 50 or 100)   [200 | 50]
  --clients N         subscriber processes                              [4 | 2]
  --rate N            events per second the sender aims at              [1000 | 200]
  --seconds N         how long the sender sends (a call taking over 30 s fails; no batch
                      starts after twice this time)                     [60 | 10]
  --batch N           events per recordEvents call of the sender        [50]
  --ingest-events N   sales per ingestion run (phase 3)                 [20000 | 4000]
  --ingest-batch N    events per recordEvents call in phase 3           [500]
  --runs N            ingestion runs with the triggers on and off        [3 | 1]
  --push-ms N         COFACTOR_BOARD_PUSH_MS for the server (default: the server's, 250)
  --server PATH       the cli.js to start (default server/dist/cli.js)
  --quick             the smoke-run defaults above
  --help              print this help

The server runs with COFACTOR_APPROVE_EVERY=0 (no scheduled approvals during the run) and, with
--push-ms, COFACTOR_BOARD_PUSH_MS; nothing else is raised: no limit of the server refuses
these subscribers. Subscribers connect with the demo admin key, so each push is the board's top
(no partner's own entry). Everything listens on 127.0.0.1 and is stopped at the end.`;

const PROGRAM_ID = '1'; // the demo program
const REGION_PREFIX = 'R';
const SEED_BATCH = 1000;
const SEED_SHARE = 0.9; // partners with a sale before the run
const INGEST_WARMUP = 2000;
const CONNECT_CONCURRENCY = 50; // per client process
const SETTLE_TIMEOUT_MS = 60_000;
const TOPS = [10, 25, 50, 100];
const METRIC_PERIODS = ['NET_SALES', 'SALES'].flatMap((metric) => ['MONTH', 'QUARTER', 'ALL'].map((period) => ({ metric, period })));

// ---------------------------------------------------------------------------------------
// Options

const DEFAULTS = {
  full: { partners: 100_000, regions: 50, reads: 200, subscribers: 10_000, boards: 200, clients: 4, rate: 1000, seconds: 60, batch: 50, 'ingest-events': 20_000, 'ingest-batch': 500, runs: 3 },
  quick: { partners: 10_000, regions: 50, reads: 40, subscribers: 1000, boards: 50, clients: 2, rate: 200, seconds: 10, batch: 50, 'ingest-events': 4000, 'ingest-batch': 500, runs: 1 },
};
const LIMITS = {
  partners: [1000, 10_000_000], regions: [1, 500], reads: [1, 100_000], subscribers: [1, 100_000], boards: [1, 10_000], clients: [1, 64],
  rate: [1, 100_000], seconds: [1, 3600], batch: [1, 5000], 'ingest-events': [1, 10_000_000], 'ingest-batch': [1, 5000], runs: [1, 99], 'push-ms': [1, 60_000],
};

function readOptions() {
  const { values, integer, fail } = readArgs(USAGE, {
    ...Object.fromEntries(Object.keys(LIMITS).map((name) => [name, { type: 'string' }])),
    server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
    quick: { type: 'boolean', default: false },
  });
  const defaults = DEFAULTS[values.quick ? 'quick' : 'full'];
  const opts = { quick: values.quick, server: resolve(values.server) };
  for (const [name, [min, max]] of Object.entries(LIMITS)) {
    const given = values[name] ?? defaults[name];
    if (given !== undefined) opts[name.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = integer(name, min, max, given);
  }
  const boardsMax = (opts.regions + 1) * METRIC_PERIODS.length;
  if (opts.boards > boardsMax) fail(`--boards ${opts.boards}: ${opts.regions} regions give at most ${boardsMax} boards`);
  if (opts.partners < LEVELS * opts.regions) fail(`--partners must be at least ${LEVELS * opts.regions} for ${opts.regions} regions`);
  return opts;
}

const ms = (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : 'n/a');
const mib = (bytes) => `${fmt(bytes / 2 ** 20)} MiB`;
const sleep = (millis) => new Promise((r) => setTimeout(r, millis));

// ---------------------------------------------------------------------------------------
// Seeding: regions, partners (bulk SQL), a sale for most partners (through the API)

async function seedProgram(graphql, db, opts) {
  // Only the bench's own campaign pays (created after seeding): the demo's would add rewards.
  await graphql('mutation { pauseCampaign(id: "1") { id } }');
  const codes = Array.from({ length: opts.regions }, (_, i) => `${REGION_PREFIX}${String(i + 1).padStart(3, '0')}`);
  for (const code of codes) await graphql('mutation($input: CreateRegionInput!) { createRegion(input: $input) { id } }', { input: { code, name: `Bench region ${code}` } });
  const regionIds = (await db.query('select id::text from region where program_id = $1 and code = any($2::text[]) order by code', [PROGRAM_ID, codes])).rows.map((row) => row.id);

  const t0 = performance.now();
  const tree = await seedPartners(db, { programId: PROGRAM_ID, total: opts.partners, joinedAt: '2025-12-01T00:00:00Z', codePrefix: 'L' });
  const firstId = tree.ids[0];
  // Region k of n for the k-th partner of each run of n: every region has every level.
  await db.query('begin');
  await db.query('update partner set region_id = ($2::bigint[])[(id - $1) % $3 + 1] where id >= $1', [firstId, regionIds, regionIds.length]);
  await db.query('update partner_history h set region_id = p.region_id from partner p where p.id = h.partner_id and p.id >= $1', [firstId]);
  await db.query('commit');
  await db.query('analyze partner; analyze partner_history');
  log(`seeded ${fmt(tree.ids.length)} partners over ${opts.regions} regions (levels ${tree.widths.join(' / ')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // A sale each for SEED_SHARE of the partners, in a shuffled order, so boards are full of values.
  const random = rng(0xb0a4d);
  const order = tree.ids.map(String);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const sellers = order.slice(0, Math.floor(order.length * SEED_SHARE));
  const t1 = performance.now();
  await ingest(graphql, sellers.length, SEED_BATCH, 2, (i) => ({ externalId: `seed-${i}`, type: 'SALE', partnerId: sellers[i], amount: amount(random), currency: 'RUB' }));
  log(`seeded ${fmt(sellers.length)} sales through recordEvents in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  await boardsFolded(db);
  return { partnerIds: tree.ids.map(String), codes };
}

/**
 * Waits until the server has folded the seed's board deltas into totals, then vacuums the
 * emptied delta table and the partners: reads are timed on a settled board, not on a bulk
 * load's backlog (which every read adds up until it is folded).
 */
async function boardsFolded(db) {
  const t0 = performance.now();
  while (Number((await db.query('select count(*) from board_delta')).rows[0].count) > 0) await new Promise((resolve) => setTimeout(resolve, 500));
  // What autovacuum does to a settled database within minutes: the seed's partners become
  // all-visible, so a region's members are read from the index alone.
  await db.query('vacuum board_delta');
  await db.query('vacuum analyze partner');
  log(`the server folded the seed's board deltas into totals in ${((performance.now() - t0) / 1000).toFixed(1)} s more`);
}

const amount = (random) => String(10_000 + Math.floor(random() * 4_990_001)); // 100.00 .. 50,000.00 RUB in kopecks

/** Sends `count` events made by `make(i)` in batches, `concurrency` calls in flight; events/s. */
async function ingest(graphql, count, batch, concurrency, make) {
  const batches = Math.ceil(count / batch);
  let next = 0;
  let accepted = 0;
  const started = performance.now();
  async function worker() {
    while (next < batches) {
      const index = next++;
      const events = Array.from({ length: Math.min(batch, count - index * batch) }, (_, k) => make(index * batch + k));
      for (let attempt = 1; ; attempt++) {
        try {
          const { recordEvents } = await graphql(RECORD_EVENTS, { events });
          accepted += recordEvents.accepted;
          break;
        } catch (error) {
          if (attempt >= 5 || !isRetryable(error)) throw new Error(`batch ${index}: ${error.message}`, { cause: error });
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, batches) }, worker));
  if (accepted !== count) throw new Error(`recordEvents accepted ${accepted} of ${count} events`);
  return count / ((performance.now() - started) / 1000);
}

/** The boards show what the events say: a region's top 5 this month against SUM(amount) of each partner's sales. */
async function checkBoardsAgree(graphql, db, code) {
  const { leaderboard } = await graphql(BOARD_QUERY, { input: { metric: 'NET_SALES', period: 'MONTH', regionCode: code }, first: 5 });
  const ids = leaderboard.edges.map(({ node }) => node.partner.id);
  const { rows } = await db.query(`select partner_id::text as id, sum(amount)::text as sum from event where type = 'SALE' and partner_id = any($1::bigint[]) group by partner_id`, [ids]);
  const sums = new Map(rows.map((row) => [row.id, row.sum]));
  const wrong = leaderboard.edges.filter(({ node }) => sums.get(node.partner.id) !== String(node.value));
  if (wrong.length) throw new Error(`board ${code} disagrees with the events: ${JSON.stringify(wrong.map(({ node }) => [node.partner.id, node.value, sums.get(node.partner.id)]))}`);
}

// ---------------------------------------------------------------------------------------
// 1. Reads

const BOARD_QUERY = `query($input: LeaderboardInput!, $first: Int) {
  leaderboard(input: $input, first: $first) { ranked edges { node { rank value partner { id name } } } } }`;

async function timeReads(graphql, opts, regionCode) {
  const results = [];
  for (const scope of [{ label: `region ${regionCode}`, regionCode }, { label: 'program-wide', regionCode: null }]) {
    for (const period of ['MONTH', 'ALL']) {
      for (const first of [10, 100]) {
        const variables = { input: { metric: 'NET_SALES', period, regionCode: scope.regionCode }, first };
        let ranked = 0;
        for (let i = 0; i < Math.max(5, Math.ceil(opts.reads / 10)); i++) ranked = (await graphql(BOARD_QUERY, variables)).leaderboard.ranked;
        const times = [];
        for (let i = 0; i < opts.reads; i++) {
          const t0 = performance.now();
          await graphql(BOARD_QUERY, variables);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const result = { label: `${scope.label}, ${period}, first ${first}`, ranked, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1) };
        log(`read ${result.label} (${fmt(ranked)} ranked): p50 ${ms(result.p50)}, p95 ${ms(result.p95)}, max ${ms(result.max)}`);
        results.push(result);
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// 2. Live

/** Board b: scope (program-wide, then each region) × metric × period, with a page of 10 to 100. */
function boardList(opts, codes) {
  const scopes = [null, ...codes];
  return Array.from({ length: opts.boards }, (_, b) => {
    const { metric, period } = METRIC_PERIODS[b % METRIC_PERIODS.length];
    const regionCode = scopes[Math.floor(b / METRIC_PERIODS.length) % scopes.length];
    return { index: b, input: { metric, period, ...(regionCode ? { regionCode } : {}) }, top: TOPS[b % TOPS.length] };
  });
}

/** A child process speaking the live protocol: `on(type)` resolves with its next message of that type. */
function child(script, args = []) {
  const proc = fork(join(HERE, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  const handlers = new Map();
  proc.on('message', (message) => {
    handlers.get(message.type)?.(message);
    const resolveNext = waiting.get(message.type);
    if (resolveNext) {
      waiting.delete(message.type);
      resolveNext(message);
    }
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    proc,
    exited,
    on: (type) => Promise.race([new Promise((r) => waiting.set(type, r)), exited.then((code) => Promise.reject(new Error(`${script} exited (${code}) before sending "${type}"`)))]),
    handle: (type, handler) => handlers.set(type, handler),
  };
}

/** Every subscriber connected, each with its first push; the server's RSS before and after. */
async function subscribeAll(opts, boards, url, token, serverPid) {
  const clients = Array.from({ length: opts.clients }, () => child('live-client.mjs'));
  const rssBefore = readMemory(serverPid).rss;
  const t0 = performance.now();
  let progress = 0;
  clients.forEach((client) =>
    client.handle('progress', () => {
      progress += 500;
      if (progress % 2000 === 0) log(`subscribing: about ${fmt(progress)} of ${fmt(opts.subscribers)}`);
    }),
  );
  const subscribed = await Promise.all(
    clients.map((client, c) => {
      const subscriptions = [];
      for (let i = c; i < opts.subscribers; i += opts.clients) subscriptions.push({ index: i, board: boards[i % boards.length] });
      client.proc.send({ type: 'start', url, token, subscriptions, concurrency: CONNECT_CONCURRENCY });
      return client.on('subscribed');
    }),
  );
  const connectSeconds = (performance.now() - t0) / 1000;
  await sleep(3000); // let the server's heap settle after the connection storm
  const rssAfter = readMemory(serverPid).rss;
  const count = subscribed.reduce((sum, s) => sum + s.subscribed, 0);
  const errors = subscribed.reduce((sum, s) => sum + s.errors, 0);
  log(`${fmt(count)} of ${fmt(opts.subscribers)} subscribed in ${connectSeconds.toFixed(1)} s (${errors} errors${errors ? `: ${subscribed.flatMap((s) => s.firstErrors).slice(0, 3).join(' | ')}` : ''}); server RSS ${mib(rssBefore)} → ${mib(rssAfter)}`);
  return { clients, count, errors, connectSeconds, rssBefore, rssAfter };
}

/** The sender sends; each response's changes go to every client; the CPU of each process is measured meanwhile. */
async function sendLive(opts, live, url, token, dbUrl, partnerIds, serverPid) {
  const sender = child('live-sender.mjs');
  sender.handle('changed', (message) => live.clients.forEach((client) => client.proc.send(message)));
  const pids = [...live.clients.map((client) => client.proc.pid), sender.proc.pid];
  const cpuOf = () => ({ server: cpuSnapshot(serverPid), load: pids.reduce((sum, pid) => sum + (readCpu(pid)?.own ?? 0), 0) });
  const before = cpuOf();
  const t0 = performance.now();
  let peakRss = 0;
  let ticks = 0;
  const ticker = setInterval(() => {
    peakRss = Math.max(peakRss, readMemory(serverPid).rss);
    if (++ticks % 20 === 0) log(`live: ${((performance.now() - t0) / 1000).toFixed(0)} s, server RSS ${mib(readMemory(serverPid).rss)}`);
  }, 500);
  sender.proc.send({ type: 'start', url, token, dbUrl, partnerIds, rate: opts.rate, seconds: opts.seconds, batch: opts.batch, inFlightMax: 8, runId: `live-${Date.now().toString(36)}` });
  const done = await sender.on('done').finally(() => clearInterval(ticker));
  const after = cpuOf();
  if (done.error) throw new Error(`the sender failed: ${done.error}`);
  const seconds = (performance.now() - t0) / 1000;
  const result = done.result;
  log(`sender: ${fmt(result.accepted)} events in ${result.seconds.toFixed(1)} s = ${fmt(result.accepted / result.seconds)} ev/s (batch p50 ${ms(result.p50)}, p95 ${ms(result.p95)}; ${result.retries} retried, ${result.failed} failed${result.errors.length ? `: ${result.errors.join(' | ')}` : ''})`);
  return {
    sender: result,
    seconds,
    peakRss,
    serverCpu: after.server.server - before.server.server,
    postgresCpu: after.server.postgres - before.server.postgres,
    loadCpu: after.load - before.load,
  };
}

/** Waits until no client got a push for `quietMs`, then compares each subscriber's last push with the board read over HTTP. */
async function settleAndCompare(live, boards, graphql, quietMs) {
  const t0 = performance.now();
  for (;;) {
    const statuses = await Promise.all(live.clients.map((client) => (client.proc.send({ type: 'status' }), client.on('status'))));
    const last = Math.max(...statuses.map((s) => s.lastPushAt));
    if (now() - last >= quietMs) break;
    if (performance.now() - t0 > SETTLE_TIMEOUT_MS) {
      log(`pushes still arriving after ${SETTLE_TIMEOUT_MS / 1000} s; comparing anyway`);
      break;
    }
    await sleep(250);
  }
  const read = {};
  for (const board of boards) {
    const { leaderboard } = await graphql(BOARD_QUERY, { input: board.input, first: board.top });
    read[board.index] = leaderboard.edges.map(({ node }) => `${node.partner.id}:${node.rank}:${node.value}`).join(',');
  }
  return Promise.all(live.clients.map((client) => (client.proc.send({ type: 'compare', boards: read }), client.on('result'))));
}

/** Merges the clients' latency histograms: p50/p95/p99 and the exact max. */
function latencyFigures(results) {
  const buckets = new Map();
  for (const result of results) for (const [bucket, count] of result.histogram) buckets.set(bucket, (buckets.get(bucket) ?? 0) + count);
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  const at = (p) => {
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [bucket, count] of sorted) if ((seen += count) >= rank) return bucket / results[0].bucketsPerMs;
    return NaN;
  };
  return { samples: total, p50: at(50), p95: at(95), p99: at(99), max: Math.max(...results.map((r) => r.stats.maxMs)) };
}

async function livePhase(opts, ctx) {
  const boards = boardList(opts, ctx.codes);
  const wsUrl = `ws://127.0.0.1:${ctx.port}/graphql`;
  log(`live: ${fmt(opts.subscribers)} subscribers on ${boards.length} boards in ${opts.clients} processes`);
  const live = await subscribeAll(opts, boards, wsUrl, ctx.token, ctx.serverPid);
  try {
    const sent = await sendLive(opts, live, ctx.url, ctx.token, ctx.dbUrl, ctx.partnerIds, ctx.serverPid);
    const results = await settleAndCompare(live, boards, ctx.graphql, Math.max(2000, 8 * (opts.pushMs ?? 250)));
    const sum = (field) => results.reduce((total, result) => total + result.stats[field], 0);
    const figures = {
      ...sent,
      subscribed: live.count,
      subscribeErrors: live.errors,
      connectSeconds: live.connectSeconds,
      rssBefore: live.rssBefore,
      rssAfter: live.rssAfter,
      latency: latencyFigures(results),
      pushes: sum('pushes') - sum('initial'),
      unmatched: sum('unmatched'),
      unchanged: sum('unchanged'),
      early: sum('early'),
      pushErrors: sum('errors'),
      closed: sum('closed'),
      mismatched: results.reduce((total, result) => total + result.mismatched, 0),
      examples: results.flatMap((result) => result.examples).slice(0, 3),
    };
    log(`live: ${fmt(figures.pushes)} pushes after the first; latency p50 ${ms(figures.latency.p50)}, p99 ${ms(figures.latency.p99)}; ${figures.mismatched} subscribers' last push differs from the board`);
    for (const example of figures.examples) log(`  ${example}`);
    return figures;
  } finally {
    await Promise.all(live.clients.map((client) => (client.proc.send({ type: 'stop' }), client.exited)));
  }
}

// ---------------------------------------------------------------------------------------
// 3. Ingestion with the board triggers on and off

const setBoardTriggers = (db, enabled) => setDeltaTriggers(db, ['board'], enabled);

async function ingestionPhase(opts, graphql, db, partnerIds) {
  const random = rng(0x1a6e);
  let serial = 0;
  const sale = () => {
    const i = serial++;
    return { externalId: `ingest-${i}`, type: 'SALE', partnerId: partnerIds[Math.floor(random() * partnerIds.length)], customerId: `ingest-${i}`, amount: amount(random), currency: 'RUB' };
  };
  const run = (count) => ingest(graphql, count, opts.ingestBatch, 2, sale);
  const triggers = await setBoardTriggers(db, true);
  log(`ingestion: warm-up of ${fmt(INGEST_WARMUP)} sales; board triggers: ${triggers.join(', ')}`);
  await run(INGEST_WARMUP);
  const runs = [];
  try {
    for (let r = 0; r < opts.runs; r++) {
      const figures = {};
      for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
        await setBoardTriggers(db, on);
        figures[on ? 'on' : 'off'] = await run(opts.ingestEvents);
        log(`ingestion run ${r + 1}, board triggers ${on ? 'on ' : 'off'}: ${fmt(figures[on ? 'on' : 'off'])} events/s`);
      }
      runs.push(figures);
    }
  } finally {
    await setBoardTriggers(db, true);
  }
  const ratios = runs.map((figures) => figures.on / figures.off).sort((a, b) => a - b);
  return { runs, ratio: ratios[Math.floor(ratios.length / 2)], triggers };
}

// ---------------------------------------------------------------------------------------
// Main

function report(opts, reads, live, ingestion, loads) {
  const row = (label, value) => `  ${label.padEnd(38)}${value}`;
  const l = live;
  const lines = [
    '',
    `Cofactor live-board benchmark — ${fmt(opts.partners)} partners over ${opts.regions} regions, one server process`,
    row('machine', `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())}; Node ${process.version}`),
    row('load average 1/5/15 min', `before ${loads.before.map((n) => n.toFixed(2)).join(' ')}, after ${loads.after.map((n) => n.toFixed(2)).join(' ')}`),
    '  reads (sequential, HTTP)              p50 / p95 / max',
    ...reads.map((read) => row(`  ${read.label}`, `${ms(read.p50)} / ${ms(read.p95)} / ${ms(read.max)}   (${fmt(read.ranked)} ranked)`)),
    `  live: ${fmt(opts.subscribers)} subscribers on ${opts.boards} boards, ${opts.clients} client processes, sender aiming at ${fmt(opts.rate)} ev/s for ${opts.seconds} s`,
    row('  subscribed', `${fmt(l.subscribed)} in ${l.connectSeconds.toFixed(1)} s (${fmt(l.subscribeErrors)} refused or failed)`),
    row('  events/s achieved', `${fmt(l.sender.accepted / l.sender.seconds)}   (${fmt(l.sender.accepted)} in ${l.sender.seconds.toFixed(1)} s; recordEvents p50 ${ms(l.sender.p50)}, p95 ${ms(l.sender.p95)}; ${l.sender.failed} failed)`),
    row('  push latency p50/p95/p99/max', `${ms(l.latency.p50)} / ${ms(l.latency.p95)} / ${ms(l.latency.p99)} / ${ms(l.latency.max)}   (${fmt(l.latency.samples)} pushes matched; ${fmt(l.early)} before the response)`),
    row('  pushes', `${fmt(l.pushes)} after the first (${fmt(l.unmatched)} entries unmatched, ${fmt(l.unchanged)} without a changed entry, ${fmt(l.pushErrors)} errors, ${fmt(l.closed)} connections closed)`),
    // The push rate is what the machine must carry: compare with \`pnpm bench ws-floor\`'s CPU per message.
    row('  push rate', `${fmt(l.pushes / l.seconds)} pushes/s = ${(l.pushes / l.seconds / Math.max(1, l.subscribed)).toFixed(2)} per subscriber a second, ${(l.pushes / Math.max(1, l.sender.accepted)).toFixed(1)} per event`),
    row('  pushes lost', `${fmt(l.mismatched)} subscribers whose last push ≠ the board read over HTTP`),
    row('  server RSS', `${mib(l.rssBefore)} → ${mib(l.rssAfter)} subscribed = ${fmt((l.rssAfter - l.rssBefore) / Math.max(1, l.subscribed) / 1024)} KiB per subscriber; ${mib(l.peakRss)} at most while sending`),
    row('  CPU during the live phase', `server node ${(l.serverCpu / l.seconds * 100).toFixed(0)}% of a core, PostgreSQL ${(l.postgresCpu / l.seconds * 100).toFixed(0)}%, load generators ${(l.loadCpu / l.seconds * 100).toFixed(0)}% (${l.seconds.toFixed(0)} s)`),
    `  ingestion: ${fmt(opts.ingestEvents)} sales per run in batches of ${opts.ingestBatch}, 2 in flight, a 5% campaign`,
    ...ingestion.runs.map((run, r) => row(`  run ${r + 1}`, `board triggers on ${fmt(run.on)} ev/s, off ${fmt(run.off)} ev/s (on/off ${(run.on / run.off).toFixed(2)})`)),
    row('  median on/off', `${ingestion.ratio.toFixed(2)}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-live-bench-'));
  chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, which must reach dataDir/pg
  const [port, pgPort] = [await freePort(), await freePort()];
  const loads = { before: loadavg() };
  let server = null;
  let db = null;
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await db?.end().catch(() => {});
      if (server) await stopServer(server);
      rmSync(dataDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => cleanup().finally(() => process.exit(130)));

  try {
    log(`starting the server (HTTP ${port}, PostgreSQL ${pgPort}, data ${dataDir}); load average ${loads.before.map((n) => n.toFixed(2)).join(' ')}`);
    const env = { COFACTOR_APPROVE_EVERY: '0', ...(opts.pushMs ? { COFACTOR_BOARD_PUSH_MS: String(opts.pushMs) } : {}) };
    server = startServer({ cli: opts.server, port, pgPort, dataDir, env });
    await server.ready;
    const serverPid = server.child.pid;
    const dbUrl = runningEmbeddedPostgres(dataDir).url; // the owner: seeds, and switches triggers
    const token = readFileSync(join(dataDir, 'demo-admin-key'), 'utf8').trim();
    const url = `http://127.0.0.1:${port}/graphql`;
    const graphql = graphqlClient(url, token);
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();

    const { partnerIds, codes } = await seedProgram(graphql, db, opts);
    await checkBoardsAgree(graphql, db, codes[0]);
    const { createCampaign } = await graphql(`mutation { createCampaign(input: {name: "Bench campaign", startsAt: "2026-01-01T00:00:00Z", currency: "RUB",
      schemes: [{code: "percentage-of-sales", args: {percent: "5"}}]}) { id } }`);
    await graphql('mutation($id: ID!) { activateCampaign(id: $id) { id } }', { id: createCampaign.id });

    const reads = await timeReads(graphql, opts, codes[0]);
    const live = await livePhase(opts, { codes, port, url, token, dbUrl, graphql, serverPid, partnerIds });
    const ingestion = await ingestionPhase(opts, graphql, db, partnerIds);
    loads.after = loadavg();
    report(opts, reads, live, ingestion, loads);
    process.exitCode = live.mismatched || live.subscribed < opts.subscribers ? 1 : 0;
  } catch (error) {
    reportFailure(error, server);
  } finally {
    await cleanup();
  }
}

await main();
