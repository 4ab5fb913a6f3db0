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
import { ROOT_DIR, annaRecruitsBoris, startTestServer, tableFingerprints, type TestServer } from '../support/harness.js';

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

function importCli(args: string[], on: TestServer = server, extraEnv: Record<string, string> = {}): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: on.appDatabaseUrl, DATABASE_OWNER_URL: on.databaseUrl, COFACTOR_ROOT: ROOT_DIR, ...extraEnv };
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

/**
 * A dry run sees the file's earlier batches, as the real import does. The demo program, as
 * `cofactor start` seeds it: Ivan sponsors Maria, who sponsors Oleg. Its launch campaign pays the
 * seller 5 %, the sponsor 3 % and the sponsor's sponsor 1 %; its goals campaign credits the seller
 * 1 point a sale (100 hundredths, up to the 1000th sale) and pays 3 000,00 ₽ (300 000) once a
 * partner has 5 new customers (its volume bonus pays at period closes only). A refund takes back
 * its share of every entry of its sale. With 2 lines a batch (line 1 is the header):
 *   batch 1  2  S-1 OLEG c-1 100 000  Oleg 5 000, Maria 3 000, Ivan 1 000, Oleg 100 pts  4   new customer 1
 *            3  S-2 OLEG c-2 100 000  the same                                           4   new customer 2
 *   batch 2  4  R-1 40 000 of S-1 (a sale of batch 1): 40 % back, Oleg −2 000, Maria −1 200,
 *               Ivan −400, Oleg −40 pts                                                4
 *            5  S-3 OLEG c-3 100 000                                                   4   new customer 3
 *   batch 3  6  S-4 OLEG c-1 100 000  c-1 bought in batch 1: not a new customer        4
 *            7  S-5 OLEG c-4 100 000                                                   4   new customer 4
 *   batch 4  8  R-2 70 000 of S-1     refused: with R-1 the refunds would total 110 000 > 100 000
 *            9  S-6 OLEG c-5 100 000  4, and Oleg's goal: his 5th new customer        5
 *   batch 5  10 S-2 again, the same   already recorded (in batch 1)
 * Recorded 7 (six sales and R-1), already recorded 1, refused 1, rewards 6 × 4 + 4 + 1 = 29.
 * Checked one batch at a time against the stored program alone, R-1 and R-2 would name no sale,
 * S-2 would be new again and no batch would reach 5 new customers: recorded 7, refused 2, rewards 28.
 */
describe('a dry run of a file whose later batches depend on earlier ones', () => {
  let demo: TestServer;
  let programId: string;
  const sales = join(dir, 'demo-sales.csv');
  const args = () => ['events', sales, '--program', programId, '--batch', '2'];
  const refusals = (run: Run) => run.stderr.split('\n').filter((line) => line.startsWith('line '));
  const counts = () => demo.sql<{ events: number; rewards: number }>('select (select count(*)::int from event) as events, (select count(*)::int from reward) as rewards');

  beforeAll(async () => {
    demo = await startTestServer({ seedDemo: true });
    [{ id: programId }] = await demo.sql<{ id: string }>("select id::text from program where name = 'Demo brand'");
    const sale = (id: string, customer: string, day: number) => `${id},SALE,OLEG,${customer},100000,RUB,2026-03-${day}T10:00:00Z,`;
    writeFileSync(
      sales,
      [
        'externalId,type,referralCode,customerId,amount,currency,occurredAt,refundOf',
        sale('S-1', 'c-1', 10),
        sale('S-2', 'c-2', 10),
        'R-1,REFUND,OLEG,,40000,RUB,2026-03-11T10:00:00Z,S-1',
        sale('S-3', 'c-3', 11),
        sale('S-4', 'c-1', 12),
        sale('S-5', 'c-4', 12),
        'R-2,REFUND,OLEG,,70000,RUB,2026-03-13T10:00:00Z,S-1',
        sale('S-6', 'c-5', 13),
        sale('S-2', 'c-2', 10),
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await demo?.stop();
  });

  it('reports what the real import then records and pays, and writes nothing', async () => {
    const before = { counts: await counts(), tables: await tableFingerprints(demo) };
    const dryRun = await importCli([...args(), '--dry-run'], demo);
    expect(dryRun.code).toBe(1);
    expect(dryRun.stdout).toMatch(/would be recorded +7\n {2}already recorded +1\n {2}refused +1 .*\n {2}rewards it would create +29\n/);
    expect(refusals(dryRun)).toEqual(['line 8, amount: refunds of sale "S-1" would total 110000, more than the sale\'s 100000 (minor units)']);
    expect(await counts()).toEqual(before.counts);
    expect(await tableFingerprints(demo)).toEqual(before.tables);

    const real = await importCli(args(), demo);
    expect(real.code).toBe(1);
    expect(real.stdout).toMatch(/recorded +7\n {2}already recorded +1\n {2}refused +1 .*\n {2}rewards created +29\n/);
    expect(refusals(real)).toEqual(refusals(dryRun));
    // What the 29 entries come to: Oleg 6 × 5 000 − 2 000 + 300 000; Maria 6 × 3 000 − 1 200; Ivan 6 × 1 000 − 400; Oleg 6 × 100 − 40 points.
    const paid = await demo.sql<{ name: string; unit: string; total: string; entries: number }>(
      `select p.name, r.unit, sum(r.amount)::text as total, count(*)::int as entries from reward r join partner p on p.id = r.partner_id
        where r.event_id in (select id from event where external_id like 'S-%' or external_id like 'R-%') group by 1, 2 order by 1, 2`,
    );
    expect(paid).toEqual([
      { name: 'Ivan Petrov', unit: 'RUB', total: '5600', entries: 7 },
      { name: 'Maria Sokolova', unit: 'RUB', total: '16800', entries: 7 },
      { name: 'Oleg Smirnov', unit: 'POINTS', total: '560', entries: 7 },
      { name: 'Oleg Smirnov', unit: 'RUB', total: '328000', entries: 8 },
    ]);
  });

  it('finds every line of the imported file recorded, reading the stored events it names', async () => {
    const run = await importCli([...args(), '--dry-run'], demo);
    // S-1..S-6, R-1 and the repeat of S-2 are stored with the same content; R-2 still refunds too much.
    expect(run.stdout).toMatch(/would be recorded +0\n {2}already recorded +8\n {2}refused +1 .*\n {2}rewards it would create +0\n/);
  });

  it('refuses a file larger than COFACTOR_SIMULATION_MAX_EVENTS lets it hold, before checking a line', async () => {
    const tooLong = await importCli([...args(), '--dry-run'], demo, { COFACTOR_SIMULATION_MAX_EVENTS: '8' });
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('--dry-run holds every line of the file in memory, at most 8 (COFACTOR_SIMULATION_MAX_EVENTS), and this file has more');
    // 9 lines fit in 12, but not with the 7 stored events they name and the others of Oleg's, Maria's and Ivan's.
    const tooMany = await importCli([...args(), '--dry-run'], demo, { COFACTOR_SIMULATION_MAX_EVENTS: '12' });
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain("--dry-run holds the file's 9 lines in memory with the stored events they reach (those they name and those their partners' stats count), at most 12 events in all");
  });
});
