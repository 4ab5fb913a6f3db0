import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, freePort } from './harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');

/** One `cofactor start` process, as an operator runs a server node. */
export interface CliNode {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
  /** Its data directory (a fresh temporary one): the caller removes it. */
  dataDir: string;
}

/**
 * Starts `cofactor start` on a shared PostgreSQL (`database`: the owner's and the server role's
 * URLs) on a free loopback port, with no scheduled approvals, and waits for its banner. `env`
 * adds or overrides settings.
 */
export async function startCliNode(database: { url: string; appUrl: string }, env: Record<string, string> = {}): Promise<CliNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-node-'));
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATABASE_URL: database.appUrl,
      DATABASE_OWNER_URL: database.url,
      COFACTOR_DATA_DIR: dataDir,
      COFACTOR_APPROVE_EVERY: '0',
      ...env,
    },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (const started = Date.now(); !output.includes('Press Ctrl-C to stop.'); ) {
    if (child.exitCode !== null) throw new Error(`cofactor start exited early:\n${output}`);
    if (Date.now() - started > 90_000) throw new Error(`cofactor start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = /GraphQL \(HTTP\)\s+(\S+)/.exec(output)![1];
  const wsUrl = /GraphQL \(WebSocket\)\s+(\S+)/.exec(output)?.[1] ?? url.replace(/^http/, 'ws');
  return { child, url, wsUrl, output: () => output, exited, dataDir };
}

/** One GraphQL operation over HTTP to a node with `key`; fails on any error and returns `data`. */
export async function okFrom<T = Record<string, any>>(node: CliNode, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data: T; errors?: unknown[] };
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}
