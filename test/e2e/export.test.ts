/**
 * `cofactor export` as a user runs it: the real CLI (server/dist/cli.js) against the test
 * server's database, writing events, rewards and payouts recorded through the API as RFC 4180
 * CSV or JSON lines, to stdout or a file.
 *
 * The program is the simulation tests' (test/support/november-sales.ts): campaign "Sales" pays
 * 5 % of each sale. S-0 (Anna, 1 000 000 kopecks) is in October; in November S-1 (Anna,
 * 10 000 000), S-2 (Boris, 3 000 000), S-3 (Boris, 1 234 567), R-1 returning 1 500 000 of S-2 on
 * Nov 20 10:00 UTC; and here S-4 (Anna, 200 000, Nov 25) whose customer id is a formula.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, startTestServer, type TestServer } from '../support/harness.js';
import { sale, seedNovemberSales } from '../support/november-sales.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
const NOVEMBER = ['--from', '2026-11-01', '--to', '2026-12-01'];
/** Rewards and payouts are dated when they are written (today), so their span is wide. */
const ALL_TIME = ['--from', '2000-01-01', '--to', '2100-01-01'];
const FORMULA = '=HYPERLINK("http://x.example","click")';

let server: TestServer;
let dir: string;
let annaId: string;
let borisId: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cofactor export …` on the test database as the server's role, as with DATABASE_URL. */
function exportCli(args: string[]): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl, COFACTOR_ROOT: ROOT_DIR };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'export', ...args], { env, cwd: ROOT_DIR, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** A small RFC 4180 reader: records end with CRLF, a quoted field may hold , " CR and LF. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let fields: string[] = [];
  let at = 0;
  while (at < text.length) {
    let field = '';
    if (text[at] === '"') {
      // A quoted field ends at a quote that is not doubled.
      for (at += 1; ; ) {
        const quote = text.indexOf('"', at);
        field += text.slice(at, quote);
        at = quote + 1;
        if (text[at] !== '"') break;
        field += '"';
        at += 1;
      }
    } else {
      const stop = text.slice(at).search(/,|\r\n/);
      field = text.slice(at, stop < 0 ? text.length : at + stop);
      at += field.length;
    }
    fields.push(field);
    if (text.startsWith('\r\n', at)) {
      records.push(fields);
      fields = [];
      at += 2;
    } else if (text[at] === ',') at += 1;
    else throw new Error(`not RFC 4180 at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
  }
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cofactor-export-'));
  server = await startTestServer();
  ({ annaId, borisId } = await seedNovemberSales(server));
  await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
    e: [{ ...sale('S-4', annaId, 200_000, '2026-11-25T10:00:00Z'), customerId: FORMULA, attributes: { channel: 'shop, online' } }],
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("writes November's events as RFC 4180 CSV to stdout: a header, CRLF line ends, the refund's amount, a formula guarded", async () => {
  const run = await exportCli(['events', ...NOVEMBER]);
  expect(run.code).toBe(0);
  // stderr is no terminal here: a line at each tenth passed, and nothing but rows on stdout.
  expect(run.stderr.split('\n').filter((line) => line.startsWith('export:'))).toEqual(['export: 100% (5 of 5 rows)']);
  expect(run.stdout.startsWith('id,externalId,type,partnerId,customerId,couponCode,amount,currency,occurredAt,refundOf,firstPurchase,attributes,recordedAt\r\n')).toBe(true);
  // 1 header + 5 records, each ended by CRLF; no bare LF anywhere.
  expect(run.stdout.split('\r\n')).toHaveLength(7);
  expect(run.stdout.replaceAll('\r\n', '').includes('\n')).toBe(false);
  const rows = parseCsv(run.stdout);
  // S-0 is October's, out of the span; the rest in id order.
  expect(rows.map((row) => row.externalId)).toEqual(['S-1', 'S-2', 'S-3', 'R-1', 'S-4']);
  expect(rows[3]).toMatchObject({ type: 'REFUND', amount: '1500000', currency: 'RUB', refundOf: 'S-2', partnerId: borisId, occurredAt: '2026-11-20T10:00:00.000Z' });
  // The customer id is text a sender chose: it starts with =, so it gets a leading apostrophe.
  expect(rows[4]).toMatchObject({ customerId: `'${FORMULA}`, amount: '200000', attributes: '{"channel":"shop, online"}' });
  expect(run.stdout).toContain(`"'=HYPERLINK(""http://x.example"",""click"")"`);
});

it('bounds the span half-open: --to at R-1\'s exact time leaves R-1 out', async () => {
  const run = await exportCli(['events', '--from', '2026-11-01', '--to', '2026-11-20T10:00:00Z', '--format', 'jsonl']);
  expect(run.code).toBe(0);
  expect(run.stdout.trim().split('\n').map((line) => JSON.parse(line).externalId)).toEqual(['S-1', 'S-2', 'S-3']);
});

it('writes rewards as JSON lines: a refund\'s correction is negative, amounts digit strings', async () => {
  const run = await exportCli(['rewards', ...ALL_TIME, '--format', 'jsonl']);
  expect(run.code).toBe(0);
  const rows = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  // 5 % of S-0, S-1, S-2, S-3 (61 728.35 → 61 728), S-4; R-1 takes back half of S-2's 150 000.
  expect(rows.map((row) => [row.eventExternalId, row.kind, row.amount, row.unit])).toEqual([
    ['S-0', 'MONEY', '50000', 'RUB'],
    ['S-1', 'MONEY', '500000', 'RUB'],
    ['S-2', 'MONEY', '150000', 'RUB'],
    ['S-3', 'MONEY', '61728', 'RUB'],
    ['R-1', 'MONEY', '-75000', 'RUB'],
    ['S-4', 'MONEY', '10000', 'RUB'],
  ]);
  expect(rows[4]).toMatchObject({ partnerId: borisId, correctsId: rows[2].id, status: 'PENDING' });
  expect(rows[4].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

  // In CSV the negative amount stays a number: amounts are never guarded.
  const csv = parseCsv((await exportCli(['rewards', ...ALL_TIME])).stdout);
  expect(csv.map((row) => row.amount)).toEqual(['50000', '500000', '150000', '61728', '-75000', '10000']);
}, 120_000);

it('writes payouts to a file with --out, its reference guarded', async () => {
  // R-1's correction moves with the reward it takes back from.
  const pending = await server.ok<{ rewards: { edges: { node: { id: string; amount: string } }[] } }>(`{ rewards(status: "PENDING", first: 100) { edges { node { id amount } } } }`);
  const ids = pending.rewards.edges.filter((edge) => BigInt(edge.node.amount) > 0n).map((edge) => edge.node.id);
  await server.ok(`mutation($ids: [ID!]!) { approveRewards(ids: $ids) { id } }`, { ids });
  const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string; partner: { id: string } }[] } }>(
    `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { payouts { id partner { id } } } }`,
  );
  const annaPayout = batch.createPayoutBatch.payouts.find((payout) => payout.partner.id === annaId)!;
  await server.ok(`mutation($id: ID!) { markPayoutPaid(id: $id, reference: "+7-bank-42") { id } }`, { id: annaPayout.id });

  const file = join(dir, 'payouts.csv');
  const run = await exportCli(['payouts', ...ALL_TIME, '--out', file]);
  expect([run.code, run.stdout]).toEqual([0, '']);
  expect(run.stderr).toContain(`cofactor export: 2 rows written to ${file}`);
  const rows = parseCsv(readFileSync(file, 'utf8'));
  // Anna: 50 000 + 500 000 + 10 000 = 560 000; Boris: 150 000 + 61 728 − 75 000 = 136 728.
  expect(rows.map((row) => [row.partnerId, row.amount, row.currency, row.status, row.reference])).toEqual(
    [
      [annaId, '560000', 'RUB', 'PAID', "'+7-bank-42"],
      [borisId, '136728', 'RUB', 'CREATED', ''],
    ].sort((a, b) => Number(a[0]) - Number(b[0])),
  );
});

it('refuses a bad export, format, program or span in one line with exit code 2, writing nothing', async () => {
  const refusal = async (args: string[]) => {
    const run = await exportCli(args);
    return [run.code, run.stderr.trim(), run.stdout];
  };
  expect(await refusal(['partners', ...NOVEMBER])).toEqual([2, 'cofactor export: "partners" is not an export; choose one of events, rewards, payouts, stats', '']);
  expect(await refusal(['stats', ...NOVEMBER, '--group-by', 'planet'])).toEqual([
    2,
    'cofactor export: --group-by: "planet" is not a dimension; choose from region, kind, segment, level, campaign, scheme, month',
    '',
  ]);
  expect(await refusal(['stats', ...NOVEMBER, '--group-by', 'region,kind,month'])).toEqual([2, 'cofactor export: --group-by: at most 2 dimensions', '']);
  expect(await refusal(['stats', '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01'])).toEqual([
    2,
    'cofactor export: --from: must be a date like 2026-03-01, of the years 2000–2100',
    '',
  ]);
  expect(await refusal(['events', ...NOVEMBER, '--group-by', 'region'])).toEqual([2, 'cofactor export: --group-by: only stats are grouped', '']);
  expect(await refusal(['events', ...NOVEMBER, '--format', 'xlsx'])).toEqual([2, 'cofactor export: --format: must be csv or jsonl, not "xlsx"', '']);
  expect(await refusal(['events', '--from', '2026-12-01', '--to', '2026-11-01'])).toEqual([2, 'cofactor export: --to: must be after --from', '']);
  const unknown = await refusal(['events', ...NOVEMBER, '--program', '999999']);
  expect([unknown[0], unknown[1]]).toEqual([2, expect.stringMatching(/^cofactor export: no program 999999; the programs are: /)]);
}, 120_000);
