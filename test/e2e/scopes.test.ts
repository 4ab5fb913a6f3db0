/**
 * Every mutation declares, next to it, who may call it (`@Requires`), and that declaration is
 * what enforces it. This walks the whole built schema's Mutation type: a mutation without a
 * declaration fails the test; every mutation is called over real HTTP with each credential that
 * lacks its scope, with arguments generated from the argument types, and must be refused with
 * nothing written to any table.
 */
import { getNamedType, isObjectType } from 'graphql';
import type { Requirement } from '../../server/src/auth/requires.js';
import { createSchema } from '../../server/src/index.js';
import { startTestServer, tableFingerprints, type TestServer } from '../support/harness.js';
import { callOf } from '../support/schema-walk.js';

let server: TestServer;
/** The partner every generated ID names (the first partner, so "1" in most tables too). */
let annaId: string;
let campaignId: string;
const credentials: Record<'analytics:read' | 'events:write' | 'admin' | 'partner token', string> = {} as never;

const REDEEM = `mutation($c: ID!, $p: ID!) { redeemPoints(campaignId: $c, partnerId: $p, itemCode: "MUG", idempotencyKey: "k-1") { balance } }`;

beforeAll(async () => {
  server = await startTestServer();
  await server.ok(`mutation { createRegion(input: { code: "MSK", name: "Moscow" }) { id } }`);
  annaId = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Anna", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
  const borisId = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Boris", kind: "RESELLER" }) { id } }`))
    .createPartner.id;
  await server.ok(`mutation { createCoupon(partnerId: "${annaId}", code: "ANNA10") { id } }`);
  const campaign = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'Points',
      startsAt: '2026-01-01T00:00:00Z',
      currency: 'RUB',
      schemes: [{ code: 'points', args: { catalog: [{ code: 'MUG', name: 'Mug', kind: 'MERCHANDISE', cost: '1' }] } }],
    },
  });
  campaignId = campaign.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  // Two sales: Anna earns 1 point (kept as 100 hundredths) for each, enough for two 1-point mugs.
  await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, {
    e: [1, 2].map((n) => ({ externalId: `S-${n}`, type: 'SALE', partnerId: annaId, amount: 10_000, currency: 'RUB' })),
  });
  for (const scope of ['analytics:read', 'events:write'] as const) {
    credentials[scope] = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "${scope}", scopes: ["${scope}"]) { key } }`)).createApiKey.key;
  }
  credentials.admin = server.adminKey;
  credentials['partner token'] = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${borisId}") { token } }`))
    .issuePartnerToken.token;
});

afterAll(async () => {
  await server?.stop();
});

/**
 * The credentials that lack `requirement`'s scope; `admin` grants every scope of its program, but
 * not `platform:admin`. A mutation that declares nothing must refuse them all.
 */
function lacking(requirement: Requirement | undefined): (keyof typeof credentials | null)[] {
  const all = [null, 'analytics:read', 'events:write', 'partner token', 'admin'] as const;
  if (!requirement) return [...all];
  return all.filter((credential) => credential !== requirement.scope && (credential !== 'admin' || requirement.scope === 'platform:admin'));
}

it('declares a scope next to every mutation, visible in the built schema', async () => {
  const fields = (await createSchema()).getMutationType()!.getFields();
  const undeclared = Object.values(fields).filter((field) => !field.extensions.requires).map((field) => field.name);
  expect(undeclared).toEqual([]);
  expect(fields.recordEvents.extensions.requires).toEqual({ scope: 'events:write' });
  expect(fields.createPartner.extensions.requires).toEqual({ scope: 'admin' });
  // Only admin, or the partner's own token.
  expect(fields.redeemPoints.extensions.requires).toEqual({ scope: 'admin', ownPartnerArg: 'partnerId' });
});

it('refuses every mutation to every credential without its scope, and writes nothing', async () => {
  const fields = Object.values((await createSchema()).getMutationType()!.getFields());
  const before = await tableFingerprints(server);
  const refusals: string[] = [];
  for (const field of fields) {
    const requirement = field.extensions.requires as Requirement | undefined;
    // Every ID is Anna's, so a call that got through would touch real rows.
    const { query, variables } = callOf('mutation', field, isObjectType(getNamedType(field.type)) ? '{ __typename }' : '', { id: annaId });
    for (const credential of lacking(requirement)) {
      const result = await server.gql(query, variables, credential && credentials[credential]);
      const expected = credential === null ? 'UNAUTHENTICATED' : 'FORBIDDEN';
      const got = result.errors?.[0]?.extensions?.code;
      if (got !== expected || result.data?.[field.name]) refusals.push(`${field.name} with ${credential ?? 'no key'}: ${JSON.stringify(result)}`);
    }
  }
  expect(refusals).toEqual([]);
  expect(await tableFingerprints(server)).toEqual(before);
  // The walk covered the mutations named in the API's guide at least.
  expect(fields.map((field) => field.name)).toEqual(expect.arrayContaining(['recordEvents', 'redeemPoints', 'createApiKey', 'revokeApiKey', 'rotatePartnerTokenSecret']));
});

it("refuses an analytics:read key on redeemPoints, where admin or the partner's own token may redeem", async () => {
  const balance = async () => (await server.ok<{ partner: { pointsBalance: string } }>(`{ partner(id: "${annaId}") { pointsBalance } }`)).partner.pointsBalance;
  const refused = await server.gql(REDEEM, { c: campaignId, p: annaId }, credentials['analytics:read']);
  expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(refused.data).toBeNull();
  expect(await balance()).toBe(200);

  const anna = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${annaId}") { token } }`)).issuePartnerToken.token;
  // 200 − 100 for the mug = 100, by her own token; then 100 − 100 = 0 by the admin key.
  expect(await server.ok(REDEEM, { c: campaignId, p: annaId }, anna)).toEqual({ redeemPoints: { balance: 100 } });
  expect(await server.ok(REDEEM.replace('k-1', 'k-2'), { c: campaignId, p: annaId })).toEqual({ redeemPoints: { balance: 0 } });
});

it("does not let a program's admin key mint a platform:admin key, which could create programs", async () => {
  const before = await tableFingerprints(server);
  const minted = await server.gql(`mutation { createApiKey(name: "escalate", scopes: ["admin", "platform:admin"]) { key } }`);
  expect(minted.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(await tableFingerprints(server)).toEqual(before);
});
