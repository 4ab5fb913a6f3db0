/**
 * Program analytics over real HTTP, every figure derived by hand below.
 *
 * The program's time zone is Europe/Moscow (UTC+3). Regions: RU with sub-regions MSK and SPB;
 * KZ. Partners (all join today, when the test runs, which is after these dates):
 *   Anna  AMBASSADOR  MSK  SMALL
 *   Boris DEALER      SPB  LARGE  sponsor Anna
 *   Vera  AMBASSADOR  KZ          sponsor Anna
 *   Gleb  DEALER      RU          (no events)
 * Events (local dates; amounts in kopecks):
 *   S-V1 Vera  SALE 40 000            Oct 5
 *   S-B2 Boris SALE 30 000  C-3 new   Oct 20
 *   S-A1 Anna  SALE 100 000 C-1 new   Nov 1 (Oct 31 22:30 UTC: November in Moscow)
 *   L-A1 Anna  LEAD                   Nov 5
 *   L-A2 Anna  LEAD                   Nov 6
 *   S-A2 Anna  SALE 50 000  C-1       Nov 10
 *   S-B1 Boris SALE 200 000 C-2 new   Nov 15
 *   L-B1 Boris LEAD                   Nov 15
 *   R-A1 Anna  REFUND 20 000 of S-A2  Dec 1 (across the month boundary from its sale)
 * Campaign "Sales" pays 10 % of each sale: S-V1 4 000, S-B2 3 000, S-A1 10 000, S-A2 5 000,
 * S-B1 20 000, all approved; then a payout batch, of which Boris's payout (23 000) is paid; then
 * the refund takes back 10 % × 20 000 = 2 000 of S-A2's reward (a pending correction, Dec 1).
 * Campaign "Points" earns 1 point (100 hundredths) per sale; the refund takes back 40/100 of
 * S-A2's point (20 000 of 50 000 returned: 100 × 2/5 = 40). Anna redeems a 1-point item today.
 * Survey answers: Anna 10 (Nov 20), Boris 6 (Nov 21), Vera 9 (Dec 2).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { AnalyticsService } from '../../server/src/analytics/analytics.service.js';
import { ANALYTICS_VALUES, rebuildAnalytics, verifyAnalytics } from '../../server/src/analytics/rollups.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { ROOT_DIR, analyticsFolded, startTestServer, type GraphQLResponse, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};
let salesCampaign = '';
let pointsCampaign = '';

const GROUP = `regionCode kind segment level campaignId schemeInstanceId month
  partners { new active total previouslyActive retained churned retention recruited }
  activity { events leads sales conversion }
  sales { currency count gross refunds refunded net averageCheck newCustomers }
  rewards { money { currency pending approved paid reversed capped rejected cost costOfSales } points { earned redeemed outstanding } perks { granted delivered } badges }
  satisfaction { responses promoters passives detractors averageScore nps }`;
const STATS = `query($period: AnalyticsPeriodInput!, $filter: AnalyticsFilterInput, $groupBy: [AnalyticsDimension!]) {
  programStats(period: $period, filter: $filter, groupBy: $groupBy) { from to total { ${GROUP} } groups { ${GROUP} } }
}`;
const COMPARE = `query($period: AnalyticsPeriodInput!, $parent: String) {
  regionComparison(period: $period, parentRegionCode: $parent) { total { ${GROUP} } groups { ${GROUP} } }
}`;
const SERIES = `query($metric: AnalyticsMetric!, $interval: AnalyticsInterval!, $period: AnalyticsPeriodInput!, $groupBy: AnalyticsDimension) {
  timeSeries(metric: $metric, interval: $interval, period: $period, groupBy: $groupBy) { regionCode currency points { bucket value } }
}`;
const PARTNER = `query($id: ID!, $period: AnalyticsPeriodInput!) {
  partnerStats(partnerId: $id, period: $period) { partnerId from to figures { ${GROUP} } rank { regionCode period rank ranked } }
}`;

const NOVEMBER = { month: '2026-11' };
const NO_KEY = { regionCode: null, kind: null, segment: null, level: null, campaignId: null, schemeInstanceId: null, month: null };
const NO_REWARDS = { money: [], points: { earned: 0, redeemed: 0, outstanding: 0 }, perks: { granted: 0, delivered: 0 }, badges: 0 };
const NO_ANSWERS = { responses: 0, promoters: 0, passives: 0, detractors: 0, averageScore: null, nps: null };
const partners = (figures: Partial<Record<string, number | null>>) => ({ new: 0, active: 0, total: 0, previouslyActive: 0, retained: 0, churned: 0, retention: null, recruited: 0, ...figures });
const rub = (figures: Record<string, number | null>) => ({ currency: 'RUB', refunds: 0, refunded: 0, newCustomers: 0, ...figures });
const money = (figures: Record<string, number | null>) => ({ currency: 'RUB', pending: 0, approved: 0, paid: 0, reversed: 0, capped: 0, rejected: 0, ...figures });

const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;
const pathOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.issues?.[0]?.path;

async function createPartner(name: string, kind: string, regionCode: string, segment: string | null, sponsor: string | null) {
  const input = { name, kind, regionCode, segment, sponsorId: sponsor === null ? null : ids[sponsor] };
  ids[name] = (await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, { input })).createPartner.id;
}

async function createCampaign(name: string, scheme: Record<string, unknown>): Promise<string> {
  const input = { name, startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [scheme] };
  const id = (await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, { input })).createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${id}") { id } }`);
  return id;
}

const event = (externalId: string, partner: string, type: string, occurredAt: string, more: Record<string, unknown> = {}) => ({ externalId, type, partnerId: ids[partner], occurredAt, ...more });
const sale = (externalId: string, partner: string, amount: number, occurredAt: string, customerId?: string) =>
  event(externalId, partner, 'SALE', occurredAt, { amount, currency: 'RUB', ...(customerId ? { customerId } : {}) });
const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }`;

beforeAll(async () => {
  server = await startTestServer();
  await server.ok(`mutation { createRegion(input: { code: "RU", name: "Russia" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "MSK", name: "Moscow", parentCode: "RU" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "SPB", name: "Saint Petersburg", parentCode: "RU" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "KZ", name: "Kazakhstan" }) { id } }`);
  await createPartner('Anna', 'AMBASSADOR', 'MSK', 'SMALL', null);
  await createPartner('Boris', 'DEALER', 'SPB', 'LARGE', 'Anna');
  await createPartner('Vera', 'AMBASSADOR', 'KZ', null, 'Anna');
  await createPartner('Gleb', 'DEALER', 'RU', null, null);
  salesCampaign = await createCampaign('Sales', { code: 'percentage-of-sales', args: { percent: '10' } });
  pointsCampaign = await createCampaign('Points', { code: 'points', args: { catalog: [{ code: 'MUG', name: 'Mug', kind: 'TRAINING', cost: '1' }] } });
  await server.ok(RECORD, {
    events: [
      sale('S-V1', 'Vera', 40_000, '2026-10-05T09:00:00Z'),
      sale('S-B2', 'Boris', 30_000, '2026-10-20T09:00:00Z', 'C-3'),
      sale('S-A1', 'Anna', 100_000, '2026-10-31T22:30:00Z', 'C-1'),
      event('L-A1', 'Anna', 'LEAD', '2026-11-05T09:00:00Z'),
      event('L-A2', 'Anna', 'LEAD', '2026-11-06T09:00:00Z'),
      sale('S-A2', 'Anna', 50_000, '2026-11-10T09:00:00Z', 'C-1'),
      sale('S-B1', 'Boris', 200_000, '2026-11-15T09:00:00Z', 'C-2'),
      event('L-B1', 'Boris', 'LEAD', '2026-11-15T10:00:00Z'),
    ],
  });
  await server.ok(`mutation { approveDueRewards { approved } }`);
  const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string; partner: { name: string } }[] } }>(
    `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 1) { payouts { id partner { name } } } }`,
  );
  const boris = batch.createPayoutBatch.payouts.find((payout) => payout.partner.name === 'Boris')!;
  await server.ok(`mutation { markPayoutPaid(id: "${boris.id}", reference: "bank-1") { status } }`);
  await server.ok(RECORD, { events: [event('R-A1', 'Anna', 'REFUND', '2026-12-01T06:00:00Z', { amount: 20_000, currency: 'RUB', refundOf: 'S-A2' })] });
  await server.ok(`mutation { redeemPoints(campaignId: "${pointsCampaign}", partnerId: "${ids.Anna}", itemCode: "MUG", idempotencyKey: "mug-1") { balance } }`);
  await server.ok(`mutation($r: [SurveyResponseInput!]!) { recordSurveyResponses(responses: $r) { accepted } }`, {
    r: [
      { externalId: 'Q-A', partnerId: ids.Anna, score: 10, answeredAt: '2026-11-20T09:00:00Z' },
      { externalId: 'Q-B', partnerId: ids.Boris, score: 6, answeredAt: '2026-11-21T09:00:00Z' },
      { externalId: 'Q-V', partnerId: ids.Vera, score: 9, answeredAt: '2026-12-02T09:00:00Z' },
    ],
  });
  tokens.Anna = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Anna}") { token } }`)).issuePartnerToken.token;
  tokens.Boris = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Boris}") { token } }`)).issuePartnerToken.token;
  tokens.reader = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "dashboards", scopes: ["analytics:read"]) { key } }`)).createApiKey.key;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const stats = async (variables: Record<string, unknown>, token = tokens.reader) => (await server.ok<{ programStats: any }>(STATS, variables, token)).programStats;

// November, the whole program: Anna's S-A1, L-A1, L-A2, S-A2 and Boris's S-B1, L-B1.
const NOVEMBER_TOTAL = {
  ...NO_KEY,
  // Active: Anna and Boris. The 30 days before (Oct 2 – Oct 31): Boris (Oct 20) and Vera (Oct 5);
  // Boris is retained, Vera churned. Everyone joined today, after November: none new, none in total.
  partners: partners({ active: 2, previouslyActive: 2, retained: 1, churned: 1, retention: 0.5 }),
  activity: { events: 6, leads: 3, sales: 3, conversion: 1 },
  // 100 000 + 50 000 + 200 000 = 350 000 over 3 sales: 116 666.67 → 116 667. New customers C-1, C-2.
  sales: [rub({ count: 3, gross: 350_000, net: 350_000, averageCheck: 116_667, newCustomers: 2 })],
  // Anna's 10 000 + 5 000 approved (in a payout not yet paid), Boris's 20 000 paid: 35 000 of 350 000 net.
  // Points: 3 sales × 100; outstanding adds October's 2 × 100 and nothing was spent by November's end.
  rewards: { ...NO_REWARDS, money: [money({ approved: 15_000, paid: 20_000, cost: 35_000, costOfSales: 0.1 })], points: { earned: 300, redeemed: 0, outstanding: 500 } },
  // Anna 10 (promoter), Boris 6 (detractor): mean 8, NPS (1 − 1) ÷ 2 = 0.
  satisfaction: { responses: 2, promoters: 1, passives: 0, detractors: 1, averageScore: 8, nps: 0 },
};

// Anna's November: S-A1, S-A2, L-A1, L-A2; no one in MSK was active in October.
const MSK_NOVEMBER = {
  ...NO_KEY,
  regionCode: 'MSK',
  partners: partners({ active: 1 }),
  activity: { events: 4, leads: 2, sales: 2, conversion: 1 },
  sales: [rub({ count: 2, gross: 150_000, net: 150_000, averageCheck: 75_000, newCustomers: 1 })],
  rewards: { ...NO_REWARDS, money: [money({ approved: 15_000, cost: 15_000, costOfSales: 0.1 })], points: { earned: 200, redeemed: 0, outstanding: 200 } },
  satisfaction: { responses: 1, promoters: 1, passives: 0, detractors: 0, averageScore: 10, nps: 100 },
};

// Boris's November: S-B1, L-B1; he was active on Oct 20 too.
const SPB_NOVEMBER = {
  ...NO_KEY,
  regionCode: 'SPB',
  partners: partners({ active: 1, previouslyActive: 1, retained: 1, retention: 1 }),
  activity: { events: 2, leads: 1, sales: 1, conversion: 1 },
  sales: [rub({ count: 1, gross: 200_000, net: 200_000, averageCheck: 200_000, newCustomers: 1 })],
  // Outstanding: S-B2's point of October and S-B1's.
  rewards: { ...NO_REWARDS, money: [money({ paid: 20_000, cost: 20_000, costOfSales: 0.1 })], points: { earned: 100, redeemed: 0, outstanding: 200 } },
  satisfaction: { responses: 1, promoters: 0, passives: 0, detractors: 1, averageScore: 6, nps: -100 },
};

// Vera did nothing in November: she churned (active Oct 5), and her October point is outstanding.
const KZ_NOVEMBER = {
  ...NO_KEY,
  regionCode: 'KZ',
  partners: partners({ previouslyActive: 1, churned: 1, retention: 0 }),
  activity: { events: 0, leads: 0, sales: 0, conversion: null },
  sales: [],
  rewards: { ...NO_REWARDS, points: { earned: 0, redeemed: 0, outstanding: 100 } },
  satisfaction: NO_ANSWERS,
};

describe('programStats', () => {
  it("gives November's figures of the whole program, in the program's time zone", async () => {
    const november = await stats({ period: NOVEMBER });
    expect(november).toEqual({ from: '2026-11-01', to: '2026-12-01', total: NOVEMBER_TOTAL, groups: [] });
  });

  it('groups November by region: each region its partners, with churn where no one was active', async () => {
    const november = await stats({ period: NOVEMBER, groupBy: ['REGION'] });
    expect(november.total).toEqual(NOVEMBER_TOTAL);
    const byCode = (a: any, b: any) => a.regionCode.localeCompare(b.regionCode);
    expect(november.groups.sort(byCode)).toEqual([KZ_NOVEMBER, MSK_NOVEMBER, SPB_NOVEMBER]);
  });

  it('counts a refund in the period it occurred in, not its sale\'s, and the correction with it', async () => {
    // Dec 1–2: R-A1 (Anna, an event: she is active) and Vera's answer. Nothing on Nov 29–30.
    const december = await stats({ period: { from: '2026-12-01', to: '2026-12-03' } });
    expect(december.total).toEqual({
      ...NO_KEY,
      partners: partners({ active: 1 }),
      activity: { events: 1, leads: 0, sales: 0, conversion: null },
      sales: [rub({ count: 0, gross: 0, refunds: 1, refunded: 20_000, net: -20_000, averageCheck: null })],
      // The correction of 2 000 is pending; points: 40 hundredths taken back; outstanding 500 − 40.
      rewards: { ...NO_REWARDS, money: [money({ reversed: 2_000, cost: -2_000, costOfSales: null })], points: { earned: -40, redeemed: 0, outstanding: 460 } },
      satisfaction: { responses: 1, promoters: 1, passives: 0, detractors: 0, averageScore: 9, nps: 100 },
    });
  });

  it('counts partners joining on their day: new, in total and recruited by a sponsor', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const day = await stats({ period: { from: today, to: tomorrow } });
    // Four partners joined today, Boris and Vera with a sponsor; Anna redeemed 1 point today.
    expect(day.total.partners).toEqual(partners({ new: 4, total: 4, recruited: 2 }));
    expect(day.total.rewards.points).toEqual({ earned: 0, redeemed: 100, outstanding: 360 });
  });

  it('groups by kind and month, with retention against the days just before each month', async () => {
    const autumn = await stats({ period: { from: '2026-10-01', to: '2026-12-01' }, groupBy: ['KIND', 'MONTH'] });
    const summary = autumn.groups
      .map((group: any) => ({ kind: group.kind, month: group.month, partners: group.partners, events: group.activity.events, gross: group.sales[0]?.gross ?? 0, money: group.rewards.money[0] }))
      .sort((a: any, b: any) => `${a.month}${a.kind}`.localeCompare(`${b.month}${b.kind}`));
    expect(summary).toEqual([
      // October: Vera (S-V1, approved 4 000, in an unpaid payout) and Boris (S-B2, paid 3 000); no one before.
      { kind: 'AMBASSADOR', month: '2026-10', partners: partners({ active: 1 }), events: 1, gross: 40_000, money: money({ approved: 4_000, cost: 4_000, costOfSales: 0.1 }) },
      { kind: 'DEALER', month: '2026-10', partners: partners({ active: 1 }), events: 1, gross: 30_000, money: money({ paid: 3_000, cost: 3_000, costOfSales: 0.1 }) },
      // November against Oct 2–31: Vera (an ambassador) churned; Boris (a dealer) retained.
      { kind: 'AMBASSADOR', month: '2026-11', partners: partners({ active: 1, previouslyActive: 1, churned: 1, retention: 0 }), events: 4, gross: 150_000, money: money({ approved: 15_000, cost: 15_000, costOfSales: 0.1 }) },
      { kind: 'DEALER', month: '2026-11', partners: partners({ active: 1, previouslyActive: 1, retained: 1, retention: 1 }), events: 2, gross: 200_000, money: money({ paid: 20_000, cost: 20_000, costOfSales: 0.1 }) },
    ]);
  });

  it("filters by a region with its sub-regions, by kind, and by a campaign (its rewards only)", async () => {
    const russia = await stats({ period: NOVEMBER, filter: { regionCode: 'RU' } });
    // Anna (MSK) and Boris (SPB): all of November but Vera's churn.
    expect(russia.total.activity).toEqual(NOVEMBER_TOTAL.activity);
    expect(russia.total.partners).toEqual(partners({ active: 2, previouslyActive: 1, retained: 1, retention: 1 }));
    const dealers = await stats({ period: NOVEMBER, filter: { kind: 'DEALER' } });
    expect(dealers.total).toEqual({ ...SPB_NOVEMBER, regionCode: null });
    const byCampaign = await stats({ period: NOVEMBER, groupBy: ['CAMPAIGN'] });
    const campaigns = byCampaign.groups.map((group: any) => ({ campaignId: group.campaignId, partners: group.partners, sales: group.sales, rewards: group.rewards }));
    expect(campaigns.sort((a: any, b: any) => Number(a.campaignId) - Number(b.campaignId))).toEqual([
      { campaignId: salesCampaign, partners: null, sales: null, rewards: { ...NO_REWARDS, money: [money({ approved: 15_000, paid: 20_000, cost: 35_000, costOfSales: null })], points: { earned: 0, redeemed: 0, outstanding: null } } },
      { campaignId: pointsCampaign, partners: null, sales: null, rewards: { ...NO_REWARDS, points: { earned: 300, redeemed: 0, outstanding: null } } },
    ]);
  });

  it('gives the same figures once the deltas are folded into the rollups', async () => {
    await analyticsFolded(server);
    expect((await server.sql<{ left: number }>(`select count(*)::int as left from analytics_delta`))[0].left).toBe(0);
    expect((await stats({ period: NOVEMBER })).total).toEqual(NOVEMBER_TOTAL);
    const byRegion = await stats({ period: NOVEMBER, groupBy: ['REGION'] });
    expect(byRegion.groups.sort((a: any, b: any) => a.regionCode.localeCompare(b.regionCode))).toEqual([KZ_NOVEMBER, MSK_NOVEMBER, SPB_NOVEMBER]);
  });
});

describe('the rollups', () => {
  it('agree with the events and the ledger, and a rebuild from them gives the same figures', async () => {
    const owner = new Sql(server.databaseUrl, new StatementCounter(), 1);
    try {
      expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
      const before = await server.sql(`${ANALYTICS_VALUES} order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`, [server.programId]);
      expect(before.length).toBeGreaterThan(0);
      await rebuildAnalytics(owner, server.programId);
      expect(await server.sql(`${ANALYTICS_VALUES} order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`, [server.programId])).toEqual(before);
      expect((await stats({ period: NOVEMBER })).total).toEqual(NOVEMBER_TOTAL);
      // A total changed by hand is found, named by its grain and day.
      await server.sql(`update analytics_total set gross = gross + 1 where grain = 'PROGRAM_DAY' and bucket = '2026-11-15' and unit = 'RUB' and gross > 0`);
      const check = await verifyAnalytics(owner, server.programId);
      expect(check.differing).toBe(1);
      expect(check.examples[0]).toMatch(/^PROGRAM_DAY 2026-11-15 partner 0 region 0 unit "RUB": the rollups hold /);
      await rebuildAnalytics(owner, server.programId);
      expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
    } finally {
      await owner.close();
    }
  });
});

describe('regionComparison', () => {
  it('sets the top regions side by side, each rolled up through its sub-regions, with the total', async () => {
    const data = await server.ok<{ regionComparison: any }>(COMPARE, { period: NOVEMBER }, tokens.reader);
    expect(data.regionComparison.total).toEqual(NOVEMBER_TOTAL);
    // RU: Anna (MSK) and Boris (SPB); their outstanding points 200 + 200.
    const russia = {
      ...NOVEMBER_TOTAL,
      regionCode: 'RU',
      partners: partners({ active: 2, previouslyActive: 1, retained: 1, retention: 1 }),
      rewards: { ...NOVEMBER_TOTAL.rewards, points: { earned: 300, redeemed: 0, outstanding: 400 } },
    };
    expect(data.regionComparison.groups).toEqual([KZ_NOVEMBER, russia]);
  });

  it("sets a region's sub-regions side by side", async () => {
    const data = await server.ok<{ regionComparison: any }>(COMPARE, { period: NOVEMBER, parent: 'RU' }, tokens.reader);
    expect(data.regionComparison.groups).toEqual([MSK_NOVEMBER, SPB_NOVEMBER]);
  });
});

describe('timeSeries', () => {
  const series = async (variables: Record<string, unknown>) => (await server.ok<{ timeSeries: any[] }>(SERIES, variables, tokens.reader)).timeSeries;

  it('gives every day of the period, zero when nothing happened, per currency for money', async () => {
    expect(await series({ metric: 'NET_SALES', interval: 'DAY', period: { from: '2026-11-30', to: '2026-12-03' } })).toEqual([
      { regionCode: null, currency: 'RUB', points: [{ bucket: '2026-11-30', value: 0 }, { bucket: '2026-12-01', value: -20_000 }, { bucket: '2026-12-02', value: 0 }] },
    ]);
  });

  it('cuts weeks from Monday and months, grouped by region', async () => {
    // Week of Oct 26 (only Nov 1 in the period): S-A1; of Nov 2: nothing; of Nov 9: S-A2 (Tue) and S-B1 (Sun).
    expect(await series({ metric: 'SALES', interval: 'WEEK', period: { from: '2026-11-01', to: '2026-11-16' } })).toEqual([
      { regionCode: null, currency: null, points: [{ bucket: '2026-10-26', value: 1 }, { bucket: '2026-11-02', value: 0 }, { bucket: '2026-11-09', value: 2 }] },
    ]);
    const byRegion = await series({ metric: 'NET_SALES', interval: 'MONTH', period: { from: '2026-10-01', to: '2026-12-01' }, groupBy: 'REGION' });
    expect(byRegion.sort((a, b) => a.regionCode.localeCompare(b.regionCode))).toEqual([
      { regionCode: 'KZ', currency: 'RUB', points: [{ bucket: '2026-10-01', value: 40_000 }, { bucket: '2026-11-01', value: 0 }] },
      { regionCode: 'MSK', currency: 'RUB', points: [{ bucket: '2026-10-01', value: 0 }, { bucket: '2026-11-01', value: 150_000 }] },
      { regionCode: 'SPB', currency: 'RUB', points: [{ bucket: '2026-10-01', value: 30_000 }, { bucket: '2026-11-01', value: 200_000 }] },
    ]);
  });

  it('counts distinct active partners per bucket', async () => {
    // October: Vera and Boris; November: Anna and Boris.
    expect(await series({ metric: 'ACTIVE_PARTNERS', interval: 'MONTH', period: { from: '2026-10-01', to: '2026-12-01' } })).toEqual([
      { regionCode: null, currency: null, points: [{ bucket: '2026-10-01', value: 2 }, { bucket: '2026-11-01', value: 2 }] },
    ]);
  });
});

describe('partnerStats and access', () => {
  it("gives a partner its own figures, with its token or a reader's key", async () => {
    const own = await server.ok<{ partnerStats: any }>(PARTNER, { id: ids.Anna, period: NOVEMBER }, tokens.Anna);
    // November is a month, which boards rank: Anna is first of MSK's one partner with net sales.
    const rank = { regionCode: 'MSK', period: 'MONTH', rank: 1, ranked: 1 };
    expect(own.partnerStats).toEqual({ partnerId: ids.Anna, from: '2026-11-01', to: '2026-12-01', figures: MSK_NOVEMBER_AS_PARTNER(), rank });
    const read = await server.ok<{ partnerStats: any }>(PARTNER, { id: ids.Anna, period: NOVEMBER }, tokens.reader);
    expect(read.partnerStats).toEqual(own.partnerStats);
  });

  it('ranks a partner on its region\'s board only for a period a board ranks, unranked without net sales', async () => {
    const stats = async (partner: string, period: Record<string, unknown>) => (await server.ok<{ partnerStats: any }>(PARTNER, { id: ids[partner], period }, tokens.reader)).partnerStats;
    // Nov 1–19 is no day, week, month or quarter.
    expect((await stats('Anna', { from: '2026-11-01', to: '2026-11-20' })).rank).toBeNull();
    // Vera sold nothing in November (KZ's board is empty) but S-V1 in October; Q4 holds both.
    expect((await stats('Vera', NOVEMBER)).rank).toEqual({ regionCode: 'KZ', period: 'MONTH', rank: null, ranked: 0 });
    expect((await stats('Vera', { quarter: '2026-Q4' })).rank).toEqual({ regionCode: 'KZ', period: 'QUARTER', rank: 1, ranked: 1 });
    // The week of Monday Nov 9: Boris's S-B1 (Sun Nov 15).
    expect((await stats('Boris', { from: '2026-11-09', to: '2026-11-16' })).rank).toEqual({ regionCode: 'SPB', period: 'WEEK', rank: 1, ranked: 1 });
  });

  it("charts a partner's own net sales and leads by month for its token, and refuses another partner's", async () => {
    const PARTNER_SERIES = `query($id: ID!, $metric: AnalyticsMetric!) {
      partnerSeries(partnerId: $id, metric: $metric, interval: MONTH, period: { quarter: "2026-Q4" }) { currency points { bucket value } }
    }`;
    const chart = async (metric: string, token = tokens.Anna) => (await server.ok<{ partnerSeries: any[] }>(PARTNER_SERIES, { id: ids.Anna, metric }, token)).partnerSeries;
    // Anna: S-A1 100 000 + S-A2 50 000 in November, the refund of 20 000 on Dec 1; her leads L-A1 and L-A2 in November.
    const months = (oct: number, nov: number, dec: number) => [{ bucket: '2026-10-01', value: oct }, { bucket: '2026-11-01', value: nov }, { bucket: '2026-12-01', value: dec }];
    expect(await chart('NET_SALES')).toEqual([{ currency: 'RUB', points: months(0, 150_000, -20_000) }]);
    expect(await chart('LEADS', tokens.reader)).toEqual([{ currency: null, points: months(0, 2, 0) }]);
    expect(codeOf(await server.gql(PARTNER_SERIES, { id: ids.Anna, metric: 'NET_SALES' }, tokens.Boris))).toBe('FORBIDDEN');
    const active = await server.gql(PARTNER_SERIES, { id: ids.Anna, metric: 'ACTIVE_PARTNERS' }, tokens.Anna);
    expect(active.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'metric', message: "counts the program's active partners; a partner's series has one at most" }] });
  });

  it("refuses a partner token another partner's stats or any program figures, and anyone without a credential", async () => {
    expect(codeOf(await server.gql(PARTNER, { id: ids.Boris, period: NOVEMBER }, tokens.Anna))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(STATS, { period: NOVEMBER }, tokens.Anna))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(COMPARE, { period: NOVEMBER }, tokens.Anna))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(SERIES, { metric: 'SALES', interval: 'DAY', period: NOVEMBER }, tokens.Anna))).toBe('FORBIDDEN');
    // Without a credential an analytics query is over the anonymous cost limit (1,000) before it is run.
    expect(codeOf(await server.gql(STATS, { period: NOVEMBER }, null))).toBe('QUERY_TOO_COMPLEX');
  });

  it('refuses more groups or series points than its limits, naming groupBy', async () => {
    // The server's limits (5,000 groups, 20,000 points) lowered to what this program reaches.
    const { app } = server.running;
    const small = new AnalyticsService(app.sql, app.leaderboards, { groups: 2, seriesPoints: 5 });
    const refusal = (call: Promise<unknown>) => call.then(() => 'answered', (error) => [error.extensions.code, error.extensions.issues[0].path]);
    // November by region is 3 groups (KZ, MSK, SPB); by region over three days, 3 series × 3 days.
    expect(await refusal(small.programStats(server.programId, { period: NOVEMBER, groupBy: ['REGION'] }))).toEqual(['BAD_USER_INPUT', 'groupBy']);
    expect(await refusal(small.programStats(server.programId, { period: NOVEMBER, groupBy: ['KIND'] }))).toBe('answered');
    const series = { metric: 'NET_SALES', interval: 'DAY', period: { from: '2026-11-09', to: '2026-11-12' }, groupBy: 'REGION' } as const;
    expect(await refusal(small.timeSeries(server.programId, { ...series, groupBy: null }))).toBe('answered');
    expect(await refusal(small.timeSeries(server.programId, { ...series, period: NOVEMBER }))).toEqual(['BAD_USER_INPUT', 'groupBy']);
  });

  it('counts each analytics query as 2,500 in the query limits: twenty in one request are over 50,000', async () => {
    const many = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `q${i}: programStats(period: { month: "2026-11" }) { from }`).join(' ')} }`;
    // 19 × (2,500 + 1) = 47,519 runs; 20 × 2,501 = 50,020 does not.
    expect((await server.gql(many(19), {}, tokens.reader)).errors).toBeUndefined();
    expect(codeOf(await server.gql(many(20), {}, tokens.reader))).toBe('QUERY_TOO_COMPLEX');
  });

  it('names the field of a bad period, filter or grouping', async () => {
    const bad = async (variables: Record<string, unknown>) => {
      const result = await server.gql(STATS, variables, tokens.reader);
      return [codeOf(result), pathOf(result)];
    };
    expect(await bad({ period: { month: '2026-13' } })).toEqual(['BAD_USER_INPUT', 'period.month']);
    expect(await bad({ period: { month: '2026-11', year: 2026 } })).toEqual(['BAD_USER_INPUT', 'period']);
    expect(await bad({ period: { from: '2026-11-10', to: '2026-11-01' } })).toEqual(['BAD_USER_INPUT', 'period.to']);
    expect(await bad({ period: { from: '2016-01-01', to: '2026-11-01' } })).toEqual(['BAD_USER_INPUT', 'period.to']);
    expect(await bad({ period: NOVEMBER, groupBy: ['REGION', 'KIND', 'MONTH'] })).toEqual(['BAD_USER_INPUT', 'groupBy']);
    expect(await bad({ period: NOVEMBER, filter: { regionCode: 'XX' } })).toEqual(['BAD_USER_INPUT', 'filter.regionCode']);
    expect(await bad({ period: NOVEMBER, filter: { campaignId: '999999' } })).toEqual(['BAD_USER_INPUT', 'filter.campaignId']);
    const series = await server.gql(SERIES, { metric: 'ACTIVE_PARTNERS', interval: 'DAY', period: { year: 2026 } }, tokens.reader);
    expect([codeOf(series), pathOf(series)]).toEqual(['BAD_USER_INPUT', 'interval']);
  });
});

/** Anna's November as her own figures: MSK's, with no region key. */
function MSK_NOVEMBER_AS_PARTNER() {
  return { ...MSK_NOVEMBER, regionCode: null };
}

describe('cofactor export stats', () => {
  /** Runs the real CLI on the test database, as with DATABASE_URL. */
  const exportStats = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl, COFACTOR_ROOT: ROOT_DIR };
      execFile(process.execPath, [join(ROOT_DIR, 'server', 'dist', 'cli.js'), 'export', 'stats', ...args], { env, cwd: ROOT_DIR, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
      );
    });

  it("writes the API's figures: one JSON line per group, amounts as digit strings", async () => {
    const run = await exportStats(['--from', '2026-11-01', '--to', '2026-12-01', '--group-by', 'region', '--format', 'jsonl']);
    expect(run.code).toBe(0);
    // The API's shape with the key's fields beside the figures and every digit string a number.
    const asApi = (line: string) => {
      const { key, ...figures } = JSON.parse(line, (_, value) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value));
      return { ...NO_KEY, ...key, ...figures };
    };
    const groups = run.stdout.trim().split('\n').map(asApi);
    expect(groups.sort((a, b) => a.regionCode.localeCompare(b.regionCode))).toEqual([KZ_NOVEMBER, MSK_NOVEMBER, SPB_NOVEMBER]);
  }, 120_000);

  it('writes a CSV column per figure, money per currency, the same figures', async () => {
    const run = await exportStats(['--from', '2026-11-01', '--to', '2026-12-01']);
    expect(run.code).toBe(0);
    const [header, row, end] = run.stdout.split('\r\n');
    expect(end).toBe('');
    const cells = Object.fromEntries(header.split(',').map((name, index) => [name, row.split(',')[index]]));
    // The November total above, column by column.
    expect(cells).toMatchObject({
      'partners.active': '2', 'partners.previouslyActive': '2', 'partners.retention': '0.5', 'activity.events': '6', 'activity.conversion': '1',
      'sales.RUB.gross': '350000', 'sales.RUB.averageCheck': '116667', 'rewards.money.RUB.paid': '20000', 'rewards.money.RUB.costOfSales': '0.1',
      'rewards.points.outstanding': '500', 'satisfaction.nps': '0', 'satisfaction.averageScore': '8',
    });
  }, 120_000);
});

describe('a partner who moves', () => {
  it('keeps its past figures where they were recorded, and counts once per named period, in its slice on its first active day', async () => {
    // Gleb (RU) sells 10 000 on Nov 3, moves to KZ, sells 20 000 on Nov 25.
    await server.ok(RECORD, { events: [sale('S-G1', 'Gleb', 10_000, '2026-11-03T09:00:00Z')] });
    await server.ok(`mutation { updatePartner(id: "${ids.Gleb}", input: { regionCode: "KZ" }) { id } }`);
    await server.ok(RECORD, { events: [sale('S-G2', 'Gleb', 20_000, '2026-11-25T09:00:00Z')] });
    const summary = (groups: any[]) =>
      Object.fromEntries(groups.map((group) => [group.regionCode, { active: group.partners.active, gross: group.sales[0]?.gross ?? 0 }]));

    // November, a month: Gleb's sales where each was recorded, Gleb active once, in RU (Nov 3).
    const november = await stats({ period: NOVEMBER, groupBy: ['REGION'] });
    expect(summary(november.groups)).toEqual({ KZ: { active: 0, gross: 20_000 }, RU: { active: 1, gross: 10_000 }, MSK: { active: 1, gross: 150_000 }, SPB: { active: 1, gross: 200_000 } });
    expect(november.total.partners.active).toBe(3);

    // Nov 2–30 is no named period: a partner counts in each region it was active in, once in the total.
    const days = await stats({ period: { from: '2026-11-02', to: '2026-12-01' }, groupBy: ['REGION'] });
    expect(summary(days.groups)).toEqual({ KZ: { active: 1, gross: 20_000 }, RU: { active: 1, gross: 10_000 }, MSK: { active: 1, gross: 50_000 }, SPB: { active: 1, gross: 200_000 } });
    expect(days.total.partners.active).toBe(3);

    // Rebuilt from the partners' history, the rollups hold the same.
    const owner = new Sql(server.databaseUrl, new StatementCounter(), 1);
    try {
      await rebuildAnalytics(owner, server.programId);
      expect(await verifyAnalytics(owner, server.programId)).toEqual({ differing: 0, examples: [] });
    } finally {
      await owner.close();
    }
    expect(summary((await stats({ period: NOVEMBER, groupBy: ['REGION'] })).groups)).toEqual(summary(november.groups));
  });
});
