/**
 * Monthly personal-volume qualification through the API: multi-level pays a sponsor on a downline
 * sale only when the sponsor's own net sales in that sale's month, in the program's time zone
 * (Moscow, UTC+3), reach 3 000,00 ₽ — counted from what was recorded up to and including the sale.
 *
 * Olga was recruited by Sergey, Sergey by Ivan. Rates: 5 % to the sponsor, 3 % to the sponsor's sponsor.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let campaignId: string;
const ids: Record<string, string> = {};

const record = (events: object[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
const sale = (externalId: string, partner: string, amount: number, occurredAt: string) => ({ externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB', occurredAt });

async function rewards() {
  const data = await server.ok<{ rewards: { edges: { node: { amount: string; partner: { name: string }; event: { externalId: string } } }[] } }>(
    `query($c: ID) { rewards(campaignId: $c, first: 100) { edges { node { amount partner { name } event { externalId } } } } }`,
    { c: campaignId },
  );
  return data.rewards.edges
    .map(({ node }) => [node.event.externalId, node.partner.name, String(node.amount)])
    .sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

beforeAll(async () => {
  server = await startTestServer();
  for (const [name, sponsor] of [['Ivan'], ['Sergey', 'Ivan'], ['Olga', 'Sergey']]) {
    const data = await server.ok<{ createPartner: { id: string } }>(
      `mutation($s: ID, $n: String!) { createPartner(input: { name: $n, kind: "AMBASSADOR", sponsorId: $s }) { id } }`,
      { s: sponsor ? ids[sponsor] : null, n: name },
    );
    ids[name] = data.createPartner.id;
  }
  const created = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'Qualified downline 2026',
      startsAt: '2026-01-01T00:00:00+03:00',
      currency: 'RUB',
      schemes: [{ code: 'multi-level', args: { levels: ['5', '3'], minMonthlyPersonalSales: '300000' } }],
    },
  });
  campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

it('pays each sponsor in the months its own net sales qualify it, the month turning at Moscow midnight', async () => {
  // Sergey sells 5 000,00 ₽ at 23:30 on 31 March, Moscow time; Ivan 4 000,00 ₽ at 00:30 on 1 April, Moscow
  // time (21:30 UTC, still 31 March in UTC). Neither sponsor above them sold anything in those months: no rewards.
  await record([sale('S-1', 'Sergey', 500_000, '2026-03-31T20:30:00Z'), sale('I-1', 'Ivan', 400_000, '2026-03-31T21:30:00Z')]);
  expect(await rewards()).toEqual([]);

  // Olga sells 12 000,00 ₽ at 23:45 on 31 March (order O-MAR) and at 00:15 on 1 April (order O-APR), Moscow time.
  await record([sale('O-MAR', 'Olga', 1_200_000, '2026-03-31T20:45:00Z'), sale('O-APR', 'Olga', 1_200_000, '2026-03-31T21:15:00Z')]);
  // O-MAR, March: Sergey sold 5 000,00 ₽ in March (≥ 3 000,00) → 5 % of 1 200 000 = 60 000; Ivan sold nothing in March.
  // O-APR, April: Sergey sold nothing in April; Ivan sold 4 000,00 ₽ → 3 % of 1 200 000 = 36 000.
  expect(await rewards()).toEqual([
    ['O-APR', 'Ivan', '36000'],
    ['O-MAR', 'Sergey', '60000'],
  ]);

  // 2 000,00 ₽ of Ivan's sale comes back on 2 April: his April net sales are 4 000 − 2 000 = 2 000,00 ₽, short of
  // 3 000,00. Olga's sale of 3 April (O-APR-2) then pays nobody; the rewards recorded before stay as they were.
  await record([{ externalId: 'I-1-R', type: 'REFUND', refundOf: 'I-1', amount: 200_000, currency: 'RUB', occurredAt: '2026-04-02T09:00:00Z' }]);
  // In one batch Ivan sells 1 500,00 ₽ on 4 April (3 500,00 ₽ net), then Olga sells 10 000,00 ₽ (O-APR-3):
  // Ivan's sale earlier in the batch counts → 3 % of 1 000 000 = 30 000.
  await record([
    sale('O-APR-2', 'Olga', 1_200_000, '2026-04-03T09:00:00Z'),
    sale('I-2', 'Ivan', 150_000, '2026-04-04T09:00:00Z'),
    sale('O-APR-3', 'Olga', 1_000_000, '2026-04-05T09:00:00Z'),
  ]);
  expect(await rewards()).toEqual([
    ['O-APR', 'Ivan', '36000'],
    ['O-APR-3', 'Ivan', '30000'],
    ['O-MAR', 'Sergey', '60000'],
  ]);
});

it('explains the qualification a sponsor can check', async () => {
  const data = await server.ok<{ rewards: { edges: { node: { event: { externalId: string }; explanation: { en: string } } }[] } }>(
    `query($c: ID) { rewards(campaignId: $c, first: 100) { edges { node { event { externalId } explanation { en } } } } }`,
    { c: campaignId },
  );
  const reward = data.rewards.edges.find(({ node }) => node.event.externalId === 'O-APR-3')!.node;
  expect(reward.explanation.en).toBe("3% of sale RUB 10,000.00 (order O-APR-3), level 2 of Ivan's downline; own sales that month RUB 3,500.00, qualified at RUB 3,000.00");
});

it('refuses a qualification below zero at its path, saving nothing', async () => {
  const result = await server.gql(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name: 'Bad', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'multi-level', args: { levels: ['5'], minMonthlyPersonalSales: '-1' } }] },
  });
  expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(result.errors?.[0].extensions)).toContain('input.schemes[0].args.minMonthlyPersonalSales');
  expect(await server.sql(`select id from campaign where name = 'Bad'`)).toEqual([]);
});
