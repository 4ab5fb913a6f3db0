/**
 * `cofactor start` as a user runs it: a real child process with an embedded PostgreSQL, the
 * demo seed on first start only, and a clean stop on SIGTERM with no process left behind.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, freePort } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
let dataDir: string;

interface Started {
  child: ChildProcess;
  output: () => string;
  url: string;
}

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, ...env }, cwd: ROOT_DIR });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = Date.now();
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`cofactor start exited early:\n${output}`);
    if (Date.now() - started > 60_000) throw new Error(`cofactor start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = /GraphQL \(HTTP\)\s+(\S+)/.exec(output)![1];
  return { child, output: () => output, url };
}

async function stop(started: Started, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill(signal);
  return exited;
}

/** Processes whose command line mentions the data folder: PostgreSQL's, if any survived. */
function leftovers(): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(dataDir));
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cofactor-cli-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

it('starts with a demo program, keeps its data across restarts, and stops cleanly on SIGTERM and SIGINT', async () => {
  const env = { PORT: String(await freePort()), COFACTOR_PG_PORT: String(await freePort()), COFACTOR_DATA_DIR: dataDir, HOST: '127.0.0.1' };
  const first = await start(env);
  const key = /Demo admin API key\s+(cfk_\S+)/.exec(first.output())![1];
  const query = async (url: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ partners { edges { node { referralCode } } } campaigns { edges { node { status } } } }' }),
    });
    return response.json();
  };
  expect(await query(first.url)).toEqual({
    data: {
      partners: { edges: ['IVAN', 'MARIA', 'OLEG', 'SC-1'].map((referralCode) => ({ node: { referralCode } })) },
      campaigns: { edges: [{ node: { status: 'ACTIVE' } }, { node: { status: 'ACTIVE' } }] },
    },
  });
  const page = await fetch(first.url.replace(/graphql$/, ''));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Cofactor</title>');

  expect(await stop(first, 'SIGTERM')).toBe(0);
  expect(first.output()).toContain('Stopped.');
  expect(leftovers()).toEqual([]);

  // Second start on the same data: nothing seeded again, the same key still works.
  const second = await start(env);
  expect(second.output()).toContain(key);
  expect(((await query(second.url)) as { data: { partners: { edges: unknown[] } } }).data.partners.edges).toHaveLength(4);
  expect(await stop(second, 'SIGINT')).toBe(0);
  expect(leftovers()).toEqual([]);
});

it('explains itself with --help', () => {
  const help = execFileSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  for (const command of ['start', 'init', 'migrate', 'seed', 'api-key', 'verify', 'schema']) expect(help).toContain(command);
  expect(help).toContain('DATABASE_URL');
  expect(help).toContain('DATABASE_OWNER_URL');
});
