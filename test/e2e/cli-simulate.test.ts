/**
 * `cofactor simulate` as a user runs it: a real child process (server/dist/cli.js) against the
 * test's PostgreSQL, printing the summary table or JSON, and refusing bad files, fields, dates,
 * campaigns and programs in one line with exit code 2, writing nothing.
 *
 * The program is simulation.test.ts's: Anna (an AMBASSADOR) sponsors Boris (a RESELLER);
 * campaign "Sales" pays 5 % of each sale since 2026-01-01. Amounts are kopecks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { ROOT_DIR, startTestServer, tableFingerprints, type TestServer } from '../support/harness.js';
import { seedNovemberSales } from '../support/november-sales.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
const NOVEMBER = ['--from', '2026-11-01', '--to', '2026-12-01'];

let server: TestServer;
let dir: string;
let annaId: string;
let campaignId: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI on the test database as the server's role, the owner migrating, as `cofactor` with DATABASE_URL would. */
function simulate(args: string[]): Promise<Run> {
  const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl, COFACTOR_ROOT: ROOT_DIR };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'simulate', ...args], { env, cwd: ROOT_DIR, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** A campaign file in the test's folder. */
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cofactor-simulate-'));
  server = await startTestServer();
  ({ annaId, campaignId } = await seedNovemberSales(server));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('prints the table of a rate raised from 5 % to 7 % over November, compared with what was paid, and writes nothing', async () => {
  const raised = file('raised.json', { campaignId, campaign: { schemes: [{ code: 'percentage-of-sales', args: { percent: '7' } }] } });
  const before = await tableFingerprints(server);
  const run = await simulate(['--campaign', raised, ...NOVEMBER, '--compare-with', campaignId]);
  expect(await tableFingerprints(server)).toEqual(before);
  // stderr is no terminal here: a line at each tenth passed. Three recorded batches: S-1 and S-2, then S-3, then R-1.
  expect([run.code, run.stderr.split('\n').filter((line) => line.startsWith('simulate:'))]).toEqual([
    0,
    ['simulate: 50% (2 of 4 events)', 'simulate: 75% (3 of 4 events)', 'simulate: 100% (4 of 4 events)'],
  ]);
  const lines = run.stdout.split('\n');
  expect(lines[0]).toBe(`Simulation of campaign ${campaignId} (as given), 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z`);
  // 7 %: 700 000 + 210 000 + 86 420 (86 419.69, half to even) − 105 000 (R-1 returns half of S-2) = 891 420 kopecks in 4 entries.
  expect(lines).toContain('  MONEY  RUB   RUB 8,914.20  RUB 0.00        4');
  // 10 000 000 + 3 000 000 + 1 234 567 − 1 500 000 = 12 734 567 net; 891 420 of it is 7.00 %.
  expect(lines).toContain('Net sales           RUB 127,345.67');
  expect(lines).toContain('Cost of sales       7.00%');
  expect(lines).toContain('Budget              none');
  // Anna: 700 000 against 500 000 paid at 5 %.
  expect(lines).toContain(`  ${annaId.padEnd(7)}  Anna   RUB 7,000.00  RUB 5,000.00  RUB 2,000.00`);
  // Paid at 5 %: 500 000 + 150 000 + 61 728 − 75 000 = 636 728; 891 420 − 636 728 = 254 692 more.
  expect(lines).toContain('  MONEY  RUB   RUB 6,367.28  RUB 2,546.92');
});

it('prints JSON with --json', async () => {
  const draft = file('draft.json', { campaign: { name: 'Draft', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', budget: 800_000, schemes: [{ code: 'percentage-of-sales', args: { percent: '7' } }] } });
  const run = await simulate(['--campaign', draft, ...NOVEMBER, '--json']);
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout);
  // S-1 takes 700 000 of the 800 000; S-2's 210 000 gets 100 000 and 110 000 is CAPPED, on 2026-11-10; S-3's 86 420 is CAPPED
  // whole; R-1 takes back half of the 100 000: granted 750 000, capped 196 420 (as in simulation.test.ts).
  expect(result.totals).toEqual([{ kind: 'MONEY', unit: 'RUB', granted: '750000', capped: '196420', entries: 5 }]);
  expect(result.budget).toEqual({ budget: '800000', usedBefore: '0', usedInSpan: '750000', left: '50000', ranOutAt: '2026-11-10T10:00:00.000Z', cappedByBudget: '196420' });
  expect([result.eventsReplayed, result.campaignId, result.entries]).toEqual([4, null, undefined]);
});

it('refuses a bad file, field, date, campaign or program in one line with exit code 2, writing nothing', async () => {
  const before = await tableFingerprints(server);
  const refusal = async (args: string[]) => {
    const run = await simulate(args);
    return { code: run.code, stderr: run.stderr.trim(), stdout: run.stdout };
  };
  const badArg = file('bad-arg.json', { campaign: { name: 'D', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '120' } }] } });
  expect(await refusal(['--campaign', badArg, ...NOVEMBER])).toEqual({ code: 2, stderr: expect.stringMatching(new RegExp(`^cofactor simulate: ${badArg}: campaign\\.schemes\\[0\\]\\.args\\.percent: `)), stdout: '' });
  const badType = file('bad-type.json', { campaign: { schemes: [{ code: 5 }] } });
  expect(await refusal(['--campaign', badType, ...NOVEMBER])).toEqual({ code: 2, stderr: expect.stringMatching(new RegExp(`^cofactor simulate: ${badType}: campaign\\.schemes\\[0\\]\\.code: String cannot represent`)), stdout: '' });
  const notJson = file('not-json.json', '{ "campaign": ');
  expect(await refusal(['--campaign', notJson, ...NOVEMBER])).toMatchObject({ code: 2, stderr: expect.stringContaining(`cofactor simulate: ${notJson}: not JSON`) });
  expect(await refusal(['--campaign', join(dir, 'missing.json'), ...NOVEMBER])).toMatchObject({ code: 2, stderr: expect.stringContaining('cofactor simulate: --campaign: cannot read') });
  const unknownCampaign = file('unknown.json', { campaignId: '999999', campaign: {} });
  expect(await refusal(['--campaign', unknownCampaign, ...NOVEMBER])).toMatchObject({ code: 2, stderr: `cofactor simulate: ${unknownCampaign}: campaignId: campaign 999999 not found` });
  const good = file('good.json', { campaignId });
  expect(await refusal(['--campaign', good, '--from', 'November', '--to', '2026-12-01'])).toMatchObject({ code: 2, stderr: expect.stringContaining('cofactor simulate: --from: "November" is not a date') });
  expect(await refusal(['--campaign', good, '--from', '2026-12-01', '--to', '2026-11-01'])).toMatchObject({ code: 2, stderr: 'cofactor simulate: --to: must be after from' });
  expect(await refusal(['--campaign', good, ...NOVEMBER, '--compare-with', '999999'])).toMatchObject({ code: 2, stderr: 'cofactor simulate: --compare-with: campaign 999999 not found' });

  // A second program: which one is meant must be said.
  const em = server.running.app.orm.em.fork();
  const other = em.create(Program, { name: 'Other brand', defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  const several = await refusal(['--campaign', good, ...NOVEMBER]);
  expect(several).toMatchObject({ code: 2, stderr: expect.stringMatching(/^cofactor simulate: 2 programs \(.*\): choose one with --program <id>$/) });
  expect(await tableFingerprints(server)).toEqual({ ...before, program: (await tableFingerprints(server)).program });
  // The other program has no such campaign.
  expect(await refusal(['--campaign', good, ...NOVEMBER, '--program', other.id])).toMatchObject({ code: 2, stderr: `cofactor simulate: ${good}: campaignId: campaign ${campaignId} not found` });
  expect((await simulate(['--campaign', good, ...NOVEMBER, '--program', server.programId])).code).toBe(0);
});

it('names the command and its settings in --help, and refuses a setting out of range', async () => {
  const help = await new Promise<string>((resolve) => execFile(process.execPath, [CLI, '--help'], { cwd: ROOT_DIR }, (_error, stdout) => resolve(stdout)));
  for (const text of ['simulate', 'COFACTOR_SIMULATION_CONCURRENCY', 'COFACTOR_SIMULATION_KEPT']) expect(help).toContain(text);
  const good = file('help.json', { campaignId });
  const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, COFACTOR_ROOT: ROOT_DIR, COFACTOR_SIMULATION_KEPT: '0' };
  const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(process.execPath, [CLI, 'simulate', '--campaign', good, ...NOVEMBER], { env, cwd: ROOT_DIR }, (error, _stdout, stderr) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr })),
  );
  expect(refused).toEqual({ code: 1, stderr: 'cofactor: COFACTOR_SIMULATION_KEPT must be a whole number from 1 to 100000, got "0"\n' });
});
