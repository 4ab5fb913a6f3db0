#!/usr/bin/env node
// Cofactor read benchmark: a partner's rewards list under load from a real `cofactor start`,
// beside PostGraphile 5 serving the same list from the same database and a bare node:http + pg
// floor running the same SQL — throughput, latency, SQL statements and CPU per request. See `--help`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { APP_ROLE, OWNER_ROLE, runningEmbeddedPostgres } from '../../server/dist/db/embedded.js';
import { fmt, freePort, log, percentile, readArgs } from './common.mjs';
import { MIN_READER_REWARDS, PROGRAM_ID, seedReadProgram } from './read-seed.mjs';
import { cleanupOnSignals, cpuSnapshot, graphqlClient, preloadStatementStats, readCpu, reportFailure, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PAGE = 50; // rewards per list response
const POOL = 10; // Cofactor's Sql pool (server/src/db/sql.ts); PostGraphile and the floor get as many connections
const TOKEN_TTL_SECONDS = 604_800; // the longest a partner token lives: it must outlast the run
const CHILD_START_MS = 120_000;
const CHILD_STOP_MS = 10_000;
const STATEMENT_ROLES = { postgraphile: 'read_bench_postgraphile', floor: 'read_bench_floor' };

const USAGE = `Usage: node test/bench/read.mjs [options]   (or: pnpm bench read -- [options])

Starts one Cofactor server (embedded PostgreSQL in a fresh temp dir, the demo program) and seeds
its database with a year of sales by --partners partners and the --rewards rewards they earned
(90% MONEY in RUB, 10% POINTS; PENDING, APPROVED and PAID by age, with monthly payouts and the
status log), bulk-loaded with COPY and insert … select on the owner's connection with triggers
off; the board totals and analytics rollups are rebuilt by the server's own code and
\`cofactor verify\` must pass. One partner with ${MIN_READER_REWARDS}+ rewards, some in payouts, is the reader.

Then the server is restarted with pg_stat_statements, and beside it start, each in its own
process on the same database with as many connections as Cofactor's pool (${POOL}):
  - PostGraphile 5.1 (Amber preset, grafserv on node:http), in production mode;
  - a floor: node:http + pg running the SQL Cofactor runs for the list, answering JSON.
Four phases, in each of --rounds rounds (each round starts one phase later in this order):
  Cofactor list      rewards(first: ${PAGE}) { edges { node { id amount unit kind status createdAt explanation { en ru } } } }
                     with the reader's partner token
  Cofactor cabinet   the web cabinet's first query (Cabinet in web/src/gql/graphql.ts): me, statements, badges, downline
  PostGraphile list  allRewards(condition: {programId, partnerId}, orderBy: ROW_ID_DESC, first: ${PAGE}) with the same fields
  floor list         the same ${PAGE} rewards in Cofactor's JSON shape
each --connections keep-alive connections sending requests back to back for --warmup seconds
(not counted), then for --seconds. Every response must be HTTP 200, without "errors" and of the
size of the first one checked (the three lists hold the same ${PAGE} rewards).

Prints for each phase: requests/s, latency p50/p95/p99, SQL statements per request (the
pg_stat_statements calls of the server's own role over the phase: ${APP_ROLE}, and a role of its
own for PostGraphile and the floor), CPU per request of the server's process, of PostgreSQL
(all its processes) and of this load generator; per round the ratios of requests/s, Cofactor
list ÷ PostGraphile and floor ÷ PostGraphile, and their medians over the rounds; and the size of
one response of each.

Options (defaults in brackets; --quick gives the second figure):
  --partners N      bench partners, in an 8-level referral tree        [10000 | 2000]
  --rewards N       rewards over them, a long tail (a few partners earn a lot)   [200000 | 40000]
  --connections N   concurrent keep-alive connections per phase         [64]
  --seconds N       measured seconds per phase                          [20 | 5]
  --warmup N        seconds of load before each phase's measurement     [3 | 1]
  --rounds N        rounds of the four phases                           [3 | 1]
  --server PATH     the cli.js to start (default server/dist/cli.js)
  --quick           the short-run defaults above
  --help            print this help

Everything listens on 127.0.0.1; the servers are stopped and the data directory removed at the
end, also on Ctrl-C. Run it on an otherwise quiet machine: the load generator, the three
servers and PostgreSQL share its cores.`;

const DEFAULTS = { full: { partners: 10_000, rewards: 200_000, seconds: 20, warmup: 3, rounds: 3 }, quick: { partners: 2_000, rewards: 40_000, seconds: 5, warmup: 1, rounds: 1 } };

function readOptions() {
  const { values, integer } = readArgs(USAGE, {
    partners: { type: 'string' },
    rewards: { type: 'string' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
    quick: { type: 'boolean', default: false },
  });
  const defaults = DEFAULTS[values.quick ? 'quick' : 'full'];
  return {
    server: resolve(values.server),
    partners: integer('partners', 100, 1_000_000, values.partners ?? defaults.partners),
    rewards: integer('rewards', 1_000, 50_000_000, values.rewards ?? defaults.rewards),
    connections: integer('connections', 1, 1_000),
    seconds: integer('seconds', 1, 3_600, values.seconds ?? defaults.seconds),
    warmup: integer('warmup', 0, 600, values.warmup ?? defaults.warmup),
    rounds: integer('rounds', 1, 100, values.rounds ?? defaults.rounds),
  };
}

// ---------------------------------------------------------------------------------------
// The queries

const COFACTOR_LIST = `query ReadBenchRewards($first: Int!) {
  rewards(first: $first) { edges { node { id amount unit kind status createdAt explanation { en ru } } } }
}`;
const POSTGRAPHILE_LIST = `query ReadBenchRewards($programId: BigInt!, $partnerId: BigInt!, $first: Int!) {
  allRewards(condition: {programId: $programId, partnerId: $partnerId}, orderBy: ROW_ID_DESC, first: $first) {
    nodes { rowId amount unit kind status createdAt explanationEn explanationRu }
  }
}`;

/** The cabinet's first query, exactly as the web client sends it (its codegen'd document). */
function cabinetQuery() {
  const source = readFileSync(join(ROOT, 'web', 'src', 'gql', 'graphql.ts'), 'utf8');
  const query = /export const CabinetDocument = new TypedDocumentString\(`([\s\S]*?)`\)/.exec(source)?.[1];
  if (!query) throw new Error('no CabinetDocument in web/src/gql/graphql.ts');
  return query;
}

/** The list's rewards as comparable tuples, whatever the server's shape. */
function listTuples(key, data) {
  const nodes = key === 'postgraphile' ? data.allRewards.nodes.map((n) => ({ ...n, id: n.rowId, explanation: { en: n.explanationEn, ru: n.explanationRu } })) : data.rewards.edges.map((edge) => edge.node);
  return nodes.map((n) => [String(n.id), String(n.amount), n.unit, n.kind, n.status, Date.parse(n.createdAt), n.explanation.en, n.explanation.ru].join('|'));
}

// ---------------------------------------------------------------------------------------
// Child processes: PostGraphile and the floor

function startChild(script, env, label) {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'bench', script)], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within ${CHILD_START_MS / 1000} s:\n${output}`)), CHILD_START_MS);
    child.stdout.on('data', (chunk) => {
      output = (output + chunk).slice(-20_000);
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited during start (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  ready.catch(() => {});
  return { child, ready, exited, label, output: () => output };
}

async function stopChild(running) {
  const { child, exited } = running;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer;
  const timedOut = await Promise.race([exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), CHILD_STOP_MS)))]);
  clearTimeout(timer);
  if (timedOut) {
    log(`${running.label} did not stop within ${CHILD_STOP_MS / 1000} s; killing it`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    await exited;
  }
}

/** A login role of the owner's privileges, so that pg_stat_statements tells a child's statements from the bench's own. */
async function roleUrl(db, ownerUrl, role) {
  const password = randomBytes(18).toString('hex');
  await db.query(`create role ${role} login password '${password}'`);
  await db.query(`grant ${OWNER_ROLE} to ${role}`);
  const url = new URL(ownerUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** `cofactor verify` on the bench's database, as an operator runs it: its output and exit code. */
function runVerify(cli, dataDir, pgPort, run) {
  return new Promise((resolveRun) => {
    const child = (run.verifying = spawn(process.execPath, [cli, 'verify'], { cwd: ROOT, env: { ...process.env, COFACTOR_DATA_DIR: dataDir, COFACTOR_PG_PORT: String(pgPort), DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolveRun({ code, output: output.trim() }));
  });
}

// ---------------------------------------------------------------------------------------
// The load generator

/** One POST over `agent`: status and body text. */
function post(target, agent) {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: target.port, path: target.path, method: 'POST', agent, headers: target.headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolvePost({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(target.body);
  });
}

/**
 * `connections` loops, each sending a request as soon as its last answer came, for `seconds`.
 * An answer counts as good when it is HTTP 200, of the reference answer's size and without
 * "errors" (the reference was parsed and checked whole).
 */
async function runLoad(target, agent, connections, seconds) {
  const latencies = [];
  let errors = 0;
  let firstError = null;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let last = started;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const { status, body } = await post(target, agent);
        last = performance.now();
        latencies.push(last - t0);
        if (status !== 200 || body.length !== target.bytes || body.includes('"errors"')) {
          errors += 1;
          firstError ??= `HTTP ${status}, ${body.length} bytes: ${body.toString('utf8', 0, 300)}`;
        }
      } catch (error) {
        last = performance.now();
        errors += 1;
        firstError ??= error.message;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  latencies.sort((a, b) => a - b);
  return { latencies, errors, firstError, elapsed: (last - started) / 1000 };
}

/** The pg_stat_statements calls of `role` so far, in the servers' database: by statement (queryid) with its text. */
async function statementCalls(db, role) {
  const { rows } = await db.query(
    `select s.queryid::text as id, s.calls::bigint::text as calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) as query
       from pg_stat_statements s join pg_roles r on r.oid = s.userid
      where r.rolname = $1 and s.dbid = (select oid from pg_database where datname = current_database())`,
    [role],
  );
  return new Map(rows.map((row) => [row.id, { calls: Number(row.calls), query: row.query }]));
}

/** What `role` ran between two snapshots: statements per request in all, and each statement's, most first. */
function statementsPerRequest(before, after, requests) {
  const each = [...after].map(([id, { calls, query }]) => ({ query, calls: calls - (before.get(id)?.calls ?? 0) })).filter((s) => s.calls > 0);
  for (const statement of each) statement.perRequest = statement.calls / requests;
  each.sort((a, b) => b.perRequest - a.perRequest);
  return { total: each.reduce((sum, s) => sum + s.perRequest, 0), each };
}

/** One phase: a warm-up, then the measured load with the statements and CPU it took. */
async function runPhase(target, opts, db, cofactorPid) {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.connections });
  try {
    if (opts.warmup) await runLoad(target, agent, opts.connections, opts.warmup);
    const calls0 = await statementCalls(db, target.role);
    const cpu0 = { server: readCpu(target.pid()).own, postgres: cpuSnapshot(cofactorPid).postgres, load: process.cpuUsage() };
    const run = await runLoad(target, agent, opts.connections, opts.seconds);
    const load = process.cpuUsage(cpu0.load);
    const cpu1 = { server: readCpu(target.pid()).own, postgres: cpuSnapshot(cofactorPid).postgres };
    const calls1 = await statementCalls(db, target.role);
    const requests = run.latencies.length;
    const statements = statementsPerRequest(calls0, calls1, requests);
    const result = {
      key: target.key,
      requests,
      rate: requests / run.elapsed,
      p50: percentile(run.latencies, 50),
      p95: percentile(run.latencies, 95),
      p99: percentile(run.latencies, 99),
      statements: statements.total,
      statementList: statements.each,
      serverCpu: ((cpu1.server - cpu0.server) * 1e6) / requests,
      postgresCpu: ((cpu1.postgres - cpu0.postgres) * 1e6) / requests,
      loadCpu: (load.user + load.system) / requests,
      errors: run.errors,
      firstError: run.firstError,
    };
    log(`${target.label}: ${fmt(result.rate)} req/s, p50 ${result.p50.toFixed(1)} ms, ${result.statements.toFixed(2)} statements/req${run.errors ? `, ${run.errors} BAD: ${run.firstError}` : ''}`);
    return result;
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------
// The targets and their first answers

function targets(ports, token, reader, pids) {
  const json = (payload) => Buffer.from(JSON.stringify(payload));
  const headers = (body, auth) => ({ 'content-type': 'application/json', 'content-length': body.length, ...(auth ? { authorization: `Bearer ${auth}` } : {}) });
  const make = (key, label, port, path, payload, auth, role, pid) => {
    const body = json(payload);
    return { key, label, port, path, body, headers: headers(body, auth), role, pid };
  };
  return [
    make('list', 'Cofactor list', ports.cofactor, '/graphql', { query: COFACTOR_LIST, variables: { first: PAGE } }, token, APP_ROLE, pids.cofactor),
    make('cabinet', 'Cofactor cabinet', ports.cofactor, '/graphql', { query: cabinetQuery(), variables: {} }, token, APP_ROLE, pids.cofactor),
    make('postgraphile', 'PostGraphile list', ports.postgraphile, '/graphql', { query: POSTGRAPHILE_LIST, variables: { programId: PROGRAM_ID, partnerId: reader.id, first: PAGE } }, null, STATEMENT_ROLES.postgraphile, pids.postgraphile),
    make('floor', 'floor list', ports.floor, '/', { variables: { partnerId: reader.id, first: PAGE } }, null, STATEMENT_ROLES.floor, pids.floor),
  ];
}

/**
 * One answer of each, parsed and checked whole: no errors, the three lists the same PAGE
 * rewards of the reader, newest first. Sets each target's reference size; returns the answers.
 */
async function firstAnswers(phases, reader) {
  const agent = new Agent({ keepAlive: false });
  const answers = {};
  for (const target of phases) {
    const { status, body } = await post(target, agent);
    const text = body.toString('utf8');
    const parsed = JSON.parse(text);
    if (status !== 200 || parsed.errors) throw new Error(`${target.label} answered HTTP ${status}: ${text.slice(0, 1000)}`);
    target.bytes = body.length;
    answers[target.key] = { bytes: body.length, text, data: parsed.data };
  }
  const lists = ['list', 'postgraphile', 'floor'].map((key) => [key, listTuples(key, answers[key].data)]);
  for (const [key, tuples] of lists) {
    if (tuples.length !== PAGE) throw new Error(`${key} listed ${tuples.length} rewards, not ${PAGE}`);
    const differing = tuples.findIndex((tuple, i) => tuple !== lists[0][1][i]);
    if (differing >= 0) throw new Error(`${key}'s reward ${differing + 1} differs from Cofactor's: ${tuples[differing]} / ${lists[0][1][differing]}`);
  }
  if (answers.cabinet.data.me?.id !== reader.id) throw new Error(`the cabinet answered for partner ${answers.cabinet.data.me?.id}, not ${reader.id}`);
  return answers;
}

// ---------------------------------------------------------------------------------------
// The report

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const LABELS = { list: 'Cofactor list', cabinet: 'Cofactor cabinet', postgraphile: 'PostGraphile list', floor: 'floor list' };
const ORDER = ['list', 'cabinet', 'postgraphile', 'floor'];
const ms = (n) => (n < 10 ? n.toFixed(1) : fmt(n));
const us = (n) => `${fmt(n)} µs`;
/** What a response looks like: the cabinet's whole answer, a list's first node. */
const sample = (key, answer) =>
  key === 'cabinet' ? answer.text : JSON.stringify(key === 'postgraphile' ? answer.data.allRewards.nodes[0] : answer.data.rewards.edges[0].node);

function phaseRow(label, r) {
  return `  ${label.padEnd(20)}${fmt(r.rate).padStart(8)}${ms(r.p50).padStart(8)}${ms(r.p95).padStart(8)}${ms(r.p99).padStart(8)}${r.statements.toFixed(2).padStart(9)}${us(r.serverCpu).padStart(12)}${us(r.postgresCpu).padStart(12)}${us(r.loadCpu).padStart(12)}${String(r.errors).padStart(7)}`;
}
const HEADER = `  ${'phase'.padEnd(20)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'SQL/req'.padStart(9)}${'server CPU'.padStart(12)}${'PG CPU'.padStart(12)}${'load CPU'.padStart(12)}${'bad'.padStart(7)}`;
const ratios = (byKey) => ({ list: byKey.list.rate / byKey.postgraphile.rate, floor: byKey.floor.rate / byKey.postgraphile.rate, cabinet: byKey.cabinet.rate / byKey.postgraphile.rate });
const ratioLine = (r) => `  req/s ratios: Cofactor list ÷ PostGraphile ×${r.list.toFixed(2)}   floor ÷ PostGraphile ×${r.floor.toFixed(2)}   (Cofactor cabinet ÷ PostGraphile ×${r.cabinet.toFixed(2)})`;

function report(opts, seed, verify, answers, rounds, loads) {
  const mib = (bytes) => `${fmt(bytes / 2 ** 20)} MiB`;
  const lines = [
    '',
    `Cofactor read benchmark — ${fmt(seed.partners)} partners, ${fmt(seed.rewards)} rewards (${fmt(seed.mix.money)} MONEY RUB, ${fmt(seed.mix.points)} POINTS; ${fmt(seed.mix.pending)} PENDING, ${fmt(seed.mix.approved)} APPROVED, ${fmt(seed.mix.paid)} PAID), ${fmt(seed.payouts)} payouts`,
    `  machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${mib(totalmem())}, Node ${process.version}; load average before ${loads.before.map((n) => n.toFixed(2)).join(' ')}, after ${loads.after.map((n) => n.toFixed(2)).join(' ')}`,
    `  seeded in ${seed.seconds.toFixed(1)} s; explanations ${seed.mix.enLength} (en) and ${seed.mix.ruLength} (ru) characters on average`,
    `  cofactor verify: ${verify.output.split('\n').at(-1)}`,
    `  reader: partner ${seed.reader.id}, ${seed.reader.rewards} rewards (${seed.reader.paid} PAID, ${seed.reader.inPayouts} in payouts, ${seed.reader.createdPayouts} payout not yet paid)`,
    `  load: ${opts.connections} keep-alive connections, ${opts.warmup} s warm-up + ${opts.seconds} s per phase, ${opts.rounds} round(s); CPU columns are per request`,
    `  one response of each (the lists: the reader's ${PAGE} newest rewards): its size, and the cabinet's whole answer or a list's first node`,
    ...ORDER.map((key) => `    ${LABELS[key].padEnd(18)}${fmt(answers[key].bytes).padStart(8)} bytes   ${sample(key, answers[key])}`),
  ];
  rounds.forEach((round, index) => {
    lines.push('', `round ${index + 1} (order: ${round.map((r) => LABELS[r.key]).join(', ')})`, HEADER);
    const byKey = Object.fromEntries(round.map((r) => [r.key, r]));
    for (const key of ORDER) lines.push(phaseRow(LABELS[key], byKey[key]));
    lines.push(ratioLine(ratios(byKey)));
  });
  if (rounds.length > 1) {
    lines.push('', `medians over ${rounds.length} rounds`, HEADER);
    for (const key of ORDER) {
      const results = rounds.map((round) => round.find((r) => r.key === key));
      const pick = (field) => median(results.map((r) => r[field]));
      lines.push(phaseRow(LABELS[key], { rate: pick('rate'), p50: pick('p50'), p95: pick('p95'), p99: pick('p99'), statements: pick('statements'), serverCpu: pick('serverCpu'), postgresCpu: pick('postgresCpu'), loadCpu: pick('loadCpu'), errors: results.reduce((sum, r) => sum + r.errors, 0) }));
    }
    const perRound = rounds.map((round) => ratios(Object.fromEntries(round.map((r) => [r.key, r]))));
    lines.push(ratioLine({ list: median(perRound.map((r) => r.list)), floor: median(perRound.map((r) => r.floor)), cabinet: median(perRound.map((r) => r.cabinet)) }).replace('req/s ratios', 'median ratios'));
  }
  lines.push('', 'SQL statements per request, by statement (the last round; pg_stat_statements, normalized)');
  for (const key of ORDER) {
    const result = rounds.at(-1).find((r) => r.key === key);
    lines.push(`  ${LABELS[key]}`, ...result.statementList.map((s) => `    ${(s.perRequest < 0.01 ? `${s.calls} call${s.calls > 1 ? 's' : ''}` : s.perRequest.toFixed(2)).padStart(8)}  ${s.query}`));
  }
  lines.push('');
  process.stdout.write(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------
// Main

/**
 * The server started, the program seeded, and the server started again on the loaded database
 * with pg_stat_statements (no cache from before the load); `cofactor verify` must pass.
 */
async function seedServer(opts, run) {
  log(`starting the server (HTTP ${run.ports.cofactor}, PostgreSQL ${run.ports.pg}, data ${run.dataDir})`);
  const start = () => startServer({ cli: opts.server, port: run.ports.cofactor, pgPort: run.ports.pg, dataDir: run.dataDir, env: { COFACTOR_APPROVE_EVERY: '0' } });
  run.server = start();
  await run.server.ready;
  run.ownerUrl = runningEmbeddedPostgres(run.dataDir).url;
  await preloadStatementStats(run.ownerUrl); // loaded at the next start
  run.admin = graphqlClient(`http://127.0.0.1:${run.ports.cofactor}/graphql`, readFileSync(join(run.dataDir, 'demo-admin-key'), 'utf8').trim());
  run.db = new pg.Client({ connectionString: run.ownerUrl });
  await run.db.connect();
  log(`seeding ${fmt(opts.partners)} partners and ${fmt(opts.rewards)} rewards`);
  const seed = await seedReadProgram(run.admin, run.db, run.ownerUrl, opts);
  await run.db.end();
  run.db = null;
  await stopServer(run.server);
  run.server = start();
  await run.server.ready;
  const verify = await runVerify(opts.server, run.dataDir, run.ports.pg, run);
  log(`cofactor verify (exit code ${verify.code}):\n${verify.output}`);
  if (verify.code !== 0) throw new Error('cofactor verify failed on the seeded database');
  run.db = new pg.Client({ connectionString: run.ownerUrl });
  await run.db.connect();
  await run.db.query('create extension if not exists pg_stat_statements');
  return { seed, verify };
}

/** PostGraphile and the floor, each in its own process with a role of its own; the four phases' targets. */
async function startPeers(run, reader) {
  const { issuePartnerToken } = await run.admin('mutation($id: ID!, $ttl: Int) { issuePartnerToken(partnerId: $id, ttlSeconds: $ttl) { token } }', { id: reader.id, ttl: TOKEN_TTL_SECONDS });
  const postgraphileEnv = { READ_POSTGRAPHILE_URL: await roleUrl(run.db, run.ownerUrl, STATEMENT_ROLES.postgraphile), READ_POSTGRAPHILE_PORT: String(run.ports.postgraphile), READ_POSTGRAPHILE_POOL: String(POOL), GRAPHILE_ENV: 'production' };
  const postgraphile = startChild('read-postgraphile.mjs', postgraphileEnv, 'PostGraphile');
  run.children.push(postgraphile);
  const floorEnv = { READ_FLOOR_URL: await roleUrl(run.db, run.ownerUrl, STATEMENT_ROLES.floor), READ_FLOOR_PORT: String(run.ports.floor), READ_FLOOR_PROGRAM: PROGRAM_ID };
  const floor = startChild('read-floor.mjs', floorEnv, 'the floor');
  run.children.push(floor);
  await Promise.all([postgraphile.ready, floor.ready]);
  return targets(run.ports, issuePartnerToken.token, reader, { cofactor: () => run.server.child.pid, postgraphile: () => postgraphile.child.pid, floor: () => floor.child.pid });
}

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-read-bench-'));
  chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, which must reach dataDir/pg
  const ports = { cofactor: await freePort(), pg: await freePort(), postgraphile: await freePort(), floor: await freePort() };
  const run = { dataDir, ports, server: null, db: null, children: [], verifying: null };
  let cleaning = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (run.verifying?.exitCode === null) run.verifying.kill();
      for (const child of run.children) await stopChild(child);
      await run.db?.end().catch(() => {});
      if (run.server) await stopServer(run.server);
      rmSync(dataDir, { recursive: true, force: true });
    })());
  cleanupOnSignals(cleanup);

  try {
    const { seed, verify } = await seedServer(opts, run);
    const phases = await startPeers(run, seed.reader);
    const answers = await firstAnswers(phases, seed.reader);
    log(`first answers agree: ${ORDER.map((key) => `${LABELS[key]} ${fmt(answers[key].bytes)} bytes`).join(', ')}`);
    const loads = { before: loadavg() };
    const rounds = [];
    for (let round = 0; round < opts.rounds; round++) {
      // Each round starts one phase later, so that no phase always runs first or after the same one.
      const order = phases.map((_, i) => phases[(i + round) % phases.length]);
      log(`round ${round + 1} of ${opts.rounds}: ${order.map((target) => target.label).join(', ')}`);
      const results = [];
      for (const target of order) results.push(await runPhase(target, opts, run.db, run.server.child.pid));
      rounds.push(results);
    }
    loads.after = loadavg();
    report(opts, seed, verify, answers, rounds, loads);
    const bad = rounds.flat().filter((r) => r.errors);
    if (bad.length) console.error(`\nbad responses; the first of each phase: ${bad.map((r) => `${LABELS[r.key]}: ${r.firstError}`).join('; ')}`);
    process.exitCode = bad.length ? 1 : 0;
  } catch (error) {
    reportFailure(error, run.server);
    for (const child of run.children) console.error(`--- ${child.label} output (tail) ---\n${child.output().slice(-3000)}`);
  } finally {
    await cleanup();
  }
}

await main();
