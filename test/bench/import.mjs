#!/usr/bin/env node
// Cofactor CSV import benchmark: `cofactor import events` of a generated file on a real server's
// database, its rate in lines per second and the importer's peak memory at two file sizes (the
// memory must not grow with the file). See `--help`.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, freePort, log, readArgs } from './common.mjs';
import { cleanupOnSignals, reportFailure, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `Usage: node test/bench/import.mjs [options]   (or: pnpm bench import -- [options])

Starts one Cofactor server (embedded PostgreSQL in a fresh temp dir, the demo program with its
two campaigns), writes a CSV of sales by the demo partners (one in twenty a refund of an earlier
sale), and runs \`cofactor import events\` on it twice: a tenth of the file, then all of it. Prints
for each the lines per second and the importer's peak resident memory, and the ratio of the two
peaks (near 1 when memory does not grow with the file).

Options (defaults in brackets):
  --lines N     lines of the whole file                  [1000000 | 100000 with --quick]
  --batch N     the importer's --batch                   [500]
  --quick       a smaller file
  --server PATH the cli.js to start and import with (default server/dist/cli.js)
  --help        print this help`;

const { values, integer } = readArgs(USAGE, {
  lines: { type: 'string' },
  batch: { type: 'string', default: '500' },
  quick: { type: 'boolean', default: false },
  server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
});
const lines = integer('lines', 10, 50_000_000, values.lines ?? (values.quick ? '100000' : '1000000'));
const batch = integer('batch', 1, 5000);

const SELLERS = ['OLEG', 'MARIA', 'IVAN', 'SC-1'];

/** `count` lines from number `first` on, written with backpressure. */
async function writeCsv(path, first, count) {
  const out = createWriteStream(path);
  const write = (text) => (out.write(text) ? null : new Promise((drained) => out.once('drain', drained)));
  await write('externalId,type,referralCode,customerId,amount,currency,occurredAt,refundOf\n');
  for (let n = first; n < first + count; n++) {
    const day = `2026-11-${String(1 + (n % 28)).padStart(2, '0')}T10:00:00Z`;
    // Every twentieth line refunds a tenth of the sale two lines before it, by the same seller.
    const line = n % 20 === 19 ? `B-${n},REFUND,${SELLERS[(n - 2) % 4]},,1000,RUB,${day},B-${n - 2}\n` : `B-${n},SALE,${SELLERS[n % 4]},c-${n % 5000},10000,RUB,${day},\n`;
    const waiting = write(line);
    if (waiting) await waiting;
  }
  await new Promise((closed) => out.end(closed));
}

/** Runs the importer, sampling its resident memory; resolves with seconds, peak RSS and its summary. */
function runImport(cli, file, env) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'import', 'events', file, '--batch', String(batch)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    // VmHWM is the process's own peak so far: sampled until it exits, the last reading is its peak.
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
      } catch {
        // Gone between the exit and this tick.
      }
    }, 200);
    child.once('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`the import exited with ${code}:\n${stdout}\n${stderr}`));
      else resolveRun({ seconds: (performance.now() - started) / 1000, peak, stdout });
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-bench-import-'));
let server = null;
const cleanup = async () => {
  if (server) await stopServer(server);
  rmSync(dataDir, { recursive: true, force: true });
};
cleanupOnSignals(cleanup);

try {
  const port = await freePort();
  const pgPort = await freePort();
  server = startServer({ cli: values.server, port, pgPort, dataDir, env: { COFACTOR_APPROVE_EVERY: '0' } });
  await server.ready;
  const env = { COFACTOR_DATA_DIR: dataDir, COFACTOR_PG_PORT: String(pgPort), DATABASE_URL: '' };
  const small = Math.max(1, Math.floor(lines / 10));
  const results = [];
  for (const [name, first, count] of [['a tenth', 0, small], ['the whole file', small, lines]]) {
    const file = join(dataDir, `${name.replace(/\W+/g, '-')}.csv`);
    log(`writing ${fmt(count)} lines`);
    await writeCsv(file, first, count);
    log(`importing ${fmt(count)} lines (${fmt(statSync(file).size / 1e6)} MB)`);
    const run = await runImport(values.server, file, env);
    results.push({ name, count, ...run });
    log(`${name}: ${fmt(count / run.seconds)} lines/s`);
  }
  console.log(`\ncofactor import events, --batch ${batch}, on the demo program (two campaigns, four sellers):`);
  for (const { name, count, seconds, peak } of results) {
    console.log(`  ${name.padEnd(15)} ${fmt(count).padStart(10)} lines  ${seconds.toFixed(1).padStart(7)} s  ${fmt(count / seconds).padStart(7)} lines/s  peak RSS ${fmt(peak / 2 ** 20)} MiB`);
  }
  console.log(`  peak RSS, whole file / a tenth: ×${(results[1].peak / results[0].peak).toFixed(2)}`);
  console.log(`  the whole file's summary:\n${results[1].stdout.replace(/^/gm, '    ')}`);
} catch (error) {
  reportFailure(error, server);
} finally {
  await cleanup();
}
