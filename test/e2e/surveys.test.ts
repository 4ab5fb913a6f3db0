/**
 * Partner satisfaction over real HTTP: survey answers recorded idempotently by externalId,
 * refused whole when an item is wrong, over a limit or resent with other content; a partner
 * token answers only for itself and reads only its own answers; and the satisfaction figures
 * (count, average, NPS) of a period and a region, worked out by hand below.
 *
 * Regions: RU with its sub-region MSK, and KZ. Anna is in MSK, Boris in RU, Vera in KZ.
 * Answers (all 2026):
 *   A-1 Anna  10  Nov 3      B-1 Boris 8  Nov 12     V-1 Vera 3  Nov 25
 *   A-2 Anna   9  Nov 10     B-2 Boris 6  Nov 20     V-2 Vera 7  Dec 1
 */
import { startTestServer, tableFingerprints, type GraphQLResponse, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<'Anna' | 'Boris' | 'Vera', string> = { Anna: '', Boris: '', Vera: '' };
const tokens: Record<'Anna' | 'analytics:read' | 'events:write', string> = { Anna: '', 'analytics:read': '', 'events:write': '' };

const RECORD = `mutation($r: [SurveyResponseInput!]!) {
  recordSurveyResponses(responses: $r) { accepted duplicates responses { id partnerId score comment answeredAt externalId } }
}`;
const SATISFACTION = `query($from: DateTime!, $to: DateTime!, $region: String) {
  satisfaction(from: $from, to: $to, regionCode: $region) { responses promoters passives detractors averageScore nps }
}`;

const answer = (externalId: string, partner: keyof typeof ids, score: number, answeredAt: string, comment?: string) => ({
  externalId,
  partnerId: ids[partner],
  score,
  answeredAt,
  ...(comment === undefined ? {} : { comment }),
});

const ANSWERS = () => [
  answer('A-1', 'Anna', 10, '2026-11-03T10:00:00.000Z', 'Great training'),
  answer('A-2', 'Anna', 9, '2026-11-10T10:00:00.000Z'),
  answer('B-1', 'Boris', 8, '2026-11-12T10:00:00.000Z'),
  answer('B-2', 'Boris', 6, '2026-11-20T10:00:00.000Z', 'Payouts are slow'),
  answer('V-1', 'Vera', 3, '2026-11-25T10:00:00.000Z'),
  answer('V-2', 'Vera', 7, '2026-12-01T10:00:00.000Z'),
];

const count = async () => Number((await server.sql<{ n: string }>('select count(*) as n from survey_response'))[0].n);
const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  server = await startTestServer();
  await server.ok(`mutation { createRegion(input: { code: "RU", name: "Russia" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "MSK", name: "Moscow", parentCode: "RU" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "KZ", name: "Kazakhstan" }) { id } }`);
  for (const [name, region] of [['Anna', 'MSK'], ['Boris', 'RU'], ['Vera', 'KZ']] as const) {
    ids[name] = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "AMBASSADOR", regionCode: "${region}" }) { id } }`)).createPartner.id;
  }
  tokens.Anna = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Anna}") { token } }`)).issuePartnerToken.token;
  for (const scope of ['analytics:read', 'events:write'] as const) {
    tokens[scope] = (await server.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "${scope}", scopes: ["${scope}"]) { key } }`)).createApiKey.key;
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

it('records answers once: a resend with the same content returns the stored answer and writes nothing', async () => {
  const first = await server.ok(RECORD, { r: ANSWERS() }, tokens['events:write']);
  expect([first.recordSurveyResponses.accepted, first.recordSurveyResponses.duplicates]).toEqual([6, 0]);
  expect(first.recordSurveyResponses.responses[0]).toMatchObject({ externalId: 'A-1', partnerId: ids.Anna, score: 10, comment: 'Great training', answeredAt: '2026-11-03T10:00:00.000Z' });
  const storedA1 = first.recordSurveyResponses.responses[0].id;

  // A-1 again, as it was, twice in one call, next to a new answer: one stored, two duplicates.
  const again = await server.ok(RECORD, { r: [ANSWERS()[0], answer('A-3', 'Anna', 8, '2026-11-28T10:00:00.000Z'), ANSWERS()[0]] });
  expect([again.recordSurveyResponses.accepted, again.recordSurveyResponses.duplicates]).toEqual([1, 2]);
  expect(again.recordSurveyResponses.responses.map((r: { id: string }) => r.id)).toEqual([storedA1, expect.any(String), storedA1]);
  expect(await count()).toBe(7);
  // A-3 was only there to be resent; the figures below count the six answers of the table above.
  await server.sql(`delete from survey_response where external_id = 'A-3'`);
});

it('refuses an externalId resent with other content as a CONFLICT naming the field, writing nothing', async () => {
  const before = await tableFingerprints(server);
  const changed = await server.gql(RECORD, { r: [answer('N-1', 'Vera', 5, '2026-11-26T10:00:00.000Z'), { ...ANSWERS()[0], score: 7 }] });
  expect(codeOf(changed)).toBe('CONFLICT');
  expect(changed.errors![0].extensions!.issues).toEqual([{ path: 'responses[1].score', message: 'externalId "A-1" was recorded with score 10, this item sends 7' }]);
  // The same externalId twice in one call with different comments.
  const repeated = await server.gql(RECORD, { r: [answer('N-2', 'Vera', 5, '2026-11-26T10:00:00.000Z', 'ok'), answer('N-2', 'Vera', 5, '2026-11-26T10:00:00.000Z', 'fine')] });
  expect([codeOf(repeated), repeated.errors![0].extensions!.field]).toEqual(['CONFLICT', 'responses[1].comment']);
  expect(await tableFingerprints(server)).toEqual(before);
});

it('refuses items over the limits (batch size, comment length, score range, a future answeredAt) with their paths, writing nothing', async () => {
  const before = await tableFingerprints(server);
  const refusal = async (responses: object[]) => {
    const result = await server.gql(RECORD, { r: responses });
    return [codeOf(result), result.errors?.[0]?.extensions?.field];
  };
  // MAX_SURVEY_RESPONSES_PER_CALL is 1000.
  const many = Array.from({ length: 1001 }, (_, n) => answer(`M-${n}`, 'Vera', 5, '2026-11-26T10:00:00.000Z'));
  expect(await refusal(many)).toEqual(['BAD_USER_INPUT', 'responses']);
  // MAX_SURVEY_COMMENT_LENGTH is 2000 characters: 2000 pass validation (refused below for the score only), 2001 do not.
  expect(await refusal([answer('L-1', 'Vera', 11, '2026-11-26T10:00:00.000Z', 'x'.repeat(2000))])).toEqual(['BAD_USER_INPUT', 'responses[0].score']);
  expect(await refusal([answer('L-2', 'Vera', 5, '2026-11-26T10:00:00.000Z', 'x'.repeat(2001))])).toEqual(['BAD_USER_INPUT', 'responses[0].comment']);
  expect(await refusal([answer('L-3', 'Vera', -1, '2026-11-26T10:00:00.000Z')])).toEqual(['BAD_USER_INPUT', 'responses[0].score']);
  // COFACTOR_MAX_CLOCK_SKEW is a day: 2099 is far beyond it.
  expect(await refusal([answer('L-4', 'Vera', 5, '2099-01-01T00:00:00.000Z')])).toEqual(['BAD_USER_INPUT', 'responses[0].answeredAt']);
  expect(await refusal([{ ...answer('L-5', 'Vera', 5, '2026-11-26T10:00:00.000Z'), partnerId: '999999' }])).toEqual(['BAD_USER_INPUT', 'responses[0].partnerId']);
  expect(await tableFingerprints(server)).toEqual(before);
});

it("lets a partner token answer for itself only, and an analytics:read key not at all", async () => {
  const before = await tableFingerprints(server);
  const forOther = await server.gql(RECORD, { r: [answer('T-1', 'Anna', 9, '2026-11-26T10:00:00.000Z'), answer('T-2', 'Boris', 0, '2026-11-26T10:00:00.000Z')] }, tokens.Anna);
  expect([codeOf(forOther), forOther.errors![0].message]).toEqual(['FORBIDDEN', 'a partner token acts only for its own partner: responses[1].partnerId names another']);
  expect(codeOf(await server.gql(RECORD, { r: [answer('T-3', 'Anna', 9, '2026-11-26T10:00:00.000Z')] }, tokens['analytics:read']))).toBe('FORBIDDEN');
  expect(codeOf(await server.gql(RECORD, { r: [answer('T-4', 'Anna', 9, '2026-11-26T10:00:00.000Z')] }, null))).toBe('UNAUTHENTICATED');
  expect(await tableFingerprints(server)).toEqual(before);

  const own = await server.ok(RECORD, { r: [answer('T-5', 'Anna', 9, '2026-12-02T10:00:00.000Z')] }, tokens.Anna);
  expect(own.recordSurveyResponses.accepted).toBe(1);
  await server.sql(`delete from survey_response where external_id = 'T-5'`);
});

it('lists answers newest first, page by page, within [from, to); a partner token reads only its own', async () => {
  const LIST = `query($p: ID, $from: DateTime, $to: DateTime, $after: String) {
    surveyResponses(partnerId: $p, from: $from, to: $to, first: 2, after: $after) { edges { node { externalId } } pageInfo { hasNextPage endCursor } }
  }`;
  const externalIds = (data: any) => data.surveyResponses.edges.map((edge: any) => edge.node.externalId);
  // November 10 (inclusive) to November 25 (exclusive): A-2, B-1, B-2, newest recorded first.
  const page1 = await server.ok(LIST, { from: '2026-11-10T10:00:00Z', to: '2026-11-25T10:00:00Z' }, tokens['analytics:read']);
  expect([externalIds(page1), page1.surveyResponses.pageInfo.hasNextPage]).toEqual([['B-2', 'B-1'], true]);
  const page2 = await server.ok(LIST, { from: '2026-11-10T10:00:00Z', to: '2026-11-25T10:00:00Z', after: page1.surveyResponses.pageInfo.endCursor }, tokens['analytics:read']);
  expect([externalIds(page2), page2.surveyResponses.pageInfo.hasNextPage]).toEqual([['A-2'], false]);

  expect(externalIds(await server.ok(LIST, {}, tokens.Anna))).toEqual(['A-2', 'A-1']);
  expect(codeOf(await server.gql(LIST, { p: ids.Boris }, tokens.Anna))).toBe('FORBIDDEN');
});

it('computes count, average and NPS of a period, and of a region with its sub-regions', async () => {
  const figures = async (from: string, to: string, region?: string) => (await server.ok(SATISFACTION, { from, to, region }, tokens['analytics:read'])).satisfaction;
  // November: 10, 9, 8, 6, 3 — 2 promoters, 1 passive, 2 detractors; NPS (2 − 2) ÷ 5 = 0; average 36 ÷ 5 = 7.2. V-2 (Dec 1) is out.
  expect(await figures('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual({ responses: 5, promoters: 2, passives: 1, detractors: 2, averageScore: 7.2, nps: 0 });
  // RU with MSK (Anna and Boris): 10, 9, 8, 6 — NPS (2 − 1) ÷ 4 = 25; average 33 ÷ 4 = 8.25.
  expect(await figures('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 'RU')).toEqual({ responses: 4, promoters: 2, passives: 1, detractors: 1, averageScore: 8.25, nps: 25 });
  // MSK alone: 10, 9 — NPS 100, average 9.5. KZ in all of November and December: 3, 7 — NPS (0 − 1) ÷ 2 = −50, average 5.
  expect(await figures('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 'MSK')).toEqual({ responses: 2, promoters: 2, passives: 0, detractors: 0, averageScore: 9.5, nps: 100 });
  expect(await figures('2026-11-01T00:00:00Z', '2027-01-01T00:00:00Z', 'KZ')).toEqual({ responses: 2, promoters: 0, passives: 1, detractors: 1, averageScore: 5, nps: -50 });
  // Nov 3 up to Nov 20 10:00 exactly (B-2's time, excluded): 10, 9, 8 — NPS 2 ÷ 3 = 66.67 → 67; average 27 ÷ 3 = 9.
  expect(await figures('2026-11-03T10:00:00Z', '2026-11-20T10:00:00Z')).toEqual({ responses: 3, promoters: 2, passives: 1, detractors: 0, averageScore: 9, nps: 67 });
  // No answers in October: no average, no NPS.
  expect(await figures('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')).toEqual({ responses: 0, promoters: 0, passives: 0, detractors: 0, averageScore: null, nps: null });
});

it('refuses satisfaction to a partner token, an unknown region and an empty period', async () => {
  const november = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
  expect(codeOf(await server.gql(SATISFACTION, november, tokens.Anna))).toBe('FORBIDDEN');
  expect(codeOf(await server.gql(SATISFACTION, { ...november, region: 'XX' }))).toBe('NOT_FOUND');
  const backwards = await server.gql(SATISFACTION, { from: november.to, to: november.from });
  expect([codeOf(backwards), backwards.errors?.[0]?.extensions?.field]).toEqual(['BAD_USER_INPUT', 'to']);
});
