/**
 * Every input is bounded and every sum fits, end to end over real HTTP and WebSocket against a
 * real server and PostgreSQL.
 *
 * Partners: Nina (fixed goals), Oleg and Pavel (sales). Amounts are kopecks.
 */
import { collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';
import { NO_MONEY as zero, STATEMENT_QUERY as STATEMENT, type StatementFigures as Figures } from '../support/money.js';

const RECORD = `mutation Record($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted duplicates duplicateExternalIds rewardsCreated }
}`;
const REWARDS = `query($partnerId: ID, $campaignId: ID) {
  rewards(partnerId: $partnerId, campaignId: $campaignId, first: 100) {
    edges { node { amount status idempotencyKey explanation { en } event { externalId } } }
  }
}`;

interface RewardNode {
  amount: number;
  status: string;
  idempotencyKey: string;
  explanation: { en: string };
  event: { externalId: string } | null;
}

let server: TestServer;
const ids: Record<string, string> = {};

async function createPartner(name: string): Promise<string> {
  const data = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
    input: { name, kind: 'AMBASSADOR', referralCode: name.toUpperCase() },
  });
  return data.createPartner.id;
}

async function createCampaign(input: Record<string, unknown>): Promise<string> {
  const data = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', ...input },
  });
  await server.ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: data.createCampaign.id });
  return data.createCampaign.id;
}

async function rewardsOf(partnerId: string, campaignId?: string): Promise<RewardNode[]> {
  const data = await server.ok<{ rewards: { edges: { node: RewardNode }[] } }>(REWARDS, { partnerId, campaignId });
  return data.rewards.edges.map((edge) => edge.node);
}

async function statement(partnerId: string): Promise<Figures> {
  return (await server.ok<{ statement: Figures }>(STATEMENT, { partnerId })).statement;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Nina', 'Oleg', 'Pavel']) ids[name] = await createPartner(name);
});

afterAll(async () => {
  await server?.stop();
});

describe('one batch that passes a fixed goal twice', () => {
  it('stores, publishes and limits the first proposal of the goal, and only that one', async () => {
    // The goal: 2 leads pay 1 000 kopecks once, from a budget of 1 500. A second campaign pays
    // 1 kopeck per SIGNUP: the signals that tell the subscription is live and has caught up.
    const goal = await createCampaign({
      name: 'Two leads',
      budget: 1500,
      schemes: [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 2, amount: '1000' } }],
    });
    await createCampaign({ name: 'Signals', schemes: [{ code: 'cpa', args: { actions: [{ type: 'SIGNUP', amount: '1' }] } }] });
    const client = wsClient(server.wsUrl, server.adminKey);
    type Payload = { rewardCreated: { amount: number; status: string; explanation: { en: string }; event: { externalId: string } | null } };
    const stream = collect<Payload>(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount status explanation { en } event { externalId } } }', {
      p: ids.Nina,
    });
    let signals = 0;
    // Records a signal and waits for it: every reward published before it has arrived too.
    const signal = async (externalId: string) => {
      await server.ok(RECORD, { events: [{ externalId, type: 'SIGNUP', partnerId: ids.Nina }] });
      signals += 1;
      while (!stream.received.some((payload) => payload.rewardCreated.event?.externalId === externalId)) await stream.waitFor(stream.received.length + 1);
    };
    try {
      // Signals are resent until one arrives: from then on the subscription hears everything.
      while (stream.received.length === 0) {
        await server.ok(RECORD, { events: [{ externalId: `SIGNAL-${signals}`, type: 'SIGNUP', partnerId: ids.Nina }] });
        signals += 1;
        await stream.waitFor(1, 1_000).catch(() => undefined);
      }
      await signal('SIGNAL-ready');
      const heard = stream.received.length;

      // L-1 makes 1 lead; L-2 makes 2 and reaches the goal; L-3 makes 3, past it: the same goal again.
      const leads = ['L-1', 'L-2', 'L-3'].map((externalId) => ({ externalId, type: 'LEAD', partnerId: ids.Nina }));
      const recorded = await server.ok(RECORD, { events: leads });
      expect(recorded.recordEvents).toEqual({ accepted: 3, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 1 });

      // The goal was reached by L-2: that is the entry, whole (1 000 of a 1 500 budget), and no CAPPED row.
      expect(await rewardsOf(ids.Nina, goal)).toEqual([
        {
          amount: 1000,
          status: 'PENDING',
          idempotencyKey: `${goal}:fixed-goal:goal:${ids.Nina}:LEADS:2`,
          explanation: { en: 'Goal reached: 2 leads (lead L-2)' },
          event: { externalId: 'L-2' },
        },
      ]);
      // Each signal pays 1.
      expect(await statement(ids.Nina)).toEqual({ ...zero, pending: 1000 + signals });

      await signal('SIGNAL-last');
      expect(stream.received.slice(heard).map((payload) => payload.rewardCreated)).toEqual([
        { amount: 1000, status: 'PENDING', explanation: { en: 'Goal reached: 2 leads (lead L-2)' }, event: { externalId: 'L-2' } },
        { amount: 1, status: 'PENDING', explanation: { en: 'Signup (ref SIGNAL-last): RUB 0.01' }, event: { externalId: 'SIGNAL-last' } },
      ]);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });
});

interface Refusal {
  code: string;
  message: string;
  issues: { path: string; message: string }[];
}

/** Sends an operation that must be refused and returns its one error. */
async function refused(query: string, variables: Record<string, unknown> = {}): Promise<Refusal> {
  const response = await server.gql(query, variables);
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  return { code: error.extensions?.code, message: error.message, issues: error.extensions?.issues };
}

/** How many rows of everything a refused call could have written. */
async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await server.sql(
    `select (select count(*)::int from event) as events, (select count(*)::int from reward) as rewards, (select count(*)::int from customer) as customers,
            (select count(*)::int from partner) as partners, (select count(*)::int from campaign) as campaigns, (select count(*)::int from region) as regions,
            (select count(*)::int from coupon) as coupons, (select count(*)::int from payout_batch) as batches`,
  );
  return row;
}

const sale = (externalId: string, amount: number | string, extra: Record<string, unknown> = {}) => ({
  externalId,
  type: 'SALE',
  partnerId: ids.Oleg,
  amount,
  currency: 'RUB',
  ...extra,
});

describe('event amounts', () => {
  it('takes an amount at the bound, 10^13 minor units by default', async () => {
    const recorded = await server.ok(RECORD, { events: [sale('MAX-1', '10000000000000')] });
    expect(recorded.recordEvents).toMatchObject({ accepted: 1, duplicates: 0 });
    const [stored] = await server.sql("select amount::text from event where external_id = 'MAX-1'");
    expect(stored.amount).toBe('10000000000000');
  });

  it('refuses one past the bound, bigint’s largest and 10^30 with their paths, writing nothing', async () => {
    const before = await rowCounts();
    const answer = await refused(RECORD, {
      events: [
        sale('BIG-0', 1_000),
        sale('BIG-1', '9223372036854775807'),
        sale('BIG-2', '1000000000000000000000000000000'),
        sale('BIG-3', '10000000000000001'),
        sale('BIG-4', '10000000000001'),
        sale('BIG-5', -1),
      ],
    });
    expect(answer.code).toBe('BAD_USER_INPUT');
    expect(answer.issues).toEqual([
      { path: 'events[1].amount', message: 'must be at most 10000000000000 minor units (COFACTOR_MAX_AMOUNT), got 9223372036854775807' },
      { path: 'events[2].amount', message: 'must be at most 10000000000000 minor units (COFACTOR_MAX_AMOUNT), got 1000000000000000000000000000000' },
      { path: 'events[3].amount', message: 'must be at most 10000000000000 minor units (COFACTOR_MAX_AMOUNT), got 10000000000000001' },
      { path: 'events[4].amount', message: 'must be at most 10000000000000 minor units (COFACTOR_MAX_AMOUNT), got 10000000000001' },
      { path: 'events[5].amount', message: 'must not be negative (a refund is a REFUND event)' },
    ]);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('currencies are ISO 4217 codes wherever one enters', () => {
  it('refuses ZZZ in an event, a campaign, a payout batch and a statement', async () => {
    const before = await rowCounts();
    expect((await refused(RECORD, { events: [sale('CUR-1', 100), sale('CUR-2', 100, { currency: 'ZZZ' })] })).issues).toEqual([
      { path: 'events[1].currency', message: 'must be an ISO 4217 code such as RUB' },
    ]);
    const campaign = await refused(`mutation { createCampaign(input: { name: "Z", startsAt: "2026-01-01T00:00:00Z", currency: "ZZZ" }) { id } }`);
    expect(campaign).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'input.currency', message: 'must be an ISO 4217 code such as RUB' }] });
    const batch = await refused(`mutation { createPayoutBatch(currency: "ZZZ", minimumAmount: 0) { id } }`);
    expect(batch).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'currency', message: 'must be an ISO 4217 code such as RUB' }] });
    const figures = await refused(`query($p: ID!) { statement(partnerId: $p, currency: "ZZZ") { paid } }`, { p: ids.Oleg });
    expect(figures).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'currency', message: 'must be an ISO 4217 code such as RUB' }] });
    expect(await rowCounts()).toEqual(before);
  });
});

describe('occurredAt', () => {
  it('takes 2000-01-01 and a time just inside the day of allowed clock skew', async () => {
    const soon = new Date(Date.now() + 23 * 3600 * 1000).toISOString();
    const recorded = await server.ok(RECORD, {
      events: [sale('T-2000', 100, { occurredAt: '2000-01-01T00:00:00Z' }), sale('T-SOON', 100, { occurredAt: soon })],
    });
    expect(recorded.recordEvents).toMatchObject({ accepted: 2 });
  });

  it('refuses year 9999, a day and a minute ahead, and anything before 2000', async () => {
    const before = await rowCounts();
    const late = new Date(Date.now() + (24 * 60 + 1) * 60 * 1000).toISOString();
    const answer = await refused(RECORD, {
      events: [
        sale('T-9999', 100, { occurredAt: '9999-12-31T00:00:00Z' }),
        sale('T-LATE', 100, { occurredAt: late }),
        sale('T-1999', 100, { occurredAt: '1999-12-31T23:59:59Z' }),
      ],
    });
    expect(answer.code).toBe('BAD_USER_INPUT');
    expect(answer.issues.map((issue) => issue.path)).toEqual(['events[0].occurredAt', 'events[1].occurredAt', 'events[2].occurredAt']);
    expect(answer.issues[0].message).toMatch(/^must not be more than 86400 s after the server's clock \(COFACTOR_MAX_CLOCK_SKEW\), i\.e\. after .+; got 9999-12-31T00:00:00\.000Z$/);
    expect(answer.issues[2].message).toBe('must not be before 2000-01-01T00:00:00.000Z, got 1999-12-31T23:59:59.000Z');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('a resent externalId', () => {
  const original = () => sale('A-17', 1_200_000, { customerId: 'C-1', occurredAt: '2026-03-01T10:00:00Z', attributes: { channel: 'web', basket: { items: 2, sku: ['x', 'y'] } } });

  it('with the same content is a duplicate and writes nothing, however the partner is named and the attributes ordered', async () => {
    expect((await server.ok(RECORD, { events: [original()] })).recordEvents).toMatchObject({ accepted: 1, duplicates: 0 });
    const before = await rowCounts();
    const same = { ...original(), partnerId: undefined, referralCode: 'OLEG', attributes: { basket: { sku: ['x', 'y'], items: 2 }, channel: 'web' } };
    expect((await server.ok(RECORD, { events: [same] })).recordEvents).toEqual({ accepted: 0, duplicates: 1, duplicateExternalIds: ['A-17'], rewardsCreated: 0 });
    // Without occurredAt the recorded time stands: still the same event.
    expect((await server.ok(RECORD, { events: [{ ...original(), occurredAt: undefined }] })).recordEvents).toMatchObject({ duplicates: 1 });
    expect(await rowCounts()).toEqual(before);
  });

  it('with another amount is a CONFLICT naming both, and nothing of the call is written', async () => {
    const before = await rowCounts();
    const answer = await refused(RECORD, { events: [sale('NEW-1', 100), sale('NEW-2', 100), { ...original(), amount: 1_300_000 }] });
    expect(answer).toEqual({
      code: 'CONFLICT',
      message: 'events[2]: externalId "A-17" was recorded with amount 1200000, this call sends 1300000; nothing was recorded',
      issues: [{ path: 'events[2].amount', message: 'externalId "A-17" was recorded with amount 1200000, this call sends 1300000' }],
    });
    expect(await rowCounts()).toEqual(before);
  });

  it('names every field that differs: type, partner, customer, currency, time, attributes', async () => {
    const before = await rowCounts();
    const answer = await refused(RECORD, {
      events: [
        {
          externalId: 'A-17',
          type: 'LEAD',
          referralCode: 'PAVEL',
          customerId: 'C-2',
          amount: 1_200_000,
          currency: 'USD',
          occurredAt: '2026-03-02T10:00:00Z',
          attributes: { channel: 'shop' },
        },
      ],
    });
    expect(answer.code).toBe('CONFLICT');
    expect(answer.issues).toEqual([
      { path: 'events[0].type', message: 'externalId "A-17" was recorded with type SALE, this call sends LEAD' },
      { path: 'events[0].referralCode', message: `externalId "A-17" was recorded with partner ${ids.Oleg}, this call sends ${ids.Pavel}` },
      { path: 'events[0].customerId', message: 'externalId "A-17" was recorded with customerId C-1, this call sends C-2' },
      { path: 'events[0].currency', message: 'externalId "A-17" was recorded with currency RUB, this call sends USD' },
      { path: 'events[0].occurredAt', message: 'externalId "A-17" was recorded with occurredAt 2026-03-01T10:00:00.000Z, this call sends 2026-03-02T10:00:00.000Z' },
      {
        path: 'events[0].attributes',
        message: 'externalId "A-17" was recorded with attributes {"basket":{"items":2,"sku":["x","y"]},"channel":"web"}, this call sends {"channel":"shop"}',
      },
    ]);
    expect(answer.message).toBe('events[0]: externalId "A-17" was recorded with type SALE, this call sends LEAD (and 5 more differences in extensions.issues); nothing was recorded');
    expect(await rowCounts()).toEqual(before);
  });

  it('twice in one call with other content is a CONFLICT; twice the same is one event and a duplicate', async () => {
    const before = await rowCounts();
    const answer = await refused(RECORD, { events: [sale('TWICE-1', 100), sale('TWICE-1', 200)] });
    expect(answer).toMatchObject({
      code: 'CONFLICT',
      issues: [{ path: 'events[1].amount', message: 'externalId "TWICE-1" is sent twice in this call with different amount: events[0] sends 100, events[1] sends 200' }],
    });
    expect(await rowCounts()).toEqual(before);
    const same = await server.ok(RECORD, { events: [sale('TWICE-2', 100), sale('TWICE-2', 100)] });
    expect(same.recordEvents).toEqual({ accepted: 1, duplicates: 1, duplicateExternalIds: ['TWICE-2'], rewardsCreated: 0 });
  });

  it('of a refund with another sale or amount is a CONFLICT too', async () => {
    await server.ok(RECORD, { events: [sale('S-R1', 10_000), sale('S-R2', 10_000), { externalId: 'R-1', type: 'REFUND', refundOf: 'S-R1', amount: 1_000, currency: 'RUB' }] });
    const answer = await refused(RECORD, { events: [{ externalId: 'R-1', type: 'REFUND', refundOf: 'S-R2', amount: 2_000, currency: 'RUB' }] });
    expect(answer.issues).toEqual([
      { path: 'events[0].amount', message: 'externalId "R-1" was recorded with amount 1000, this call sends 2000' },
      { path: 'events[0].refundOf', message: 'externalId "R-1" was recorded with refundOf S-R1, this call sends S-R2' },
    ]);
  });
});

describe('attributes and text', () => {
  it('takes attributes of exactly 16 KB and 8 levels', async () => {
    // {"note":"…"} is 11 bytes around the text: 16 384 − 11 = 16 373 letters.
    // Eight objects, one inside the other.
    const nested = { a: { b: { c: { d: { e: { f: { g: { h: 'i' } } } } } } } };
    const recorded = await server.ok(RECORD, {
      events: [sale('ATTR-16K', 100, { attributes: { note: 'x'.repeat(16_373) } }), sale('ATTR-8', 100, { attributes: nested })],
    });
    expect(recorded.recordEvents).toMatchObject({ accepted: 2 });
  });

  it('refuses attributes one byte or one level more, and over-long ids and codes, each with its path', async () => {
    const before = await rowCounts();
    const answer = await refused(RECORD, {
      events: [
        sale('ATTR-BIG', 100, { attributes: { note: 'x'.repeat(16_374) } }),
        sale('ATTR-9', 100, { attributes: { a: { b: { c: { d: { e: { f: { g: { h: { i: 'j' } } } } } } } } } }),
        sale('x'.repeat(201), 100),
        sale('LONG-CUSTOMER', 100, { customerId: 'c'.repeat(201) }),
        { externalId: 'LONG-TYPE', type: `T${'X'.repeat(64)}`, partnerId: ids.Oleg },
        { externalId: 'LONG-COUPON', type: 'LEAD', couponCode: 'C'.repeat(65) },
        { externalId: 'LONG-CODE', type: 'LEAD', referralCode: 'R'.repeat(65) },
        { externalId: 'LONG-REFUND', type: 'REFUND', refundOf: 's'.repeat(201), amount: 1, currency: 'RUB' },
      ],
    });
    expect(answer.code).toBe('BAD_USER_INPUT');
    expect(answer.issues).toEqual([
      { path: 'events[0].attributes', message: 'must be at most 16384 bytes as JSON, got 16385' },
      { path: 'events[1].attributes', message: 'must nest at most 8 levels deep' },
      { path: 'events[2].externalId', message: 'must be 1–200 characters, got 201' },
      { path: 'events[3].customerId', message: 'must be 1–200 characters, got 201' },
      {
        path: 'events[4].type',
        message: `"T${'X'.repeat(63)}" is not an event type (SALE, LEAD, ... or a custom UPPER_SNAKE name of at most 64 characters)`,
      },
      { path: 'events[5].couponCode', message: 'must be 1–64 characters, got 65' },
      { path: 'events[6].referralCode', message: 'must be 1–64 characters, got 65' },
      { path: 'events[7].refundOf', message: 'must be 1–200 characters, got 201' },
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it('bounds partners: name 200, externalId 200, a real email of at most 254, codes 64', async () => {
    const before = await rowCounts();
    const answer = await refused(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
      input: { name: 'n'.repeat(201), kind: `K${'X'.repeat(64)}`, externalId: 'e'.repeat(201), email: 'anna@example', regionCode: 'r'.repeat(65) },
    });
    expect(answer.issues).toEqual([
      { path: 'input.name', message: 'must be 1–200 characters, got 201' },
      { path: 'input.kind', message: 'must be an UPPER_SNAKE name such as AMBASSADOR or DEALER' },
      { path: 'input.externalId', message: 'must be 1–200 characters, got 201' },
      { path: 'input.email', message: '"anna@example" is not an email address' },
      { path: 'input.regionCode', message: 'must be 1–64 characters, got 65' },
    ]);
    const long = await refused(`mutation($input: UpdatePartnerInput!) { updatePartner(id: "${ids.Oleg}", input: $input) { id } }`, {
      input: { email: `${'a'.repeat(64)}@${'b'.repeat(186)}.com` },
    });
    expect(long.issues).toEqual([{ path: 'input.email', message: 'must be at most 254 characters, got 255' }]);
    const fine = await server.ok(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { name email } }`, {
      input: { name: 'n'.repeat(200), kind: 'DEALER', email: 'rita@example.com' },
    });
    expect(fine.createPartner).toEqual({ name: 'n'.repeat(200), email: 'rita@example.com' });
    expect((await rowCounts()).partners).toBe(before.partners + 1);
  });

  it('bounds region and coupon codes and names, reasons, notes and references', async () => {
    const before = await rowCounts();
    expect((await refused(`mutation { createRegion(input: { code: "RU", name: "${'n'.repeat(201)}" }) { id } }`)).issues).toEqual([
      { path: 'input.name', message: 'must be 1–200 characters, got 201' },
    ]);
    expect((await refused(`mutation($p: ID!) { createCoupon(partnerId: $p, code: "${'C'.repeat(65)}") { id } }`, { p: ids.Oleg })).issues).toEqual([
      { path: 'code', message: 'must be 3–64 letters, digits, dashes or underscores' },
    ]);
    const reason = 'r'.repeat(1001);
    expect((await refused(`mutation($r: String!) { rejectRewards(ids: ["999999"], reason: $r) { id } }`, { r: reason })).issues).toEqual([
      { path: 'reason', message: 'must be 1–1000 characters, got 1001' },
    ]);
    expect((await refused(`mutation($r: String!) { failPayout(id: "999999", reason: $r) { id } }`, { r: reason })).issues).toEqual([
      { path: 'reason', message: 'must be 1–1000 characters, got 1001' },
    ]);
    expect((await refused(`mutation($n: String) { updatePerkFulfilment(rewardId: "999999", state: "DELIVERED", note: $n) { id } }`, { n: reason })).issues).toEqual([
      { path: 'note', message: 'must be at most 1000 characters' },
    ]);
    expect((await refused(`mutation($r: String) { markPayoutPaid(id: "999999", reference: $r) { id } }`, { r: 'b'.repeat(201) })).issues).toEqual([
      { path: 'reference', message: 'must be 1–200 characters, got 201' },
    ]);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('money settings', () => {
  const CREATE = `mutation($input: CampaignInput!) { createCampaign(input: $input) { id budget partnerCap } }`;
  const campaign = (input: Record<string, unknown>) => ({ input: { name: 'Big', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', ...input } });

  it('takes budgets, caps and scheme amounts of 10^18 and refuses one more, with paths', async () => {
    const fine = await server.ok(
      CREATE,
      campaign({ budget: '1000000000000000000', partnerCap: '1000000000000000000', schemes: [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 1, amount: '1000000000000000000' } }] }),
    );
    expect(fine.createCampaign).toMatchObject({ budget: '1000000000000000000', partnerCap: '1000000000000000000' });
    const before = await rowCounts();
    const answer = await refused(
      CREATE,
      campaign({
        name: 'n'.repeat(201),
        budget: '1000000000000000001',
        partnerCap: '9223372036854775808',
        targeting: { regionCodes: ['r'.repeat(65)], levels: [101] },
        schemes: [
          { code: 'fixed-goal', args: { metric: 'LEADS', target: 1, amount: '1000000000000000001' } },
          // 10^16 + 0.01 points = 10^18 + 1 hundredths; a catalog name past 1 000 characters.
          {
            code: 'points',
            args: {
              catalog: [
                { code: 'GOLD', name: 'Gold', kind: 'MERCHANDISE', cost: '10000000000000000.01' },
                { code: 'LONG', name: 'l'.repeat(1001), kind: 'MERCHANDISE', cost: '1' },
              ],
            },
          },
        ],
      }),
    );
    expect(answer.code).toBe('BAD_USER_INPUT');
    expect(answer.issues).toEqual([
      { path: 'input.name', message: 'must be 1–200 characters, got 201' },
      { path: 'input.budget', message: 'must be at most 1000000000000000000, got 1000000000000000001' },
      { path: 'input.partnerCap', message: 'must be at most 1000000000000000000, got 9223372036854775808' },
      { path: 'input.targeting.regionCodes[0]', message: 'must be at most 64 characters' },
      { path: 'input.targeting.levels[0]', message: 'must be an integer from 1 to 100' },
      { path: 'input.schemes[0].args.amount', message: 'must be at most 1000000000000000000, got 1000000000000000001' },
      { path: 'input.schemes[1].args.catalog[1].name', message: 'must be at most 1000 characters, got 1001' },
      { path: 'input.schemes[1].args', message: 'input.schemes[1].args: catalog item "GOLD" costs 1000000000000000001 hundredths of a point, more than 1000000000000000000' },
      { path: 'input.schemes[1].args', message: 'input.schemes[1].args: catalog item "LONG" has a name longer than 200 characters' },
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  it('bounds a payout batch’s minimum and idempotency key', async () => {
    const answer = await refused(`mutation($key: String) { createPayoutBatch(currency: "RUB", minimumAmount: "1000000000000000001", idempotencyKey: $key) { id } }`, {
      key: 'k'.repeat(101),
    });
    expect(answer.issues).toEqual([
      { path: 'minimumAmount', message: 'must be at most 1000000000000000000, got 1000000000000000001' },
      { path: 'idempotencyKey', message: 'must be 1–100 letters, digits or . _ : -' },
    ]);
  });
});

/**
 * Sums that outgrow bigint. A second server allows the largest bound the setting takes,
 * COFACTOR_MAX_AMOUNT = 10^15, and a minute of clock skew. Its campaign runs ten
 * percentage-of-sales instances at 100 %: every sale at the bound pays its partner ten
 * entries of 10^15. Three "heavy" partners sell 1 000 times each: 10 000 entries, 10^19 each
 * partner, past bigint's 9 223 372 036 854 775 807. Forty-seven "light" partners sell once: 10^16.
 */
describe('sums past bigint', () => {
  const BOUND = 10n ** 15n;
  let big: TestServer;
  const partners: { name: string; id: string; sales: number }[] = [];
  let campaignId: string;

  beforeAll(async () => {
    big = await startTestServer({ maxAmount: BOUND, maxClockSkewSeconds: 60 });
    const names = [...['H1', 'H2', 'H3'].map((name) => ({ name, sales: 1000 })), ...Array.from({ length: 47 }, (_, i) => ({ name: `L${i + 1}`, sales: 1 }))];
    for (const { name, sales } of names) {
      const data = await big.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
        input: { name, kind: 'RESELLER' },
      });
      partners.push({ name, id: data.createPartner.id, sales });
    }
    const schemes = Array.from({ length: 10 }, (_, i) => ({ key: `full-${i + 1}`, code: 'percentage-of-sales', args: { percent: '100' } }));
    const data = await big.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: { name: 'Everything back, ten times', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes },
    });
    campaignId = data.createCampaign.id;
    await big.ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: campaignId });
  });

  afterAll(async () => {
    await big?.stop();
  });

  const bigStatement = async (partnerId: string) =>
    (await big.ok<{ statement: Record<string, string | number> }>(`query($p: ID!) { statement(partnerId: $p, currency: "RUB") { pending approved inPayout paid capped } }`, { p: partnerId }))
      .statement;

  it('refuses one past the configured bound and a time past the configured skew', async () => {
    const answer = await big.gql(RECORD, {
      events: [
        { externalId: 'OVER', type: 'SALE', partnerId: partners[0].id, amount: (BOUND + 1n).toString(), currency: 'RUB' },
        { externalId: 'AHEAD', type: 'LEAD', partnerId: partners[0].id, occurredAt: new Date(Date.now() + 5 * 60 * 1000).toISOString() },
      ],
    });
    const [amount, time] = answer.errors?.[0].extensions?.issues as { path: string; message: string }[];
    expect(amount).toEqual({ path: 'events[0].amount', message: 'must be at most 1000000000000000 minor units (COFACTOR_MAX_AMOUNT), got 1000000000000001' });
    expect(time.path).toBe('events[1].occurredAt');
    expect(time.message).toMatch(/^must not be more than 60 s after the server's clock \(COFACTOR_MAX_CLOCK_SKEW\)/);
  });

  it('records sales at the bound, approves them and pays every partner the exact sum', async () => {
    const events = partners.flatMap((partner) =>
      Array.from({ length: partner.sales }, (_, i) => ({ externalId: `${partner.name}-${i}`, type: 'SALE', partnerId: partner.id, amount: BOUND.toString(), currency: 'RUB' })),
    );
    // 3 × 1 000 + 47 × 1 = 3 047 sales, ten entries each.
    expect(events).toHaveLength(3047);
    expect((await big.ok(RECORD, { events })).recordEvents).toMatchObject({ accepted: 3047, rewardsCreated: 30_470 });
    expect((await big.ok(`mutation { approveDueRewards { approved } }`)).approveDueRewards).toEqual({ approved: 30_470 });

    const { createPayoutBatch: batch } = await big.ok(
      `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 1) { id total csv payouts { id amount entries partner { name } } } }`,
    );
    // Heavy: 1 000 sales × 10 entries × 10^15 = 10^19. Light: 10 × 10^15 = 10^16.
    // Total: 3 × 10^19 + 47 × 10^16 = 30 470 000 000 000 000 000.
    expect(batch.total).toBe('30470000000000000000');
    expect(batch.payouts).toHaveLength(50);
    const byName = new Map<string, { id: string; amount: string | number; entries: number }>(batch.payouts.map((p: { partner: { name: string } }) => [p.partner.name, p]));
    for (const name of ['H1', 'H2', 'H3']) expect(byName.get(name)).toMatchObject({ amount: '10000000000000000000', entries: 10_000 });
    for (let i = 1; i <= 47; i++) expect(byName.get(`L${i}`)).toMatchObject({ amount: '10000000000000000', entries: 10 });
    const heavyLine = (batch.csv as string).split('\r\n').find((line) => line.includes(',H1,'));
    expect(heavyLine).toBe(`${byName.get('H1')!.id},${partners[0].id},,H1,,RUB,10000000000000000000,100000000000000000.00,10000,CREATED,`);

    expect(await bigStatement(partners[0].id)).toEqual({ pending: 0, approved: '10000000000000000000', inPayout: '10000000000000000000', paid: 0, capped: 0 });
    await big.ok(`mutation($id: ID!) { markPayoutPaid(id: $id, reference: "wire-1") { status } }`, { id: byName.get('H1')!.id });
    expect(await bigStatement(partners[0].id)).toEqual({ pending: 0, approved: 0, inPayout: 0, paid: '10000000000000000000', capped: 0 });
  });

  it('keeps a budget set on that running campaign: what it granted is summed without overflow, and the next sale is CAPPED', async () => {
    // The campaign granted 3.047 · 10^19, far past a budget of 10^18: setting one sums its ledger per partner and month.
    await big.ok(`mutation($id: ID!) { updateCampaign(id: $id, input: { budget: "1000000000000000000" }) { id } }`, { id: campaignId });
    const [kept] = await big.sql(`select sum(amount)::text as granted, max(amount)::text as largest from granted_money where campaign_id = $1`, [campaignId]);
    expect(kept).toEqual({ granted: '30470000000000000000', largest: '10000000000000000000' });
    const light = partners[3];
    expect((await big.ok(RECORD, { events: [{ externalId: 'AFTER-BUDGET', type: 'SALE', partnerId: light.id, amount: '1000', currency: 'RUB' }] })).recordEvents).toMatchObject({
      rewardsCreated: 10,
    });
    // Ten entries of 1 000, none of which fits what is left of the budget (nothing).
    expect(await bigStatement(light.id)).toMatchObject({ pending: 0, capped: 10_000 });
  });
});
