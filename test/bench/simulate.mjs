#!/usr/bin/env node
// Cofactor simulation benchmark: a quarter of stored events, bulk-seeded into an embedded
// PostgreSQL as the server stores them, replayed in this process by the simulation service
// (the engine itself: no HTTP, no job queue) through a campaign with the three reference
// schemes and a volume bonus. See `--help`.
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApp, readConfig, startEmbeddedPostgres } from '../../server/dist/index.js';
import { seedDemo } from '../../server/dist/programs/demo-seed.js';
import { LEVELS, fmt, freePort, log, readArgs, rng, seedPartners } from './common.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// pg-copy-streams is a dependency of the server package only, so resolve it from there.
const { from: copyFrom } = createRequire(join(ROOT, 'server', 'package.json'))('pg-copy-streams');

const USAGE = `Usage: node test/bench/simulate.mjs [options]   (or: pnpm bench simulate [options])

Starts an embedded PostgreSQL in a fresh temp dir, seeds one program with bulk SQL (a referral
tree with its closure and history rows, a quarter of SALE events with customers and refunds,
stored in recorded batches), then simulates a campaign over that quarter in this process:
percentage-of-sales 5%, multi-level 3/2/1%, fixed-goal (5 new customers → 1 000,00 ₽) and a
monthly volume bonus.

Options:
  --events N     stored events in the quarter, refunds included (default 1000000)
  --partners N   partners in the 8-level referral tree (default 100000)
  --batch N      events per recorded batch, i.e. per replayed batch (default 1000)
  --refunds P    percent of the events that refund an earlier sale (default 5)
  --runs N       simulate N times over the same seeded program, reporting each run and the median (default 1):
                 a machine shared with other work makes one run's figure noisy
  --profile F    write a CPU profile of the simulation alone (not the seeding) to F (.cpuprofile)
  --heap-profile F  write a sampling heap profile of what the simulation allocates to F (.heapprofile)
  --help         print this help

The simulation keeps the span's events and every entry it writes in memory: at the default
1,000,000 events give node more heap than its default (about 4 GiB on a large machine), e.g.
NODE_OPTIONS=--max-old-space-size=8192 pnpm bench simulate
Most of the replay's garbage-collection time is young-generation scavenges of each batch's
objects: a larger young generation (--max-semi-space-size=64) makes them fewer, and
--experimental-async-context-frame keeps AsyncLocalStorage (a dependency uses it) from hooking
every promise, as Node 22 does by default.`;

/** The quarter, in the demo program's time zone (Europe/Moscow, UTC+3). */
const QUARTER = { from: new Date('2025-12-31T21:00:00Z'), to: new Date('2026-03-31T21:00:00Z') };
const NEW_CUSTOMER_SHARE = 0.45;
const GOAL_TARGET = 5;
const SCHEMES = [
  { code: 'percentage-of-sales', args: { percent: '5' } },
  { code: 'multi-level', args: { levels: ['3', '2', '1'] } },
  { code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: GOAL_TARGET, amount: 100000 } },
  { code: 'volume-bonus', args: { period: 'MONTH', steps: [{ from: '10000000', percent: '1', bonus: '500000' }, { from: '30000000', percent: '2', bonus: '2000000' }] } },
];

function readOptions() {
  const { values, integer } = readArgs(USAGE, {
    events: { type: 'string', default: '1000000' },
    partners: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    refunds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '1' },
    profile: { type: 'string' },
    'heap-profile': { type: 'string' },
  });
  return { events: integer('events', 1, 10_000_000), partners: integer('partners', LEVELS, 10_000_000), batch: integer('batch', 1, 5000), refunds: integer('refunds', 0, 50), runs: integer('runs', 1, 20), profile: values.profile ?? null, heapProfile: values['heap-profile'] ?? null };
}

const mib = (bytes) => `${fmt(bytes / 2 ** 20)} MiB`;

// ---------------------------------------------------------------------------------------
// The quarter's events, as recordEvents stores them

/**
 * Plans every event in the order callers sent them: batches of `opts.batch`, one every
 * few seconds over the quarter. 45% of the sales bring a new customer (their first purchase),
 * the rest are by a customer of an earlier batch; `opts.refunds` percent refund an earlier
 * batch's sale (half of them in part), at its partner and customer. Within a batch the server
 * stores the sales first and the refunds after them, so that is the order of their ids.
 */
function planEvents(opts, partnerIds, firstEventId, firstCustomerId) {
  const random = rng(0x51a1);
  const spanMs = QUARTER.to - QUARTER.from;
  const n = opts.events;
  const ev = {
    id: new Float64Array(n), type: new Uint8Array(n), partner: new Float64Array(n), customer: new Float64Array(n), amount: new Float64Array(n),
    firstPurchase: new Uint8Array(n), occurredAt: new Float64Array(n), recordedAt: new Float64Array(n), refundOf: new Float64Array(n),
    batch: new Float64Array(n), position: new Uint16Array(n), externalId: new Array(n),
  };
  const customers = { id: [], firstAt: [], partner: [], createdAt: [] };
  const sales = []; // index of every sale of the earlier batches not refunded yet
  let nextEventId = firstEventId;
  for (let from = 0; from < n; from += opts.batch) {
    const to = Math.min(n, from + opts.batch);
    const recordedAt = QUARTER.from.getTime() + Math.floor((to * spanMs) / n) + 5_000;
    const salesBefore = sales.length;
    const customersBefore = customers.id.length;
    const refunds = [];
    for (let i = from; i < to; i++) {
      ev.occurredAt[i] = QUARTER.from.getTime() + Math.floor((i * spanMs) / n);
      ev.recordedAt[i] = recordedAt;
      ev.batch[i] = from / opts.batch + 1;
      ev.position[i] = i - from;
      if (salesBefore > 0 && random() * 100 < opts.refunds) {
        const pick = Math.floor(random() * sales.length);
        const sale = sales[pick];
        sales[pick] = sales[sales.length - 1];
        sales.pop();
        ev.type[i] = 1;
        ev.refundOf[i] = sale;
        ev.partner[i] = ev.partner[sale];
        ev.customer[i] = ev.customer[sale];
        ev.amount[i] = random() < 0.5 ? ev.amount[sale] : Math.floor(ev.amount[sale] / 2);
        ev.externalId[i] = `R-${String(i).padStart(8, '0')}`;
        refunds.push(i);
        continue;
      }
      ev.partner[i] = partnerIds[Math.floor(random() * partnerIds.length)];
      ev.amount[i] = 10_000 + Math.floor(random() * 4_990_001); // 100.00 .. 50,000.00 RUB in kopecks
      ev.externalId[i] = `S-${String(i).padStart(8, '0')}`;
      if (customersBefore === 0 || random() < NEW_CUSTOMER_SHARE) {
        ev.customer[i] = firstCustomerId + customers.id.length;
        ev.firstPurchase[i] = 1;
        customers.id.push(ev.customer[i]);
        customers.firstAt.push(ev.occurredAt[i]);
        customers.partner.push(ev.partner[i]);
        customers.createdAt.push(recordedAt);
      } else ev.customer[i] = customers.id[Math.floor(random() * customersBefore)];
      ev.id[i] = nextEventId++;
    }
    for (const i of refunds) {
      ev.id[i] = nextEventId++;
      ev.refundOf[i] = ev.id[ev.refundOf[i]];
    }
    for (let i = from; i < to; i++) if (ev.type[i] === 0) sales.push(i);
  }
  return { ev, customers };
}

const iso = (ms) => new Date(ms).toISOString();

function* eventLines(ev, programId, firstEventId) {
  const byId = new Uint32Array(ev.id.length);
  for (let i = 0; i < ev.id.length; i++) byId[ev.id[i] - firstEventId] = i;
  for (let k = 0; k < byId.length; k += 10_000) {
    let chunk = '';
    for (const i of byId.subarray(k, k + 10_000)) {
      const refund = ev.type[i] === 1;
      chunk += `${ev.id[i]}\t${programId}\t${ev.externalId[i]}\t${refund ? 'REFUND' : 'SALE'}\t${ev.partner[i]}\t${ev.customer[i]}\t${ev.amount[i]}\tRUB\t` +
        `${ev.firstPurchase[i] ? 't' : 'f'}\t${iso(ev.occurredAt[i])}\t{}\t${iso(ev.recordedAt[i])}\t${refund ? ev.refundOf[i] : '\\N'}\t${ev.batch[i]}\t${ev.position[i]}\n`;
    }
    yield chunk;
  }
}

function* customerLines(customers, programId) {
  for (let k = 0; k < customers.id.length; k += 10_000) {
    let chunk = '';
    for (let i = k; i < Math.min(customers.id.length, k + 10_000); i++) {
      chunk += `${customers.id[i]}\t${programId}\tC${customers.id[i]}\t${iso(customers.firstAt[i])}\t${customers.partner[i]}\t${iso(customers.createdAt[i])}\n`;
    }
    yield chunk;
  }
}

async function copyRows(db, statement, lines) {
  await pipeline(Readable.from(lines), db.query(copyFrom(statement)));
}

async function seedEvents(db, programId, opts, partnerIds) {
  const next = (await db.query(`select (select coalesce(max(id), 0) + 1 from event)::bigint as event, (select coalesce(max(id), 0) + 1 from customer)::bigint as customer`)).rows[0];
  const firstEventId = Number(next.event);
  const { ev, customers } = planEvents(opts, partnerIds, firstEventId, Number(next.customer));
  log(`planned ${fmt(opts.events)} events and ${fmt(customers.id.length)} customers; copying them in`);
  await db.query('begin');
  await copyRows(db, 'copy customer (id, program_id, external_id, first_purchase_at, first_partner_id, created_at) from stdin', customerLines(customers, programId));
  await copyRows(
    db,
    'copy event (id, program_id, external_id, type, partner_id, customer_id, amount, currency, first_purchase, occurred_at, attributes, recorded_at, refund_of_id, batch_id, batch_position) from stdin',
    eventLines(ev, programId, firstEventId),
  );
  await db.query(`select setval(pg_get_serial_sequence('event', 'id'), (select max(id) from event)), setval(pg_get_serial_sequence('customer', 'id'), (select max(id) from customer))`);
  await db.query('commit');
  await db.query('analyze event; analyze customer');
  let refunds = 0;
  for (let i = 0; i < ev.type.length; i++) refunds += ev.type[i];
  return { refunds, customers: customers.id.length };
}

// ---------------------------------------------------------------------------------------
// The simulation

/** Runs the simulation, timing its parts from the replay's progress reports and sampling memory at each. */
async function simulate(app, programId, campaignId, events) {
  const marks = [];
  const cpu = [];
  const memory = { rss: 0, heapUsed: 0 };
  let lastLog = 0;
  const t0 = performance.now();
  const result = await app.simulation.simulate(programId, { campaignId, from: QUARTER.from, to: QUARTER.to }, {
    onProgress: ({ eventsReplayed, eventsTotal }) => {
      const now = performance.now();
      marks.push(now);
      cpu.push(process.cpuUsage());
      const usage = process.memoryUsage();
      memory.rss = Math.max(memory.rss, usage.rss);
      memory.heapUsed = Math.max(memory.heapUsed, usage.heapUsed);
      if (now - lastLog > 5000 || eventsReplayed === eventsTotal) {
        lastLog = now;
        const replaySeconds = (now - marks[0]) / 1000;
        log(`replayed ${fmt(eventsReplayed)} / ${fmt(eventsTotal)} events` + (replaySeconds > 0 ? ` (${fmt((eventsReplayed - events.firstBatch) / replaySeconds)} events/s)` : '') + `, heap ${mib(usage.heapUsed)}`);
      }
    },
  });
  const end = performance.now();
  // The first batch's time is not seen apart from the load: take it as long as the second's.
  const firstBatch = marks.length > 1 ? marks[1] - marks[0] : 0;
  const load = (marks[0] - t0 - firstBatch) / 1000;
  const replaySeconds = (marks.at(-1) - marks[0] + firstBatch) / 1000;
  // CPU time is steadier than wall time on a shared machine; it counts V8's helper threads too.
  const cpuSeconds = (from, to) => (to.user + to.system - from.user - from.system) / 1e6;
  const replayCpu = cpu.length > 1 ? (cpuSeconds(cpu[0], cpu.at(-1)) * (marks.length)) / (marks.length - 1) : 0;
  return { result, load, replay: replaySeconds, replayCpu, closeAndSummary: (end - marks.at(-1)) / 1000, total: (end - t0) / 1000, memory };
}

/**
 * A digest of every entry the simulation wrote, so two runs (before and after a change) can be
 * compared. Explanations are left out: a replay keeps its entries without them.
 */
function digest(entries) {
  const hash = createHash('sha256');
  for (const e of entries) hash.update(`${e.idempotencyKey}|${e.partnerId}|${e.kind}|${e.amount}|${e.unit}|${e.status}|${e.eventId}\n`);
  return hash.digest('hex').slice(0, 16);
}

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-bench-simulate-'));
  chmodSync(dataDir, 0o755);
  let database = null;
  let app = null;
  let db = null;
  const cleanup = async () => {
    await db?.end().catch(() => {});
    await app?.close().catch(() => {});
    await database?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  };
  // On a signal the replay is still running: stop PostgreSQL and leave, without waiting for the app's pools.
  const interrupt = () => {
    log('interrupted: stopping PostgreSQL and removing the data dir');
    const stopped = database?.stop().catch(() => {}) ?? Promise.resolve();
    Promise.race([stopped, new Promise((resolveWait) => setTimeout(resolveWait, 15_000))]).finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, interrupt);
  try {
    // The bench's own events are the load it measures, whatever the server's default limit.
    const maxEvents = String(Math.max(2 * opts.events, 500_000));
    const env = { ...process.env, COFACTOR_DATA_DIR: dataDir, DATABASE_URL: '', COFACTOR_SIMULATION_MAX_EVENTS: maxEvents };
    const config = readConfig(env, { rootDir: ROOT, embeddedPostgresPort: await freePort() });
    log(`starting PostgreSQL (port ${config.embeddedPostgresPort}, data ${dataDir})`);
    database = await startEmbeddedPostgres({ dataDir, port: config.embeddedPostgresPort, command: 'bench', log: () => {} });
    app = await createApp(config, database.appUrl, database.url);
    const { programId } = await seedDemo(app);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();

    let t = performance.now();
    const tree = await seedPartners(db, { programId, total: opts.partners, joinedAt: '2025-06-01T00:00:00Z', codePrefix: 'S' });
    log(`seeded ${fmt(tree.ids.length)} partners and ${fmt(tree.closureRows)} closure rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    const seeded = await seedEvents(db, programId, opts, tree.ids);
    log(`seeded ${fmt(opts.events)} events (${fmt(seeded.refunds)} refunds, ${fmt(seeded.customers)} customers) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const campaign = await app.campaigns.create(programId, { name: 'Bench campaign', startsAt: QUARTER.from, currency: 'RUB', schemes: SCHEMES });
    await app.campaigns.activate(programId, campaign.id);
    const expected = (
      await db.query(
        `select count(*)::bigint as events, (sum(amount) filter (where type = 'SALE') - coalesce(sum(amount) filter (where type = 'REFUND'), 0))::text as "netSales"
           from event where program_id = $1 and occurred_at >= $2 and occurred_at < $3`,
        [programId, QUARTER.from, QUARTER.to],
      )
    ).rows[0];

    globalThis.gc?.();
    log(`simulating campaign ${campaign.id} over ${QUARTER.from.toISOString()} .. ${QUARTER.to.toISOString()}, heap ${mib(process.memoryUsage().heapUsed)} before`);
    const session = opts.profile || opts.heapProfile ? new Session() : null;
    session?.connect();
    if (opts.profile) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    // Every allocation, collected or not: what makes the garbage collector work.
    if (opts.heapProfile) await session.post('HeapProfiler.startSampling', { samplingInterval: 32 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const runs = [];
    for (let n = 1; n <= opts.runs; n++) {
      if (n > 1) {
        runs.at(-1).result = null;
        globalThis.gc?.();
        log(`run ${n} of ${opts.runs}`);
      }
      runs.push(await simulate(app, programId, campaign.id, { firstBatch: Math.min(opts.batch, opts.events) }));
    }
    // The run of median replay time stands for all; the result is the last run's (every run gives the same entries).
    const median = [...runs].sort((a, b) => a.replay - b.replay)[Math.floor((runs.length - 1) / 2)];
    const run = { ...median, result: runs.at(-1).result, memory: { rss: Math.max(...runs.map((one) => one.memory.rss)), heapUsed: Math.max(...runs.map((one) => one.memory.heapUsed)) } };
    if (opts.profile) {
      writeFileSync(opts.profile, JSON.stringify((await session.post('Profiler.stop')).profile));
      log(`CPU profile of the simulation written to ${opts.profile}`);
    }
    if (opts.heapProfile) {
      globalThis.gc?.();
      writeFileSync(opts.heapProfile, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
      log(`heap profile of the simulation written to ${opts.heapProfile}`);
    }
    session?.disconnect();
    const { result } = run;
    const problems = [];
    if (result.eventsReplayed !== Number(expected.events)) problems.push(`replayed ${result.eventsReplayed} events, ${expected.events} stored`);
    if (result.netSales.toString() !== expected.netSales) problems.push(`net sales ${result.netSales}, stored ${expected.netSales}`);

    const row = (label, value) => `  ${label.padEnd(30)}${value}`;
    const money = (minor) => `${(Number(minor) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    const lines = [
      '',
      `Cofactor simulation benchmark — ${fmt(result.eventsReplayed)} stored events (${fmt(seeded.refunds)} refunds) in recorded batches of ${fmt(opts.batch)}, ` +
        `${fmt(tree.ids.length)} partners in ${LEVELS} levels, schemes ${SCHEMES.map((s) => s.code).join(', ')} (in process, the engine alone)`,
      row('load snapshot', `${run.load.toFixed(1)} s   (SQL and the memory store)`),
      ...(runs.length > 1 ? [row(`runs (${runs.length})`, `replay ${runs.map((one) => fmt(result.eventsReplayed / one.replay)).join(', ')} events/s; the median run below`)] : []),
      row('replay', `${run.replay.toFixed(1)} s   (${fmt(result.eventsReplayed / run.replay)} events/s)`),
      row('replay CPU', `${run.replayCpu.toFixed(1)} s   (${fmt(result.eventsReplayed / run.replayCpu)} events per CPU second, GC threads included)`),
      row('close periods + summary', `${run.closeAndSummary.toFixed(1)} s   (${result.periodsClosed.join(', ')})`),
      row('end to end', `${run.total.toFixed(1)} s   (${fmt(result.eventsReplayed / run.total)} events/s)`),
      row('peak RSS / heap', `${mib(run.memory.rss)} / ${mib(run.memory.heapUsed)} sampled per batch; process peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`),
      row('entries', `${fmt(result.entries.length)}   (digest ${digest(result.entries)})`),
      ...result.totals.map((total) => row(`  ${total.kind} ${total.unit}`, `granted ${money(total.granted)}, capped ${money(total.capped)}, ${fmt(total.entries)} entries`)),
      ...result.byScheme.map((group) => row(`  scheme ${group.key}`, `${money(group.granted)} ${group.kind} ${group.unit}`)),
      row('net sales', `${money(result.netSales)} RUB   (cost of sales ${result.costOfSalesPercent}%)`),
      row('verified', problems.length ? `NO — ${problems.join('; ')}` : `replayed = stored events in the quarter (${fmt(Number(expected.events))}), net sales = SQL's`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
    process.exitCode = problems.length ? 1 : 0;
  } catch (error) {
    console.error(`bench failed: ${Array.isArray(error) ? error.join('\n') : (error.stack ?? error.message)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

await main();
