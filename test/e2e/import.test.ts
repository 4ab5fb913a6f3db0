/**
 * `cofactor import events` as an operator runs it, on the test database as the server's role:
 * good lines recorded through the pipeline, bad ones reported by line and column (on stderr and
 * in the report file) without stopping the rest, a second run recording nothing twice, a dry
 * run recording nothing, and a file without the needed columns refused whole.
 *
 * Anna sponsors Boris; the campaign pays the seller 5 % and the sponsor 3 %. The file (line 1 is
 * the header), with columns named as an export of another platform names them:
 *   2  S-1 SALE by BORIS 100 000      → Boris 5 000, Anna 3 000
 *   3  S-2 SALE by NOBODY             refused: no such referral code
 *   4  S-3 SALE by ANNA amount 12.50  refused: not minor units
 *   5  S-4 REFUND of S-1, 40 000      → Boris −2 000, Anna −1 200
 *   6  S-5 a line with a cell missing refused: the record's length
 *   7  S-6 SALE by ANNA 20 000 at "yesterday"   refused: not a date
 *   8  S-7 SALE by ANNA 20 000        → Anna 1 000
 * With a batch of 2 lines, the refund's sale is in an earlier batch.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, annaRecruitsBoris, startTestServer, type TestServer } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
let server: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'cofactor-import-'));
const file = join(dir, 'sales.csv');
const MAP = ['--map', 'Order=externalId', '--map', 'Seller=referralCode', '--map', 'Sum=amount'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function importCli(args: string[]): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl, COFACTOR_ROOT: ROOT_DIR };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'import', ...args], { env, cwd: ROOT_DIR, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const rewards = () => server.sql<{ name: string; amount: string }>('select p.name, r.amount::text from reward r join partner p on p.id = r.partner_id order by p.name, r.amount');

beforeAll(async () => {
  server = await startTestServer();
  await annaRecruitsBoris(server, 'Imported');
  writeFileSync(
    file,
    [
      'Order,type,Seller,Sum,currency,occurredAt,refundOf,Shop',
      'S-1,SALE,BORIS,100000,RUB,2026-03-01T10:00:00Z,,north',
      'S-2,SALE,NOBODY,100000,RUB,2026-03-01T10:00:00Z,,north',
      'S-3,SALE,ANNA,12.50,RUB,2026-03-01T10:00:00Z,,north',
      'S-4,REFUND,BORIS,40000,RUB,2026-03-02T10:00:00Z,S-1,north',
      'S-5,SALE,ANNA,20000,RUB',
      'S-6,SALE,ANNA,20000,RUB,yesterday,,north',
      'S-7,SALE,ANNA,20000,RUB,2026-03-03T10:00:00Z,,south',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('checks the file in a dry run and records nothing', async () => {
  const run = await importCli(['events', file, ...MAP, '--dry-run']);
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('Checked (nothing was recorded) 7 lines');
  expect(run.stdout).toMatch(/would be recorded +3\n/);
  expect(await server.sql("select 1 from event where external_id like 'S-%'")).toEqual([]);
});

it('records the good lines, reports each bad one by line and column, and writes the report', async () => {
  const run = await importCli(['events', file, ...MAP, '--batch', '2']);
  expect(run.code).toBe(1);
  const refused = run.stderr.split('\n').filter((line) => line.startsWith('line '));
  expect(refused.sort()).toEqual([
    'line 3, Seller: no partner with referralCode "NOBODY" in this program',
    'line 4, Sum: "12.50" is not an amount in minor units (a whole number, e.g. 1200000 for 12 000,00)',
    'line 6: Invalid Record Length: columns length is 8, got 5 on line 6',
    'line 7, occurredAt: "yesterday" is not a date and time (ISO 8601, e.g. 2026-03-02T10:00:00Z)',
  ]);
  expect(run.stdout).toMatch(/recorded +3\n {2}already recorded +0\n {2}refused +4 \(every one in .*sales\.csv\.refused\.csv\)\n {2}rewards created +5\n {2}columns ignored +Shop\n$/);
  expect(await rewards()).toEqual([
    { name: 'Anna', amount: '-1200' },
    { name: 'Anna', amount: '1000' },
    { name: 'Anna', amount: '3000' },
    { name: 'Boris', amount: '-2000' },
    { name: 'Boris', amount: '5000' },
  ]);
  const report = readFileSync(`${file}.refused.csv`, 'utf8').split('\r\n');
  expect(report[0]).toBe('line,column,message');
  expect(report).toContain('3,Seller,"no partner with referralCode ""NOBODY"" in this program"');
});

it('records nothing twice when the same file is imported again', async () => {
  const run = await importCli(['events', file, ...MAP]);
  expect(run.stdout).toMatch(/recorded +0\n {2}already recorded +3\n/);
  expect(await rewards()).toHaveLength(5);
});

it('refuses a file without the columns every event needs, before reading a line', async () => {
  const run = await importCli(['events', file, '--report', join(dir, 'none.csv')]);
  expect(run).toEqual({
    code: 2,
    stdout: '',
    stderr: expect.stringContaining('cofactor import: the file has no externalId column (its columns: Order, type, Seller, Sum, currency, occurredAt, refundOf, Shop); name one externalId, or map one with --map COLUMN=externalId'),
  });
  expect(existsSync(join(dir, 'none.csv'))).toBe(false);
});

describe('cofactor import partners', () => {
  // Line 2 names a sponsor that comes on line 4, and line 3 one on line 2: both wait for a pass
  // after the file's first, then are created under them. Line 5's sponsor is nowhere; line 6's
  // email is not one; line 7 is Anna, whom the program has.
  const partners = join(dir, 'dealers.csv');
  const PARTNER_MAP = ['--map', 'Dealer=name', '--map', 'code=referralCode', '--map', 'parent=sponsorReferralCode'];

  beforeAll(() => {
    writeFileSync(
      partners,
      ['Dealer,kind,code,parent,email', 'Gleb,DEALER,GLEB,ZOYA,', 'Dina,DEALER,DINA,GLEB,', 'Zoya,DEALER,ZOYA,ANNA,', 'Lev,DEALER,LEV,NOBODY,', 'Bad,DEALER,BADMAIL,,not-an-email', 'Anna,AMBASSADOR,ANNA,,', ''].join('\n'),
    );
  });

  it('creates each partner under its sponsor, even one later in the file, and reports the rest', async () => {
    const run = await importCli(['partners', partners, ...PARTNER_MAP]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('line ')).sort()).toEqual([
      'line 5, parent: no partner with referral code "NOBODY" in this program or this file',
      'line 6, email: "not-an-email" is not an email address',
    ]);
    expect(run.stdout).toMatch(/recorded +3\n {2}already recorded +1\n {2}refused +2 /);
    const tree = await server.sql<{ name: string; sponsor: string | null }>(
      "select p.name, s.name as sponsor from partner p left join partner s on s.id = p.sponsor_id where p.name in ('Gleb', 'Dina', 'Zoya', 'Lev') order by p.name",
    );
    expect(tree).toEqual([
      { name: 'Dina', sponsor: 'Gleb' },
      { name: 'Gleb', sponsor: 'Zoya' },
      { name: 'Zoya', sponsor: 'Anna' },
    ]);
    // Each creation recorded its joining, as createPartner does.
    expect(await server.sql("select count(*)::int as joined from event where type = 'PARTNER_JOINED'")).toEqual([{ joined: 5 }]);
  });

  it('leaves the partners it created as they are when the file is imported again', async () => {
    const run = await importCli(['partners', partners, ...PARTNER_MAP]);
    expect(run.stdout).toMatch(/recorded +0\n {2}already recorded +4\n {2}refused +2 /);
    expect(await server.sql('select count(*)::int as partners from partner')).toEqual([{ partners: 5 }]);
  });
});
