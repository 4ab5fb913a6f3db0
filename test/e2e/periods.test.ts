/**
 * Period rewards through the API: closePeriod runs volume-bonus over a month in the
 * program's time zone (Moscow, UTC+3), pays once however often it is run, and refuses what
 * cannot be closed.
 *
 * Ladder: from 100 000,00 ₽ → 1% of all volume + 5 000,00 ₽; from 300 000,00 ₽ → 2% + 20 000,00 ₽.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let campaignId: string;
const ids: Record<string, string> = {};

const CLOSE = `mutation($campaignId: ID!, $period: String!, $force: Boolean) {
  closePeriod(campaignId: $campaignId, period: $period, force: $force) { periodKey startsAt endsAt forced rewardsCreated campaign { name } }
}`;

async function periodRewards() {
  const data = await server.ok<{ rewards: { edges: { node: { amount: number; periodKey: string; partner: { name: string }; event: null; explanation: { en: string } } }[] } }>(
    `query($c: ID) { rewards(campaignId: $c) { edges { node { amount periodKey partner { name } event { id } explanation { en } } } } }`,
    { c: campaignId },
  );
  return data.rewards.edges.map((edge) => edge.node);
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Anna', 'Boris']) {
    const data = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "DEALER" }) { id } }`);
    ids[name] = data.createPartner.id;
  }
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Volume 2026',
        startsAt: '2026-01-01T00:00:00+03:00',
        currency: 'RUB',
        schemes: [
          {
            code: 'volume-bonus',
            args: {
              steps: [
                { from: '10000000', percent: '1', bonus: '500000' },
                { from: '30000000', percent: '2', bonus: '2000000' },
              ],
            },
          },
        ],
      },
    },
  );
  campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  const sale = (externalId: string, partner: string, amount: number, occurredAt: string, type = 'SALE') => ({
    externalId,
    type,
    partnerId: ids[partner],
    amount,
    currency: 'RUB',
    occurredAt,
  });
  const recorded = await server.ok<{ recordEvents: { accepted: number; rewardsCreated: number } }>(
    `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted rewardsCreated } }`,
    {
      e: [
        // Late on 28 February, Moscow time (20:30 UTC): February.
        sale('F-1', 'Anna', 50_000_000, '2026-02-28T23:30:00+03:00'),
        // Half an hour into 1 March, Moscow time (still 28 February in UTC): March.
        sale('M-1', 'Anna', 20_000_000, '2026-03-01T00:30:00+03:00'),
        sale('M-2', 'Anna', 15_000_000, '2026-03-31T23:30:00+03:00'),
        sale('M-3', 'Anna', 2_000_000, '2026-03-15T12:00:00+03:00', 'REFUND'),
        sale('M-4', 'Boris', 15_000_000, '2026-03-10T12:00:00+03:00'),
      ],
    },
  );
  // A period scheme pays nothing per event.
  expect(recorded.recordEvents).toEqual({ accepted: 5, rewardsCreated: 0 });
});

afterAll(async () => {
  await server?.stop();
});

it('pays the volume bonus for a month in the program time zone, once however often it is closed', async () => {
  const first = await server.ok<{ closePeriod: Record<string, unknown> }>(CLOSE, { campaignId, period: '2026-03' });
  expect(first.closePeriod).toEqual({
    periodKey: '2026-03',
    startsAt: '2026-02-28T21:00:00.000Z',
    endsAt: '2026-03-31T21:00:00.000Z',
    forced: false,
    rewardsCreated: 2,
    campaign: { name: 'Volume 2026' },
  });
  const rewards = await periodRewards();
  expect(rewards.map((reward) => [reward.partner.name, reward.amount, reward.periodKey, reward.event])).toEqual([
    // Boris: 150 000,00 ₽ → 1% × 15 000 000 = 150 000 + 500 000
    ['Boris', 650_000, '2026-03', null],
    // Anna: 200 000 + 150 000 − 20 000 (refund) = 330 000,00 ₽ → 2% × 33 000 000 = 660 000 + 2 000 000
    ['Anna', 2_660_000, '2026-03', null],
  ]);
  expect(rewards[1].explanation.en).toBe(
    'Volume bonus for 2026-03: sales RUB 330,000.00 reached the step from RUB 300,000.00: 2% of all volume = RUB 6,600.00 + bonus RUB 20,000.00',
  );

  const again = await server.ok<{ closePeriod: { rewardsCreated: number } }>(CLOSE, { campaignId, period: '2026-03' });
  expect(again.closePeriod.rewardsCreated).toBe(0);
  expect(await periodRewards()).toHaveLength(2);
  const closes = await server.sql('select period_key, rewards_created from period_close order by id');
  expect(closes).toEqual([
    { period_key: '2026-03', rewards_created: 2 },
    { period_key: '2026-03', rewards_created: 0 },
  ]);
});

it('counts each sale in the month it happened in Moscow', async () => {
  const february = await server.ok<{ closePeriod: { rewardsCreated: number } }>(CLOSE, { campaignId, period: '2026-02' });
  expect(february.closePeriod.rewardsCreated).toBe(1);
  const anna = (await periodRewards()).filter((reward) => reward.periodKey === '2026-02');
  // Anna: 500 000,00 ₽ → 2% × 50 000 000 = 1 000 000 + 2 000 000
  expect(anna.map((reward) => [reward.partner.name, reward.amount])).toEqual([['Anna', 3_000_000]]);
});

it('pays nothing for a quarter when the scheme pays months', async () => {
  const quarter = await server.ok<{ closePeriod: { rewardsCreated: number } }>(CLOSE, { campaignId, period: '2026-Q1' });
  expect(quarter.closePeriod.rewardsCreated).toBe(0);
});

it('refuses a ladder with two steps from the same volume, at the later step, and saves nothing', async () => {
  const count = async () => Number((await server.sql('select count(*) from campaign'))[0].count);
  const before = await count();
  const response = await server.gql(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'Two steps from 100 000',
      startsAt: '2026-01-01T00:00:00+03:00',
      currency: 'RUB',
      // Steps 0 and 2 both start from 100 000,00 ₽; each is valid on its own.
      schemes: [{ code: 'volume-bonus', args: { steps: [{ from: '10000000', bonus: '500000' }, { from: '30000000' }, { from: '10000000', bonus: '900000' }] } }],
    },
  });
  expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  expect(response.errors?.[0].extensions?.issues).toEqual([
    { path: 'input.schemes[0].args.steps[2].from', message: 'steps[0] starts from 10000000 already; each step needs its own threshold' },
  ]);
  expect(await count()).toBe(before);
});

it('refuses what cannot be closed', async () => {
  const early = await server.gql(CLOSE, { campaignId, period: '2099-01' });
  expect(early.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'period' });
  const forced = await server.ok<{ closePeriod: { forced: boolean; rewardsCreated: number } }>(CLOSE, { campaignId, period: '2099-01', force: true });
  expect(forced.closePeriod).toMatchObject({ forced: true, rewardsCreated: 0 });

  const before = await server.gql(CLOSE, { campaignId, period: '2025-12' });
  expect(before.errors?.[0].extensions?.issues).toEqual([{ path: 'period', message: "2025-12 lies outside the campaign's dates" }]);
  const nonsense = await server.gql(CLOSE, { campaignId, period: '2026-13' });
  expect(nonsense.errors?.[0].extensions?.issues).toEqual([{ path: 'period', message: 'must be a month like 2026-03 or a quarter like 2026-Q1' }]);

  const token = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Anna}") { token } }`);
  const asPartner = await server.gql(CLOSE, { campaignId, period: '2026-03' }, token.issuePartnerToken.token);
  expect(asPartner.errors?.[0].extensions?.code).toBe('FORBIDDEN');

  const draft = await server.ok<{ createCampaign: { id: string } }>(
    `mutation { createCampaign(input: { name: "Draft", startsAt: "2026-01-01T00:00:00Z", currency: "RUB" }) { id } }`,
  );
  const closingDraft = await server.gql(CLOSE, { campaignId: draft.createCampaign.id, period: '2026-03' });
  expect(closingDraft.errors?.[0].extensions?.code).toBe('CONFLICT');
});

it('ranks a contest and pays a KPI bonus over the same month', async () => {
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'March contest',
        startsAt: '2026-01-01T00:00:00+03:00',
        currency: 'RUB',
        schemes: [
          // Average check of at least 100 000,00 ₽ over at least 2 sales: 3 000,00 ₽.
          { code: 'kpi-bonus', args: { kpi: 'AVERAGE_CHECK', target: '10000000', amount: '300000', minimumSales: 2 } },
          // Top 3 by net sales volume: 10 000,00 ₽, 5 000,00 ₽, 1 000,00 ₽.
          { code: 'contest', args: { metric: 'SALES_AMOUNT', prizes: [{ amount: '1000000' }, { amount: '500000' }, { amount: '100000' }] } },
        ],
      },
    },
  );
  const id = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${id}") { id } }`);
  const closed = await server.ok<{ closePeriod: { rewardsCreated: number } }>(CLOSE, { campaignId: id, period: '2026-03' });
  expect(closed.closePeriod.rewardsCreated).toBe(3);
  const rewards = await server.ok<{ rewards: { edges: { node: { amount: number; partner: { name: string }; scheme: { schemeCode: string } } }[] } }>(
    `query($c: ID) { rewards(campaignId: $c) { edges { node { amount partner { name } scheme { schemeCode } } } } }`,
    { c: id },
  );
  const paid = rewards.rewards.edges
    .map(({ node }): [string, string, number] => [node.scheme.schemeCode, node.partner.name, node.amount])
    .sort((a, b) => String(a[0] + a[1]).localeCompare(String(b[0] + b[1])));
  expect(paid).toEqual([
    // Net March volume: Anna 330 000,00 ₽ (place 1), Boris 150 000,00 ₽ (place 2); no third.
    ['contest', 'Anna', 1_000_000],
    ['contest', 'Boris', 500_000],
    // Anna: (20 000 000 + 15 000 000) / 2 sales = 17 500 000 ≥ 10 000 000. Boris has 1 sale < 2.
    ['kpi-bonus', 'Anna', 300_000],
  ]);
});
