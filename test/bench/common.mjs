// What the benchmarks share: their command-line reading, formatting, a log with the elapsed
// time, percentiles, a seeded PRNG, a free port, and the 8-level referral tree seeded as the
// server writes partners.
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

export const LEVELS = 8;

export const fmt = (n) => Math.round(n).toLocaleString('en-US');
const BENCH_START = performance.now();
export const log = (line) => process.stderr.write(`[bench ${((performance.now() - BENCH_START) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

/**
 * The bench's flags (`options` as node:util parseArgs takes them, --help added), read the one
 * way every bench reads them, so a wrong flag or value gets the same answer everywhere: the
 * message and the usage on stderr, exit code 2. --help prints the usage and exits 0.
 * `integer(name, min, max, given)` checks a flag's value (by default the flag as given).
 */
export function readArgs(usage, options) {
  const fail = (message) => {
    console.error(`${message}\n\n${usage}`);
    process.exit(2);
  };
  let values;
  try {
    // `pnpm bench -- --events N` may pass the `--` through.
    const args = process.argv.slice(2).filter((arg) => arg !== '--');
    values = parseArgs({ args, options: { ...options, help: { type: 'boolean', default: false } }, strict: true }).values;
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const integer = (name, min = 1, max = Number.MAX_SAFE_INTEGER, given = values[name]) => {
    const value = Number(given);
    if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer from ${min} to ${max}, got "${given}"`);
    return value;
  };
  return { values, integer, fail };
}

/** The p-th percentile of ascending `sorted` (nearest rank); NaN when there is nothing to rank. */
/** How many entries of the ascending array `sorted` are below `limit`. */
export function countBelow(sorted, limit) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Deterministic PRNG (mulberry32) so two runs seed the same program. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Level widths for `total` partners: a few roots, each level ~2.5x wider, exactly LEVELS deep. */
export function levelWidths(total) {
  const growth = 2.5;
  const weights = Array.from({ length: LEVELS }, (_, k) => growth ** k);
  const sum = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => Math.max(1, Math.floor((total * w) / sum)));
  widths[LEVELS - 1] += total - widths.reduce((a, b) => a + b, 0);
  if (widths[LEVELS - 1] < 1) throw new Error(`--partners ${total} is too small for ${LEVELS} levels`);
  return widths;
}

/**
 * Seeds `total` partners of `programId` in LEVELS levels, each sponsored round-robin by the
 * level above (every sponsor gets a similar downline), all joined at `joinedAt` — with their
 * closure rows and their first history rows, as the server writes them for a new partner.
 */
export async function seedPartners(db, { programId, total, joinedAt, codePrefix }) {
  const widths = levelWidths(total);
  const { rows } = await db.query('select coalesce(max(id), 0)::bigint as max from partner');
  const firstId = Number(rows[0].max) + 1;
  const ids = [];
  const sponsors = [];
  const codes = [];
  let previous = [];
  for (const width of widths) {
    const level = [];
    for (let i = 0; i < width; i++) {
      const id = firstId + ids.length;
      ids.push(id);
      sponsors.push(previous.length ? previous[i % previous.length] : null);
      codes.push(`${codePrefix}${String(ids.length).padStart(7, '0')}`);
      level.push(id);
    }
    previous = level;
  }
  await db.query('begin');
  await db.query(
    `insert into partner (id, program_id, name, kind, referral_code, sponsor_id, joined_at, updated_at)
     select p.id, $1, 'Bench partner ' || p.code, 'AMBASSADOR', p.code, p.sponsor, $5, $5
       from unnest($2::bigint[], $3::text[], $4::bigint[]) as p(id, code, sponsor)`,
    [programId, ids, codes, sponsors, joinedAt],
  );
  // The closure: a depth-0 self row plus one row per ancestor, walked up the sponsor chain.
  const closure = await db.query(
    `insert into partner_closure (ancestor_id, descendant_id, depth)
     with recursive up(descendant, ancestor, depth) as (
       select id, id, 0 from partner where id >= $1
       union all
       select up.descendant, p.sponsor_id, up.depth + 1 from up join partner p on p.id = up.ancestor where p.sponsor_id is not null)
     select ancestor, descendant, depth from up`,
    [firstId],
  );
  await db.query(
    `insert into partner_history (partner_id, valid_from, status, kind, region_id, segment, sponsor_id)
     select id, joined_at, status, kind, region_id, segment, sponsor_id from partner where id >= $1 order by id`,
    [firstId],
  );
  await db.query(`insert into partner_level_history (partner_id, valid_from, level) select id, joined_at, level from partner where id >= $1 order by id`, [firstId]);
  await db.query(`select setval(pg_get_serial_sequence('partner', 'id'), (select max(id) from partner))`);
  await db.query('commit');
  await db.query('analyze partner; analyze partner_closure; analyze partner_history; analyze partner_level_history');
  return { ids, widths, closureRows: closure.rowCount };
}
