/**
 * Partner.progress through the real API: each scheme's targets for a partner now, computed from
 * the figures the scheme pays by, and read by the partner's own token only.
 *
 * Campaigns, in id order:
 * - "Leads": fixed-goal, 3 leads in the campaign for a 500,00 ₽ bonus.
 * - "Volume": volume-bonus by month, one step from 10 000,00 ₽ net sales paying 2 %.
 * - "Percent": percentage-of-sales 5 %: no targets.
 * - "Dealers": fixed-goal for DEALER partners only; Anna is an AMBASSADOR, so none for her.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

const RECORD = 'mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }';
const PROGRESS = `query($partnerId: ID!, $campaignId: ID) {
  partner(id: $partnerId) { progress(campaignId: $campaignId) { campaignName schemeCode key label { en } current threshold unit reward { en } reached endsAt } }
}`;

interface Target {
  campaignName: string;
  key: string;
  current: number;
  threshold: number;
  reached: boolean;
}

async function progress(campaignId?: string, token = tokens.Anna): Promise<Target[]> {
  return (await server.ok<{ partner: { progress: Target[] } }>(PROGRESS, { partnerId: ids.Anna, campaignId }, token)).partner.progress;
}

async function campaign(name: string, schemes: unknown[], targeting?: unknown): Promise<string> {
  const created = await server.ok<{ createCampaign: { id: string } }>('mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }', {
    input: { name, startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes, targeting },
  });
  await server.ok(`mutation { activateCampaign(id: "${created.createCampaign.id}") { id } }`);
  return created.createCampaign.id;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Anna', 'Boris']) {
    ids[name] = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
    tokens[name] = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids[name]}") { token } }`)).issuePartnerToken.token;
  }
  ids.Leads = await campaign('Leads', [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 3, amount: '50000' } }]);
  ids.Volume = await campaign('Volume', [{ code: 'volume-bonus', args: { period: 'MONTH', steps: [{ from: '1000000', percent: '2' }] } }]);
  ids.Percent = await campaign('Percent', [{ code: 'percentage-of-sales', args: { percent: '5' } }]);
  ids.Dealers = await campaign('Dealers', [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 1, amount: '10000' } }], { partnerKinds: ['DEALER'] });
});

afterAll(async () => {
  await server?.stop();
});

it('counts leads towards the goal, and calls it reached with the event that pays it', async () => {
  const lead = (n: number) => ({ externalId: `L-${n}`, type: 'LEAD', partnerId: ids.Anna });
  await server.ok(RECORD, { events: [lead(1), lead(2)] });
  expect(await progress(ids.Leads)).toEqual([
    {
      campaignName: 'Leads',
      schemeCode: 'fixed-goal',
      key: 'goal',
      label: { en: 'Leads in the campaign' },
      current: 2,
      threshold: 3,
      unit: 'COUNT',
      reward: { en: 'Bonus RUB 500.00' },
      reached: false,
      endsAt: null,
    },
  ]);

  await server.ok(RECORD, { events: [lead(3)] });
  expect((await progress(ids.Leads)).map(({ current, reached }) => ({ current, reached }))).toEqual([{ current: 3, reached: true }]);
  const paid = await server.sql<{ amount: string }>(`select amount::text from reward where partner_id = $1 and campaign_id = $2`, [ids.Anna, ids.Leads]);
  expect(paid).toEqual([{ amount: '50000' }]);
});

it("counts only this month's net sales towards the monthly volume step", async () => {
  const now = new Date();
  const monthsAgo = new Date(now.getTime() - 40 * 86_400_000);
  await server.ok(RECORD, {
    events: [
      { externalId: 'S-OLD', type: 'SALE', partnerId: ids.Anna, amount: 900_000, currency: 'RUB', occurredAt: monthsAgo.toISOString() },
      { externalId: 'S-NOW', type: 'SALE', partnerId: ids.Anna, amount: 600_000, currency: 'RUB', occurredAt: now.toISOString() },
    ],
  });
  const [target, ...rest] = await progress(ids.Volume);
  expect(rest).toEqual([]);
  expect(target).toMatchObject({ campaignName: 'Volume', schemeCode: 'volume-bonus', label: { en: 'Net sales this month' }, current: 600_000, threshold: 1_000_000, unit: 'RUB', reached: false });
  // The open month ends at midnight on the next 1st in the program's time zone, Moscow: UTC+3 all year.
  const moscow = new Date(now.getTime() + 3 * 3_600_000);
  const nextMonth = new Date(Date.UTC(moscow.getUTCFullYear(), moscow.getUTCMonth() + 1, 1) - 3 * 3_600_000);
  expect((target as unknown as { endsAt: string }).endsAt).toBe(nextMonth.toISOString());
});

it('lists every active campaign with targets when no campaign is named, and none that does not target the partner', async () => {
  expect((await progress()).map(({ campaignName, key }) => `${campaignName}:${key}`)).toEqual(['Leads:goal', expect.stringMatching(/^Volume:/)]);
  expect(await progress(ids.Percent)).toEqual([]);
  expect(await progress(ids.Dealers)).toEqual([]);
});

it("reads a partner's own progress only, and names an unknown campaign", async () => {
  const foreign = await server.gql(PROGRESS, { partnerId: ids.Anna }, tokens.Boris);
  expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const unknown = await server.gql(PROGRESS, { partnerId: ids.Anna, campaignId: '999999' }, tokens.Anna);
  expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const nobody = await server.gql(PROGRESS, { partnerId: ids.Anna }, null);
  expect(nobody.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});
