/**
 * Two programs on one server: no key or token of program A reads or writes anything of program
 * B. B gets its own partners, campaign, events, rewards and payouts; then every root Query field
 * and every Mutation that takes an id is called with A's credentials and B's ids, over real
 * HTTP, and a WebSocket subscription of A's waits for a reward of B's that never comes.
 */
import {
  getNamedType,
  isInputObjectType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { createSchema } from '../../server/src/index.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { collect, startTestServer, tableFingerprints, wsClient, type GraphQLResponse, type TestServer } from '../support/harness.js';
import { callOf, leavesIn, selectionOf } from '../support/schema-walk.js';

let server: TestServer;
let schema: GraphQLSchema;
/** Program A is the harness's program; its rows get ids below FIRST_B_ID, B's rows at or above it. */
const FIRST_B_ID = 1001;
const a = { credentials: {} as Record<'admin' | 'analytics:read' | 'events:write' | 'partner token', string>, partnerId: '', campaignId: '' };
const b = { programId: '', adminKey: '', token: '', ids: {} as Record<string, string>, codes: {} as Record<string, string> };
/** Every text of B's carries this mark (names, emails, codes, customers, references), so any answer naming B is caught. */
const MARK = /qx7/i;

const RECORD = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted duplicates } }`;

async function okAs<T = Record<string, any>>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return server.ok<T>(query, variables, key);
}

async function createPartner(key: string, input: Record<string, unknown>): Promise<string> {
  return (await okAs<{ createPartner: { id: string } }>(key, `mutation($i: CreatePartnerInput!) { createPartner(input: $i) { id } }`, { i: input })).createPartner.id;
}

/** A campaign paying 5% of sales and 3% to the sponsor, with a perk for the first sale. */
async function createCampaign(key: string, name: string): Promise<string> {
  const created = await okAs<{ createCampaign: { id: string } }>(key, `mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }`, {
    i: {
      name,
      startsAt: '2026-01-01T00:00:00Z',
      currency: 'RUB',
      budget: '90000000',
      schemes: [
        { code: 'percentage-of-sales', args: { percent: '5' } },
        { code: 'multi-level', args: { levels: ['3'] } },
        { code: 'perks', args: { awards: [{ code: 'VIP', name: 'VIP', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '1' }] } },
        { code: 'points', args: { catalog: [{ code: 'MUG', name: 'Mug', kind: 'MERCHANDISE', cost: '1' }] } },
      ],
    },
  });
  await okAs(key, `mutation { activateCampaign(id: "${created.createCampaign.id}") { id } }`);
  return created.createCampaign.id;
}

/** Sales, a refund, approvals, a paid payout and a delivered perk, all in one program. */
async function runMoney(key: string, sales: { externalId: string; partnerId: string; customerId: string }[], refund: string, reference: string) {
  await okAs(key, RECORD, { e: sales.map((sale) => ({ ...sale, type: 'SALE', amount: 200_000, currency: 'RUB' })) });
  await okAs(key, RECORD, { e: [{ externalId: `${refund}-r`, type: 'REFUND', refundOf: refund, amount: 50_000, currency: 'RUB' }] });
  await okAs(key, `mutation { approveDueRewards { approved } }`);
  const pending = await okAs<{ rewards: { edges: { node: { id: string; kind: string } }[] } }>(key, `{ rewards(status: "PENDING", first: 500) { edges { node { id kind } } } }`);
  const ids = pending.rewards.edges.map((edge) => edge.node.id);
  if (ids.length) await okAs(key, `mutation($ids: [ID!]!) { approveRewards(ids: $ids) { id } }`, { ids });
  const batch = await okAs<{ createPayoutBatch: { id: string; payouts: { id: string }[] } }>(
    key,
    `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { id payouts { id } } }`,
  );
  await okAs(key, `mutation($id: ID!, $r: String) { markPayoutPaid(id: $id, reference: $r) { id } }`, { id: batch.createPayoutBatch.payouts[0].id, r: reference });
  const perks = await okAs<{ rewards: { edges: { node: { id: string } }[] } }>(key, `{ rewards(kind: "PERK", first: 1) { edges { node { id } } } }`);
  await okAs(key, `mutation($id: ID!) { updatePerkFulfilment(rewardId: $id, state: "DELIVERED", note: "qx7 note") { id } }`, { id: perks.rewards.edges[0].node.id });
  return batch.createPayoutBatch.id;
}

beforeAll(async () => {
  server = await startTestServer();
  schema = await createSchema();
  const admin = server.adminKey;

  // Program A: a sponsor and a seller, the same kind of campaign, money that went all the way.
  await okAs(admin, `mutation { createRegion(input: { code: "NORTH", name: "North" }) { id } }`);
  const olga = await createPartner(admin, { name: 'Olga', kind: 'AMBASSADOR', referralCode: 'OLGA' });
  a.partnerId = await createPartner(admin, { name: 'Pavel', kind: 'AMBASSADOR', sponsorId: olga, referralCode: 'PAVEL' });
  a.campaignId = await createCampaign(admin, 'A spring');
  await runMoney(admin, [{ externalId: 'A-1', partnerId: a.partnerId, customerId: 'a-cust' }], 'A-1', 'a-bank');
  for (const scope of ['analytics:read', 'events:write'] as const) {
    a.credentials[scope] = (await okAs<{ createApiKey: { key: string } }>(admin, `mutation { createApiKey(name: "A ${scope}", scopes: ["${scope}"]) { key } }`)).createApiKey.key;
  }
  a.credentials.admin = admin;
  a.credentials['partner token'] = (await okAs<{ issuePartnerToken: { token: string } }>(admin, `mutation { issuePartnerToken(partnerId: "${a.partnerId}") { token } }`)).issuePartnerToken.token;

  // From here on every row is B's: its ids start at 1001 in every table.
  await server.sql(`select setval(format('%I.%I', schemaname, sequencename)::regclass, ${FIRST_B_ID - 1}) from pg_sequences where schemaname = 'public'`);
  const em = server.running.app.orm.em.fork();
  const program = em.create(Program, { name: 'Qx7 brand', defaultCurrency: 'RUB', timeZone: 'Asia/Almaty', tokenSecret: newTokenSecret() });
  await em.flush();
  b.programId = program.id;
  b.adminKey = (await server.running.app.auth.createApiKey(program.id, 'qx7 admin', ['admin'])).key;
  await okAs(b.adminKey, `mutation { createRegion(input: { code: "QX7-LAND", name: "Qx7 land" }) { id } }`);
  const zoe = await createPartner(b.adminKey, { name: 'Zoe Qx7', kind: 'AMBASSADOR', email: 'zoe@qx7.example', externalId: 'QX7-EXT-ZOE', referralCode: 'QX7ZOE', regionCode: 'QX7-LAND' });
  const yuri = await createPartner(b.adminKey, { name: 'Yuri Qx7', kind: 'AMBASSADOR', email: 'yuri@qx7.example', referralCode: 'QX7YURI', sponsorId: zoe });
  await okAs(b.adminKey, `mutation { createCoupon(partnerId: "${yuri}", code: "QX7COUPON") { id } }`);
  const campaign = await createCampaign(b.adminKey, 'Qx7 summer');
  // Its changes are written for this endpoint; no attempt reaches it (the name does not resolve).
  const hooks = await okAs<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
    b.adminKey,
    `mutation { createWebhookEndpoint(input: { url: "https://hooks.qx7.invalid/in", events: ["reward.created", "payout.paid"], description: "qx7 hooks" }) { endpoint { id } } }`,
  );
  await runMoney(
    b.adminKey,
    [
      { externalId: 'QX7-S-1', partnerId: yuri, customerId: 'qx7-cust-1' },
      { externalId: 'QX7-S-2', partnerId: zoe, customerId: 'qx7-cust-2' },
    ],
    'QX7-S-1',
    'qx7-bank',
  );
  // Disabled, so no attempt changes its deliveries while the walks compare B's rows before and after.
  await okAs(b.adminKey, `mutation { updateWebhookEndpoint(id: "${hooks.createWebhookEndpoint.endpoint.id}", input: { enabled: false }) { enabled } }`);
  b.token = (await okAs<{ issuePartnerToken: { token: string } }>(b.adminKey, `mutation { issuePartnerToken(partnerId: "${yuri}") { token } }`)).issuePartnerToken.token;
  await okAs(b.adminKey, `mutation($r: [SurveyResponseInput!]!) { recordSurveyResponses(responses: $r) { accepted } }`, {
    r: [{ externalId: 'QX7-SURVEY-1', partnerId: yuri, score: 9, comment: 'qx7 comment', answeredAt: '2026-03-01T00:00:00Z' }],
  });
  b.ids = { partner: yuri, campaign };
  for (const table of ['reward', 'payout', 'payout_batch', 'event', 'region', 'coupon', 'api_key', 'customer', 'scheme_instance', 'perk_fulfilment', 'program', 'survey_response', 'webhook_endpoint', 'webhook_delivery']) {
    const [row] = await server.sql<{ id: string }>(`select min(id)::text as id from ${table} where id >= ${FIRST_B_ID}`);
    b.ids[table] = row.id;
  }
  b.codes = { referralCode: 'QX7YURI', couponCode: 'QX7COUPON', regionCode: 'QX7-LAND', sale: 'QX7-S-1' };
});

afterAll(async () => {
  await server?.stop();
});

it('gives program B rows in every table the walks touch, all with ids from 1001 up', () => {
  expect(Object.entries(b.ids).filter(([, id]) => !(Number(id) >= FIRST_B_ID))).toEqual([]);
});

type Credential = keyof typeof a.credentials;
const CREDENTIALS: Credential[] = ['admin', 'analytics:read', 'events:write', 'partner token'];
type Answer = GraphQLResponse<Record<string, any>>;
type Field = GraphQLField<unknown, unknown>;

/** B's ids, one per kind of row: a call passes one of them in every ID argument it has. */
const idsOfB = () => [...new Set(Object.values(b.ids))];

/** Whether an argument's type holds an ID anywhere (a list of them, an input object with one). */
function holdsId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => holdsId(field.type, seen));
}

/** Values that would let a call through were its ids A's own: real event types, kinds, states, currencies. */
const BY_NAME: Record<string, unknown> = {
  type: 'SALE',
  amount: '1000',
  currency: 'RUB',
  kind: 'AMBASSADOR',
  state: 'DELIVERED',
  period: '2026-03',
  itemCode: 'MUG',
  code: 'NEWCODE1',
  externalId: 'A-NEW-1',
  idempotencyKey: 'k-isolation',
  minimumAmount: '0',
  scopes: ['analytics:read'],
  first: 3,
};

/** Everything of B's in an answer: a text with B's mark anywhere (errors included), an id, a key id or a cursor of B's rows. */
function traceOfB(answer: Answer): string[] {
  const found: string[] = [];
  for (const { path, value } of leavesIn(answer)) {
    const key = String([...path].reverse().find((step) => typeof step === 'string'));
    const where = path.join('.');
    if (typeof value === 'string' && MARK.test(value)) found.push(`${where}: ${value}`);
    if (path[0] !== 'data') continue;
    const idLike = key === 'id' || key.endsWith('Id') || ['changedBy', 'settledBy', 'createdBy'].includes(key);
    if (idLike && Number(value) >= FIRST_B_ID) found.push(`${where}: ${String(value)}`);
    if ((key === 'cursor' || key === 'endCursor') && typeof value === 'string' && Number(Buffer.from(value, 'base64url').toString().slice(3)) >= FIRST_B_ID) found.push(`${where}: ${value}`);
  }
  return found;
}

/** What program B holds, as its admin would check it: counts and sums of its rows. */
async function holdingsOfB() {
  const [row] = await server.sql(
    `select (select count(*) from partner where program_id = $1)::int as partners,
            (select count(*) from event where program_id = $1)::int as events,
            (select count(*) || ' / ' || coalesce(sum(amount), 0) from reward where program_id = $1) as rewards,
            (select string_agg(status, ',' order by status) from reward where program_id = $1) as statuses,
            (select count(*) || ' / ' || coalesce(sum(amount), 0) || ' / ' || string_agg(status, ',') from payout where program_id = $1) as payouts,
            (select count(*) from campaign where program_id = $1 and status = 'ACTIVE')::int as activeCampaigns,
            (select count(*) from api_key where program_id = $1 and revoked_at is null)::int as liveKeys`,
    [b.programId],
  );
  const statement = await okAs(b.adminKey, `{ statement(partnerId: "${b.ids.partner}", currency: "RUB") { pending approved inPayout available paid reversed capped } }`);
  return { ...row, statement };
}

/** How a call that names a row the caller may not touch is refused (approve and reject say CONFLICT for an id they cannot move). */
const ALLOWED_REFUSALS = new Set(['NOT_FOUND', 'FORBIDDEN', 'BAD_USER_INPUT', 'CONFLICT']);
/** An id no table has. */
const NOWHERE = '999999';

/**
 * Calls with B's id and with an id that exists nowhere: A must not tell them apart, so the two
 * answers are the same once each id is written as <id>.
 */
async function callBoth(operation: 'query' | 'mutation', field: Field, id: string | null, selection: string, credential: Credential) {
  const answers: string[] = [];
  const given = id === null ? [NOWHERE] : [id, NOWHERE];
  const raw: Answer[] = [];
  for (const value of given) {
    // Every argument holding an ID gets it, and `first` a small page.
    const { query, variables } = callOf(operation, field, selection, { id: value, byName: BY_NAME, include: (name, type) => holdsId(type) || name === 'first' || name in BY_NAME });
    raw.push(await server.gql(query, variables, a.credentials[credential]));
    answers.push(JSON.stringify(raw.at(-1)).replaceAll(value, '<id>'));
  }
  // The answer to B's id is the one searched for traces of B.
  return { answer: raw[0], same: answers.every((text) => text === answers[0]), answers: answers.map((text) => text.slice(0, 400)) };
}

describe("program A's keys and tokens", () => {
  it("read nothing of B's through any root field, given B's ids in every ID argument", async () => {
    const hidden = (_parent: GraphQLObjectType, field: Field) => field.extensions.hiddenFromPartners !== undefined;
    const problems: string[] = [];
    let calls = 0;
    const withIds: string[] = [];
    expect(idsOfB()).toEqual(['1002', '1001']);
    for (const root of Object.values(schema.getQueryType()!.getFields())) {
      const named = getNamedType(root.type);
      const ids = root.args.some((arg) => holdsId(arg.type)) ? idsOfB() : [null];
      if (ids[0] !== null) withIds.push(root.name);
      for (const credential of CREDENTIALS) {
        const walk = { skip: credential === 'partner token' ? hidden : () => false, args: (_p: GraphQLObjectType, f: Field) => (f.args.some((arg) => arg.name === 'first') ? '(first: 3)' : ''), maxDepth: 8 };
        const selection = isObjectType(named) ? selectionOf(named, 2, walk, new Set()) : '';
        for (const id of ids) {
          const { answer, same, answers } = await callBoth('query', root, id, selection, credential);
          calls += 1;
          const codes = (answer.errors ?? []).map((error) => error.extensions?.code as string);
          const trace = traceOfB(answer);
          if (!same || trace.length || codes.some((code) => !ALLOWED_REFUSALS.has(code))) problems.push(`${root.name} with ${credential}, id ${id}: ${JSON.stringify({ codes, trace: trace.slice(0, 5), answers })}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Each root with each credential, with B's ids 1001 (B's first row in every table) and 1002 (its partner Yuri) where it takes an id.
    expect(withIds.sort()).toEqual([
      'campaign', 'leaderboard', 'partner', 'partnerSeries', 'partnerStats', 'partners', 'payoutBatch', 'payouts', 'previewRewards', 'programStats', 'regionComparison', 'rewards',
      'simulateCampaign', 'simulation', 'statement', 'surveyResponses', 'timeSeries', 'webhookDeliveries',
    ]);
    expect(calls).toBe((Object.keys(schema.getQueryType()!.getFields()).length + withIds.length) * CREDENTIALS.length);
  });

  it("write nothing of B's through any mutation that takes an id, given B's ids", async () => {
    const before = await tableFingerprints(server);
    const holdings = await holdingsOfB();
    const problems: string[] = [];
    const walked: string[] = [];
    for (const field of Object.values(schema.getMutationType()!.getFields())) {
      if (!field.args.some((arg) => holdsId(arg.type))) continue;
      walked.push(field.name);
      const selection = isObjectType(getNamedType(field.type)) ? '{ __typename }' : '';
      for (const credential of CREDENTIALS) {
        for (const id of idsOfB()) {
          const { answer, same, answers } = await callBoth('mutation', field, id, selection, credential);
          const codes = (answer.errors ?? []).map((error) => error.extensions?.code as string);
          const refused = codes.length > 0 && codes.every((code) => ALLOWED_REFUSALS.has(code)) && !answer.data?.[field.name];
          if (!same || !refused || traceOfB(answer).length) problems.push(`${field.name} with ${credential}, id ${id}: ${JSON.stringify(answers)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(walked).toEqual(
      expect.arrayContaining(['recordEvents', 'createPartner', 'updatePartner', 'movePartner', 'createCoupon', 'updateCampaign', 'activateCampaign', 'pauseCampaign', 'closePeriod']),
    );
    expect(walked).toEqual(
      expect.arrayContaining(['approveRewards', 'rejectRewards', 'markPayoutPaid', 'failPayout', 'updatePerkFulfilment', 'redeemPoints', 'issuePartnerToken', 'revokeApiKey']),
    );
    expect(await tableFingerprints(server)).toEqual(before);
    expect(await holdingsOfB()).toEqual(holdings);
  });

  it("cannot name B's rows next to its own, nor B's codes (referral codes, coupons, regions, orders), and moves nothing", async () => {
    const before = await tableFingerprints(server);
    const holdings = await holdingsOfB();
    const [aReward] = await server.sql<{ id: string }>(`select id::text from reward where program_id = $1 and kind = 'POINTS' and status = 'APPROVED' limit 1`, [server.programId]);
    const [aPartner, bPartner, bCampaign] = [a.partnerId, b.ids.partner, b.ids.campaign];
    /**
     * [credential, query, variables with B's value, B's value, expected code]: the same call with a
     * value that exists nowhere must be answered alike, once the value itself is written as <value>.
     */
    const calls: [Credential, string, (value: string) => Record<string, unknown>, string, string][] = [
      ['admin', `mutation($id: ID!) { updatePartner(id: $id, input: { name: "x" }) { id } }`, (id) => ({ id }), bPartner, 'NOT_FOUND'],
      ['admin', `mutation($s: ID!) { createPartner(input: { name: "x", kind: "AMBASSADOR", sponsorId: $s }) { id } }`, (s) => ({ s }), bPartner, 'BAD_USER_INPUT'],
      ['admin', `mutation($c: String!) { createPartner(input: { name: "x", kind: "AMBASSADOR", sponsorReferralCode: $c }) { id } }`, (c) => ({ c }), b.codes.referralCode, 'BAD_USER_INPUT'],
      ['admin', `mutation($c: String!) { createPartner(input: { name: "x", kind: "AMBASSADOR", regionCode: $c }) { id } }`, (c) => ({ c }), b.codes.regionCode, 'BAD_USER_INPUT'],
      ['admin', `mutation($c: String!) { createRegion(input: { code: "SOUTH", name: "South", parentCode: $c }) { id } }`, (c) => ({ c }), b.codes.regionCode, 'BAD_USER_INPUT'],
      ['admin', `mutation($i: CampaignInput!) { createCampaign(input: $i) { id } }`, (c) => ({ i: { name: 'x', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', targeting: { regionCodes: [c] } } }), b.codes.regionCode, 'BAD_USER_INPUT'],
      ['admin', `mutation($id: ID!, $s: ID!) { movePartner(id: $id, sponsorId: $s) { id } }`, (s) => ({ id: aPartner, s }), bPartner, 'BAD_USER_INPUT'],
      ['admin', `mutation($c: ID!, $p: ID!) { redeemPoints(campaignId: $c, partnerId: $p, itemCode: "MUG", idempotencyKey: "x-1") { balance } }`, (p) => ({ c: a.campaignId, p }), bPartner, 'NOT_FOUND'],
      ['partner token', `mutation($c: ID!, $p: ID!) { redeemPoints(campaignId: $c, partnerId: $p, itemCode: "MUG", idempotencyKey: "x-1") { balance } }`, (c) => ({ c, p: aPartner }), bCampaign, 'NOT_FOUND'],
      ['partner token', `mutation($c: ID!, $p: ID!) { redeemPoints(campaignId: $c, partnerId: $p, itemCode: "MUG", idempotencyKey: "x-1") { balance } }`, (p) => ({ c: a.campaignId, p }), bPartner, 'FORBIDDEN'],
      ['admin', `mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "x") { id } }`, (id) => ({ ids: [aReward.id, id] }), b.ids.reward, 'CONFLICT'],
      ['events:write', RECORD, (c) => ({ e: [{ externalId: 'X-1', type: 'SALE', referralCode: c, amount: 1000, currency: 'RUB' }] }), b.codes.referralCode, 'BAD_USER_INPUT'],
      ['events:write', RECORD, (c) => ({ e: [{ externalId: 'X-1', type: 'SALE', couponCode: c, amount: 1000, currency: 'RUB' }] }), b.codes.couponCode, 'BAD_USER_INPUT'],
      ['events:write', RECORD, (r) => ({ e: [{ externalId: 'X-1', type: 'REFUND', partnerId: aPartner, refundOf: r, amount: 1000, currency: 'RUB' }] }), b.codes.sale, 'BAD_USER_INPUT'],
    ];
    const problems: string[] = [];
    for (const [credential, query, variables, valueOfB, code] of calls) {
      const answers = [];
      for (const value of [valueOfB, /^\d+$/.test(valueOfB) ? NOWHERE : 'NOWHERE9']) {
        const answer = await server.gql(query, variables(value), a.credentials[credential]);
        const text = JSON.stringify(answer).replaceAll(value, '<value>');
        answers.push(text);
        if (answer.errors?.[0]?.extensions?.code !== code || MARK.test(text)) problems.push(`${query} with ${value}: ${text}`);
      }
      if (answers[0] !== answers[1]) problems.push(`${query}: B's value is told apart from a missing one: ${answers.join(' vs ')}`);
    }
    expect(problems).toEqual([]);
    expect(await tableFingerprints(server)).toEqual(before);
    expect(await holdingsOfB()).toEqual(holdings);
  });

  it("hear nothing of B's rewards on rewardCreated, while B's own key does", async () => {
    const subscription = 'subscription($p: ID) { rewardCreated(partnerId: $p) { id amount partner { name } } }';
    const clients = { a: wsClient(server.wsUrl, a.credentials.admin), reader: wsClient(server.wsUrl, a.credentials['analytics:read']), b: wsClient(server.wsUrl, b.adminKey) };
    const token = wsClient(server.wsUrl, a.credentials['partner token']);
    type Payload = { rewardCreated: { id: string; amount: number; partner: { name: string } } };
    const streams = {
      a: collect<Payload>(clients.a, subscription, { p: b.ids.partner }),
      reader: collect<Payload>(clients.reader, subscription, { p: b.ids.partner }),
      b: collect<Payload>(clients.b, subscription, { p: b.ids.partner }),
    };
    try {
      // A's partner token may subscribe only to its own partner.
      await expect(collect(token, subscription, { p: b.ids.partner }).waitFor(1, 5_000)).rejects.toThrow(/FORBIDDEN/);
      // The subscriptions listen before the sale happens: A's two keys to the id in A, B's key in B.
      await server.rewardListeners(b.ids.partner, 2);
      await server.rewardListeners(b.ids.partner, 1, b.programId);
      // Yuri sells for 1 000,00 ₽ in B: 5% = 5 000 to him.
      await okAs(b.adminKey, RECORD, { e: [{ externalId: 'QX7-S-3', type: 'SALE', partnerId: b.ids.partner, amount: 100_000, currency: 'RUB' }] });
      const [heard] = await streams.b.waitFor(1);
      expect(heard.rewardCreated).toMatchObject({ amount: 5_000, partner: { name: 'Yuri Qx7' } });
      // B's key heard it; A's two keys, subscribed to the same partner id, heard nothing.
      expect([streams.a.received, streams.a.errors, streams.reader.received, streams.reader.errors]).toEqual([[], [], [], []]);
    } finally {
      for (const stream of Object.values(streams)) stream.dispose();
      await Promise.all([...Object.values(clients), token].map((client) => client.dispose()));
    }
  });
});

describe('the same codes in two programs', () => {
  it("name each program's own rows: A may use B's referral code, coupon, region code and order ids for its own", async () => {
    const holdings = await holdingsOfB();
    const admin = a.credentials.admin;
    await okAs(admin, `mutation { createRegion(input: { code: "${b.codes.regionCode}", name: "North twin" }) { id } }`);
    const twin = await createPartner(admin, { name: 'Twin', kind: 'AMBASSADOR', referralCode: b.codes.referralCode, regionCode: b.codes.regionCode });
    await okAs(admin, `mutation { createCoupon(partnerId: "${twin}", code: "${b.codes.couponCode}") { id } }`);
    // Two sales named by B's codes and one with B's order id: all three are A's, attributed to A's Twin.
    const recorded = await okAs<{ recordEvents: { accepted: number; duplicates: number } }>(a.credentials['events:write'], RECORD, {
      e: [
        { externalId: 'T-1', type: 'SALE', referralCode: b.codes.referralCode, amount: 100_000, currency: 'RUB' },
        { externalId: 'T-2', type: 'SALE', couponCode: b.codes.couponCode, amount: 100_000, currency: 'RUB' },
        { externalId: b.codes.sale, type: 'SALE', partnerId: twin, amount: 100_000, currency: 'RUB' },
      ],
    });
    expect(recorded.recordEvents).toEqual({ accepted: 3, duplicates: 0 });
    const events = await server.sql(`select external_id as "externalId", partner_id::text as "partnerId" from event where program_id = $1 and partner_id = $2 and type = 'SALE' order by external_id`, [
      server.programId,
      twin,
    ]);
    expect(events).toEqual([
      { externalId: b.codes.sale, partnerId: twin },
      { externalId: 'T-1', partnerId: twin },
      { externalId: 'T-2', partnerId: twin },
    ]);
    expect(await holdingsOfB()).toEqual(holdings);
  });
});
