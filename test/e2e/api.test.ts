/**
 * The rest of the API contract over real HTTP and WebSocket: campaign validation with arg
 * paths, the referral hierarchy (upline, downline, moves, cycles), authentication and
 * scopes, the scheme catalogue, and SQL statements per request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ROOT_DIR, boardDeltasFolded, startTestServer, type TestServer } from '../support/harness.js';

/** The schemes the project lists in package.json (`@cofactor/plugin-<code>`), by code. */
const CONFIGURED_SCHEMES = (JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { cofactor: { plugins: string[] } }).cofactor.plugins
  .map((name) => name.replace('@cofactor/plugin-', ''))
  .sort();

let server: TestServer;
const ids: Record<string, string> = {};

const CREATE_CAMPAIGN = `mutation Create($input: CampaignInput!) {
  createCampaign(input: $input) { id status schemes { key schemeCode schemeVersion args } }
}`;

async function campaignCount(): Promise<number> {
  return Number((await server.sql('select count(*) from campaign'))[0].count);
}

beforeAll(async () => {
  server = await startTestServer();
  // A chain of six: P1 → P2 → P3 → P4 → P5 → P6, and Q1 on its own.
  let sponsor: string | undefined;
  for (const name of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'Q1']) {
    const data = await server.ok<{ createPartner: { id: string } }>(
      `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`,
      { input: { name, kind: 'RESELLER', referralCode: `REF-${name}`, ...(sponsor && name !== 'Q1' ? { sponsorId: sponsor } : {}) } },
    );
    ids[name] = data.createPartner.id;
    sponsor = data.createPartner.id;
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('campaigns', () => {
  it('reject bad scheme args with the arg path and save nothing', async () => {
    const before = await campaignCount();
    const response = await server.gql(CREATE_CAMPAIGN, {
      input: {
        name: 'Broken',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: 'five', bonus: 1 } },
          { code: 'multi-level', args: { levels: ['3', '150'] } },
          { code: 'fixed-goal', args: { metric: 'LEADS', target: 0, amount: 100_000 } },
          { code: 'no-such-scheme', args: {} },
        ],
      },
    });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'input.schemes[0].args.bonus', message: 'unknown arg "bonus" (known: percent, tiers, kindRates)' },
      { path: 'input.schemes[0].args.percent', message: 'expected a decimal number such as "2.5", got "five"' },
      { path: 'input.schemes[1].args.levels[1]', message: 'must be at most 100, got 150' },
      { path: 'input.schemes[2].args.target', message: 'must be at least 1, got 0' },
      {
        path: 'input.schemes[3].code',
        message: `unknown scheme "no-such-scheme" (installed: ${CONFIGURED_SCHEMES.join(', ')})`,
      },
    ]);
    expect(await campaignCount()).toBe(before);
  });

  it('store canonical args and keep old terms when schemes change', async () => {
    const created = await server.ok<{ createCampaign: { id: string; schemes: { key: string; args: object }[] } }>(CREATE_CAMPAIGN, {
      input: {
        name: 'Terms',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [{ code: 'percentage-of-sales', args: { percent: 7.50 } }],
      },
    });
    // The number 7.50 is stored as the exact decimal string "7.5".
    expect(created.createCampaign.schemes).toEqual([
      { key: 'percentage-of-sales', schemeCode: 'percentage-of-sales', schemeVersion: '1.0.0', args: { percent: '7.5' } },
    ]);
    const id = created.createCampaign.id;
    await server.ok(`mutation { activateCampaign(id: "${id}") { status } }`);
    await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
      e: [{ externalId: 'T-1', type: 'SALE', partnerId: ids.Q1, amount: 10_000, currency: 'RUB' }],
    });
    await server.ok(`mutation($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`, {
      id,
      input: { schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }] },
    });
    await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
      e: [{ externalId: 'T-2', type: 'SALE', partnerId: ids.Q1, amount: 10_000, currency: 'RUB' }],
    });
    const rewards = await server.ok<{ rewards: { edges: { node: { amount: number; scheme: { args: object; retiredAt: string | null } } }[] } }>(
      `{ rewards(campaignId: "${id}") { edges { node { amount scheme { args retiredAt } } } } }`,
    );
    // Newest first: 10% of 100,00 = 1 000 under the new terms; 7.5% of 100,00 = 750 under the old, now retired ones.
    expect(rewards.rewards.edges.map((edge) => [edge.node.amount, edge.node.scheme.args, edge.node.scheme.retiredAt === null])).toEqual([
      [1_000, { percent: '10' }, true],
      [750, { percent: '7.5' }, false],
    ]);
    await server.ok(`mutation { pauseCampaign(id: "${id}") { status } }`);
  });

  it('keep a scheme sent back with the same args, whatever the order of their keys', async () => {
    const schemes = [{ code: 'percentage-of-sales', args: { percent: '5', tiers: [{ from: '100000', percent: '7' }], kindRates: [{ kind: 'DEALER', percent: '10' }] } }];
    const created = await server.ok<{ createCampaign: { id: string } }>(CREATE_CAMPAIGN, { input: { name: 'Same terms', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes } });
    const id = created.createCampaign.id;
    const reordered = [{ code: 'percentage-of-sales', args: { kindRates: [{ percent: '10', kind: 'DEALER' }], tiers: [{ percent: '7', from: '100000' }], percent: '5' } }];
    await server.ok(`mutation($id: ID!, $input: CampaignInput!) { updateCampaign(id: $id, input: $input) { id } }`, { id, input: { name: 'Same terms', budget: 500_000, schemes: reordered } });
    expect(await server.sql('select key, retired_at from scheme_instance where campaign_id = $1', [id])).toEqual([{ key: 'percentage-of-sales', retired_at: null }]);
  });

  it('refuse lifecycle moves that make no sense', async () => {
    const created = await server.ok<{ createCampaign: { id: string } }>(CREATE_CAMPAIGN, {
      input: { name: 'Empty', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB' },
    });
    const id = created.createCampaign.id;
    const activate = await server.gql(`mutation { activateCampaign(id: "${id}") { status } }`);
    expect(activate.errors?.[0]).toMatchObject({ message: `campaign ${id} has no schemes to run`, extensions: { code: 'CONFLICT' } });
    const pause = await server.gql(`mutation { pauseCampaign(id: "${id}") { status } }`);
    expect(pause.errors?.[0].extensions?.code).toBe('CONFLICT');
    const missing = await server.gql(`mutation { pauseCampaign(id: "999999") { status } }`);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('the referral hierarchy', () => {
  const UPLINE = `query($id: ID!, $levels: Int!) { partner(id: $id) { upline(levels: $levels) { depth partner { name } } } }`;
  const DOWNLINE = `query($id: ID!) { partner(id: $id) { downline(depth: 10) { total levels { depth count } partners(first: 10) { edges { node { name } } } } } }`;

  it('answers upline and downline queries', async () => {
    const upline = await server.ok<{ partner: { upline: { depth: number; partner: { name: string } }[] } }>(UPLINE, { id: ids.P6, levels: 3 });
    expect(upline.partner.upline).toEqual([
      { depth: 1, partner: { name: 'P5' } },
      { depth: 2, partner: { name: 'P4' } },
      { depth: 3, partner: { name: 'P3' } },
    ]);
    const downline = await server.ok<{ partner: { downline: { total: number; levels: unknown[]; partners: { edges: { node: { name: string } }[] } } } }>(
      DOWNLINE,
      { id: ids.P3 },
    );
    expect(downline.partner.downline.total).toBe(3);
    expect(downline.partner.downline.levels).toEqual([
      { depth: 1, count: 1 },
      { depth: 2, count: 1 },
      { depth: 3, count: 1 },
    ]);
    expect(downline.partner.downline.partners.edges.map((edge) => edge.node.name)).toEqual(['P4', 'P5', 'P6']);
  });

  it('finds partners by a part of their name or referral code, in any case, a % or _ meaning itself', async () => {
    const SEARCH = `query($filter: PartnerFilter) { partners(first: 20, filter: $filter) { edges { node { name } } } }`;
    const names = async (filter: Record<string, unknown>) =>
      (await server.ok<{ partners: { edges: { node: { name: string } }[] } }>(SEARCH, { filter })).partners.edges.map((edge) => edge.node.name);
    expect(await names({ search: 'q1' })).toEqual(['Q1']);
    expect(await names({ search: 'ref-p' })).toEqual(['P1', 'P2', 'P3', 'P4', 'P5', 'P6']);
    expect(await names({ search: 'p', sponsorId: ids.P2 })).toEqual(['P3']);
    expect(await names({ search: '%' })).toEqual([]);
    expect(await names({ search: 'REF_P' })).toEqual([]);
    const empty = await server.gql(SEARCH, { filter: { search: ' ' } });
    expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'filter.search', message: 'must be 1 to 200 characters' }] });
  });

  it('moves a partner with its downline and refuses a cycle', async () => {
    // Moving P2 under its own descendant P5 would make a cycle.
    const cycle = await server.gql(`mutation { movePartner(id: "${ids.P2}", sponsorId: "${ids.P5}") { id } }`);
    expect(cycle.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sponsorId' });
    const self = await server.gql(`mutation { movePartner(id: "${ids.P2}", sponsorId: "${ids.P2}") { id } }`);
    expect(self.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');

    // P4 (with P5, P6) moves under Q1.
    const moved = await server.ok<{ movePartner: { sponsor: { name: string } } }>(
      `mutation { movePartner(id: "${ids.P4}", sponsorId: "${ids.Q1}") { sponsor { name } } }`,
    );
    expect(moved.movePartner.sponsor.name).toBe('Q1');
    const upline = await server.ok<{ partner: { upline: { partner: { name: string } }[] } }>(UPLINE, { id: ids.P6, levels: 10 });
    expect(upline.partner.upline.map((member) => member.partner.name)).toEqual(['P5', 'P4', 'Q1']);
    const p1 = await server.ok<{ partner: { downline: { total: number } } }>(DOWNLINE, { id: ids.P1 });
    expect(p1.partner.downline.total).toBe(2); // P2, P3 remain

    // Back to the root set: P4 becomes a root.
    await server.ok(`mutation { movePartner(id: "${ids.P4}", sponsorId: null) { id } }`);
    const root = await server.ok<{ partner: { upline: unknown[] } }>(UPLINE, { id: ids.P4, levels: 5 });
    expect(root.partner.upline).toEqual([]);
    // The closure table still agrees with the sponsor links everywhere.
    const broken = await server.sql(`
      select p.id from partner p
       where (p.sponsor_id is null) <> not exists (select 1 from partner_closure c where c.descendant_id = p.id and c.depth = 1)
          or exists (select 1 from partner_closure c where c.descendant_id = p.id and c.depth = 1 and c.ancestor_id <> p.sponsor_id)`);
    expect(broken).toEqual([]);
  });

  it('records a PARTNER_JOINED event for every new partner, attributed to the recruit', async () => {
    const joined = await server.sql<{ external_id: string; type: string; partner_id: string }>(
      "select external_id, type, partner_id::text from event where type = 'PARTNER_JOINED' order by id",
    );
    expect(joined.slice(0, 7)).toEqual(
      ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'Q1'].map((name) => ({
        external_id: `partner-joined:${ids[name]}`,
        type: 'PARTNER_JOINED',
        partner_id: ids[name],
      })),
    );
  });

  it('records PARTNER_APPROVED once, when a PENDING partner becomes ACTIVE', async () => {
    const created = await server.ok<{ createPartner: { id: string; status: string } }>(
      `mutation { createPartner(input: { name: "Newbie", kind: "AMBASSADOR", status: "PENDING" }) { id status } }`,
    );
    const id = created.createPartner.id;
    expect(created.createPartner.status).toBe('PENDING');
    const approvals = () => server.sql(`select external_id from event where type = 'PARTNER_APPROVED' and partner_id = $1`, [id]);
    const setStatus = (status: string) => server.ok(`mutation { updatePartner(id: "${id}", input: { status: "${status}" }) { status } }`);
    expect(await approvals()).toEqual([]);
    await setStatus('ACTIVE');
    expect(await approvals()).toEqual([{ external_id: `partner-approved:${id}` }]);
    // ACTIVE → SUSPENDED → ACTIVE is not an approval.
    await setStatus('SUSPENDED');
    await setStatus('ACTIVE');
    expect(await approvals()).toHaveLength(1);
  });

  it('rejects bad partner input with the field path', async () => {
    const response = await server.gql(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
      input: { name: ' ', kind: 'dealer', segment: 'HUGE', sponsorReferralCode: 'NOBODY' },
    });
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'input.name', message: 'is required' },
      { path: 'input.kind', message: 'must be an UPPER_SNAKE name such as AMBASSADOR or DEALER' },
      { path: 'input.segment', message: 'must be one of SMALL, MEDIUM, LARGE' },
    ]);
    const taken = await server.gql(`mutation { createPartner(input: { name: "Dup", kind: "DEALER", referralCode: "REF-P1" }) { id } }`);
    expect(taken.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'input.referralCode' });
  });
});

describe('authentication and scopes', () => {
  it('answers UNAUTHENTICATED without or with a bad credential, FORBIDDEN without the scope', async () => {
    const anonymous = await server.gql('{ partners { edges { node { id } } } }', {}, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await server.gql('{ partners { edges { node { id } } } }', {}, 'cfk_000000000000_not-a-key');
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const badToken = await server.gql('{ me { id } }', {}, 'eyJhbGciOiJIUzI1NiJ9.e30.x');
    expect(badToken.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const writer = await server.ok<{ createApiKey: { key: string; apiKey: { scopes: string[] } } }>(
      `mutation { createApiKey(name: "shop", scopes: ["events:write"]) { key apiKey { scopes } } }`,
    );
    expect(writer.createApiKey.apiKey.scopes).toEqual(['events:write']);
    const read = await server.gql('{ partners { edges { node { id } } } }', {}, writer.createApiKey.key);
    expect(read.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const write = await server.gql(
      `mutation { recordEvents(events: [{ externalId: "L-1", type: "LEAD", referralCode: "REF-P1" }]) { accepted } }`,
      {},
      writer.createApiKey.key,
    );
    expect(write.data).toEqual({ recordEvents: { accepted: 1 } });

    const badScope = await server.gql(`mutation { createApiKey(name: "x", scopes: ["root"]) { key } }`);
    expect(badScope.errors?.[0].extensions?.issues).toEqual([{ path: 'scopes[0]', message: 'unknown scope "root" (known: admin, events:write, analytics:read, platform:admin)' }]);
  });

  it('refuses a WebSocket connection_init without or with a bad credential, or without the read scope', async () => {
    const closeOf = (token: string | null) =>
      new Promise<{ code: number; reason: string }>((resolve) => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
        socket.on('open', () => {
          socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
        });
        socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
      });
    expect(await closeOf(null)).toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });
    expect(await closeOf('not-a-token')).toMatchObject({ code: 4401, reason: expect.stringMatching(/^UNAUTHENTICATED/) });
    const writer = await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "ws", scopes: ["events:write"]) { key } }`);
    expect(await closeOf(writer.createApiKey.key)).toMatchObject({ code: 4403, reason: expect.stringMatching(/^FORBIDDEN/) });
  });
});

describe('the scheme catalogue', () => {
  it('serves every installed scheme with its arg definitions, without authentication', async () => {
    const data = await server.ok<{ rewardSchemes: { code: string; description: { en: string; ru: string }; args: any[] }[] }>(
      `{ rewardSchemes { code version description { en ru } eventTypes
         args { name type required list min max minItems maxItems default options { value } fields { name type } label { en ru } } } }`,
      {},
      null,
    );
    expect(data.rewardSchemes.map((scheme) => scheme.code)).toEqual(CONFIGURED_SCHEMES);
    expect(CONFIGURED_SCHEMES).toEqual(expect.arrayContaining(['fixed-goal', 'multi-level', 'percentage-of-sales']));
    const multiLevel = data.rewardSchemes.find((scheme) => scheme.code === 'multi-level')!;
    expect(multiLevel.args[0]).toMatchObject({ name: 'levels', type: 'PERCENT', required: true, list: true, min: '0', max: '100', minItems: 1, maxItems: 10 });
    const fixedGoal = data.rewardSchemes.find((scheme) => scheme.code === 'fixed-goal')!;
    expect(fixedGoal.args.find((arg) => arg.name === 'metric').options.map((option: { value: string }) => option.value)).toEqual([
      'NEW_CUSTOMERS',
      'LEADS',
      'EVENTS_HOSTED',
    ]);
    for (const scheme of data.rewardSchemes) {
      expect(scheme.description.en).not.toBe('');
      expect(scheme.description.ru).not.toBe('');
    }
  });
});

describe('fixed goals', () => {
  it('pay once when the partner reaches the goal inside the campaign', async () => {
    const created = await server.ok<{ createCampaign: { id: string } }>(CREATE_CAMPAIGN, {
      input: {
        name: 'Leads',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 3, amount: 50_000 } }],
      },
    });
    const id = created.createCampaign.id;
    await server.ok(`mutation { activateCampaign(id: "${id}") { status } }`);
    const leads = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({ externalId: `GOAL-${from + i}`, type: 'LEAD', partnerId: ids.P3 }));
    const record = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { rewardsCreated } }`;
    expect(await server.ok(record, { e: leads(1, 2) })).toEqual({ recordEvents: { rewardsCreated: 0 } });
    // The third lead reaches the goal: 500,00 ₽ once; the fourth and fifth pay nothing more.
    expect(await server.ok(record, { e: leads(3, 4) })).toEqual({ recordEvents: { rewardsCreated: 1 } });
    expect(await server.ok(record, { e: leads(5, 5) })).toEqual({ recordEvents: { rewardsCreated: 0 } });
    const rewards = await server.ok<{ rewards: { edges: { node: { amount: number; event: { externalId: string } } }[] } }>(
      `{ rewards(campaignId: "${id}") { edges { node { amount event { externalId } } } } }`,
    );
    expect(rewards.rewards.edges.map((edge) => edge.node)).toEqual([{ amount: 50_000, event: { externalId: 'GOAL-3' } }]);
    await server.ok(`mutation { pauseCampaign(id: "${id}") { status } }`);
  });
});

describe('SQL statements per request', () => {
  it('do not grow with the page size', async () => {
    const campaign = await server.ok<{ createCampaign: { id: string } }>(CREATE_CAMPAIGN, {
      input: {
        name: 'Volume',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['2', '1'] } },
        ],
      },
    });
    await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { status } }`);
    const sellers = ['P3', 'P5', 'P6', 'P2'];
    await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
      e: Array.from({ length: 40 }, (_, i) => ({
        externalId: `V-${i}`,
        type: 'SALE',
        partnerId: ids[sellers[i % sellers.length]],
        amount: 10_000 + i,
        currency: 'RUB',
      })),
    });
    // The sales' board deltas are folded a second later, in statements of their own: let that pass first.
    await boardDeltasFolded(server);
    const query = `query($first: Int!) { rewards(first: $first) { edges { node {
      amount partner { name region { code } downline(depth: 2) { total } upline(levels: 2) { partner { name } }
        statements { currency available } pointsBalance }
      campaign { name schemes { schemeCode } } scheme { schemeCode } event { externalId } } } } }`;
    const statementsFor = async (first: number) => {
      const before = server.running.app.statements.count;
      const data = await server.ok<{ rewards: { edges: unknown[] } }>(query, { first });
      return { rows: data.rewards.edges.length, statements: server.running.app.statements.count - before };
    };
    const small = await statementsFor(2);
    const large = await statementsFor(100);
    expect(small.rows).toBe(2);
    expect(large.rows).toBe(100);
    // One statement per relation (not per row); cache hits can make the larger page even cheaper.
    expect(large.statements).toBeLessThanOrEqual(small.statements);
    expect(large.statements).toBeLessThanOrEqual(13);
  });
});
