/**
 * The server's process lifecycle as an operator meets it, with real processes and the embedded
 * PostgreSQL: CLI commands while a server runs, a start after `kill -9`, SIGTERM from a
 * supervisor to what `pnpm start` started, and the one-line errors (a taken port, a second
 * server on the same data directory). No output ever says "undefined".
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, freePort } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
/** What `pnpm start` runs after building: `node`, its flags, `server/dist/cli.js start`. */
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const START_COMMAND = SCRIPTS.start.split('&& exec ')[1];
const dirs: string[] = [];

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
  exited: Promise<number | null>;
}

async function environment(): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-process-'));
  dirs.push(dataDir);
  return { PORT: String(await freePort()), COFACTOR_PG_PORT: String(await freePort()), COFACTOR_DATA_DIR: dataDir, HOST: '127.0.0.1' };
}

/** Runs `command args` (e.g. `node cli.js start`) and waits for the banner. */
async function start(env: Record<string, string>, command = process.execPath, args = [CLI, 'start']): Promise<Started> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd: ROOT_DIR });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const started = Date.now(); !output.includes('Press Ctrl-C to stop.'); ) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited early:\n${output}`);
    if (Date.now() - started > 90_000) throw new Error(`${args.join(' ')} did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, url: /GraphQL \(HTTP\)\s+(\S+)/.exec(output)![1], exited };
}

/** A one-off CLI command: its exit code and everything it printed. */
function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd: ROOT_DIR }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** The pid of the data directory's PostgreSQL, from its postmaster.pid. */
function postgresPid(env: Record<string, string>): number {
  return Number(readFileSync(join(env.COFACTOR_DATA_DIR, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Processes whose command line mentions the data folder: PostgreSQL's, if any survived. */
function leftovers(env: Record<string, string>): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(env.COFACTOR_DATA_DIR));
}

async function partners(url: string, key: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ partners { edges { node { referralCode } } } }' }),
  });
  return response.json();
}

const DEMO_PARTNERS = { data: { partners: { edges: ['IVAN', 'MARIA', 'OLEG', 'SC-1'].map((referralCode) => ({ node: { referralCode } })) } } };

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('runs verify and api-key against the database of a running server, and refuses a second server in one line', async () => {
  const env = await environment();
  const server = await start(env);
  try {
    const verify = await cli(env, 'verify');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('ledger ok');
    expect(verify.stderr).toBe(`cofactor: a Cofactor server (pid ${server.child.pid}, "cofactor start") is using the embedded PostgreSQL in ${env.COFACTOR_DATA_DIR} on port ${env.COFACTOR_PG_PORT}; using it\n`);

    // The key is written to the running server's database: the running server accepts it at once.
    const apiKey = await cli(env, 'api-key', '--scopes', 'analytics:read');
    expect(apiKey.code).toBe(0);
    expect(await partners(server.url, apiKey.stdout.trim())).toEqual(DEMO_PARTNERS);

    const second = await cli({ ...env, PORT: String(await freePort()) }, 'start');
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(
      `cofactor: a Cofactor server (pid ${server.child.pid}, "cofactor start") is using the embedded PostgreSQL in ${env.COFACTOR_DATA_DIR} on port ${env.COFACTOR_PG_PORT}; stop it first (kill ${server.child.pid})\n`,
    );
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
  expect(leftovers(env)).toEqual([]);
});

it('starts again after kill -9, stopping the PostgreSQL the killed server left running', async () => {
  const env = await environment();
  const first = await start(env);
  const key = /Demo admin API key\s+(cfk_\S+)/.exec(first.output())![1];
  const postgres = postgresPid(env);
  first.child.kill('SIGKILL');
  await first.exited;
  expect(alive(postgres)).toBe(true); // what a kill -9 leaves behind

  const second = await start(env);
  try {
    expect(second.output()).toContain(`cofactor: stopping the PostgreSQL (pid ${postgres}) that a stopped Cofactor left running in ${join(env.COFACTOR_DATA_DIR, 'pg')}`);
    expect(alive(postgres)).toBe(false);
    // The same data: the demo key from before the kill still works, nothing was seeded twice.
    expect(await partners(second.url, key)).toEqual(DEMO_PARTNERS);
  } finally {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }
  expect(second.output()).not.toContain('undefined');
  expect(leftovers(env)).toEqual([]);
});

describe('pnpm start', () => {
  /** What `pnpm start` started: its one child, the server itself (no shell in between). */
  function startedBy(pnpm: ChildProcess): { pid: number; args: string } {
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pnpm.pid)], { encoding: 'utf8' }).trim().split('\n');
    expect(children).toHaveLength(1);
    const [, pid, args] = /^\s*(\d+)\s+(.*)$/.exec(children[0])!;
    return { pid: Number(pid), args };
  }

  it('gives node the same flags as `pnpm cofactor` (the other commands) and `pnpm bench` (the in-process benches)', () => {
    const flags = (script: string, target: string) => new RegExp(`node ((?:--\\S+ )*)${target}$`).exec(script)?.[1];
    const start = flags(SCRIPTS.start, 'server/dist/cli.js start');
    expect(start).toContain('--experimental-async-context-frame');
    expect(flags(SCRIPTS.cofactor, 'server/dist/cli.js')).toBe(start);
    expect(flags(SCRIPTS.bench, 'test/bench/bench.mjs')).toBe(start);
  });

  it('runs the server as the process that receives signals: SIGTERM to it stops node and PostgreSQL', async () => {
    expect(START_COMMAND).toMatch(/^node (--\S+ )*server\/dist\/cli\.js start$/);
    const env = await environment();
    const pnpm = await start(env, 'pnpm', ['start']);
    const server = startedBy(pnpm.child);
    const postgres = postgresPid(env);
    process.kill(server.pid, 'SIGTERM');
    // Checked once it is stopped, so a wrong command line does not leave a server running.
    expect(server.args).toBe(START_COMMAND);
    expect(await pnpm.exited).toBe(0);
    expect(pnpm.output()).toContain('SIGTERM: stopping the server and PostgreSQL...\nStopped.');
    expect(alive(server.pid)).toBe(false);
    expect(alive(postgres)).toBe(false);
    expect(leftovers(env)).toEqual([]);
  });

  it('stops everything on SIGTERM to pnpm itself, and when pnpm is killed outright', async () => {
    const env = await environment();
    const byTerm = await start(env, 'pnpm', ['start']);
    const postgres = postgresPid(env);
    byTerm.child.kill('SIGTERM');
    await byTerm.exited;
    expect(byTerm.output()).toContain('Stopped.');
    expect(alive(postgres)).toBe(false);

    const byKill = await start(env, 'pnpm', ['start']);
    const server = startedBy(byKill.child);
    byKill.child.kill('SIGKILL');
    await byKill.exited;
    // The server notices its parent is gone within a second and stops; wait for it, bounded.
    for (const since = Date.now(); alive(server.pid) && Date.now() - since < 30_000; ) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(server.pid)).toBe(false);
    expect(leftovers(env)).toEqual([]);
  });
});

describe('one-line errors', () => {
  let blocker: Server;
  let takenPort: number;
  beforeAll(async () => {
    blocker = createServer();
    takenPort = await freePort();
    await new Promise<void>((resolve) => blocker.listen(takenPort, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('says so in one line when the HTTP port is taken, and leaves no PostgreSQL running', async () => {
    const env: Record<string, string> = { ...(await environment()), PORT: String(takenPort) };
    const result = await cli(env, 'start');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`cofactor: 127.0.0.1:${takenPort} is already in use (another Cofactor server?); stop what listens there or set PORT to a free port\n`);
    expect(leftovers(env)).toEqual([]);
    expect(existsSync(join(env.COFACTOR_DATA_DIR, 'cofactor.pid'))).toBe(false);
  });

  it("says which port when the embedded PostgreSQL's port is taken", async () => {
    const env: Record<string, string> = { ...(await environment()), COFACTOR_PG_PORT: String(takenPort) };
    const result = await cli(env, 'verify');
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cofactor: the embedded PostgreSQL in .* did not start: .*set COFACTOR_PG_PORT to a free one\)$/)]);
    expect(result.stderr).not.toContain('undefined');
  });
});
