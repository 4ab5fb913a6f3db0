/**
 * Points through the real API: the seeds' earn table at its tier boundaries (a partner's
 * 1 000th, 1 001st, 5 000th and 5 001st sale in the campaign), then redemptions that can never
 * overdraw the balance, even when sent at once, and never charge a retry twice.
 *
 * Seeds' table: sales 1–1000 earn 1 point each, 1001–5000 earn 1.5, from 5001 on 2.
 * Points are kept in hundredths: 1.5 points = 150.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let campaignId: string;
let partnerId: string;
let otherId: string;

const REDEEM = `mutation($c: ID!, $p: ID!, $item: String!, $key: String!) {
  redeemPoints(campaignId: $c, partnerId: $p, itemCode: $item, idempotencyKey: $key) {
    balance item { code cost } reward { id amount unit status explanation { en ru } }
  }
}`;

async function balance(id = partnerId): Promise<number> {
  const data = await server.ok<{ partner: { pointsBalance: number } }>(`{ partner(id: "${id}") { pointsBalance } }`);
  return data.partner.pointsBalance;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Olga', 'Pavel']) {
    const data = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "RESELLER" }) { id } }`);
    if (name === 'Olga') partnerId = data.createPartner.id;
    else otherId = data.createPartner.id;
  }
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Points',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          {
            code: 'points',
            args: {
              catalog: [
                { code: 'GIFT-1000', name: 'Gift certificate 1 000 ₽', kind: 'GIFT_CERTIFICATE', cost: '5000' },
                { code: 'TRAINING', name: 'Sales training', kind: 'TRAINING', cost: '3000' },
              ],
            },
          },
        ],
      },
    },
  );
  campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

it("earns the seeds' table at its tier boundaries", async () => {
  const sale = (n: number) => ({ externalId: `P-${n}`, type: 'SALE', partnerId, amount: 10_000, currency: 'RUB' });
  const record = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted rewardsCreated } }`;
  // Sales 1–5000 in one call, in order, then sale 5001.
  const first = await server.ok(record, { e: Array.from({ length: 5000 }, (_, i) => sale(i + 1)) });
  expect(first).toEqual({ recordEvents: { accepted: 5000, rewardsCreated: 5000 } });
  await server.ok(record, { e: [sale(5001)] });

  const atBoundaries = await server.sql<{ external_id: string; amount: string }>(
    `select e.external_id, r.amount::text from reward r join event e on e.id = r.event_id
      where e.external_id in ('P-1000', 'P-1001', 'P-5000', 'P-5001') order by e.id`,
  );
  expect(atBoundaries).toEqual([
    { external_id: 'P-1000', amount: '100' },
    { external_id: 'P-1001', amount: '150' },
    { external_id: 'P-5000', amount: '150' },
    { external_id: 'P-5001', amount: '200' },
  ]);
  // 1 000 × 100 + 4 000 × 150 + 1 × 200 = 700 200 hundredths = 7 002 points.
  expect(await balance()).toBe(700_200);
});

it('redeems points once per key and never below zero, even when redemptions race', async () => {
  // Three redemptions of a 5 000-point gift at once: the balance of 7 002 covers only one.
  const raced = await Promise.all(
    ['race-1', 'race-2', 'race-3'].map((key) => server.gql(REDEEM, { c: campaignId, p: partnerId, item: 'GIFT-1000', key })),
  );
  const won = raced.filter((result) => result.data);
  const refused = raced.filter((result) => result.errors);
  expect(won).toHaveLength(1);
  expect(refused.map((result) => result.errors![0].extensions?.code)).toEqual(['CONFLICT', 'CONFLICT']);
  expect(won[0].data!.redeemPoints).toMatchObject({
    balance: 200_200,
    item: { code: 'GIFT-1000', cost: 500_000 },
    reward: { amount: -500_000, unit: 'POINTS', status: 'APPROVED', explanation: { en: 'Redeemed 5000 points for Gift certificate 1 000 ₽' } },
  });
  expect(await balance()).toBe(200_200);

  // A retry of the winning call returns the same entry and charges nothing more.
  const winningKey = ['race-1', 'race-2', 'race-3'][raced.indexOf(won[0])];
  const retry = await server.ok<{ redeemPoints: { reward: { id: string }; balance: number } }>(REDEEM, {
    c: campaignId,
    p: partnerId,
    item: 'GIFT-1000',
    key: winningKey,
  });
  expect(retry.redeemPoints.reward.id).toBe((won[0].data as { redeemPoints: { reward: { id: string } } }).redeemPoints.reward.id);
  expect(retry.redeemPoints.balance).toBe(200_200);

  // 2 002 points do not cover a 3 000-point training.
  const short = await server.gql(REDEEM, { c: campaignId, p: partnerId, item: 'TRAINING', key: 'training-1' });
  expect(short.errors?.[0]).toMatchObject({
    message: 'a balance of 2002 points does not cover Sales training (3000 points)',
    extensions: { code: 'CONFLICT', field: 'itemCode' },
  });
  const unknown = await server.gql(REDEEM, { c: campaignId, p: partnerId, item: 'YACHT', key: 'y-1' });
  expect(unknown.errors?.[0].extensions?.issues).toEqual([
    { path: 'itemCode', message: `no item "YACHT" in this campaign's catalog (available: GIFT-1000, TRAINING)` },
  ]);
});

it("lets a partner redeem its own points and no one else's", async () => {
  const tokenOf = async (id: string) =>
    (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${id}") { token } }`)).issuePartnerToken.token;
  const pavel = await tokenOf(otherId);
  const foreign = await server.gql(REDEEM, { c: campaignId, p: partnerId, item: 'TRAINING', key: 'steal-1' }, pavel);
  expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const own = await server.gql(REDEEM, { c: campaignId, p: otherId, item: 'TRAINING', key: 'own-1' }, pavel);
  // Pavel has no points: refused for the balance, not for access.
  expect(own.errors?.[0].extensions?.code).toBe('CONFLICT');
  const catalog = await server.ok<{ campaign: { catalog: { code: string; kind: string; cost: number }[] } }>(
    `{ campaign(id: "${campaignId}") { catalog { code kind cost } } }`,
  );
  expect(catalog.campaign.catalog).toEqual([
    { code: 'GIFT-1000', kind: 'GIFT_CERTIFICATE', cost: 500_000 },
    { code: 'TRAINING', kind: 'TRAINING', cost: 300_000 },
  ]);
});

it("shows a partner's token the catalogs of the active campaigns, and only its own partner's", async () => {
  const pavel = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${otherId}") { token } }`)).issuePartnerToken.token;
  const own = await server.ok<{ me: { pointsCatalog: unknown[] } }>('{ me { pointsCatalog { campaignId campaignName item { code name cost } } } }', {}, pavel);
  expect(own.me.pointsCatalog).toEqual([
    { campaignId, campaignName: 'Points', item: { code: 'GIFT-1000', name: 'Gift certificate 1 000 ₽', cost: 500_000 } },
    { campaignId, campaignName: 'Points', item: { code: 'TRAINING', name: 'Sales training', cost: 300_000 } },
  ]);
  const foreign = await server.gql(`{ partner(id: "${partnerId}") { pointsCatalog { campaignId } } }`, {}, pavel);
  expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');

  // A paused campaign's catalog is not on offer.
  await server.ok(`mutation { pauseCampaign(id: "${campaignId}") { id } }`);
  const paused = await server.ok<{ me: { pointsCatalog: unknown[] } }>('{ me { pointsCatalog { campaignId } } }', {}, pavel);
  expect(paused.me.pointsCatalog).toEqual([]);
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
});
