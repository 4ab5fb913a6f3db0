/**
 * Every mutation declares, next to it, who may call it (`@Requires`), and that declaration is
 * what enforces it. This walks the whole built schema's Mutation type: a mutation without a
 * declaration fails the test; every mutation is called over real HTTP with each credential that
 * lacks its scope, with arguments generated from the argument types, and must be refused with
 * nothing written to any table.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
} from 'graphql';
import type { Requirement } from '../../server/src/auth/requires.js';
import { createSchema } from '../../server/src/index.js';
import { startTestServer, type TestServer } from '../support/harness.js';

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

/** A fingerprint of every table, to prove a refused call wrote nothing (a key's last use is not the caller's doing). */
async function everyTable(): Promise<Record<string, string>> {
  const tables = await server.sql<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
  const fingerprint: Record<string, string> = {};
  for (const { name } of tables) {
    const rows = name === 'api_key' ? `(select id, name, prefix, secret_hash, scopes, created_at, revoked_at from api_key)` : `"${name}"`;
    const [row] = await server.sql<{ digest: string }>(`select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${rows} t`);
    fingerprint[name] = row.digest;
  }
  return fingerprint;
}

/** The smallest value of an argument's type: every ID is Anna's, so a call that got through would touch real rows. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return Object.fromEntries(fields.map((field) => [field.name, sample(field.type)]));
  }
  const byScalar: Record<string, unknown> = { ID: annaId, String: 'x', Int: 1, Float: 1, Boolean: true, BigInt: '1', DateTime: '2026-01-01T00:00:00Z', JSON: {}, JSONObject: {} };
  if (isScalarType(type) && type.name in byScalar) return byScalar[type.name];
  throw new Error(`no sample value for the scalar ${String(type)}: add one`);
}

/** `mutation($a: T!) { field(a: $a) { __typename } }`, with the required arguments only. */
function callOf(name: string, args: readonly GraphQLArgument[], returnsObject: boolean): { query: string; variables: Record<string, unknown> } {
  const required = args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const declared = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const query = `mutation${declared ? `(${declared})` : ''} { ${name}${passed ? `(${passed})` : ''}${returnsObject ? ' { __typename }' : ''} }`;
  return { query, variables: Object.fromEntries(required.map((arg) => [arg.name, sample(arg.type)])) };
}

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
  const before = await everyTable();
  const refusals: string[] = [];
  for (const field of fields) {
    const requirement = field.extensions.requires as Requirement | undefined;
    const { query, variables } = callOf(field.name, field.args, isObjectType(getNamedType(field.type)));
    for (const credential of lacking(requirement)) {
      const result = await server.gql(query, variables, credential && credentials[credential]);
      const expected = credential === null ? 'UNAUTHENTICATED' : 'FORBIDDEN';
      const got = result.errors?.[0]?.extensions?.code;
      if (got !== expected || result.data?.[field.name]) refusals.push(`${field.name} with ${credential ?? 'no key'}: ${JSON.stringify(result)}`);
    }
  }
  expect(refusals).toEqual([]);
  expect(await everyTable()).toEqual(before);
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
  const before = await everyTable();
  const minted = await server.gql(`mutation { createApiKey(name: "escalate", scopes: ["admin", "platform:admin"]) { key } }`);
  expect(minted.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(await everyTable()).toEqual(before);
});
