/**
 * The core promise end to end, over real HTTP and WebSocket against a real server and
 * PostgreSQL: a sale pays the seller and its sponsors exactly, resends change nothing,
 * bad batches write nothing, and partners see only their own rewards.
 *
 * The tree: Anna (root) → Boris → Vera; Gleb is unrelated.
 * The campaign: percentage-of-sales 5 %, then multi-level 3 % (sponsor) and 1 % (sponsor's
 * sponsor). Every amount below is in kopecks; rounding is half to even, once per entry.
 */
import { collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';

const RECORD = `mutation Record($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted duplicates duplicateExternalIds rewardsCreated }
}`;
const REWARDS = `query Rewards($partnerId: ID) {
  rewards(partnerId: $partnerId, first: 100) {
    edges { node { amount unit kind status partner { name } scheme { schemeCode } explanation { en ru } event { externalId } } }
  }
}`;

interface RewardNode {
  amount: number;
  unit: string;
  kind: string;
  status: string;
  partner: { name: string };
  scheme: { schemeCode: string };
  explanation: { en: string; ru: string };
  event: { externalId: string };
}

let server: TestServer;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};

async function rewardsOf(partner: string, token: string | null = server.adminKey): Promise<RewardNode[]> {
  const data = await server.ok<{ rewards: { edges: { node: RewardNode }[] } }>(REWARDS, { partnerId: ids[partner] }, token);
  return data.rewards.edges.map((edge) => edge.node);
}

async function ledgerSize(): Promise<number> {
  const [row] = await server.sql<{ count: string }>('select count(*) from reward');
  return Number(row.count);
}

beforeAll(async () => {
  server = await startTestServer();
  await server.ok(`mutation { createRegion(input: { code: "RU", name: "Russia" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "RU-MOW", name: "Moscow", parentCode: "RU" }) { id } }`);
  const create = `mutation Create($input: CreatePartnerInput!) { createPartner(input: $input) { id referralCode } }`;
  for (const [name, input] of [
    ['Anna', { name: 'Anna', kind: 'AMBASSADOR', regionCode: 'RU-MOW', referralCode: 'ANNA' }],
    ['Boris', { name: 'Boris', kind: 'COFACTOR', regionCode: 'RU-MOW', referralCode: 'BORIS', sponsorReferralCode: 'ANNA' }],
    ['Vera', { name: 'Vera', kind: 'INFLUENCER', regionCode: 'RU-MOW', referralCode: 'VERA', sponsorReferralCode: 'BORIS' }],
    ['Gleb', { name: 'Gleb', kind: 'DEALER', referralCode: 'GLEB' }],
  ] as const) {
    const data = await server.ok<{ createPartner: { id: string } }>(create, { input });
    ids[name] = data.createPartner.id;
  }
  const campaign = await server.ok<{ createCampaign: { id: string; status: string } }>(
    `mutation Create($input: CampaignInput!) { createCampaign(input: $input) { id status } }`,
    {
      input: {
        name: 'Spring',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        holdDays: 14,
        targeting: { regionCodes: ['RU'] },
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
        ],
      },
    },
  );
  expect(campaign.createCampaign.status).toBe('DRAFT');
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { status } }`);
  for (const name of ['Boris', 'Vera', 'Gleb']) {
    const data = await server.ok<{ issuePartnerToken: { token: string } }>(
      `mutation { issuePartnerToken(partnerId: "${ids[name]}") { token } }`,
    );
    tokens[name] = data.issuePartnerToken.token;
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('a sale through the API', () => {
  it('pays 5% to the seller and 3% / 1% to the two sponsors above', async () => {
    const result = await server.ok(RECORD, {
      events: [
        // 12 345,67 ₽, attributed by referral code.
        { externalId: 'A-17', type: 'SALE', referralCode: 'VERA', customerId: 'c-1', amount: 1_234_567, currency: 'RUB', occurredAt: '2026-03-01T10:00:00Z' },
      ],
    });
    expect(result.recordEvents).toEqual({ accepted: 1, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 3 });

    // 5% × 1 234 567 = 61 728.35 → 61 728
    const vera = await rewardsOf('Vera');
    expect(vera).toHaveLength(1);
    expect(vera[0]).toMatchObject({ amount: 61_728, unit: 'RUB', kind: 'MONEY', status: 'PENDING', scheme: { schemeCode: 'percentage-of-sales' } });
    expect(vera[0].explanation.en).toBe('5% of sale RUB 12,345.67 (order A-17)');
    expect(vera[0].explanation.ru).toBe('5% от продажи 12\u00a0345,67\u00a0₽ (заказ A-17)');

    // 3% × 1 234 567 = 37 037.01 → 37 037 for Boris (level 1)
    const boris = await rewardsOf('Boris');
    expect(boris.map((reward) => reward.amount)).toEqual([37_037]);
    expect(boris[0].explanation.en).toBe("3% of sale RUB 12,345.67 (order A-17), level 1 of Boris's downline");

    // 1% × 1 234 567 = 12 345.67 → 12 346 for Anna (level 2)
    const anna = await rewardsOf('Anna');
    expect(anna.map((reward) => reward.amount)).toEqual([12_346]);
    expect(anna[0].scheme.schemeCode).toBe('multi-level');
  });

  it('rounds exact halves to even, once per entry', async () => {
    // 12 345,50 ₽ by partner id: 5% = 61 727.5 → 61 728 (even); 3% = 37 036.5 → 37 036 (even);
    // 1% = 12 345.5 → 12 346 (even).
    await server.ok(RECORD, {
      events: [{ externalId: 'A-18', type: 'SALE', partnerId: ids.Vera, amount: 1_234_550, currency: 'RUB', occurredAt: '2026-03-02T10:00:00Z' }],
    });
    const amountsFor = async (name: string) =>
      (await rewardsOf(name)).filter((reward) => reward.event.externalId === 'A-18').map((reward) => reward.amount);
    expect(await amountsFor('Vera')).toEqual([61_728]);
    expect(await amountsFor('Boris')).toEqual([37_036]);
    expect(await amountsFor('Anna')).toEqual([12_346]);
  });

  it('pays nothing outside the targeted regions or for another currency', async () => {
    const before = await ledgerSize();
    const result = await server.ok(RECORD, {
      events: [
        // Gleb has no region: the campaign targets RU and its sub-regions only.
        { externalId: 'G-1', type: 'SALE', referralCode: 'GLEB', amount: 100_000, currency: 'RUB' },
        // A sale in euros in a rouble campaign: no implicit conversion.
        { externalId: 'A-19', type: 'SALE', referralCode: 'VERA', amount: 100_000, currency: 'EUR' },
      ],
    });
    expect(result.recordEvents).toMatchObject({ accepted: 2, rewardsCreated: 0 });
    expect(await ledgerSize()).toBe(before);
  });
  it('pays only ACTIVE partners: a suspended sponsor is skipped, the levels above still earn', async () => {
    const setStatus = (name: string, status: string) =>
      server.ok(`mutation { updatePartner(id: "${ids[name]}", input: { status: "${status}" }) { status } }`);
    await setStatus('Boris', 'SUSPENDED');
    try {
      const result = await server.ok(RECORD, {
        events: [{ externalId: 'S-1', type: 'SALE', referralCode: 'VERA', amount: 100_000, currency: 'RUB' }],
      });
      // 1 000,00 ₽: 5% = 5 000 to Vera and 1% = 1 000 to Anna; Boris's 3% is not recorded.
      expect(result.recordEvents).toMatchObject({ accepted: 1, rewardsCreated: 2 });
      const forSale = async (name: string) =>
        (await rewardsOf(name)).filter((reward) => reward.event.externalId === 'S-1').map((reward) => reward.amount);
      expect(await forSale('Vera')).toEqual([5_000]);
      expect(await forSale('Boris')).toEqual([]);
      expect(await forSale('Anna')).toEqual([1_000]);
    } finally {
      await setStatus('Boris', 'ACTIVE');
    }
  });
});

describe('idempotent, all-or-nothing ingestion', () => {
  const batch = [
    { externalId: 'B-1', type: 'SALE', referralCode: 'VERA', amount: 200_000, currency: 'RUB' },
    { externalId: 'B-2', type: 'LEAD', referralCode: 'BORIS' },
    { externalId: 'B-3', type: 'SALE', referralCode: 'BORIS', amount: 300_000, currency: 'RUB' },
  ];

  it('stores a batch once; resending it reports duplicates and writes nothing', async () => {
    const first = await server.ok(RECORD, { events: batch });
    // B-1: 5% to Vera + 3% to Boris + 1% to Anna; B-2: nothing; B-3: 5% to Boris + 3% to Anna.
    expect(first.recordEvents).toEqual({ accepted: 3, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 5 });
    const ledger = await ledgerSize();
    const [events] = await server.sql<{ count: string }>('select count(*) from event');

    const again = await server.ok(RECORD, { events: batch });
    expect(again.recordEvents).toEqual({ accepted: 0, duplicates: 3, duplicateExternalIds: ['B-1', 'B-2', 'B-3'], rewardsCreated: 0 });
    expect(await ledgerSize()).toBe(ledger);
    expect((await server.sql('select count(*) from event'))[0].count).toBe(events.count);
  });

  it('rejects a batch with one bad item, names the item, and writes nothing', async () => {
    const ledger = await ledgerSize();
    const response = await server.gql(RECORD, {
      events: [
        { externalId: 'C-1', type: 'SALE', referralCode: 'VERA', amount: 100_000, currency: 'RUB' },
        { externalId: 'C-2', type: 'SALE', referralCode: 'NOBODY', amount: 100_000, currency: 'RUB' },
        { externalId: 'C-3', type: 'SALE', referralCode: 'BORIS', amount: 100_000, currency: 'RUB' },
      ],
    });
    expect(response.data).toBeNull();
    expect(response.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'events[1].referralCode',
      issues: [{ path: 'events[1].referralCode', message: 'no partner with referralCode "NOBODY" in this program' }],
    });
    expect(await ledgerSize()).toBe(ledger);
    expect(await server.sql("select external_id from event where external_id like 'C-%'")).toEqual([]);
  });

  it('lists every invalid item of a batch with its path', async () => {
    const response = await server.gql(RECORD, {
      events: [
        { externalId: 'D-1', type: 'SALE', referralCode: 'VERA', currency: 'RUB' },
        { externalId: 'D-2', type: 'SALE', referralCode: 'VERA', partnerId: ids.Vera, amount: 5, currency: 'RUB' },
        { externalId: 'D-3', type: 'SALE', referralCode: 'VERA', amount: 5, currency: 'rub' },
      ],
    });
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'events[0].amount', message: 'is required for SALE' },
      { path: 'events[1].partnerId', message: 'give exactly one of partnerId, referralCode or couponCode' },
      { path: 'events[2].currency', message: 'must be an ISO 4217 code such as RUB' },
    ]);
  });
});

describe('partner tokens', () => {
  it('read their own rewards and nobody else’s', async () => {
    const own = await rewardsOf('Vera', tokens.Vera);
    expect(own.length).toBeGreaterThan(0);
    expect(new Set(own.map((reward) => reward.partner.name))).toEqual(new Set(['Vera']));

    const other = await server.gql(REWARDS, { partnerId: ids.Boris }, tokens.Vera);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(other.data).toBeNull();
    // Without a partnerId, a partner token still gets only its own rewards.
    const unnamed = await server.ok<{ rewards: { edges: { node: RewardNode }[] } }>(REWARDS, {}, tokens.Vera);
    expect(unnamed.rewards.edges.map((edge) => edge.node.partner.name)).toEqual(own.map(() => 'Vera'));
    const partners = await server.gql('{ partners { edges { node { name } } } }', {}, tokens.Vera);
    expect(partners.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('see their own partner and its downline summary', async () => {
    const data = await server.ok<{ me: { name: string; downline: { total: number; levels: { depth: number; count: number }[] } } }>(
      '{ me { name downline(depth: 5) { total levels { depth count } } } }',
      {},
      tokens.Boris,
    );
    expect(data.me).toEqual({ name: 'Boris', downline: { total: 1, levels: [{ depth: 1, count: 1 }] } });
    const foreign = await server.gql(`{ partner(id: "${ids.Anna}") { name } }`, {}, tokens.Boris);
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the rewardCreated subscription over WebSocket', () => {
  it('delivers each new reward to its own partner only', async () => {
    const subscription = 'subscription { rewardCreated { amount partner { name } explanation { en } } }';
    const clients = { Vera: wsClient(server.wsUrl, tokens.Vera), Boris: wsClient(server.wsUrl, tokens.Boris), Gleb: wsClient(server.wsUrl, tokens.Gleb) };
    type Payload = { rewardCreated: { amount: number; partner: { name: string }; explanation: { en: string } } };
    const streams = {
      Vera: collect<Payload>(clients.Vera, subscription),
      Boris: collect<Payload>(clients.Boris, subscription),
      Gleb: collect<Payload>(clients.Gleb, subscription),
    };
    try {
      // The three subscriptions listen before the sale happens.
      for (const name of ['Vera', 'Boris', 'Gleb']) await server.rewardListeners(ids[name]);
      // 1 000,00 ₽ by Vera: 5% = 5 000 to Vera, 3% = 3 000 to Boris, 1% = 1 000 to Anna.
      await server.ok(RECORD, { events: [{ externalId: 'WS-1', type: 'SALE', referralCode: 'VERA', amount: 100_000, currency: 'RUB' }] });
      const [vera] = await streams.Vera.waitFor(1);
      const [boris] = await streams.Boris.waitFor(1);
      expect(vera.rewardCreated).toMatchObject({ amount: 5_000, partner: { name: 'Vera' } });
      expect(boris.rewardCreated).toMatchObject({ amount: 3_000, partner: { name: 'Boris' } });
      // Anna's reward went to nobody here; Gleb, unrelated, must not have received anything.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(streams.Gleb.received).toEqual([]);
      expect(streams.Vera.received).toHaveLength(1);
      expect(streams.Boris.received).toHaveLength(1);
    } finally {
      for (const stream of Object.values(streams)) stream.dispose();
      await Promise.all(Object.values(clients).map((client) => client.dispose()));
    }
  });

  it('lets a partner token subscribe only to its own rewards', async () => {
    const client = wsClient(server.wsUrl, tokens.Vera);
    try {
      const stream = collect(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount } }', { p: ids.Boris });
      await expect(stream.waitFor(1, 5_000)).rejects.toThrow(/FORBIDDEN/);
    } finally {
      await client.dispose();
    }
  });
});
