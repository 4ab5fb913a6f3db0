/**
 * The analytics rollups against what they are made of: a small program seeded over real HTTP,
 * its rollup rows read with SQL (`analytics_total` plus the deltas not yet folded), checked by
 * `verifyAnalytics` before and after the fold, broken by hand and put back by
 * `cofactor analytics rebuild`, with `cofactor verify` naming the break.
 *
 * The program's time zone is Europe/Moscow (UTC+3); amounts in kopecks. Regions: RU with its
 * sub-region MSK; KZ. Partners (both join today, when the test runs):
 *   Anna  AMBASSADOR  MSK  SMALL  level 1
 *   Boris DEALER      KZ   LARGE  level 1  sponsor Anna  (moves to MSK after his sale)
 * Events (local days):
 *   S-A1  Anna  SALE   100 000  C-1 (new)   Nov 2
 *   S-B1  Boris SALE    50 000  C-2 (new)   Nov 2
 *   L-A1  Anna  LEAD                        Nov 2
 *   R-A1  Anna  REFUND  20 000 of S-A1      Nov 2
 *   S-A2  Anna  SALE    30 000  C-1         Nov 10
 * Campaigns: "Sales" pays 10 % of a sale (S-A1 10 000, S-B1 5 000, S-A2 3 000; R-A1 takes back
 * 10 % × 20 000 = 2 000 of S-A1's); "Points" credits 1 point (100 hundredths) a sale (R-A1 takes
 * back 100 × 20 000 / 100 000 = 20 of S-A1's); "Perks" grants a closed event at the second sale
 * (S-A2), delivered; "Levels" makes Silver (level 2) a partner with 1 000,00 ₽ of net sales in a
 * month. Anna's S-A1 reward is approved (its correction moves with it); Boris moves to MSK, then
 * his S-B1 reward is rejected. Survey answers: Anna 9 (Nov 20), Boris 5 (Nov 21, after his move).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { ANALYTICS_VALUES, FIGURES, foldAnalyticsDeltas, verifyAnalytics } from '../../server/src/analytics/rollups.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { ROOT_DIR, startTestServer, type TestServer } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');

let server: TestServer;
/** The tables' owner, as `cofactor analytics rebuild` connects. */
let owner: Sql;
/** Holds the fold's advisory lock while the program is seeded, so every delta waits unfolded. */
let folding: pg.Client;
const ids: Record<string, string> = {};
const regions: Record<string, string> = {};
const campaigns: Record<string, string> = {};

async function createCampaign(name: string, schemes: unknown[]): Promise<string> {
  const input = { name, startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 14, schemes };
  const id = (await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, { input })).createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${id}") { id } }`);
  return id;
}

async function createPartner(name: string, kind: string, regionCode: string, segment: string, sponsor?: string): Promise<void> {
  const input = { name, kind, regionCode, segment, ...(sponsor ? { sponsorId: ids[sponsor] } : {}) };
  ids[name] = (await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, { input })).createPartner.id;
}

const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }`;
const sale = (externalId: string, partner: string, amount: number, occurredAt: string, customerId: string) => ({
  externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB', occurredAt, customerId,
});

/** The money reward of a campaign for an event, by the event's external id. */
async function rewardFor(campaign: string, externalId: string): Promise<string> {
  const [row] = await server.sql<{ id: string }>(
    `select r.id::text from reward r join event e on e.id = r.event_id where r.campaign_id = $1 and e.external_id = $2 and r.corrects_id is null`,
    [campaigns[campaign], externalId],
  );
  return row.id;
}

beforeAll(async () => {
  server = await startTestServer();
  owner = new Sql(server.databaseUrl, new StatementCounter(), 1);
  folding = new pg.Client({ connectionString: server.databaseUrl });
  await folding.connect();
  await folding.query(`select pg_advisory_lock(hashtext('analytics-fold'))`);

  for (const [code, parentCode] of [['RU', null], ['MSK', 'RU'], ['KZ', null]] as const) {
    regions[code] = (await server.ok<{ createRegion: { id: string } }>(`mutation($input: CreateRegionInput!) { createRegion(input: $input) { id } }`, {
      input: { code, name: code, parentCode },
    })).createRegion.id;
  }
  await createPartner('Anna', 'AMBASSADOR', 'MSK', 'SMALL');
  await createPartner('Boris', 'DEALER', 'KZ', 'LARGE', 'Anna');
  campaigns.sales = await createCampaign('Sales', [{ code: 'percentage-of-sales', args: { percent: '10' } }]);
  campaigns.points = await createCampaign('Points', [{ code: 'points', args: {} }]);
  campaigns.perks = await createCampaign('Perks', [
    { code: 'perks', args: { awards: [{ code: 'VIP-EVENT', name: 'Closed dealer event', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '2' }] } },
  ]);
  campaigns.levels = await createCampaign('Levels', [
    { code: 'partner-levels', args: { rollingPeriods: 1, levels: [{ level: 1, name: 'Bronze' }, { level: 2, name: 'Silver', minVolume: '100000' }] } },
  ]);

  await server.ok(RECORD, {
    events: [
      sale('S-A1', 'Anna', 100_000, '2026-11-02T09:00:00Z', 'C-1'),
      sale('S-B1', 'Boris', 50_000, '2026-11-02T10:00:00Z', 'C-2'),
      { externalId: 'L-A1', type: 'LEAD', partnerId: ids.Anna, occurredAt: '2026-11-02T11:00:00Z' },
      { externalId: 'R-A1', type: 'REFUND', partnerId: ids.Anna, refundOf: 'S-A1', amount: 20_000, currency: 'RUB', occurredAt: '2026-11-02T12:00:00Z' },
    ],
  });
  await server.ok(RECORD, { events: [sale('S-A2', 'Anna', 30_000, '2026-11-10T09:00:00Z', 'C-1')] });
  const perk = await rewardFor('perks', 'S-A2');
  await server.ok(`mutation { updatePerkFulfilment(rewardId: "${perk}", state: "DELIVERED", note: "Invitation 17") { id } }`);
  await server.ok(`mutation($ids: [ID!]!) { approveRewards(ids: $ids) { id } }`, { ids: [await rewardFor('sales', 'S-A1')] });
  await server.ok(`mutation { updatePartner(id: "${ids.Boris}", input: { regionCode: "MSK" }) { id } }`);
  await server.ok(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "order cancelled") { id } }`, { ids: [await rewardFor('sales', 'S-B1')] });
  await server.ok(`mutation($r: [SurveyResponseInput!]!) { recordSurveyResponses(responses: $r) { accepted } }`, {
    r: [
      { externalId: 'Q-A', partnerId: ids.Anna, score: 9, answeredAt: '2026-11-20T09:00:00Z' },
      { externalId: 'Q-B', partnerId: ids.Boris, score: 5, answeredAt: '2026-11-21T09:00:00Z' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await folding?.end();
  await owner?.close();
  await server?.stop();
});

interface RollupKey {
  grain: string;
  bucket: string;
  partner?: string;
  region?: string;
  kind?: string;
  segment?: string;
  level?: number;
  campaign?: string;
  unit?: string;
}

/**
 * The non-zero figures of one rollup row (summed over scheme instances): from the totals with
 * the unfolded deltas added (what reads see), or from the folded totals alone.
 */
async function rollup(from: 'values' | 'totals', key: RollupKey): Promise<Record<string, number>> {
  const relation = from === 'values' ? `(${ANALYTICS_VALUES})` : `(select * from analytics_total where program_id = $1)`;
  const [row] = await server.sql<Record<string, number>>(
    `select ${FIGURES.map((figure) => `coalesce(sum(${figure}), 0)::int as ${figure}`).join(', ')} from ${relation} t
      where grain = $2 and bucket = $3 and partner_id = $4 and region_id = $5 and kind = $6 and segment = $7 and level = $8 and campaign_id = $9 and unit = $10`,
    [server.programId, key.grain, key.bucket, key.partner ?? 0, key.region ?? 0, key.kind ?? '', key.segment ?? '', key.level ?? 0, key.campaign ?? 0, key.unit ?? ''],
  );
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== 0));
}

/** The rows checked, each with its figures derived by hand from the story at the top. */
const EXPECTED: { key: () => RollupKey; figures: Record<string, number> }[] = [
  // The program's Nov 2 in rubles: S-A1, S-B1 and R-A1; 100 000 + 50 000 gross, 20 000 refunded; C-1 and C-2 buy for the first time.
  { key: () => ({ grain: 'PROGRAM_DAY', bucket: '2026-11-02', unit: 'RUB' }), figures: { events: 3, sales: 2, gross: 150_000, refunds: 1, refunded: 20_000, new_customers: 2 } },
  // L-A1 carries no currency.
  { key: () => ({ grain: 'PROGRAM_DAY', bucket: '2026-11-02' }), figures: { events: 1, leads: 1 } },
  // Boris's sale stays in KZ, where he was when it was recorded; so does his reward, rejected after his move (5 000).
  {
    key: () => ({ grain: 'MONTH', bucket: '2026-11-01', region: regions.KZ, kind: 'DEALER', segment: 'LARGE', level: 1, unit: 'RUB' }),
    figures: { events: 1, sales: 1, gross: 50_000, new_customers: 1 },
  },
  {
    key: () => ({ grain: 'MONTH', bucket: '2026-11-01', region: regions.KZ, kind: 'DEALER', segment: 'LARGE', level: 1, campaign: campaigns.sales, unit: 'RUB' }),
    figures: { money_rejected: 5_000 },
  },
  // His answer, given after the move, counts in MSK: score 5, a detractor.
  { key: () => ({ grain: 'MONTH', bucket: '2026-11-01', region: regions.MSK, kind: 'DEALER', segment: 'LARGE', level: 1 }), figures: { responses: 1, score_sum: 5, detractors: 1 } },
  // MSK's November in rubles: Anna's S-A1, R-A1 and S-A2 (100 000 + 30 000); C-1 is new once.
  { key: () => ({ grain: 'REGION_MONTH', bucket: '2026-11-01', region: regions.MSK, unit: 'RUB' }), figures: { events: 3, sales: 2, gross: 130_000, refunds: 1, refunded: 20_000, new_customers: 1 } },
  // The Sales campaign's November: S-A1's 10 000 approved with its 2 000 correction, S-A2's 3 000 pending, S-B1's 5 000 rejected.
  {
    key: () => ({ grain: 'PROGRAM_MONTH', bucket: '2026-11-01', campaign: campaigns.sales, unit: 'RUB' }),
    figures: { money_pending: 3_000, money_approved: 10_000, money_reversed: 2_000, money_rejected: 5_000 },
  },
  // Points: 100 for each of the three sales, less the 20 R-A1 took back.
  { key: () => ({ grain: 'PROGRAM_MONTH', bucket: '2026-11-01', campaign: campaigns.points }), figures: { points_earned: 280 } },
  { key: () => ({ grain: 'PROGRAM_MONTH', bucket: '2026-11-01', campaign: campaigns.perks }), figures: { perks: 1, perks_delivered: 1 } },
  // L-A1, and the answers 9 (a promoter) and 5 (a detractor): 14 in all.
  { key: () => ({ grain: 'PROGRAM_MONTH', bucket: '2026-11-01' }), figures: { events: 1, leads: 1, responses: 2, score_sum: 14, promoters: 1, detractors: 1 } },
  // Anna's Nov 2, every campaign together: S-A1 and R-A1 in rubles with her rewards for them; L-A1 and 100 − 20 points without.
  {
    key: () => ({ grain: 'PARTNER_DAY', bucket: '2026-11-02', partner: ids.Anna, unit: 'RUB' }),
    figures: { events: 2, sales: 1, gross: 100_000, refunds: 1, refunded: 20_000, new_customers: 1, money_approved: 10_000, money_reversed: 2_000 },
  },
  { key: () => ({ grain: 'PARTNER_DAY', bucket: '2026-11-02', partner: ids.Anna }), figures: { events: 1, leads: 1, points_earned: 80 } },
  { key: () => ({ grain: 'PARTNER_DAY', bucket: '2026-11-10', partner: ids.Anna, unit: 'RUB' }), figures: { events: 1, sales: 1, gross: 30_000, money_pending: 3_000 } },
  { key: () => ({ grain: 'PARTNER_DAY', bucket: '2026-11-10', partner: ids.Anna }), figures: { points_earned: 100, perks: 1, perks_delivered: 1 } },
];

async function expectFigures(from: 'values' | 'totals'): Promise<void> {
  for (const { key, figures } of EXPECTED) expect({ key: key(), figures: await rollup(from, key()) }).toEqual({ key: key(), figures });
}

/** Every rollup figure of the program, in key order: what reads see. */
const allFigures = () => server.sql(`${ANALYTICS_VALUES} order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`, [server.programId]);

describe('the rollups of a seeded program', () => {
  it('agree with the stored rows while every delta waits to be folded', async () => {
    const [{ totals, deltas }] = await server.sql<{ totals: number; deltas: number }>(
      `select (select count(*)::int from analytics_total) as totals, (select count(*)::int from analytics_delta) as deltas`,
    );
    expect(totals).toBe(0);
    expect(deltas).toBeGreaterThan(0);
    expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
    await expectFigures('values');
    // Both partners join today: Anna and Boris, who is Anna's recruit.
    const joined = await server.sql(
      `select bucket::text, sum(joined)::int as joined, sum(recruits)::int as recruits from (${ANALYTICS_VALUES}) t where grain = 'PROGRAM_DAY' and (joined <> 0 or recruits <> 0) group by 1`,
      [server.programId],
    );
    const [{ today }] = await server.sql<{ today: string }>(`select (joined_at at time zone 'Europe/Moscow')::date::text as today from partner where id = $1`, [ids.Anna]);
    expect(joined).toEqual([{ bucket: today, joined: 2, recruits: 1 }]);
  });

  it('hold the same figures once the deltas are folded', async () => {
    await folding.query(`select pg_advisory_unlock(hashtext('analytics-fold'))`);
    expect(await foldAnalyticsDeltas(owner, { wait: true })).toBeGreaterThanOrEqual(0);
    expect((await server.sql<{ left: number }>(`select count(*)::int as left from analytics_delta`))[0].left).toBe(0);
    expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
    await expectFigures('totals');
  });

  it('keep past figures at the level they were recorded at when a later period close raises it', async () => {
    // Anna's November net sales: 100 000 + 30 000 − 20 000 = 110 000 ≥ 100 000 → Silver. Boris's 50 000 keeps him Bronze.
    await server.ok(`mutation { closePeriod(campaignId: "${campaigns.levels}", period: "2026-11") { rewardsCreated } }`);
    expect((await server.ok<{ partner: { level: number } }>(`{ partner(id: "${ids.Anna}") { level } }`)).partner.level).toBe(2);
    await server.ok(RECORD, { events: [sale('S-A3', 'Anna', 10_000, '2026-12-01T09:00:00Z', 'C-3')] });
    await foldAnalyticsDeltas(owner, { wait: true });
    expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
    // November stays at level 1: S-A1, S-B1, R-A1 and S-A2 (100 000 + 50 000 + 30 000 gross).
    const november = { grain: 'LEVEL_MONTH', bucket: '2026-11-01', unit: 'RUB' };
    expect(await rollup('values', { ...november, level: 1 })).toEqual({ events: 4, sales: 3, gross: 180_000, refunds: 1, refunded: 20_000, new_customers: 2 });
    expect(await rollup('values', { ...november, level: 2 })).toEqual({});
    // December's S-A3 is Silver's.
    expect(await rollup('values', { grain: 'LEVEL_MONTH', bucket: '2026-12-01', level: 2, unit: 'RUB' })).toEqual({ events: 1, sales: 1, gross: 10_000, new_customers: 1 });
    await expectFigures('values');
  });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // The server's role checks; the tables' owner rebuilds.
  const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl };
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT_DIR, env, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('cofactor verify and cofactor analytics rebuild', () => {
  let otherProgram: string;

  beforeAll(async () => {
    [{ id: otherProgram }] = await server.sql<{ id: string }>(
      `insert into program (name, default_currency, time_zone, token_secret) values ('Other brand', 'RUB', 'Europe/Moscow', 'secret') returning id::text`,
    );
  });

  it('names totals changed or lost by hand, and a rebuild of every program puts the figures back', async () => {
    const before = await allFigures();
    const changed = await server.sql(
      `update analytics_total set gross = gross + 1
        where program_id = $1 and grain = 'PROGRAM_DAY' and bucket = '2026-11-02' and campaign_id = 0 and unit = 'RUB' returning 1`,
      [server.programId],
    );
    expect(changed).toHaveLength(1);
    const removed = await server.sql(`delete from analytics_total where grain = 'PARTNER_DAY' and partner_id = $1 and bucket = '2026-11-10' and unit = '' returning 1`, [ids.Anna]);
    expect(removed).toHaveLength(1);

    const broken = await cli(['verify', '--program', server.programId]);
    expect(broken.code).toBe(1);
    // The figures in column order: events, sales, gross, refunds, refunded, new customers, leads, joined, recruits,
    // six money figures, points earned and redeemed, perks and delivered, badges, four of answers.
    const zeros = (count: number) => ',0'.repeat(count);
    expect(broken.stdout.split('\n').slice(-3)).toEqual([
      `  rule analytics-rollups: analytics rollups of program ${server.programId} disagree with its events, ledger, perk deliveries, partners and survey answers ` +
        `(2 differences; cofactor analytics rebuild recomputes them): ` +
        `PARTNER_DAY 2026-11-10 partner ${ids.Anna} region 0 unit "": the rollups hold nothing, events and the ledger give (0${zeros(14)},100,0,1,1${zeros(5)}); ` +
        `PROGRAM_DAY 2026-11-02 partner 0 region 0 unit "RUB": ` +
        `the rollups hold (3,2,150001,1,20000,2${zeros(18)}), events and the ledger give (3,2,150000,1,20000,2${zeros(18)})`,
      'ledger broken: 1 problem',
      '',
    ]);
    // Checking every program finds the same one problem.
    expect((await cli(['verify'])).stdout).toContain('ledger broken: 1 problem');

    const rebuilt = await cli(['analytics', 'rebuild']);
    const [{ rows }] = await server.sql<{ rows: number }>(
      `select (select count(*) from analytics_total where program_id = $1) + (select count(*) from analytics_activity where program_id = $1)
            + (select count(*) from analytics_partner_period where program_id = $1) as rows`,
      [server.programId],
    );
    const count = Number(rows).toLocaleString('en-US');
    expect(rebuilt).toEqual({
      code: 0,
      stdout: [`[1/2] program ${server.programId} ... ${count} rows`, `[2/2] program ${otherProgram} ... 0 rows`, `analytics rollups rebuilt: ${count} rows in 2 programs`, ''].join('\n'),
      stderr: '',
    });
    expect(await rollup('totals', { grain: 'PROGRAM_DAY', bucket: '2026-11-02', unit: 'RUB' })).toEqual(EXPECTED[0].figures);
    expect(await allFigures()).toEqual(before);

    const clean = await cli(['verify']);
    expect({ code: clean.code, last: clean.stdout.split('\n').at(-2) }).toEqual({ code: 0, last: 'ledger ok: 12 entries, 0 payouts checked' });
  });

  it('rebuilds one program, keeping a moved partner\'s sale in the region it was recorded in', async () => {
    const rebuilt = await cli(['analytics', 'rebuild', '--program', server.programId]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(new RegExp(`^\\[1/1\\] program ${server.programId} \\.\\.\\. [0-9,]+ rows\nanalytics rollups rebuilt: [0-9,]+ rows in 1 program\n$`));
    await expectFigures('totals');
    expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
  });

  it('refuses a program that does not exist, and an unknown action', async () => {
    expect(await cli(['analytics', 'rebuild', '--program', '999999'])).toEqual({ code: 1, stdout: '', stderr: 'cofactor: no program 999999\n' });
    expect(await cli(['analytics', 'refresh'])).toEqual({ code: 1, stdout: '', stderr: 'cofactor: unknown action "refresh"; the action is: rebuild\n' });
  });
});
