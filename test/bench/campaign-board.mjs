#!/usr/bin/env node
// Cofactor campaign board benchmark: what a server's copy of a campaign board's totals costs
// to bring up to date after a fold, read whole or caught up by the partners that changed. See `--help`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runningEmbeddedPostgres } from '../../server/dist/db/embedded.js';
import { BOARD_CHANGED_TOTALS_SQL, BOARD_TOTALS_SQL } from '../../server/dist/leaderboards/board-sql.js';
import { fmt, freePort, log, percentile, readArgs } from './common.mjs';
import { cleanupOnSignals, reportFailure, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `Usage: node test/bench/campaign-board.mjs [options]   (or: pnpm bench campaign-board [options])

Starts a Cofactor server (embedded PostgreSQL in a fresh temp dir), writes the board totals of
a campaign's days with bulk SQL as folds leave them (each partner selling on a third of the
days), then has a fold change some partners' totals on the last day, and times the two
statements a server can bring its copy of the campaign's board up to date with: the whole
range read again (BOARD_TOTALS_SQL), and the changed partners' sums (BOARD_CHANGED_TOTALS_SQL).

Options:
  --partners N   partners on the board (default 100000)
  --days N       days the campaign has run (default 90)
  --changed N    partners whose totals the fold changed (default 5000)
  --runs N       times each statement runs; the median counts (default 7)
  --help         print this help`;

const PROGRAM_ID = '1'; // the demo program
const FIRST_DAY = '2025-09-01';

function readOptions() {
  const { integer, fail } = readArgs(USAGE, {
    partners: { type: 'string', default: '100000' },
    days: { type: 'string', default: '90' },
    changed: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '7' },
  });
  const opts = { partners: integer('partners', 1, 10_000_000), days: integer('days', 2, 3660), changed: integer('changed', 1, 10_000_000), runs: integer('runs', 1, 101) };
  if (opts.changed > opts.partners) fail('--changed must not exceed --partners');
  return opts;
}

/** Totals of every third (partner, day), version 2, and the fold's version 3 on `changed` partners' totals of the last day. */
async function seedTotals(db, opts) {
  const range = `from generate_series(0, ${opts.days - 1}) d`;
  await db.query(
    `insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, version, changed_at)
     select $1, 'NET_SALES', 'RUB', 0, 'DAY', $2::date + d, p, 1000 + p, 2, now() ${range}, generate_series(1, $3) p where (p + d) % 3 = 0`,
    [PROGRAM_ID, FIRST_DAY, opts.partners],
  );
  await db.query(
    `insert into board_size (program_id, metric, unit, campaign_id, grain, bucket, partners, changed_at, version, reset_version)
     select $1, 'NET_SALES', 'RUB', 0, 'DAY', $2::date + d, 0, now(), 2, 0 ${range}`,
    [PROGRAM_ID, FIRST_DAY],
  );
  // The last day holds every third partner: the fold changes the first `changed` of them there, or all there are.
  const last = await db.query(
    `with changed as (select partner_id from board_total where grain = 'DAY' and bucket = $1::date + $2::int - 1 order by partner_id limit $3)
     update board_total set value = value + 1, version = 3 where grain = 'DAY' and bucket = $1::date + $2::int - 1 and partner_id in (select partner_id from changed)`,
    [FIRST_DAY, opts.days, opts.changed],
  );
  await db.query(`update board_size set version = 3 where grain = 'DAY' and bucket = $1::date + $2::int - 1`, [FIRST_DAY, opts.days]);
  await db.query('vacuum analyze board_total');
  await db.query('vacuum analyze board_size');
  const [{ rows }] = (await db.query('select count(*)::bigint as rows from board_total')).rows;
  return { rows: Number(rows), changed: last.rowCount };
}

/** The median time of a statement over `runs`, and how many partners its answer names. */
async function timeStatement(db, statement, since, opts) {
  const to = new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + opts.days * 86_400_000).toISOString().slice(0, 10);
  const params = [PROGRAM_ID, 'NET_SALES', 'RUB', '0', 'DAY', FIRST_DAY, to, String(since)];
  const times = [];
  let partners = 0;
  for (let run = 0; run < opts.runs; run++) {
    const started = performance.now();
    const [{ rows }] = (await db.query(statement, params)).rows;
    times.push(performance.now() - started);
    partners = rows === '' ? 0 : rows.split(',').length;
  }
  return { ms: percentile(times.sort((a, b) => a - b), 50), partners };
}

async function main() {
  const opts = readOptions();
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-bench-campaign-board-'));
  const server = startServer({ cli: join(ROOT, 'server', 'dist', 'cli.js'), port: await freePort(), pgPort: await freePort(), dataDir });
  let db = null;
  const cleanup = async () => {
    await db?.end().catch(() => {});
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanupOnSignals(cleanup);
  try {
    await server.ready;
    db = new pg.Client({ connectionString: runningEmbeddedPostgres(dataDir).url });
    await db.connect();
    const t0 = performance.now();
    const seeded = await seedTotals(db, opts);
    log(`wrote ${fmt(seeded.rows)} DAY totals over ${fmt(opts.days)} days in ${((performance.now() - t0) / 1000).toFixed(1)} s; a fold changed ${fmt(seeded.changed)} of the last day's`);
    const whole = await timeStatement(db, BOARD_TOTALS_SQL, 0, opts);
    const caughtUp = await timeStatement(db, BOARD_CHANGED_TOTALS_SQL, 2, opts);
    const row = (label, value) => `  ${label.padEnd(30)}${value}`;
    process.stdout.write(
      [
        '',
        `Cofactor campaign board benchmark — ${fmt(opts.partners)} partners, ${fmt(opts.days)} days, ${fmt(seeded.changed)} partners changed by one fold (medians of ${opts.runs})`,
        row('range read whole', `${whole.ms.toFixed(1)} ms   (${fmt(whole.partners)} partners' sums over ${fmt(seeded.rows)} totals)`),
        row('caught up by changes', `${caughtUp.ms.toFixed(1)} ms   (${fmt(caughtUp.partners)} partners' sums)`),
        row('ratio', `${(whole.ms / caughtUp.ms).toFixed(1)}× faster caught up`),
        '',
      ].join('\n'),
    );
  } catch (error) {
    reportFailure(error, server);
  } finally {
    await cleanup();
  }
}

await main();
