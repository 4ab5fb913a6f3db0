/**
 * The event-based schemes beyond the core three, through the real API: first-purchase, cpa
 * and coupon in one campaign, with every expected amount derived by hand.
 *
 * Campaign (RUB): first-purchase 300,00 ₽ + 2% for first purchases of at least 1 000,00 ₽;
 * cpa: SIGNUP 150,00 ₽, INSTALL 40,00 ₽; coupon: 5% of coupon sales, customers get 10% off.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let partnerId: string;

interface Reward {
  amount: number;
  scheme: { schemeCode: string };
  event: { externalId: string };
  details: Record<string, unknown>;
  explanation: { en: string; ru: string };
}

async function rewardsFor(externalId: string): Promise<Reward[]> {
  const data = await server.ok<{ rewards: { edges: { node: Reward }[] } }>(
    `query($p: ID) { rewards(partnerId: $p, first: 100) { edges { node { amount scheme { schemeCode } event { externalId } details explanation { en ru } } } } }`,
    { p: partnerId },
  );
  return data.rewards.edges
    .map((edge) => edge.node)
    .filter((reward) => reward.event.externalId === externalId)
    .sort((a, b) => a.scheme.schemeCode.localeCompare(b.scheme.schemeCode));
}

async function record(events: Record<string, unknown>[]) {
  return server.ok<{ recordEvents: { accepted: number; rewardsCreated: number } }>(
    `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted rewardsCreated } }`,
    { e: events },
  );
}

beforeAll(async () => {
  server = await startTestServer();
  const partner = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Maria", kind: "INFLUENCER", referralCode: "MARIA" }) { id } }`);
  partnerId = partner.createPartner.id;
  await server.ok(`mutation { createCoupon(partnerId: "${partnerId}", code: "MARIA10") { code } }`);
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Influencers',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          { code: 'first-purchase', args: { amount: '30000', percent: '2', minimumSale: '100000' } },
          { code: 'cpa', args: { actions: [{ type: 'SIGNUP', amount: '15000' }, { type: 'INSTALL', amount: '4000' }] } },
          { code: 'coupon', args: { percent: '5', customerDiscountPercent: '10' } },
        ],
      },
    },
  );
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

it("pays a new customer's first purchase once, and a coupon sale with the customer's discount recorded", async () => {
  // 12 345,67 ₽ through the coupon, the customer's first purchase.
  expect((await record([{ externalId: 'S-1', type: 'SALE', couponCode: 'MARIA10', customerId: 'c-1', amount: 1_234_567, currency: 'RUB' }])).recordEvents).toEqual({
    accepted: 1,
    rewardsCreated: 2,
  });
  const first = await rewardsFor('S-1');
  expect(first.map((reward) => [reward.scheme.schemeCode, reward.amount])).toEqual([
    // 5% × 1 234 567 = 61 728.35 → 61 728
    ['coupon', 61_728],
    // 30 000 + 2% × 1 234 567 = 30 000 + 24 691.34 → 54 691
    ['first-purchase', 54_691],
  ]);
  // The customer's 10% discount: 123 456.7 → 123 457 kopecks, recorded next to the reward.
  expect(first[0].details).toMatchObject({ couponCode: 'MARIA10', customerDiscountPercent: '10', customerDiscount: '123457' });

  // The same customer buys again by referral code: no first-purchase bonus, no coupon.
  expect((await record([{ externalId: 'S-2', type: 'SALE', referralCode: 'MARIA', customerId: 'c-1', amount: 500_000, currency: 'RUB' }])).recordEvents).toEqual({
    accepted: 1,
    rewardsCreated: 0,
  });
  // A new customer's first purchase below the 1 000,00 ₽ minimum pays nothing.
  expect((await record([{ externalId: 'S-3', type: 'SALE', referralCode: 'MARIA', customerId: 'c-2', amount: 99_999, currency: 'RUB' }])).recordEvents.rewardsCreated).toBe(0);
});

it('pays a fixed amount per listed action and nothing for others', async () => {
  const result = await record([
    { externalId: 'A-1', type: 'SIGNUP', referralCode: 'MARIA' },
    { externalId: 'A-2', type: 'INSTALL', referralCode: 'MARIA' },
    { externalId: 'A-3', type: 'SUBSCRIPTION', referralCode: 'MARIA' },
  ]);
  expect(result.recordEvents).toEqual({ accepted: 3, rewardsCreated: 2 });
  expect((await rewardsFor('A-1')).map((reward) => reward.amount)).toEqual([15_000]);
  expect((await rewardsFor('A-2')).map((reward) => reward.amount)).toEqual([4_000]);
  expect(await rewardsFor('A-3')).toEqual([]);
});
