#!/usr/bin/env node
// Cofactor analytics benchmark: a year of a large program bulk-loaded with PostgreSQL COPY
// (triggers off), the rollups rebuilt by the server's own code, then programStats and
// timeSeries read over HTTP from a real `cofactor start` with an analytics:read key. See `--help`.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { rebuildAnalytics } from '../../server/dist/analytics/rollups.js';
import { runningEmbeddedPostgres } from '../../server/dist/db/embedded.js';
import { Sql, StatementCounter } from '../../server/dist/db/sql.js';
import { LEVELS, countBelow, fmt, freePort, log, percentile, readArgs, rng, seedPartners } from './common.mjs';
import { cleanupOnSignals, graphqlClient, preloadStatementStats, reportFailure, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// pg-copy-streams is a dependency of the server package only, so resolve it from there.
const { from: copyFrom } = createRequire(join(ROOT, 'server', 'package.json'))('pg-copy-streams');

const PROGRAM_ID = '1'; // the demo program (RUB, Europe/Moscow)
const YEAR = 2025; // a whole past year
// The target is for a server in service. A fresh process's first reads of a shape run before V8
// has compiled their code: seen 145 ms for the first, 30–45 ms for the next ten, then a steady
// ~22 ms. The first read's time is reported apart.
const WARMUPS = 20;
const TARGET_P95_MS = 50;
const CHUNK = 10_000; // events per generated COPY chunk
const REWARD_EVERY = 10; // one sale in this many gets a reward
const JOINED_BEFORE = 0.6; // partners who joined before the year; the others join during it
const KINDS = [['AMBASSADOR', 30], ['AFFILIATE', 20], ['RESELLER', 12], ['INFLUENCER', 10], ['COFACTOR', 10], ['CONTENT_PARTNER', 8], ['DEALER', 6], ['SERVICE_CENTER', 4]];
const SEGMENTS = [['SMALL', 60], ['MEDIUM', 30], ['LARGE', 10]];
const PARTNER_LEVELS = [[1, 40], [2, 25], [3, 17], [4, 11], [5, 7]];
const TOP_REGIONS = 50;
const SUB_REGIONS = 3; // under every fifth top region
const EVENT_TYPES = [['SALE', 60], ['REFUND', 4], ['LEAD', 16], ['CLICK', 16], ['SIGNUP', 4]];

const USAGE = `Usage: node test/bench/analytics.mjs [options]   (or: pnpm bench analytics -- [options])

Starts a Cofactor server (embedded PostgreSQL in a fresh temp dir), bulk-loads a year of a
program straight into its tables with COPY (analytics and board triggers off on the loading
connection), rebuilds the analytics rollups with the server's own rebuildAnalytics, then
times over HTTP, with an analytics:read API key, one after another:
  programStats for the year grouped by REGION; grouped by KIND and MONTH;
  timeSeries(NET_SALES, DAY) for the year;
each --runs times after ${WARMUPS} warm-ups: p50 and p95 against the target (p95 ≤ ${TARGET_P95_MS} ms), and the
statements that took the server's PostgreSQL time (pg_stat_statements).

Options (defaults in brackets; --quick gives the second figure):
  --partners N   partners: 8 kinds, ~80 regions (50 top, some with sub-regions), segments
                 SMALL/MEDIUM/LARGE, levels 1-5, an 8-level referral tree   [100000 | 10000]
  --events N     events over the year ${YEAR}: 60% SALE (RUB), 4% REFUND, 16% LEAD, 16% CLICK,
                 4% SIGNUP, spread over the program's local days            [10000000 | 1000000]
  --runs N       timed requests per query, after the warm-ups               [30]
  --server PATH  the cli.js to start (default server/dist/cli.js)
  --quick        the short-run defaults above
  --help         print this help

A MONEY reward of 5% is written for one sale in ${REWARD_EVERY} (PAID, APPROVED or PENDING by age).
The data directory is removed at the end.`;

const DEFAULTS = { full: { partners: 100_000, events: 10_000_000, runs: 30 }, quick: { partners: 10_000, events: 1_000_000, runs: 30 } };

function readOptions() {
  const { values, integer } = readArgs(USAGE, {
    partners: { type: 'string' },
    events: { type: 'string' },
    runs: { type: 'string' },
    server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
    quick: { type: 'boolean', default: false },
  });
  const defaults = DEFAULTS[values.quick ? 'quick' : 'full'];
  return {
    server: resolve(values.server),
    partners: integer('partners', TOP_REGIONS * LEVELS, 10_000_000, values.partners ?? defaults.partners),
    events: integer('events', 1, 1_000_000_000, values.events ?? defaults.events),
    runs: integer('runs', 1, 10_000, values.runs ?? defaults.runs),
  };
}

const ms = (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)} ms` : 'n/a');
const seconds = (t0) => (performance.now() - t0) / 1000;

/** A picker of `[value, weight]` pairs: `pick(r)` for a uniform r in [0, 1). */
function weighted(pairs) {
  const total = pairs.reduce((sum, [, weight]) => sum + weight, 0);
  let seen = 0;
  const bounds = pairs.map(([value, weight]) => [value, (seen += weight) / total]);
  return (r) => bounds.find(([, bound]) => r < bound)?.[0] ?? bounds.at(-1)[0];
}

// ---------------------------------------------------------------------------------------
// The program: regions, a campaign and a key through the API; partners with bulk SQL

/** 50 top regions, every fifth with sub-regions, created as a user would; their ids, biggest first. */
async function createRegions(graphql, db) {
  const codes = [];
  for (let r = 1; r <= TOP_REGIONS; r++) {
    const code = `R${String(r).padStart(2, '0')}`;
    await graphql('mutation($input: CreateRegionInput!) { createRegion(input: $input) { id } }', { input: { code, name: `Region ${code}` } });
    codes.push(code);
    for (let s = 1; r % 5 === 0 && s <= SUB_REGIONS; s++) {
      await graphql('mutation($input: CreateRegionInput!) { createRegion(input: $input) { id } }', { input: { code: `${code}-${s}`, name: `Region ${code}-${s}`, parentCode: code } });
      codes.push(`${code}-${s}`);
    }
  }
  const { rows } = await db.query('select id::text from region where program_id = $1 and code = any($2::text[]) order by code', [PROGRAM_ID, codes]);
  return rows.map((row) => row.id);
}

/** The bench's campaign (never activated: its rewards are loaded, not earned), its scheme, and an analytics:read key. */
async function createCampaignAndKey(graphql, db) {
  const { createCampaign } = await graphql(`mutation { createCampaign(input: {name: "Bench campaign", startsAt: "${YEAR - 1}-01-01T00:00:00Z", currency: "RUB",
    schemes: [{code: "percentage-of-sales", args: {percent: "5"}}]}) { id } }`);
  const { rows } = await db.query('select id::text from scheme_instance where campaign_id = $1', [createCampaign.id]);
  const { createApiKey } = await graphql('mutation { createApiKey(name: "Analytics bench", scopes: ["analytics:read"]) { key } }');
  return { campaignId: createCampaign.id, schemeInstanceId: rows[0].id, key: createApiKey.key };
}

/** The local year as UTC milliseconds [start, end), in the program's time zone. */
async function yearBounds(db) {
  const { rows } = await db.query(
    `select extract(epoch from make_timestamp($2, 1, 1, 0, 0, 0) at time zone p.time_zone) * 1000 as start,
            extract(epoch from make_timestamp($2 + 1, 1, 1, 0, 0, 0) at time zone p.time_zone) * 1000 as "end", p.time_zone as zone
       from program p where p.id = $1`,
    [PROGRAM_ID, YEAR],
  );
  return { start: Number(rows[0].start), end: Number(rows[0].end), zone: rows[0].zone };
}

/**
 * The referral tree (seedPartners), then each partner's slice: kind, region (a few big ones),
 * segment, level, and when it joined — in id order, so sponsors joined before their recruits:
 * JOINED_BEFORE of them over the two years before, the rest over the year. Returns the ids and
 * their join times (ascending), for the events to name only partners who have joined.
 */
async function seedProgramPartners(db, opts, regionIds, year) {
  const tree = await seedPartners(db, { programId: PROGRAM_ID, total: opts.partners, joinedAt: new Date(year.start).toISOString(), codePrefix: 'A' });
  const random = rng(0xa11a);
  const kind = weighted(KINDS);
  const segment = weighted(SEGMENTS);
  const level = weighted(PARTNER_LEVELS);
  const region = weighted(regionIds.map((id, index) => [id, 1 / (index + 1) ** 0.7]));
  const before = Math.floor(tree.ids.length * JOINED_BEFORE);
  const span = year.end - year.start;
  const joined = tree.ids.map((_, k) => Math.floor(k < before ? year.start - 2 * span * (1 - k / before) : year.start + (span * (k - before)) / (tree.ids.length - before)));
  const columns = [tree.ids, tree.ids.map(() => kind(random())), tree.ids.map(() => region(random())), tree.ids.map(() => segment(random())), tree.ids.map(() => level(random())), joined.map((t) => new Date(t).toISOString())];
  await db.query('begin');
  const slice = `unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::timestamptz[]) as s(id, kind, region_id, segment, level, joined_at)`;
  await db.query(`update partner p set kind = s.kind, region_id = s.region_id, segment = s.segment, level = s.level, joined_at = s.joined_at, updated_at = s.joined_at from ${slice} where p.id = s.id`, columns);
  await db.query(`update partner_history h set kind = s.kind, region_id = s.region_id, segment = s.segment, valid_from = s.joined_at from ${slice} where h.partner_id = s.id`, columns);
  await db.query(`update partner_level_history h set level = s.level, valid_from = s.joined_at, recorded_at = s.joined_at from ${slice} where h.partner_id = s.id`, columns);
  await db.query('commit');
  return { ids: tree.ids, joined, widths: tree.widths };
}

// ---------------------------------------------------------------------------------------
// Events (COPY) and rewards (insert … select), triggers off

const EVENT_COLUMNS = 'id, program_id, external_id, type, partner_id, amount, currency, first_purchase, occurred_at, recorded_at, batch_id, batch_position';

/**
 * Chunk `c` of the events as COPY text, deterministic: event i occurs at an even share of the
 * year plus a random part of it (so every local day has its share), by a partner who has
 * joined by then, the earlier joined the busier (index ∝ r²).
 */
function eventChunk(c, opts, partners, year, firstId) {
  const random = rng(0xe7e7 + c);
  const type = weighted(EVENT_TYPES);
  const step = (year.end - year.start) / opts.events;
  let text = '';
  for (let i = c * CHUNK; i < Math.min(opts.events, (c + 1) * CHUNK); i++) {
    const at = Math.floor(year.start + (i + random()) * step);
    const joined = Math.max(1, countBelow(partners.joined, at));
    const r = random();
    const partnerId = partners.ids[Math.floor(joined * r * r)];
    const kind = type(random());
    const money = kind === 'SALE' ? `${10_000 + Math.floor(random() * 4_990_001)}\tRUB\t${random() < 0.35 ? 't' : 'f'}` : kind === 'REFUND' ? `${10_000 + Math.floor(random() * 1_990_001)}\tRUB\tf` : '\\N\t\\N\tf';
    text += `${firstId + i}\t${PROGRAM_ID}\tb${i}\t${kind}\t${partnerId}\t${money}\t${new Date(at).toISOString()}\t${new Date(at + 30_000).toISOString()}\t${Math.floor(i / 1000) + 1}\t${i % 1000}\n`;
  }
  return text;
}

async function copyEvents(db, opts, partners, year) {
  const { rows } = await db.query('select coalesce(max(id), 0)::bigint + 1 as first from event');
  const firstId = Number(rows[0].first);
  const chunks = Math.ceil(opts.events / CHUNK);
  let next = 0;
  const source = new Readable({
    read() {
      if (next >= chunks) return void this.push(null);
      if (next % 100 === 99) log(`  COPY event: ${fmt((next + 1) * CHUNK)} of ${fmt(opts.events)}`);
      this.push(eventChunk(next++, opts, partners, year, firstId));
    },
  });
  const copy = db.query(copyFrom(`copy event (${EVENT_COLUMNS}) from stdin`));
  await pipeline(source, copy);
  await db.query(`select setval(pg_get_serial_sequence('event', 'id'), (select max(id) from event))`);
  return { firstId, rows: Number(copy.rowCount) };
}

/** A 5% MONEY reward for every REWARD_EVERY-th sale: PAID when older than 60 days at the year's end, APPROVED older than 14, else PENDING. */
async function insertRewards(db, campaign, firstEventId, year) {
  const { rowCount } = await db.query(
    `insert into reward (program_id, partner_id, campaign_id, scheme_instance_id, event_id, kind, amount, unit, status, idempotency_key, explanation_en, explanation_ru, hold_until, created_at)
     select e.program_id, e.partner_id, $1, $2, e.id, 'MONEY', e.amount / 20, 'RUB',
            case when e.occurred_at < $4::timestamptz - interval '60 days' then 'PAID' when e.occurred_at < $4::timestamptz - interval '14 days' then 'APPROVED' else 'PENDING' end,
            'bench-' || e.id, '5% of a sale', '5% от продажи', e.occurred_at + interval '14 days', e.recorded_at
       from event e where e.id >= $3 and e.type = 'SALE' and e.id % ${REWARD_EVERY} = 0`,
    [campaign.campaignId, campaign.schemeInstanceId, firstEventId, new Date(year.end).toISOString()],
  );
  return rowCount;
}

/** Everything the bench loads, on one owner connection with triggers off (session_replication_role = replica). */
async function loadProgram(graphql, db, opts, year) {
  const t0 = performance.now();
  const regionIds = await createRegions(graphql, db);
  const campaign = await createCampaignAndKey(graphql, db);
  await db.query('set session_replication_role = replica');
  const partners = await seedProgramPartners(db, opts, regionIds, year);
  log(`${fmt(partners.ids.length)} partners over ${regionIds.length} regions (levels of the tree ${partners.widths.join(' / ')}) in ${seconds(t0).toFixed(1)} s`);
  const t1 = performance.now();
  const events = await copyEvents(db, opts, partners, year);
  const copySeconds = seconds(t1);
  log(`COPY event: ${fmt(events.rows)} rows in ${copySeconds.toFixed(1)} s (${fmt(events.rows / copySeconds)} rows/s)`);
  const t2 = performance.now();
  const rewards = await insertRewards(db, campaign, events.firstId, year);
  log(`${fmt(rewards)} rewards in ${seconds(t2).toFixed(1)} s`);
  await db.query('set session_replication_role = origin');
  const t3 = performance.now();
  await db.query('analyze partner; analyze partner_history; analyze partner_level_history; analyze event; analyze reward');
  log(`analyze in ${seconds(t3).toFixed(1)} s`);
  return { regions: regionIds.length, partners: partners.ids.length, events: events.rows, rewards, copySeconds, key: campaign.key, loadSeconds: seconds(t0) };
}

// ---------------------------------------------------------------------------------------
// The rollups, rebuilt by the server's code

const ROLLUP_TABLES = ['analytics_total', 'analytics_activity', 'analytics_partner_period', 'analytics_active'];

async function rebuild(dbUrl, db) {
  const sql = new Sql(dbUrl, new StatementCounter(), 1);
  await db.query('select pg_stat_statements_reset()');
  const t0 = performance.now();
  const ticker = setInterval(() => log(`  rebuilding for ${seconds(t0).toFixed(0)} s`), 60_000);
  try {
    const rows = await rebuildAnalytics(sql, PROGRAM_ID);
    const built = seconds(t0);
    log(`rebuildAnalytics: ${fmt(rows)} rows in ${built.toFixed(1)} s`);
    const steps = (await statementTimes(db, 'cofactor', 5)).map((step) => `${(step.total / 1000).toFixed(1).padStart(6)} s  ${step.query}`);
    // What a settled database has within minutes: statistics and all-visible pages (autovacuum).
    const t1 = performance.now();
    for (const table of ROLLUP_TABLES) await db.query(`vacuum analyze ${table}`);
    // And the rebuild's gigabytes written out, so the reads do not share the disk with the checkpointer.
    await db.query('checkpoint');
    const vacuumed = seconds(t1);
    const sizes = [];
    for (const table of ROLLUP_TABLES) {
      const { rows: [size] } = await db.query(`select count(*)::bigint as rows, pg_total_relation_size('${table}')::bigint as bytes from ${table}`);
      sizes.push({ table, rows: Number(size.rows), bytes: Number(size.bytes) });
    }
    return { rows, seconds: built, steps, vacuumed, sizes };
  } finally {
    clearInterval(ticker);
    await sql.close();
  }
}

/** The statements `role` ran since the last reset that took the most of PostgreSQL's time (pg_stat_statements). */
async function statementTimes(db, role, limit) {
  const { rows } = await db.query(
    `select s.calls::bigint as calls, s.mean_exec_time as mean, s.total_exec_time as total, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 120) as query
       from pg_stat_statements s join pg_roles r on r.oid = s.userid where r.rolname = $1 order by s.total_exec_time desc limit $2`,
    [role, limit],
  );
  return rows.map((row) => ({ ...row, calls: Number(row.calls) }));
}

// ---------------------------------------------------------------------------------------
// The reads, over HTTP

/** Every figure of a group: what a dashboard of the program asks for. */
const GROUP = `regionCode kind segment level campaignId schemeInstanceId month
  partners { new active total previouslyActive retained churned recruited retention }
  activity { events leads sales conversion }
  sales { currency count gross refunds refunded net averageCheck newCustomers }
  rewards { money { currency pending approved paid reversed capped rejected cost costOfSales } points { earned redeemed outstanding } perks { granted delivered } badges }
  satisfaction { responses averageScore nps promoters passives detractors }`;
const PROGRAM_STATS = `query($period: AnalyticsPeriodInput!, $groupBy: [AnalyticsDimension!]) {
  programStats(period: $period, groupBy: $groupBy) { from to total { ${GROUP} } groups { ${GROUP} } } }`;
const TIME_SERIES = `query($period: AnalyticsPeriodInput!) {
  timeSeries(metric: NET_SALES, interval: DAY, period: $period) { currency points { bucket value } } }`;

const QUERIES = [
  { label: `programStats ${YEAR} by REGION`, query: PROGRAM_STATS, variables: { period: { year: YEAR }, groupBy: ['REGION'] }, size: (data) => `${data.programStats.groups.length} groups` },
  { label: `programStats ${YEAR} by KIND, MONTH`, query: PROGRAM_STATS, variables: { period: { year: YEAR }, groupBy: ['KIND', 'MONTH'] }, size: (data) => `${data.programStats.groups.length} groups` },
  { label: `timeSeries NET_SALES DAY ${YEAR}`, query: TIME_SERIES, variables: { period: { year: YEAR } }, size: (data) => `${data.timeSeries.length} series × ${data.timeSeries[0]?.points.length ?? 0} points` },
];

async function timeQuery(graphql, db, opts, { label, query, variables, size }) {
  const started = performance.now();
  let data = await graphql(query, variables);
  const first = performance.now() - started;
  for (let i = 1; i < WARMUPS; i++) data = await graphql(query, variables);
  await db.query('select pg_stat_statements_reset()');
  const times = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    await graphql(query, variables);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const result = { label, size: size(data), data, first, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1), statements: await statementTimes(db, 'cofactor_app', 3) };
  log(`${label} (${result.size}): first ${ms(first)}, then p50 ${ms(result.p50)}, p95 ${ms(result.p95)}, max ${ms(result.max)}`);
  return result;
}

/** The API's year against the events themselves: SALE count and net sales, read straight from the table. */
async function checkFigures(db, year, reads) {
  const { rows } = await db.query(
    `select count(*) filter (where type = 'SALE')::text as sales,
            (coalesce(sum(amount) filter (where type = 'SALE'), 0) - coalesce(sum(amount) filter (where type in ('REFUND', 'CHARGEBACK')), 0))::text as net
       from event where program_id = $1 and occurred_at >= $2 and occurred_at < $3 and type not in ('PARTNER_JOINED', 'PARTNER_APPROVED')`,
    [PROGRAM_ID, new Date(year.start).toISOString(), new Date(year.end).toISOString()],
  );
  const rub = reads[0].data.programStats.total.sales?.find((sales) => sales.currency === 'RUB');
  const seriesNet = reads[2].data.timeSeries.find((series) => series.currency === 'RUB')?.points.reduce((sum, point) => sum + BigInt(point.value), 0n) ?? 0n;
  const problems = [];
  if (String(rub?.count) !== rows[0].sales) problems.push(`programStats counts ${rub?.count} sales, the events ${rows[0].sales}`);
  if (String(rub?.net) !== rows[0].net) problems.push(`programStats gives net sales ${rub?.net}, the events ${rows[0].net}`);
  if (String(seriesNet) !== rows[0].net) problems.push(`the daily series adds up to ${seriesNet}, the events' net sales to ${rows[0].net}`);
  return { problems, sales: rows[0].sales, net: rows[0].net };
}

// ---------------------------------------------------------------------------------------
// Main

function report(opts, load, built, reads, check, loads) {
  const row = (label, value) => `  ${label.padEnd(36)}${value}`;
  const mib = (bytes) => `${fmt(bytes / 2 ** 20)} MiB`;
  const lines = [
    '',
    `Cofactor analytics benchmark — ${fmt(load.partners)} partners over ${load.regions} regions, ${fmt(load.events)} events and ${fmt(load.rewards)} rewards in ${YEAR}`,
    row('machine', `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${mib(totalmem())}; load average before ${loads.before.map((n) => n.toFixed(2)).join(' ')}, after ${loads.after.map((n) => n.toFixed(2)).join(' ')}`),
    row('bulk load (COPY, triggers off)', `${load.loadSeconds.toFixed(1)} s, of which COPY event ${load.copySeconds.toFixed(1)} s (${fmt(load.events / load.copySeconds)} rows/s)`),
    row('rollup rebuild (rebuildAnalytics)', `${built.seconds.toFixed(1)} s, ${fmt(built.rows)} rows written (then vacuum analyze ${built.vacuumed.toFixed(1)} s)`),
    ...built.steps.map((step) => `      ${step}`),
    ...built.sizes.map((size) => row(`  ${size.table}`, `${fmt(size.rows)} rows, ${mib(size.bytes)}`)),
    `  reads over HTTP, ${opts.runs} after ${WARMUPS} warm-ups, one at a time     p50 / p95 / max   (target p95 ≤ ${TARGET_P95_MS} ms)`,
    ...reads.flatMap((read) => [
      row(`  ${read.label}`, `${ms(read.p50)} / ${ms(read.p95)} / ${ms(read.max)}   ${read.p95 <= TARGET_P95_MS ? 'within target' : 'OVER TARGET'}   (${read.size}; the first read ${ms(read.first)})`),
      ...read.statements.map((statement) => `      ${ms(statement.mean).padStart(7)} × ${(statement.calls / opts.runs).toFixed(1)} a request  ${statement.query}`),
    ]),
    row('figures against the events', check.problems.length ? `NO — ${check.problems.join('; ')}` : `agree: ${fmt(Number(check.sales))} sales, net ${fmt(Number(check.net) / 100)} RUB`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-analytics-bench-'));
  chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, which must reach dataDir/pg
  const [port, pgPort] = [await freePort(), await freePort()];
  const loads = { before: loadavg() };
  const env = { COFACTOR_APPROVE_EVERY: '0' };
  let server = null;
  let db = null;
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await db?.end().catch(() => {});
      if (server) await stopServer(server);
      rmSync(dataDir, { recursive: true, force: true });
    })());
  cleanupOnSignals(cleanup);

  try {
    log(`starting the server (HTTP ${port}, PostgreSQL ${pgPort}, data ${dataDir})`);
    server = startServer({ cli: opts.server, port, pgPort, dataDir, env });
    await server.ready;
    const dbUrl = runningEmbeddedPostgres(dataDir).url; // the owner: loads, rebuilds and reads pg_stat_statements
    // pg_stat_statements names the slow statements of a read; PostgreSQL loads it only at start.
    await preloadStatementStats(dbUrl);
    await stopServer(server);
    server = startServer({ cli: opts.server, port, pgPort, dataDir, env });
    await server.ready;
    const url = `http://127.0.0.1:${port}/graphql`;
    const admin = graphqlClient(url, readFileSync(join(dataDir, 'demo-admin-key'), 'utf8').trim());
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    await db.query('create extension if not exists pg_stat_statements');
    const year = await yearBounds(db);
    log(`loading ${fmt(opts.partners)} partners and ${fmt(opts.events)} events of ${YEAR} (${year.zone})`);
    const load = await loadProgram(admin, db, opts, year);
    const built = await rebuild(dbUrl, db);
    const graphql = graphqlClient(url, load.key);
    const reads = [];
    for (const query of QUERIES) reads.push(await timeQuery(graphql, db, opts, query));
    const check = await checkFigures(db, year, reads);
    loads.after = loadavg();
    report(opts, load, built, reads, check, loads);
    process.exitCode = check.problems.length ? 1 : 0;
  } catch (error) {
    reportFailure(error, server);
  } finally {
    await cleanup();
  }
}

await main();
