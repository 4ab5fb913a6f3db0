/**
 * badges, perks and partner-levels through the real API. Anna recruits Mia and Leo; Mia sells.
 * Three campaigns run side by side; every assertion names its campaign.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};
const campaigns: Record<string, string> = {};

async function campaign(name: string, schemes: unknown[]): Promise<string> {
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    { input: { name, startsAt: '2026-01-01T00:00:00+03:00', currency: 'RUB', schemes } },
  );
  await server.ok(`mutation { activateCampaign(id: "${created.createCampaign.id}") { id } }`);
  return created.createCampaign.id;
}

async function partner(name: string, sponsor?: string): Promise<string> {
  const data = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
    input: { name, kind: 'DEALER', ...(sponsor ? { sponsorId: ids[sponsor] } : {}) },
  });
  ids[name] = data.createPartner.id;
  return data.createPartner.id;
}

async function entries(campaignId: string) {
  return server.sql<{ partner: string; kind: string; unit: string; amount: string }>(
    `select p.name as partner, r.kind, r.unit, r.amount::text from reward r join partner p on p.id = r.partner_id
      where r.campaign_id = $1 order by r.id`,
    [campaignId],
  );
}

const sale = (externalId: string, amount: number, occurredAt: string) => ({
  externalId,
  type: 'SALE',
  partnerId: ids.Mia,
  amount,
  currency: 'RUB',
  occurredAt,
});
const record = (events: unknown[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
const close = (campaignId: string, period: string) =>
  server.ok<{ closePeriod: { rewardsCreated: number } }>(`mutation { closePeriod(campaignId: "${campaignId}", period: "${period}") { rewardsCreated } }`);

beforeAll(async () => {
  server = await startTestServer();
  campaigns.badges = await campaign('Badges', [
    {
      code: 'badges',
      args: {
        badges: [
          { code: 'FIRST-SALE', name: 'First sale', rule: 'FIRST_SALE' },
          { code: 'RECRUITER', name: 'Recruiter', rule: 'RECRUITS', threshold: '2' },
          { code: 'TOP-REGION', name: 'Best in region', rule: 'TOP_IN_REGION', places: 1 },
        ],
      },
    },
  ]);
  campaigns.perks = await campaign('Perks', [
    { code: 'perks', args: { awards: [{ code: 'VIP-EVENT', name: 'Closed dealer event', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '2' }] } },
  ]);
  campaigns.levels = await campaign('Levels', [
    { code: 'percentage-of-sales', args: { percent: '5' } },
    {
      code: 'partner-levels',
      args: {
        rollingPeriods: 1,
        levels: [
          { level: 1, name: 'Bronze' },
          // 100 000,00 ₽ of net sales in the month; Silver rewards are multiplied by 1.2.
          { level: 2, name: 'Silver', minVolume: '10000000', multiplier: '1.2' },
        ],
      },
    },
  ]);
  await partner('Anna');
  await partner('Mia', 'Anna');
  await partner('Leo', 'Anna');
  // March: 60 000,00 ₽ and 50 000,00 ₽ = 110 000,00 ₽.
  await record([sale('M-1', 6_000_000, '2026-03-05T12:00:00+03:00'), sale('M-2', 5_000_000, '2026-03-20T12:00:00+03:00')]);
});

afterAll(async () => {
  await server?.stop();
});

it('awards badges for a first sale, a second recruit and the best month in the region, shown on the partner', async () => {
  expect(await close(campaigns.badges, '2026-03')).toEqual({ closePeriod: { rewardsCreated: 1 } });
  expect(await entries(campaigns.badges)).toEqual([
    // Leo is Anna's second recruit.
    { partner: 'Anna', kind: 'BADGE', unit: 'RECRUITER', amount: '1' },
    // Mia's first sale (M-1), not her second.
    { partner: 'Mia', kind: 'BADGE', unit: 'FIRST-SALE', amount: '1' },
    // March close: Mia is the only seller of her (empty) region.
    { partner: 'Mia', kind: 'BADGE', unit: 'TOP-REGION', amount: '1' },
  ]);
  const mia = await server.ok<{ partner: { badges: { code: string; name: string }[] } }>(`{ partner(id: "${ids.Mia}") { badges { code name } } }`);
  expect(mia.partner.badges).toEqual([
    { code: 'FIRST-SALE', name: 'First sale' },
    { code: 'TOP-REGION', name: 'Best in region' },
  ]);
});

it('grants a perk at the second sale and records its delivery', async () => {
  const [perk] = await server.sql<{ id: string; unit: string; external_id: string }>(
    `select r.id::text, r.unit, e.external_id from reward r join event e on e.id = r.event_id where r.campaign_id = $1`,
    [campaigns.perks],
  );
  expect(perk).toMatchObject({ unit: 'VIP-EVENT', external_id: 'M-2' });
  const query = `{ rewards(kind: "PERK") { edges { node { id fulfilment { state history { state note } } } } } }`;
  expect((await server.ok<{ rewards: { edges: { node: unknown }[] } }>(query)).rewards.edges).toEqual([
    { node: { id: perk.id, fulfilment: { state: 'GRANTED', history: [] } } },
  ]);
  await server.ok(`mutation { updatePerkFulfilment(rewardId: "${perk.id}", state: "DELIVERED", note: "Ticket sent") { id } }`);
  expect((await server.ok<{ rewards: { edges: { node: unknown }[] } }>(query)).rewards.edges).toEqual([
    { node: { id: perk.id, fulfilment: { state: 'DELIVERED', history: [{ state: 'DELIVERED', note: 'Ticket sent' }] } } },
  ]);

  const [money] = await server.sql<{ id: string }>(`select id::text from reward where kind = 'MONEY' limit 1`);
  const notPerk = await server.gql(`mutation { updatePerkFulfilment(rewardId: "${money.id}", state: "DELIVERED") { id } }`);
  expect(notPerk.errors?.[0].extensions?.code).toBe('CONFLICT');
  const badState = await server.gql(`mutation { updatePerkFulfilment(rewardId: "${perk.id}", state: "LOST") { id } }`);
  expect(badState.errors?.[0].extensions?.issues).toEqual([{ path: 'state', message: 'must be one of GRANTED, DELIVERED' }]);
});

it('moves a partner up and down a level at period closes, and multiplies Silver rewards', async () => {
  const levelOf = async () => (await server.ok<{ partner: { level: number } }>(`{ partner(id: "${ids.Mia}") { level } }`)).partner.level;
  expect(await levelOf()).toBe(1);
  // March: 110 000,00 ₽ ≥ 100 000,00 ₽ → Silver.
  expect(await close(campaigns.levels, '2026-03')).toEqual({ closePeriod: { rewardsCreated: 1 } });
  expect(await levelOf()).toBe(2);

  // An April sale of 10 000,00 ₽ at Silver: 5% = 50 000, and ×1.2 adds 10 000.
  await record([sale('A-1', 1_000_000, '2026-04-10T12:00:00+03:00')]);
  const april = await server.sql<{ scheme: string; amount: string }>(
    `select s.scheme_code as scheme, r.amount::text from reward r join scheme_instance s on s.id = r.scheme_instance_id
       join event e on e.id = r.event_id where r.campaign_id = $1 and e.external_id = 'A-1' order by s.position`,
    [campaigns.levels],
  );
  expect(april).toEqual([
    { scheme: 'percentage-of-sales', amount: '50000' },
    { scheme: 'partner-levels', amount: '10000' },
  ]);

  // April: 10 000,00 ₽ < 100 000,00 ₽ → back to Bronze.
  expect(await close(campaigns.levels, '2026-04')).toEqual({ closePeriod: { rewardsCreated: 1 } });
  expect(await levelOf()).toBe(1);
  const history = await server.ok<{ rewards: { edges: { node: { amount: number; periodKey: string } }[] } }>(
    `{ rewards(partnerId: "${ids.Mia}", kind: "LEVEL") { edges { node { amount periodKey } } } }`,
  );
  expect(history.rewards.edges.map((edge) => edge.node)).toEqual([
    { amount: 1, periodKey: '2026-04' },
    { amount: 2, periodKey: '2026-03' },
  ]);
});
