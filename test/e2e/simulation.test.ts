/**
 * simulateCampaign and previewRewards over real HTTP against a real PostgreSQL: what a changed
 * campaign would have paid for stored events, what a few hypothetical events would pay now,
 * and that neither writes a row of any table.
 *
 * The program: Anna (an AMBASSADOR) sponsors Boris (a RESELLER). Campaign "Sales" pays 5 % of
 * each sale (percentage-of-sales) since 2026-01-01. Amounts are kopecks.
 */
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { startTestServer, tableFingerprints, type TestServer } from '../support/harness.js';
import { sale, seedNovemberSales } from '../support/november-sales.js';

let server: TestServer;
let annaId: string;
let borisId: string;
let campaignId: string;

const SIMULATE = `query($input: SimulationInput!) { simulateCampaign(input: $input) {
  campaignId eventsReplayed periodsClosed currency netSales costOfSalesPercent
  totals { kind unit granted capped entries }
  budget { budget usedBefore usedInSpan left ranOutAt cappedByBudget }
  byPartnerKind { key kind unit granted } byScheme { key granted } byLevel { key granted }
  partnerChanges { partnerId name simulated actual change }
  comparison { campaignId actual { kind unit granted } difference { kind unit granted capped entries } }
} }`;

const PREVIEW = `query($events: [EventInput!]!, $campaignId: ID, $campaign: CampaignInput) {
  previewRewards(events: $events, campaignId: $campaignId, campaign: $campaign) {
    eventExternalId partnerId partnerName schemeKey kind amount unit status explanation { en ru }
  }
}`;

beforeAll(async () => {
  server = await startTestServer();
  ({ annaId, borisId, campaignId } = await seedNovemberSales(server));
});

afterAll(async () => {
  await server?.stop();
});

describe('simulateCampaign', () => {
  it('raises the rate from 5 % to 7 % over November and compares with what the campaign paid, writing nothing', async () => {
    const before = await tableFingerprints(server);
    const { simulateCampaign: result } = await server.ok(SIMULATE, {
      input: {
        campaignId,
        campaign: { schemes: [{ code: 'percentage-of-sales', args: { percent: '7' } }] },
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
        compareWith: campaignId,
      },
    });
    expect(await tableFingerprints(server)).toEqual(before);

    // Replayed: S-1, S-2, S-3 and R-1 (S-0 occurred in October).
    expect(result.eventsReplayed).toBe(4);
    expect(result.periodsClosed).toEqual([]);
    // Simulated, 7 %: S-1 10 000 000 → 700 000; S-2 3 000 000 → 210 000; S-3 1 234 567 → 86 419.69 → 86 420
    // (half to even); R-1 returns half of S-2 → −105 000. 700 000 + 210 000 + 86 420 − 105 000 = 891 420, in 4 entries.
    expect(result.totals).toEqual([{ kind: 'MONEY', unit: 'RUB', granted: 891_420, capped: 0, entries: 4 }]);
    // Actually paid, 5 %: 500 000 + 150 000 + 61 728 (61 728.35) − 75 000 = 636 728. Difference: 891 420 − 636 728 = 254 692.
    expect(result.comparison).toEqual({
      campaignId,
      actual: [{ kind: 'MONEY', unit: 'RUB', granted: 636_728 }],
      difference: [{ kind: 'MONEY', unit: 'RUB', granted: 254_692, capped: 0, entries: 0 }],
    });
    // Anna: 700 000 vs 500 000 (+200 000). Boris: 210 000 + 86 420 − 105 000 = 191 420 vs 150 000 + 61 728 − 75 000 = 136 728 (+54 692).
    expect(result.partnerChanges).toEqual([
      { partnerId: annaId, name: 'Anna', simulated: 700_000, actual: 500_000, change: 200_000 },
      { partnerId: borisId, name: 'Boris', simulated: 191_420, actual: 136_728, change: 54_692 },
    ]);
    // Net sales: 10 000 000 + 3 000 000 + 1 234 567 − 1 500 000 = 12 734 567; 891 420 / 12 734 567 = 7.0000…%.
    expect(result.netSales).toBe(12_734_567);
    expect(result.costOfSalesPercent).toBe('7.00');
    expect(result.byPartnerKind).toEqual([
      { key: 'AMBASSADOR', kind: 'MONEY', unit: 'RUB', granted: 700_000 },
      { key: 'RESELLER', kind: 'MONEY', unit: 'RUB', granted: 191_420 },
    ]);
    expect(result.byScheme).toEqual([{ key: 'percentage-of-sales', granted: 891_420 }]);
    expect(result.budget).toBeNull();
  });

  it('runs a new campaign with a budget and says when the budget would have run out', async () => {
    const { simulateCampaign: result } = await server.ok(SIMULATE, {
      input: {
        campaign: {
          name: 'Draft',
          startsAt: '2026-01-01T00:00:00Z',
          currency: 'RUB',
          budget: 800_000,
          schemes: [{ code: 'percentage-of-sales', args: { percent: '7' } }],
        },
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      },
    });
    // S-1 takes 700 000 of 800 000; S-2's 210 000 gets 100 000 and 110 000 is CAPPED, on 2026-11-10;
    // S-3's 86 420 is CAPPED whole; R-1 takes back 50 % of the 100 000 granted for S-2: −50 000.
    // Granted: 700 000 + 100 000 − 50 000 = 750 000 (3 entries); capped 110 000 + 86 420 = 196 420 (2 entries).
    expect(result.totals).toEqual([{ kind: 'MONEY', unit: 'RUB', granted: 750_000, capped: 196_420, entries: 5 }]);
    expect(result.budget).toEqual({ budget: 800_000, usedBefore: 0, usedInSpan: 750_000, left: 50_000, ranOutAt: '2026-11-10T10:00:00.000Z', cappedByBudget: 196_420 });
    // Against nothing (no compareWith): every partner's change is its simulated money.
    expect(result.partnerChanges).toEqual([
      { partnerId: annaId, name: 'Anna', simulated: 700_000, actual: 0, change: 700_000 },
      { partnerId: borisId, name: 'Boris', simulated: 50_000, actual: 0, change: 50_000 },
    ]);
    expect(result.comparison).toBeNull();
  });

  it('closes the months that end inside the span for a period scheme', async () => {
    const { simulateCampaign: result } = await server.ok(SIMULATE, {
      input: {
        campaign: {
          name: 'Volume',
          startsAt: '2026-01-01T00:00:00Z',
          currency: 'RUB',
          schemes: [{ code: 'volume-bonus', args: { period: 'MONTH', steps: [{ from: '5000000', percent: '1', bonus: '100000' }] } }],
        },
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      },
    });
    // November in Moscow ends at 2026-11-30T21:00Z, inside the span; the fourth quarter and December end after it.
    expect(result.periodsClosed).toEqual(['2026-11']);
    // Anna's November volume: 10 000 000 ≥ 5 000 000 → 1 % = 100 000, + 100 000 bonus = 200 000.
    // Boris's: 3 000 000 + 1 234 567 − 1 500 000 = 2 734 567, below the step: nothing.
    expect(result.totals).toEqual([{ kind: 'MONEY', unit: 'RUB', granted: 200_000, capped: 0, entries: 1 }]);
    expect(result.byScheme).toEqual([{ key: 'volume-bonus', granted: 200_000 }]);
    // 200 000 / 12 734 567 = 1.5705…%.
    expect(result.costOfSalesPercent).toBe('1.57');
  });

  it('refuses a span longer than a year, an empty one, and a campaign without schemes, with their paths', async () => {
    const refuse = async (input: object) => (await server.gql(SIMULATE, { input })).errors?.[0]?.extensions;
    expect(await refuse({ campaignId, from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' })).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.to',
    });
    expect(await refuse({ campaignId, from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.to' });
    expect(
      await refuse({ campaign: { name: 'Empty', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB' }, from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.campaign.schemes' });
    expect(
      await refuse({ campaignId, campaign: { schemes: [{ code: 'percentage-of-sales', args: { percent: '120' } }] }, from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.campaign.schemes[0].args.percent' });
  });

  it('refuses a span holding more stored events than COFACTOR_SIMULATION_MAX_EVENTS', async () => {
    const small = await startTestServer({ simulationMaxEvents: 2 });
    try {
      const partner = (await small.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Vera", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
      await small.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
        e: [1, 2, 3].map((n) => sale(`V-${n}`, partner, 100_000, '2026-11-05T10:00:00Z')),
      });
      const input = {
        campaign: { name: 'D', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] },
        from: '2026-11-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      };
      const refused = await small.gql(SIMULATE, { input });
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
      expect(refused.errors?.[0]?.message).toContain('more than 2 stored events (COFACTOR_SIMULATION_MAX_EVENTS)');
    } finally {
      await small.stop();
    }
  });
});

describe('previewRewards', () => {
  it("shows a sale's entries under the stored campaign and a CAPPED split under a budget, writing nothing", async () => {
    const before = await tableFingerprints(server);
    const stored = await server.ok(PREVIEW, { campaignId, events: [{ externalId: 'P-1', type: 'SALE', partnerId: borisId, amount: 1_000_000, currency: 'RUB' }] });
    // 5 % of 1 000 000 = 50 000 (RUB 500.00) for Boris.
    expect(stored.previewRewards).toEqual([
      {
        eventExternalId: 'P-1',
        partnerId: borisId,
        partnerName: 'Boris',
        schemeKey: 'percentage-of-sales',
        kind: 'MONEY',
        amount: 50_000,
        unit: 'RUB',
        status: 'PENDING',
        explanation: { en: '5% of sale RUB 10,000.00 (order P-1)', ru: '5% от продажи 10\u00a0000,00\u00a0₽ (заказ P-1)' },
      },
    ]);
    // The same campaign with a budget of RUB 10,000.00, of which it granted 686 728 already: 50 000 for S-0 and 636 728 for
    // November (see above); 313 272 is left. A sale of 30 000 000 at 5 % asks 1 500 000: 313 272 is paid, 1 186 728 is CAPPED.
    const capped = await server.ok(PREVIEW, {
      campaignId,
      campaign: { budget: 1_000_000 },
      events: [{ externalId: 'P-2', type: 'SALE', partnerId: annaId, amount: 30_000_000, currency: 'RUB' }],
    });
    expect(capped.previewRewards.map((entry: { amount: number; status: string; explanation: { en: string } }) => [entry.amount, entry.status, entry.explanation.en])).toEqual([
      [313_272, 'PENDING', '5% of sale RUB 300,000.00 (order P-2); RUB 3,132.72 of RUB 15,000.00 paid, the campaign budget of RUB 10,000.00 is used up'],
      [1_186_728, 'CAPPED', 'Not paid, the campaign budget of RUB 10,000.00 is used up: RUB 11,867.28 of RUB 15,000.00 (5% of sale RUB 300,000.00 (order P-2))'],
    ]);
    expect(await tableFingerprints(server)).toEqual(before);
  });

  it('refuses bad events and bad scheme args with their paths, and more than 100 events', async () => {
    const badEvent = await server.gql(PREVIEW, { campaignId, events: [{ externalId: 'P-3', type: 'SALE', partnerId: borisId, currency: 'RUB' }] });
    expect(badEvent.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events[0].amount' });
    const badArgs = await server.gql(PREVIEW, {
      campaign: { name: 'D', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '-1' } }] },
      events: [sale('P-4', borisId, 100, '2026-11-05T10:00:00Z')],
    });
    expect(badArgs.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'campaign.schemes[0].args.percent' });
    const many = await server.gql(PREVIEW, { campaignId, events: Array.from({ length: 101 }, (_, n) => sale(`M-${n}`, borisId, 100, '2026-11-05T10:00:00Z')) });
    expect(many.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
  });
});

describe('who may simulate', () => {
  it('refuses partner tokens and keys without admin, and keeps programs apart', async () => {
    const input = { campaignId, from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
    const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${annaId}") { token } }`)).issuePartnerToken.token;
    const reader = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "reader", scopes: ["analytics:read"]) { key } }`)).createApiKey.key;
    for (const credential of [token, reader]) {
      expect((await server.gql(SIMULATE, { input }, credential)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await server.gql(PREVIEW, { campaignId, events: [] }, credential)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await server.gql(SIMULATE, { input }, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Another program's admin names this program's campaign: not found, as if it did not exist.
    const em = server.running.app.orm.em.fork();
    const program = em.create(Program, { name: 'Other brand', defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
    await em.flush();
    const otherKey = (await server.running.app.auth.createApiKey(program.id, 'other admin', ['admin'])).key;
    expect((await server.gql(SIMULATE, { input }, otherKey)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const draft = { name: 'D', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] };
    expect((await server.gql(SIMULATE, { input: { campaign: draft, from: input.from, to: input.to, compareWith: campaignId } }, otherKey)).errors?.[0]?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    // Its own draft over its own (empty) history replays none of this program's events.
    const own = await server.ok(SIMULATE, { input: { campaign: draft, from: input.from, to: input.to } }, otherKey);
    expect(own.simulateCampaign.eventsReplayed).toBe(0);
    expect(own.simulateCampaign.totals).toEqual([]);
  });
});
