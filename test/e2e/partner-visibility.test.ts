/**
 * What a partner token sees, over real HTTP and WebSocket: its own rewards with their
 * explanations, the public face of their campaign, of a downline partner's order only its
 * reference, type, amount, currency and date, and who changed a status as "administrator" or
 * "system". A field hidden from partner tokens answers FORBIDDEN (and says so in its description).
 * The last part walks the built schema from Query and reaches every field a partner token can.
 */
import { getNamedType, isObjectType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { HIDDEN_FROM_PARTNERS, HIDDEN_UNLESS_OWN } from '../../server/src/auth/partner-view.js';
import { createSchema } from '../../server/src/index.js';
import { collect, startTestServer, wsClient, type GraphQLResponse, type TestServer } from '../support/harness.js';
import { fieldName, leavesIn, objectsIn, reachable, selectionOf } from '../support/schema-walk.js';

let server: TestServer;
let schema: GraphQLSchema;
const ids: Record<string, string> = {};
let campaignId: string;
let adminKeyId: string;
let readerKey: string;
/** Boris's token: Boris is Anna's recruit and Vera's sponsor; Gleb is nobody's. */
let boris: string;

const RECORD = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`;
const sale = (externalId: string, partner: string, amount: number, extra: Record<string, unknown> = {}) => ({
  externalId,
  type: 'SALE',
  amount,
  currency: 'RUB',
  ...(extra.couponCode ? {} : { partnerId: ids[partner] }),
  ...extra,
});

/** Everything that must never reach Boris's token: other partners' private data. */
const SECRETS = ['vera@example.com', 'anna@example.com', 'gleb@example.com', 'EXT-VERA', 'EXT-ANNA', 'EXT-GLEB', 'VERAREF', 'ANNAREF', 'GLEBREF', 'VERA10', 'cust-vera-secret', 'cust-gleb', 'vera-private-note'];
/** Other partners' names: allowed only inside an explanation ("level 1 of Vera's downline"). */
const OTHER_NAMES = ['Anna', 'Vera', 'Gleb'];

async function createPartner(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const input = { name, kind: 'AMBASSADOR', email: `${name.toLowerCase()}@example.com`, externalId: `EXT-${name.toUpperCase()}`, referralCode: `${name.toUpperCase()}REF`, ...extra };
  return (await server.ok<{ createPartner: { id: string } }>(`mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { i: input })).createPartner.id;
}

/** Boris's rewards by the order behind them, with their ids. */
async function borisRewards(): Promise<{ id: string; amount: string; kind: string; externalId: string | null; eventPartner: string | null }[]> {
  return server.sql(
    `select r.id::text, r.amount::text, r.kind, e.external_id as "externalId", e.partner_id::text as "eventPartner"
       from reward r left join event e on e.id = r.event_id where r.partner_id = $1 order by r.id`,
    [ids.Boris],
  );
}

beforeAll(async () => {
  server = await startTestServer();
  schema = await createSchema();
  await server.ok(`mutation { createRegion(input: { code: "RU", name: "Russia" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "MSK", name: "Moscow", parentCode: "RU" }) { id } }`);
  ids.Anna = await createPartner('Anna');
  ids.Boris = await createPartner('Boris', { sponsorId: ids.Anna, regionCode: 'MSK' });
  ids.Vera = await createPartner('Vera', { sponsorId: ids.Boris });
  ids.Gleb = await createPartner('Gleb');
  await server.ok(`mutation { createCoupon(partnerId: "${ids.Vera}", code: "VERA10") { id } }`);
  const campaign = await server.ok<{ createCampaign: { id: string } }>(`mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }`, {
    i: {
      name: 'Spring',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2027-01-01T00:00:00Z',
      currency: 'RUB',
      holdDays: 14,
      budget: '100000000',
      partnerCap: '50000000',
      capPeriod: 'QUARTER',
      targeting: { partnerKinds: ['AMBASSADOR'] },
      schemes: [
        { code: 'percentage-of-sales', args: { percent: '5' } },
        { code: 'multi-level', args: { levels: ['3', '1'] } },
        { code: 'perks', args: { awards: [{ code: 'VIP-EVENT', name: 'Closed dealer event', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '1' }] } },
        { code: 'badges', args: { badges: [{ code: 'FIRST-SALE', name: 'First sale', rule: 'FIRST_SALE' }] } },
        { code: 'points', args: { catalog: [{ code: 'MUG', name: 'Mug', kind: 'MERCHANDISE', cost: '1' }] } },
      ],
    },
  });
  campaignId = campaign.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  await server.ok(RECORD, {
    e: [
      sale('B-1', 'Boris', 100_000, { customerId: 'cust-boris' }),
      sale('V-1', 'Vera', 200_000, { couponCode: 'VERA10', customerId: 'cust-vera-secret', attributes: { note: 'vera-private-note' } }),
      sale('G-1', 'Gleb', 300_000, { customerId: 'cust-gleb' }),
    ],
  });
  // A quarter of Vera's order comes back: Boris's 3% of it (6 000) loses 1 500.
  await server.ok(RECORD, { e: [{ externalId: 'V-1-r', type: 'REFUND', refundOf: 'V-1', amount: 50_000, currency: 'RUB' }] });

  const keys = await server.ok<{ apiKeys: { id: string; name: string }[] }>(`{ apiKeys { id name } }`);
  adminKeyId = keys.apiKeys.find((key) => key.name === 'test admin')!.id;
  readerKey = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "reader", scopes: ["analytics:read"]) { key } }`)).createApiKey.key;
  boris = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Boris}") { token } }`)).issuePartnerToken.token;

  // Boris's own 5% by hand (an administrator), everything else when the hold days are over (the system).
  const [own] = (await borisRewards()).filter((reward) => reward.kind === 'MONEY' && reward.externalId === 'B-1');
  await server.ok(`mutation { approveRewards(ids: ["${own.id}"]) { id } }`);
  await server.running.app.lifecycle.approveDue(server.programId, null, new Date(Date.now() + 15 * 86_400_000));
  const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string; partner: { id: string } }[] } }>(
    `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { payouts { id partner { id } } } }`,
  );
  const payout = batch.createPayoutBatch.payouts.find((item) => item.partner.id === ids.Boris)!;
  await server.ok(`mutation { markPayoutPaid(id: "${payout.id}", reference: "bank 4711") { id } }`);
  const [perk] = (await borisRewards()).filter((reward) => reward.kind === 'PERK');
  await server.ok(`mutation { updatePerkFulfilment(rewardId: "${perk.id}", state: "DELIVERED", note: "seat 12") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

type Answer = GraphQLResponse<Record<string, any>>;

/** The answer's errors as `code at a.b.c`, to compare in one line. */
const refusals = (answer: Answer) => (answer.errors ?? []).map((error) => `${error.extensions?.code} at ${(error.path ?? []).join('.')}`);

/** Whether `answer` holds a non-null value under a key named `name` anywhere. */
function holds(answer: Answer, name: string): boolean {
  return leavesIn(answer.data).some((leaf) => leaf.path.includes(name) && leaf.value !== null) || objectsIn(answer.data).some((found) => found.path.at(-1) === name);
}

describe("a partner token's own rewards and their campaign", () => {
  it('reads its rewards with their explanations, newest first', async () => {
    const data = await server.ok<{ rewards: { edges: { node: { amount: number; status: string; explanation: { en: string }; event: { externalId: string } } }[] } }>(
      `{ rewards(kind: "MONEY") { edges { node { amount status explanation { en } event { externalId } } } } }`,
      {},
      boris,
    );
    expect(data.rewards.edges.map((edge) => edge.node)).toEqual([
      // A quarter of V-1 (500,00 of 2 000,00 ₽) refunded: a quarter of 60,00 ₽ = 15,00 ₽ taken back.
      {
        amount: -1_500,
        status: 'PAID',
        explanation: {
          en: "Refund V-1-r of sale V-1: RUB 500.00 of RUB 2,000.00 returned, RUB 15.00 taken back (3% of sale RUB 2,000.00 (order V-1), level 1 of Boris's downline)",
        },
        event: { externalId: 'V-1-r' },
      },
      // 5% of his own 1 000,00 ₽ sale.
      { amount: 5_000, status: 'PAID', explanation: { en: '5% of sale RUB 1,000.00 (order B-1)' }, event: { externalId: 'B-1' } },
      // 3% of Vera's 2 000,00 ₽ sale: he is her sponsor.
      { amount: 6_000, status: 'PAID', explanation: { en: "3% of sale RUB 2,000.00 (order V-1), level 1 of Boris's downline" }, event: { externalId: 'V-1' } },
    ]);
  });

  it("reads the campaign's public face: name, period, status and its schemes in words", async () => {
    const data = await server.ok<{ rewards: { edges: { node: { campaign: Record<string, any> } }[] } }>(
      `{ rewards(first: 1) { edges { node { campaign { name startsAt endsAt status currency holdDays
           schemes { schemeCode name { en } description { en ru } terms { en ru } } catalog { code name cost } } } } } }`,
      {},
      boris,
    );
    const campaign = data.rewards.edges[0].node.campaign;
    expect(campaign).toMatchObject({
      name: 'Spring',
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '2027-01-01T00:00:00.000Z',
      status: 'ACTIVE',
      currency: 'RUB',
      holdDays: 14,
      // 1 point = 100 hundredths.
      catalog: [{ code: 'MUG', name: 'Mug', cost: 100 }],
    });
    const schemes = campaign.schemes as { schemeCode: string; name: { en: string }; description: { en: string; ru: string }; terms: { en: string; ru: string } }[];
    expect(schemes.map((scheme) => scheme.schemeCode)).toEqual(['percentage-of-sales', 'multi-level', 'perks', 'badges', 'points']);
    expect(schemes[0]).toMatchObject({ name: { en: 'Percentage of sales' }, terms: { en: 'Percent of the sale: 5%', ru: 'Процент от продажи: 5%' } });
    expect(schemes[0].description.en).toMatch(/^Pays the selling partner a percent of each sale/);
    expect(schemes[1].terms).toEqual({ en: 'Percent per level: 3%, 1%', ru: 'Процент по уровням: 3%, 1%' });
    for (const scheme of schemes) {
      expect(scheme.description.ru).not.toBe('');
      expect(scheme.terms.en).not.toMatch(/[{}"]/); // words, not JSON
    }
  });

  it('is refused the budget, the caps, the targeting and the raw scheme args, which a reader key reads', async () => {
    const hidden = ['budget', 'partnerCap', 'capPeriod', 'targeting { partnerKinds }', 'schemes { args }'];
    for (const field of hidden) {
      const query = `{ rewards(first: 1) { edges { node { amount campaign { name ${field} } } } } }`;
      const refused = await server.gql(query, {}, boris);
      const name = field.split(' ')[0];
      expect(refusals(refused)[0]).toMatch(new RegExp(`^FORBIDDEN at rewards\\.edges\\.0\\.node\\.campaign\\.${name}`));
      expect(holds(refused, name)).toBe(false);
      expect((await server.gql(query, {}, readerKey)).errors).toBeUndefined();
    }
    const read = await server.ok<{ campaign: Record<string, unknown> }>(
      `{ campaign(id: "${campaignId}") { budget partnerCap capPeriod targeting { partnerKinds } schemes { args } } }`,
      {},
      readerKey,
    );
    expect(read.campaign).toMatchObject({ budget: 100_000_000, partnerCap: 50_000_000, capPeriod: 'QUARTER', targeting: { partnerKinds: ['AMBASSADOR'] } });
    expect((read.campaign.schemes as { args: unknown }[])[0]).toEqual({ args: { percent: '5' } });
  });

  it("is refused a reward's details and idempotency key (they name customers, coupons and ids)", async () => {
    for (const field of ['details', 'idempotencyKey']) {
      const refused = await server.gql(`{ rewards(first: 1) { edges { node { amount ${field} } } } }`, {}, boris);
      expect(refusals(refused)).toEqual(['FORBIDDEN at rewards.edges.0.node.' + field]);
      expect(refused.data).toBeNull();
    }
  });
});

describe("a reward caused by a downline partner's order", () => {
  it("shows only that order's reference, type, amount, currency and date", async () => {
    const data = await server.ok<{ rewards: { edges: { node: { explanation: { en: string }; event: Record<string, unknown> } }[] } }>(
      `{ rewards(kind: "MONEY") { edges { node { explanation { en } event { externalId type amount currency occurredAt } } } } }`,
      {},
      boris,
    );
    const [, , fromVera] = data.rewards.edges.map((edge) => edge.node);
    const [{ occurredAt }] = await server.sql<{ occurredAt: Date }>(`select occurred_at as "occurredAt" from event where external_id = 'V-1'`);
    expect(fromVera.event).toEqual({ externalId: 'V-1', type: 'SALE', amount: 200_000, currency: 'RUB', occurredAt: occurredAt.toISOString() });
  });

  it("refuses the other fields of a downline partner's event, and shows them on the partner's own", async () => {
    const answer = await server.gql(`{ rewards(kind: "MONEY") { edges { node { amount event { externalId id firstPurchase refundOf } } } } }`, {}, boris);
    const [{ id: ownEventId }] = await server.sql<{ id: string }>(`select id::text from event where external_id = 'B-1'`);
    expect(answer.data?.rewards.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
      { amount: -1_500, event: null }, // Vera's refund V-1-r
      { amount: 5_000, event: { externalId: 'B-1', id: ownEventId, firstPurchase: true, refundOf: null } },
      { amount: 6_000, event: null }, // Vera's sale V-1
    ]);
    // Each hidden field of each of Vera's two events is refused (the first error nulls the event).
    expect(new Set(refusals(answer).map((refusal) => refusal.replace(/\.(id|firstPurchase|refundOf)$/, '')))).toEqual(
      new Set(['FORBIDDEN at rewards.edges.0.node.event', 'FORBIDDEN at rewards.edges.2.node.event']),
    );
  });
});

describe('who changed a status', () => {
  const HISTORY = `{ rewards(kind: "MONEY") { edges { node { amount statusHistory { toStatus changedByKind } } } } }`;

  it('shows as "administrator" or "system" to a partner token, never a key id', async () => {
    const data = await server.ok<{ rewards: { edges: { node: { amount: number; statusHistory: unknown[] } }[] } }>(HISTORY, {}, boris);
    expect(data.rewards.edges.map((edge) => edge.node)).toEqual([
      // The refund's entry and Vera's 6 000 were approved by the scheduled approval; every payment was marked by a key.
      { amount: -1_500, statusHistory: [{ toStatus: 'APPROVED', changedByKind: 'system' }, { toStatus: 'PAID', changedByKind: 'administrator' }] },
      { amount: 5_000, statusHistory: [{ toStatus: 'APPROVED', changedByKind: 'administrator' }, { toStatus: 'PAID', changedByKind: 'administrator' }] },
      { amount: 6_000, statusHistory: [{ toStatus: 'APPROVED', changedByKind: 'system' }, { toStatus: 'PAID', changedByKind: 'administrator' }] },
    ]);
    const refused = await server.gql(`{ rewards(kind: "MONEY") { edges { node { statusHistory { changedBy } } } } }`, {}, boris);
    expect(refusals(refused)[0]).toBe('FORBIDDEN at rewards.edges.0.node.statusHistory.0.changedBy');
    expect(holds(refused, 'changedBy')).toBe(false);
  });

  it('shows the key id to a reader key, and null for the system', async () => {
    const data = await server.ok<{ rewards: { edges: { node: { statusHistory: { changedBy: string | null; changedByKind: string }[] } }[] } }>(
      `{ rewards(partnerId: "${ids.Boris}", kind: "MONEY") { edges { node { statusHistory { changedBy changedByKind } } } } }`,
      {},
      readerKey,
    );
    expect(data.rewards.edges.map((edge) => edge.node.statusHistory.map((change) => change.changedBy))).toEqual([
      [null, adminKeyId],
      [adminKeyId, adminKeyId],
      [null, adminKeyId],
    ]);
  });

  it("shows who settled a payout and who delivered a perk the same way", async () => {
    const payouts = await server.ok<{ payouts: { edges: { node: unknown }[] } }>(`{ payouts { edges { node { amount status reference settledByKind } } } }`, {}, boris);
    // 50,00 + 60,00 − 15,00 ₽ = 95,00 ₽.
    expect(payouts.payouts.edges.map((edge) => edge.node)).toEqual([{ amount: 9_500, status: 'PAID', reference: 'bank 4711', settledByKind: 'administrator' }]);
    const perks = await server.ok<{ rewards: { edges: { node: unknown }[] } }>(
      `{ rewards(kind: "PERK") { edges { node { unit fulfilment { state history { state note changedByKind } } } } } }`,
      {},
      boris,
    );
    expect(perks.rewards.edges.map((edge) => edge.node)).toEqual([
      { unit: 'VIP-EVENT', fulfilment: { state: 'DELIVERED', history: [{ state: 'DELIVERED', note: 'seat 12', changedByKind: 'administrator' }] } },
    ]);

    const settled = await server.gql(`{ payouts { edges { node { amount settledBy } } } }`, {}, boris);
    expect(refusals(settled)).toEqual(['FORBIDDEN at payouts.edges.0.node.settledBy']);
    expect(settled.data?.payouts.edges[0].node).toEqual({ amount: 9_500, settledBy: null });
    const delivered = await server.gql(`{ rewards(kind: "PERK") { edges { node { fulfilment { history { changedBy } } } } } }`, {}, boris);
    expect(refusals(delivered)).toEqual(['FORBIDDEN at rewards.edges.0.node.fulfilment.history.0.changedBy']);

    const byKey = await server.ok<{ payouts: { edges: { node: { settledBy: string } }[] }; rewards: { edges: { node: { fulfilment: { history: { changedBy: string }[] } } }[] } }>(
      `{ payouts(partnerId: "${ids.Boris}") { edges { node { settledBy } } }
         rewards(partnerId: "${ids.Boris}", kind: "PERK") { edges { node { fulfilment { history { changedBy } } } } } }`,
      {},
      readerKey,
    );
    expect(byKey.payouts.edges[0].node.settledBy).toBe(adminKeyId);
    expect(byKey.rewards.edges[0].node.fulfilment.history[0].changedBy).toBe(adminKeyId);
  });
});

describe('its sponsor and downline', () => {
  it('reads its own partner and its downline summary, not its sponsor, upline or the downline partners themselves', async () => {
    const me = await server.ok(`{ me { name email referralCode downline(depth: 3) { total levels { depth count } } } }`, {}, boris);
    expect(me).toEqual({ me: { name: 'Boris', email: 'boris@example.com', referralCode: 'BORISREF', downline: { total: 1, levels: [{ depth: 1, count: 1 }] } } });
    for (const [field, path] of [
      ['sponsor { name email }', 'me.sponsor'],
      ['upline { partner { name } }', 'me.upline'],
      ['downline { partners { edges { node { name email } } } }', 'me.downline.partners'],
    ]) {
      const refused = await server.gql(`{ me { name ${field} } }`, {}, boris);
      expect(refusals(refused)).toEqual([`FORBIDDEN at ${path}`]);
      for (const secret of ['Anna', 'Vera', 'anna@example.com', 'vera@example.com']) expect(JSON.stringify(refused)).not.toContain(secret);
    }
    const byKey = await server.ok(
      `{ partner(id: "${ids.Boris}") { sponsor { name } upline(levels: 2) { depth partner { name } } downline { partners { edges { node { name } } } } } }`,
      {},
      readerKey,
    );
    expect(byKey).toEqual({
      partner: { sponsor: { name: 'Anna' }, upline: [{ depth: 1, partner: { name: 'Anna' } }], downline: { partners: { edges: [{ node: { name: 'Vera' } }] } } },
    });
  });
});

describe('Region.parent', () => {
  it('reads the parent region, for a key and for a partner token alike', async () => {
    const regions = await server.ok(`{ regions { code name parent { code name parent { code } } } }`);
    expect(regions).toEqual({
      regions: [
        { code: 'MSK', name: 'Moscow', parent: { code: 'RU', name: 'Russia', parent: null } },
        { code: 'RU', name: 'Russia', parent: null },
      ],
    });
    expect(await server.ok(`{ me { region { code parent { code } } } }`, {}, boris)).toEqual({ me: { region: { code: 'MSK', parent: { code: 'RU' } } } });
  });
});

describe('every field a partner token can reach', () => {
  type Field = GraphQLField<unknown, unknown>;
  const hiddenKind = (field: Field) => field.extensions.hiddenFromPartners as 'always' | 'unlessOwn' | undefined;
  const skipHidden = (_parent: GraphQLObjectType, field: Field) => hiddenKind(field) !== undefined;
  /** Arguments a root field needs to reach Boris's own rows; lists take 20 items, nested lists 3. */
  const rootArgs = (root: Field): string => {
    const given: Record<string, string> = {
      partner: `(id: "${ids.Boris}")`,
      statement: `(partnerId: "${ids.Boris}", currency: "RUB")`,
      campaign: `(id: "${campaignId}")`,
      payoutBatch: '(id: "1")',
      leaderboard: '(input: { metric: NET_SALES, period: ALL }, first: 20)',
      publicLeaderboard: '(token: "cfb_000000000000_unknown")',
      previewRewards: '(events: [])',
      simulateCampaign: '(input: { from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z" })',
      simulation: '(id: "1")',
      satisfaction: '(from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z")',
      programStats: '(period: { month: "2026-11" })',
      regionComparison: '(period: { month: "2026-11" })',
      timeSeries: '(metric: SALES, interval: MONTH, period: { month: "2026-11" })',
      partnerStats: `(partnerId: "${ids.Boris}", period: { month: "2026-11" })`,
      partnerSeries: `(partnerId: "${ids.Boris}", metric: NET_SALES, interval: MONTH, period: { month: "2026-11" })`,
      webhookDeliveries: '(endpointId: "1")',
    };
    return given[root.name] ?? (root.args.some((arg) => arg.name === 'first') ? '(first: 20)' : '');
  };
  const nestedArgs = (_parent: GraphQLObjectType, field: Field) => (field.args.some((arg) => arg.name === 'first') ? '(first: 3)' : '');
  const rootsOf = () => Object.values(schema.getQueryType()!.getFields());
  const queryOf = (root: Field, covered: Set<string>) => {
    const named = getNamedType(root.type);
    const selection = isObjectType(named) ? ` ${selectionOf(named, 2, { skip: skipHidden, args: nestedArgs, maxDepth: 8 }, covered)}` : '';
    return `{ ${root.name}${rootArgs(root)}${selection} }`;
  };

  it('declares each hidden field in the built schema and says so in its description', () => {
    const hidden: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const kind = hiddenKind(field);
        if (!kind) continue;
        hidden.push(`${fieldName(type, field)} (${kind})`);
        expect([field.description, kind]).toEqual([expect.stringContaining(kind === 'always' ? HIDDEN_FROM_PARTNERS : HIDDEN_UNLESS_OWN), kind]);
      }
    }
    expect(hidden.sort()).toEqual([
      'Campaign.budget (always)',
      'Campaign.capPeriod (always)',
      'Campaign.partnerCap (always)',
      'Campaign.targeting (always)',
      'Downline.partners (always)',
      'Event.firstPurchase (unlessOwn)',
      'Event.id (unlessOwn)',
      'Event.refundOf (unlessOwn)',
      'Partner.sponsor (always)',
      'Partner.upline (always)',
      'Payout.settledBy (always)',
      'PerkFulfilmentChange.changedBy (always)',
      'Reward.details (always)',
      'Reward.idempotencyKey (always)',
      'RewardStatusChange.changedBy (always)',
      'SchemeInstance.args (always)',
    ]);
  });

  it("reads every other reachable field, and nothing of another partner's in any of them", async () => {
    const covered = new Set<string>();
    const refusedRoots: string[] = [];
    const answered: Field[] = [];
    const ownRewards = new Set((await borisRewards()).map((reward) => reward.id));
    const ownPayouts = new Set((await server.sql<{ id: string }>(`select id::text from payout where partner_id = $1`, [ids.Boris])).map((row) => row.id));
    // The orders behind Boris's rewards: his own, and his downline's he was paid for.
    const orders = new Set((await borisRewards()).map((reward) => reward.externalId).filter(Boolean));
    const leaks: string[] = [];
    for (const root of rootsOf()) {
      const query = queryOf(root, covered);
      const answer = await server.gql(query, {}, boris);
      if (answer.errors?.length) {
        // A root a partner token may not use at all refuses as a whole.
        expect([refusals(answer), answer.data?.[root.name] ?? null]).toEqual([[`FORBIDDEN at ${root.name}`], null]);
        refusedRoots.push(root.name);
        continue;
      }
      answered.push(root);
      for (const { typename, object, path } of objectsIn(answer.data)) {
        // At the depth limit an object is only its __typename: it shows nothing.
        if (Object.keys(object).length === 1) continue;
        const where = `${path.join('.')} (${typename})`;
        if (typename === 'Partner' && object.id !== ids.Boris) leaks.push(`${where}: partner ${object.id}`);
        if (typename === 'Reward' && !ownRewards.has(object.id as string)) leaks.push(`${where}: reward ${object.id}`);
        if (typename === 'Payout' && !ownPayouts.has(object.id as string)) leaks.push(`${where}: payout ${object.id}`);
        if (typename === 'Badge' && !ownRewards.has(object.rewardId as string)) leaks.push(`${where}: badge of reward ${object.rewardId}`);
        if (typename === 'Event' && !orders.has(object.externalId as string)) leaks.push(`${where}: event ${object.externalId}`);
      }
      for (const { path, value } of leavesIn(answer.data)) {
        if (typeof value !== 'string') continue;
        const secrets = path.includes('explanation') ? SECRETS : [...SECRETS, ...OTHER_NAMES.map((name) => new RegExp(`\\b${name}\\b`))];
        for (const secret of secrets) if (typeof secret === 'string' ? value.includes(secret) : secret.test(value)) leaks.push(`${path.join('.')}: ${value}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(refusedRoots.sort()).toEqual([
      'apiKeys', 'campaign', 'campaigns', 'partners', 'payoutBatch', 'previewRewards', 'programStats', 'publicLeaderboard', 'regionComparison', 'regions', 'satisfaction',
      'simulateCampaign', 'simulation', 'simulations', 'timeSeries', 'webhookDeliveries', 'webhookEndpoints',
    ]);
    expect(answered.map((root) => root.name).sort()).toEqual(['leaderboard', 'me', 'partner', 'partnerSeries', 'partnerStats', 'payouts', 'rewardSchemes', 'rewards', 'statement', 'surveyResponses', 'webhookEventTypes']);
    // Every field reachable from the roots it may use, but the hidden ones, was in a query.
    const { fields } = reachable(schema, answered, skipHidden);
    const visible = [...fields].filter((name) => !name.startsWith('Query.') && !hiddenFields().has(name));
    expect(visible.filter((name) => !covered.has(name))).toEqual([]);
    expect(visible.length).toBeGreaterThan(100);
  });

  /** `Type.field` of every hidden field. */
  function hiddenFields(): Map<string, 'always' | 'unlessOwn'> {
    const hidden = new Map<string, 'always' | 'unlessOwn'>();
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) if (hiddenKind(field)) hidden.set(fieldName(type, field), hiddenKind(field)!);
    }
    return hidden;
  }

  it('refuses every hidden field to the partner token wherever it is reached, and shows it to a reader key', async () => {
    const roots = ['rewards', 'payouts', 'statement', 'partner', 'me', 'rewardSchemes'].map((name) => schema.getQueryType()!.getFields()[name]);
    const { fields, pathTo } = reachable(schema, roots, skipHidden);
    const hidden = hiddenFields();
    const reached = [...hidden.keys()].filter((name) => fields.has(name));
    // Every hidden field is reachable by a partner token somewhere, so each is proven here.
    expect(reached.sort()).toEqual([...hidden.keys()].sort());
    for (const name of reached) {
      const [typeName, field] = name.split('.');
      const path = pathTo.get(typeName)!;
      const target = (schema.getType(typeName) as GraphQLObjectType).getFields()[field];
      const leaf = isObjectType(getNamedType(target.type)) ? `${field} { __typename }` : field;
      // root(args) { a(first: 20) { ... { field } } }, with __typename beside each step so a refused step leaves a trace.
      const query = path.reduceRight((inner, step, index) => `${step.name}${index === 0 ? rootArgs(step) : nestedArgs(null as never, step)} { __typename ${inner} }`, leaf);
      const asPartner = await server.gql(`{ ${query} }`, {}, boris);
      const codes = new Set((asPartner.errors ?? []).map((error) => error.extensions?.code));
      expect([name, [...codes]]).toEqual([name, ['FORBIDDEN']]);
      expect([name, asPartner.errors!.some((error) => error.path?.at(-1) === field || error.path?.at(-2) === field)]).toEqual([name, true]);
      if (hidden.get(name) === 'always') expect([name, holds(asPartner, field)]).toEqual([name, false]);
      // A reader key reads it (where the path starts at `me`, a key reads the partner by id).
      const asKey = await server.gql(`{ ${query.replace(/^me /, `partner(id: "${ids.Boris}") `)} }`, {}, readerKey);
      expect([name, asKey.errors]).toEqual([name, undefined]);
    }
  });
});

describe('over WebSocket', () => {
  /** The first payload of a subscription, errors included. */
  function firstPayload(client: ReturnType<typeof wsClient>, query: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const dispose = client.subscribe<Record<string, any>>(
        { query },
        {
          next: (value) => {
            resolve(value as Answer);
            dispose();
          },
          error: reject,
          complete: () => {},
        },
      );
    });
  }

  it("applies the same rules to rewardCreated: a downline partner's order shows only what it may, hidden fields are refused", async () => {
    const client = wsClient(server.wsUrl, boris);
    try {
      const readable = collect<{ rewardCreated: Record<string, unknown> }>(
        client,
        `subscription { rewardCreated { amount explanation { en } event { externalId type amount currency } campaign { name schemes { terms { en } } } } }`,
      );
      const event = firstPayload(client, 'subscription { rewardCreated { amount event { externalId id } } }');
      const details = firstPayload(client, 'subscription { rewardCreated { amount details } }');
      const budget = firstPayload(client, 'subscription { rewardCreated { amount campaign { budget } } }');
      // The four subscriptions listen before the sale happens.
      await server.rewardListeners(ids.Boris, 4);
      // Vera sells for 1 000,00 ₽: Boris, her sponsor, earns 3% = 3 000.
      await server.ok(RECORD, { e: [sale('V-2', 'Vera', 100_000, { customerId: 'cust-vera-secret' })] });
      const [payload] = await readable.waitFor(1);
      expect(payload.rewardCreated).toEqual({
        amount: 3_000,
        explanation: { en: "3% of sale RUB 1,000.00 (order V-2), level 1 of Boris's downline" },
        event: { externalId: 'V-2', type: 'SALE', amount: 100_000, currency: 'RUB' },
        campaign: { name: 'Spring', schemes: expect.arrayContaining([{ terms: { en: 'Percent of the sale: 5%' } }]) },
      });
      const refusedEvent = await event;
      expect([refusals(refusedEvent), refusedEvent.data]).toEqual([['FORBIDDEN at rewardCreated.event.id'], { rewardCreated: { amount: 3_000, event: null } }]);
      for (const [answer, path] of [
        [await details, 'rewardCreated.details'],
        [await budget, 'rewardCreated.campaign.budget'],
      ] as const) {
        expect(refusals(answer)).toEqual([`FORBIDDEN at ${path}`]);
        expect(JSON.stringify(answer)).not.toContain('cust-vera-secret');
        expect(JSON.stringify(answer)).not.toContain('100000000');
      }
      readable.dispose();
    } finally {
      await client.dispose();
    }
  });
});
