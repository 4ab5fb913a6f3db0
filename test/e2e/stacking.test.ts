/**
 * Stacking, through the real API: one campaign runs percentage-of-sales, multi-level, points
 * and, last, seasonal-promo. Schemes run in the campaign's order for each event; the promo
 * sees every reward the schemes before it produced for the event and adds its own boost
 * entry next to each (it never edits them).
 *
 * Tree: Anna → Boris → Vera. Promo: ×1.5 on money and points, 1–31 December 2026, Moscow time.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};

interface Entry {
  amount: number;
  unit: string;
  partner: { name: string };
  scheme: { schemeCode: string };
  explanation: { en: string };
}

async function entriesFor(externalId: string): Promise<[string, string, string, number][]> {
  const data = await server.ok<{ rewards: { edges: { node: Entry & { event: { externalId: string } } }[] } }>(
    `{ rewards(first: 100) { edges { node { amount unit partner { name } scheme { schemeCode } event { externalId } explanation { en } } } } }`,
  );
  return data.rewards.edges
    .map(({ node }) => node)
    .filter((node) => node.event.externalId === externalId)
    .map((node): [string, string, string, number] => [node.scheme.schemeCode, node.partner.name, node.unit, node.amount])
    .sort((a, b) => a.join().localeCompare(b.join()));
}

beforeAll(async () => {
  server = await startTestServer();
  let sponsor: string | null = null;
  for (const name of ['Anna', 'Boris', 'Vera']) {
    const data: { createPartner: { id: string } } = await server.ok(
      `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`,
      { input: { name, kind: 'AMBASSADOR', ...(sponsor ? { sponsorId: sponsor } : {}) } },
    );
    ids[name] = data.createPartner.id;
    sponsor = data.createPartner.id;
  }
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Winter',
        startsAt: '2026-01-01T00:00:00+03:00',
        currency: 'RUB',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
          { code: 'points', args: {} },
          {
            code: 'seasonal-promo',
            args: { startsAt: '2026-12-01T00:00:00+03:00', endsAt: '2027-01-01T00:00:00+03:00', kinds: ['MONEY', 'POINTS'], multiplier: '1.5' },
          },
        ],
      },
    },
  );
  await server.ok(`mutation { activateCampaign(id: "${created.createCampaign.id}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

const RECORD = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { rewardsCreated } }`;

it('adds a promo boost next to every money and points reward of the schemes before it', async () => {
  // 12 000,00 ₽ by Vera on 2 December (a sale from the future would be refused: occurredAt may be at most a day ahead).
  const result = await server.ok(RECORD, {
    e: [{ externalId: 'D-1', type: 'SALE', partnerId: ids.Vera, amount: 1_200_000, currency: 'RUB', occurredAt: '2026-12-02T12:00:00+03:00' }],
  });
  expect(result).toEqual({ recordEvents: { rewardsCreated: 8 } });
  expect(await entriesFor('D-1')).toEqual([
    // multi-level: 3% × 1 200 000 = 36 000 to Boris, 1% = 12 000 to Anna
    ['multi-level', 'Anna', 'RUB', 12_000],
    ['multi-level', 'Boris', 'RUB', 36_000],
    // percentage-of-sales: 5% × 1 200 000 = 60 000 to Vera
    ['percentage-of-sales', 'Vera', 'RUB', 60_000],
    // points: Vera's first sale earns 1 point = 100 hundredths
    ['points', 'Vera', 'POINTS', 100],
    // seasonal-promo ×1.5 adds half of each: 6 000, 18 000, 30 000 and 50 hundredths
    ['seasonal-promo', 'Anna', 'RUB', 6_000],
    ['seasonal-promo', 'Boris', 'RUB', 18_000],
    ['seasonal-promo', 'Vera', 'POINTS', 50],
    ['seasonal-promo', 'Vera', 'RUB', 30_000],
  ]);
});

it('adds nothing outside the promo dates', async () => {
  // 30 November, 23:30 Moscow time: one hour before the promo starts.
  const result = await server.ok(RECORD, {
    e: [{ externalId: 'N-1', type: 'SALE', partnerId: ids.Vera, amount: 1_200_000, currency: 'RUB', occurredAt: '2026-11-30T23:30:00+03:00' }],
  });
  expect(result).toEqual({ recordEvents: { rewardsCreated: 4 } });
  expect((await entriesFor('N-1')).map(([scheme]) => scheme)).toEqual(['multi-level', 'multi-level', 'percentage-of-sales', 'points']);
});
