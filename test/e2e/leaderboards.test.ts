/**
 * Leaderboards over real HTTP: ranks and values from the board totals the event and reward
 * triggers keep, refunds lowering a partner's value, "1224" ties in partner id order, months
 * cut in the program's time zone (Europe/Moscow, UTC+3), region boards with sub-regions, and
 * what a partner token sees. Amounts are in kopecks.
 *
 * Regions: NORTH ⊃ NORTH-CITY; SOUTH. Partners, in id order: Anna (NORTH), Boris (NORTH-CITY,
 * sponsored by Anna), Vera (SOUTH, sponsored by Anna), Gleb (SOUTH).
 */
import { execFile } from 'node:child_process';
import pg from 'pg';
import { join } from 'node:path';
import { rankByCompetition } from '../../schema/src/ranking.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { FOLD_LOCK, foldBoardDeltas, rebuildBoardTotals, verifyBoardTotals } from '../../server/src/leaderboards/board-totals.js';
import type { BoardQuery } from '../../server/src/leaderboards/board-query.js';
import { LeaderboardService } from '../../server/src/leaderboards/leaderboard.service.js';
import { ROOT_DIR, boardDeltasFolded, startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};
const RECORD = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`;
const BOARD = `query($input: LeaderboardInput!, $first: Int, $after: String) {
  leaderboard(input: $input, first: $first, after: $after) {
    edges { cursor node { rank partner { id name } value previousRank } }
    pageInfo { hasNextPage endCursor }
    me { rank partner { id name } value previousRank }
    ranked changedAt
  } }`;
const sale = (externalId: string, partner: string, amount: number, occurredAt: string, extra: object = {}) => ({
  externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB', occurredAt, ...extra,
});

interface Entry { rank: number; partner: { id: string; name: string | null }; value: number | string | null; previousRank: number | null }
interface Board { edges: { cursor: string; node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; me: Entry | null; ranked: number; changedAt: string | null }

const board = async (input: object, options: { first?: number; after?: string; token?: string } = {}) =>
  (await server.ok<{ leaderboard: Board }>(BOARD, { input, first: options.first, after: options.after }, options.token)).leaderboard;
/** name → [rank, value, previousRank] in board order. */
const places = (found: Board) => found.edges.map(({ node }) => [node.partner.name, node.rank, Number(node.value), node.previousRank]);
const OCTOBER = { metric: 'NET_SALES', period: 'MONTH', date: '2026-10-15' };

beforeAll(async () => {
  server = await startTestServer();
  await server.ok(`mutation { createRegion(input: { code: "NORTH", name: "North" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "NORTH-CITY", name: "North city", parentCode: "NORTH" }) { id } }`);
  await server.ok(`mutation { createRegion(input: { code: "SOUTH", name: "South" }) { id } }`);
  const partners = [['Anna', 'NORTH', null], ['Boris', 'NORTH-CITY', 'Anna'], ['Vera', 'SOUTH', 'Anna'], ['Gleb', 'SOUTH', null]] as const;
  for (const [name, regionCode, sponsor] of partners) {
    const made = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
      input: { name, kind: 'SERVICE_CENTER', regionCode, sponsorId: sponsor ? ids[sponsor] : null },
    });
    ids[name] = made.createPartner.id;
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name: 'Five percent', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 0, targeting: {}, schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] },
  });
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
  await server.ok(RECORD, {
    e: [
      sale('A1', 'Anna', 100_000, '2026-10-10T09:00:00Z'),
      // 23:30 in Moscow on 31 October: October's, though it is 20:30 UTC.
      sale('A2', 'Anna', 50_000, '2026-10-31T20:30:00Z'),
      sale('B1', 'Boris', 120_000, '2026-10-05T09:00:00Z'),
      sale('V1', 'Vera', 90_000, '2026-10-20T09:00:00Z'),
      sale('G1', 'Gleb', 150_000, '2026-10-15T09:00:00Z'),
      // 00:30 in Moscow on 1 November: November's, though it is still 31 October in UTC.
      sale('G2', 'Gleb', 200_000, '2026-10-31T21:30:00Z'),
      sale('A3', 'Anna', 10_000, '2026-11-03T09:00:00Z'),
    ],
  });
  // A partial refund of Anna's first sale: 300,00 ₽ of 1 000,00 ₽.
  await server.ok(RECORD, { e: [{ externalId: 'A1-R', type: 'REFUND', partnerId: ids.Anna, amount: 30_000, currency: 'RUB', occurredAt: '2026-10-12T09:00:00Z', refundOf: 'A1' }] });
});

const deltasFolded = () => boardDeltasFolded(server);

/** `cofactor leaderboards rebuild` for the test's program, on a connection of its own. */
async function rebuildBoards(): Promise<void> {
  const sql = new Sql(server.databaseUrl, new StatementCounter(), 1);
  try {
    await rebuildBoardTotals(sql, server.programId);
  } finally {
    await sql.close();
  }
}

afterAll(async () => {
  await server?.stop();
});

it('ranks net sales of a month after a partial refund, with ties "1224" in partner id order', async () => {
  const october = await board(OCTOBER);
  // Gleb 150 000 (his 200 000 fell on 1 November in Moscow).
  // Anna 100 000 + 50 000 (23:30 on 31 October in Moscow) − 30 000 refunded = 120 000.
  // Boris 120 000: ties with Anna on place 2, listed after her as his id is higher.
  // Vera 90 000: place 4, as two partners share place 2.
  // September is empty, so nobody had a previous rank.
  expect(places(october)).toEqual([
    ['Gleb', 1, 150_000, null],
    ['Anna', 2, 120_000, null],
    ['Boris', 2, 120_000, null],
    ['Vera', 4, 90_000, null],
  ]);
  expect(october.ranked).toBe(4);
  expect(october.me).toBeNull();
  expect(Date.parse(october.changedAt!)).toBeGreaterThan(Date.now() - 600_000);
  // The board's ranks are the places of the one ranking rule contests pay by.
  const rule = rankByCompetition(october.edges.map(({ node }) => ({ partner: { id: node.partner.id } as never, value: BigInt(node.value!) })));
  expect(rule.map((entry) => [entry.partner.id, entry.place])).toEqual(october.edges.map(({ node }) => [node.partner.id, node.rank]));
});

it('cuts periods in the program time zone and gives each entry its rank in the previous period', async () => {
  const november = await board({ ...OCTOBER, date: '2026-11-20' });
  // Gleb 200 000 (00:30 on 1 November in Moscow), place 1 in October; Anna 10 000, place 2 in October.
  expect(places(november)).toEqual([
    ['Gleb', 1, 200_000, 1],
    ['Anna', 2, 10_000, 2],
  ]);
  // The day board of 31 October (Moscow) holds Anna's 23:30 sale only; 1 November, Gleb's 00:30 one.
  expect(places(await board({ ...OCTOBER, period: 'DAY', date: '2026-10-31' }))).toEqual([['Anna', 1, 50_000, null]]);
  expect(places(await board({ ...OCTOBER, period: 'DAY', date: '2026-11-01' }))).toEqual([["Gleb", 1, 200_000, null]]);
  // The fourth quarter holds both months: Gleb 350 000, Anna 130 000, Boris 120 000, Vera 90 000.
  expect(places(await board({ ...OCTOBER, period: 'QUARTER' }))).toEqual([
    ['Gleb', 1, 350_000, null],
    ['Anna', 2, 130_000, null],
    ['Boris', 3, 120_000, null],
    ['Vera', 4, 90_000, null],
  ]);
});

it('ranks a region with its sub-regions, and partners of one kind only', async () => {
  // NORTH holds Anna, and Boris through NORTH-CITY: they tie on 120 000.
  expect(places(await board({ ...OCTOBER, regionCode: 'NORTH' }))).toEqual([
    ['Anna', 1, 120_000, null],
    ['Boris', 1, 120_000, null],
  ]);
  expect(places(await board({ ...OCTOBER, regionCode: 'NORTH-CITY' }))).toEqual([['Boris', 1, 120_000, null]]);
  expect((await board({ ...OCTOBER, partnerKind: 'AMBASSADOR' })).ranked).toBe(0);
  // Vera (90 000) moves to NORTH-CITY: the NORTH board, whose members were read just before, has her at once; then she moves back.
  const move = (regionCode: string) =>
    server.ok(`mutation($id: ID!, $input: UpdatePartnerInput!) { updatePartner(id: $id, input: $input) { id } }`, { id: ids.Vera, input: { regionCode } });
  await move('NORTH-CITY');
  expect(places(await board({ ...OCTOBER, regionCode: 'NORTH' }))).toEqual([['Anna', 1, 120_000, null], ['Boris', 1, 120_000, null], ['Vera', 3, 90_000, null]]);
  await move('SOUTH');
  expect(places(await board({ ...OCTOBER, regionCode: 'NORTH' }))).toEqual([['Anna', 1, 120_000, null], ['Boris', 1, 120_000, null]]);
});

it("reads a program's boards of one range together: one statement for the state and one for the names, whatever the slices; a slice's members once for all ranges", async () => {
  await deltasFolded();
  const counter = new StatementCounter();
  const sql = new Sql(server.databaseUrl, counter, 2);
  const leaderboards = new LeaderboardService(sql);
  try {
    const slices = [{}, { regionCode: 'NORTH' }, { regionCode: 'SOUTH' }, { partnerKind: 'SERVICE_CENTER' }];
    const asked = slices.map((slice) => ({ input: { ...OCTOBER, ...slice } as BoardQuery, viewers: [{ kind: 'admin' } as const], first: 10 }));
    // The first read also reads the month's totals and the slices' members; the next needs neither.
    await leaderboards.boards(server.programId, asked);
    const before = counter.count;
    const boards = await leaderboards.boards(server.programId, asked);
    expect(counter.count - before).toBe(2);
    // A partner joins SOUTH (no sponsor, no sale: no board changes, but membership moved). Two
    // ranges × two regions: each range's read is BEGIN, SET, the state again and COMMIT after
    // its state; each region's members are read once for both ranges; one names statement:
    // 2 × 5 + 2 + 1 = 13.
    const twoRanges = ['NET_SALES', 'SALES'].flatMap((metric) => ['NORTH', 'SOUTH'].map((regionCode) => ({ input: { ...OCTOBER, metric, regionCode } as BoardQuery, viewers: [{ kind: 'admin' } as const], first: 10 })));
    await leaderboards.boards(server.programId, twoRanges);
    await server.ok(`mutation { createPartner(input: { name: "Dina", kind: "DEALER", regionCode: "SOUTH" }) { id } }`);
    const beforeMove = counter.count;
    await leaderboards.boards(server.programId, twoRanges);
    expect(counter.count - beforeMove).toBe(13);
    // October: Gleb 150 000, Anna 100 000 + 50 000 − 30 000 = 120 000, Boris 120 000, Vera 90 000.
    expect(boards.map(([read]) => read.entries.map((entry) => [entry.name, entry.rank, Number(entry.value)]))).toEqual([
      [['Gleb', 1, 150_000], ['Anna', 2, 120_000], ['Boris', 2, 120_000], ['Vera', 4, 90_000]],
      [['Anna', 1, 120_000], ['Boris', 1, 120_000]],
      [['Gleb', 1, 150_000], ['Vera', 2, 90_000]],
      [['Gleb', 1, 150_000], ['Anna', 2, 120_000], ['Boris', 2, 120_000], ['Vera', 4, 90_000]],
    ]);
  } finally {
    await sql.close();
  }
});

it('counts sales, recruits and reward money, refunds lowering the money', async () => {
  // Sales of October: Anna 2, Boris 1, Gleb 1, Vera 1 (the refund is no sale).
  expect(places(await board({ ...OCTOBER, metric: 'SALES' }))).toEqual([
    ['Anna', 1, 2, null],
    ['Boris', 2, 1, null],
    ['Vera', 2, 1, null],
    ['Gleb', 2, 1, null],
  ]);
  // Anna sponsored Boris and Vera.
  expect(places(await board({ metric: 'RECRUITS', period: 'ALL' }))).toEqual([['Anna', 1, 2, null]]);
  // 5% of all sales, written now: Gleb 5% × 350 000 = 17 500; Anna 5% × 160 000 = 8 000 less
  // 5% × 30 000 = 1 500 taken back by the refund = 6 500; Boris 6 000; Vera 4 500.
  expect(places(await board({ metric: 'REWARD_MONEY', period: 'ALL' }))).toEqual([
    ['Gleb', 1, 17_500, null],
    ['Anna', 2, 6_500, null],
    ['Boris', 3, 6_000, null],
    ['Vera', 4, 4_500, null],
  ]);
});

it('pages with cursors, and gives a partner token its own entry outside the page, without the names of others', async () => {
  const first = await board(OCTOBER, { first: 2 });
  expect(places(first).map(([name]) => name)).toEqual(['Gleb', 'Anna']);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const second = await board(OCTOBER, { first: 2, after: first.pageInfo.endCursor! });
  expect(places(second).map(([name]) => name)).toEqual(['Boris', 'Vera']);
  expect(second.pageInfo.hasNextPage).toBe(false);

  const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Vera}") { token } }`)).issuePartnerToken.token;
  const asVera = await board(OCTOBER, { first: 1, token });
  expect(asVera.edges.map(({ node }) => [node.partner.id, node.partner.name, node.rank, Number(node.value)])).toEqual([[ids.Gleb, null, 1, 150_000]]);
  expect(asVera.me).toEqual({ rank: 4, partner: { id: ids.Vera, name: 'Vera' }, value: 90_000, previousRank: null });
  expect(asVera.ranked).toBe(4);
});

it("shows partners each other's names and values as the program chooses: aliases, full or short names, values or ranks only", async () => {
  const token = async (name: string) => (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids[name]}") { token } }`)).issuePartnerToken.token;
  const vera = await token('Vera');
  const seen = async () => (await board(OCTOBER, { token: vera })).edges.map(({ node }) => [node.partner.name, node.value === null ? null : Number(node.value)]);
  // By default partners see aliases only, and Gleb chooses one with his own token.
  const ALIAS = `mutation($p: ID!, $a: String) { setLeaderboardAlias(partnerId: $p, alias: $a) { id name } }`;
  expect(await server.ok(ALIAS, { p: ids.Gleb, a: ' Speedy ' }, await token('Gleb'))).toEqual({ setLeaderboardAlias: { id: ids.Gleb, name: 'Speedy' } });
  expect(await seen()).toEqual([['Speedy', 150_000], [null, 120_000], [null, 120_000], ['Vera', 90_000]]);
  // Gleb's token may not name Anna; an alias of 41 characters is one too many.
  expect((await server.gql(ALIAS, { p: ids.Anna, a: 'Boss' }, await token('Gleb'))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const long = await server.gql(ALIAS, { p: ids.Anna, a: 'x'.repeat(41) });
  expect([long.errors?.[0].extensions?.code, long.errors?.[0].extensions?.issues]).toEqual(['BAD_USER_INPUT', [{ path: 'alias', message: 'must be at most 40 characters' }]]);
  expect(await server.ok(ALIAS, { p: ids.Anna, a: 'x'.repeat(40) })).toEqual({ setLeaderboardAlias: { id: ids.Anna, name: 'x'.repeat(40) } });

  const VISIBILITY = `mutation($n: BoardNames!, $v: Boolean!) { setLeaderboardVisibility(names: $n, values: $v) { names values } }`;
  expect((await server.gql(VISIBILITY, { n: 'FULL', v: false }, vera)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  // Full names, ranks only: Vera still sees her own value.
  expect(await server.ok(VISIBILITY, { n: 'FULL', v: false })).toEqual({ setLeaderboardVisibility: { names: 'FULL', values: false } });
  expect(await seen()).toEqual([['Gleb', null], ['Anna', null], ['Boris', null], ['Vera', 90_000]]);
  expect((await board(OCTOBER, { token: vera })).edges.map(({ node }) => node.rank)).toEqual([1, 2, 2, 4]);
  // The admin key sees everything whatever the setting.
  expect(places(await board(OCTOBER)).map(([name, , value]) => [name, value])).toEqual([['Gleb', 150_000], ['Anna', 120_000], ['Boris', 120_000], ['Vera', 90_000]]);
  await server.ok(VISIBILITY, { n: 'ALIAS', v: true });
});

it('publishes a board as a link that reads that one board, with no credential, until revoked', async () => {
  const PUBLISH = `mutation($n: String!, $i: LeaderboardInput!) { publishLeaderboard(name: $n, input: $i) { link { id name revokedAt } token } }`;
  const PUBLIC = `query($t: String!) { publicLeaderboard(token: $t) { edges { node { rank partner { name } value } } me { rank } ranked } }`;
  const vera = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Vera}") { token } }`)).issuePartnerToken.token;
  expect((await server.gql(PUBLISH, { n: 'North, October', i: { ...OCTOBER, regionCode: 'NORTH' } }, vera)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const published = (await server.ok<{ publishLeaderboard: { link: { id: string; name: string; revokedAt: null }; token: string } }>(PUBLISH, { n: 'North, October', i: { ...OCTOBER, regionCode: 'NORTH' } })).publishLeaderboard;
  expect(published.link).toEqual({ id: expect.any(String), name: 'North, October', revokedAt: null });
  expect(published.token).toMatch(/^cfb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  // Read with no Authorization at all, as partners see each other: aliases only (Anna's is 40 x's, Boris has none).
  expect(await server.ok(PUBLIC, { t: published.token }, null)).toEqual({
    publicLeaderboard: { edges: [{ node: { rank: 1, partner: { name: 'x'.repeat(40) }, value: 120_000 } }, { node: { rank: 1, partner: { name: null }, value: 120_000 } }], me: null, ranked: 2 },
  });
  // The link is no credential: it reads nothing else.
  expect((await server.gql(`{ leaderboard(input: { metric: SALES, period: ALL }, first: 5) { ranked } }`, {}, published.token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const forged = published.token.slice(0, -1) + (published.token.endsWith('A') ? 'B' : 'A');
  expect((await server.gql(PUBLIC, { t: forged }, null)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const revoked = await server.ok<{ revokeLeaderboardLink: { revokedAt: string } }>(`mutation($id: ID!) { revokeLeaderboardLink(id: $id) { revokedAt } }`, { id: published.link.id });
  expect(revoked.revokeLeaderboardLink.revokedAt).toEqual(expect.any(String));
  const afterRevoke = await server.gql(PUBLIC, { t: published.token }, null);
  expect([afterRevoke.errors?.[0].extensions?.code, afterRevoke.data]).toEqual(['FORBIDDEN', null]);
});

it('refuses a caller without a reader key or a partner token, and a day that is not one', async () => {
  const anonymous = await server.gql(`query($input: LeaderboardInput!) { leaderboard(input: $input, first: 5) { ranked } }`, { input: OCTOBER }, null);
  expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const badDay = await server.gql(BOARD, { input: { ...OCTOBER, date: '2026-02-30' } });
  expect([badDay.errors?.[0].extensions?.code, badDay.errors?.[0].extensions?.issues ?? badDay.errors?.[0].message]).toEqual(['BAD_USER_INPUT', expect.anything()]);
  const noType = await server.gql(BOARD, { input: { ...OCTOBER, metric: 'EVENTS' } });
  expect(noType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
});

it('verify finds a board total that differs from the events, and `cofactor leaderboards rebuild` recomputes it', async () => {
  const sql = new Sql(server.databaseUrl, new StatementCounter(), 1);
  try {
    await deltasFolded();
    expect(await verifyBoardTotals(sql, server.programId)).toEqual({ differing: 0, examples: [] });
    await server.sql(`update board_total set value = value + 1 where partner_id = $1 and metric = 'NET_SALES' and grain = 'MONTH' and bucket = '2026-10-01'`, [ids.Anna]);
    expect(await verifyBoardTotals(sql, server.programId)).toEqual({
      differing: 1,
      examples: [`program ${server.programId} partner ${ids.Anna} NET_SALES RUB MONTH 2026-10-01: 120001, events and rewards give 120000`],
    });
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(process.execPath, [join(ROOT_DIR, 'server', 'dist', 'cli.js'), ...args], { cwd: ROOT_DIR, env: { ...process.env, DATABASE_URL: server.databaseUrl } }, (error, stdout) =>
          resolve({ code: error ? Number(error.code) : 0, stdout }),
        ),
      );
    const broken = await cli('verify', '--program', server.programId);
    expect([broken.code, broken.stdout]).toEqual([1, expect.stringContaining('rule board-totals: board totals disagree with the events and rewards (1 total;')]);
    const rebuilt = await cli('leaderboards', 'rebuild', '--program', server.programId);
    expect([rebuilt.code, rebuilt.stdout]).toEqual([0, expect.stringMatching(/^board totals rebuilt: \d+ totals\n$/)]);
    expect(await verifyBoardTotals(sql, server.programId)).toEqual({ differing: 0, examples: [] });
    expect(places(await board(OCTOBER))[1]).toEqual(['Anna', 2, 120_000, null]);
  } finally {
    await sql.close();
  }
});

it('pays a contest closed for October exactly the places the October board shows', async () => {
  const created = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'October contest', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', targeting: {},
      // Prizes by place: 1 000,00 ₽, 500,00 ₽, 100,00 ₽, 50,00 ₽.
      schemes: [{ code: 'contest', args: { metric: 'SALES_AMOUNT', prizes: [{ amount: '100000' }, { amount: '50000' }, { amount: '10000' }, { amount: '5000' }] } }],
    },
  });
  const campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  await server.ok(`mutation($c: ID!) { closePeriod(campaignId: $c, period: "2026-10") { rewardsCreated } }`, { c: campaignId });
  const placeOf: Record<string, number> = { 100000: 1, 50000: 2, 10000: 3, 5000: 4 };
  const paid = await server.sql<{ partner: string; amount: string }>(`select partner_id::text as partner, amount::text from reward where campaign_id = $1 order by partner_id`, [campaignId]);
  const october = await board(OCTOBER);
  // Gleb place 1; Anna and Boris share place 2 and each get its prize; Vera place 4.
  expect(paid.map((row) => [row.partner, placeOf[row.amount]])).toEqual(
    october.edges.map(({ node }) => [node.partner.id, node.rank]).sort((a, b) => Number(a[0]) - Number(b[0])),
  );
  expect(october.edges.map(({ node }) => node.rank)).toEqual([1, 2, 2, 4]);
});

it('reads a board the same from deltas not yet folded, from deltas and totals, and from totals alone', async () => {
  await deltasFolded();
  const march = { metric: 'NET_SALES', period: 'MONTH', date: '2025-03-15' };
  await server.ok(RECORD, { e: [sale('M1', 'Vera', 40_000, '2025-03-10T09:00:00Z'), sale('M2', 'Boris', 30_000, '2025-03-11T09:00:00Z')] });
  await deltasFolded();
  // While another connection holds the fold's lock, the server folds nothing: these stay deltas.
  const holder = new pg.Client({ connectionString: server.databaseUrl });
  await holder.connect();
  try {
    await holder.query('select pg_advisory_lock(hashtext($1))', [FOLD_LOCK]);
    await server.ok(RECORD, { e: [sale('M3', 'Boris', 25_000, '2025-03-20T09:00:00Z'), sale('M4', 'Gleb', 50_000, '2025-03-21T09:00:00Z')] });
    const waiting = await server.sql<{ partner: string; value: string }>(
      `select partner_id::text as partner, value::text from board_delta where metric = 'NET_SALES' order by partner_id`,
    );
    expect(waiting).toEqual([{ partner: ids.Boris, value: '25000' }, { partner: ids.Gleb, value: '50000' }]);
    // Boris 30 000 folded + 25 000 waiting = 55 000; Gleb 50 000 waiting only; Vera 40 000 folded only.
    expect(places(await board(march))).toEqual([['Boris', 1, 55_000, null], ['Gleb', 2, 50_000, null], ['Vera', 3, 40_000, null]]);
  } finally {
    await holder.query('select pg_advisory_unlock(hashtext($1))', [FOLD_LOCK]);
    await holder.end();
  }
  // The release lets the next fold run: a new change schedules one.
  await server.ok(RECORD, { e: [sale('M5', 'Anna', 1_000, '2025-03-22T09:00:00Z')] });
  await deltasFolded();
  expect(places(await board(march))).toEqual([['Boris', 1, 55_000, null], ['Gleb', 2, 50_000, null], ['Vera', 3, 40_000, null], ['Anna', 4, 1_000, null]]);
  const sql = new Sql(server.databaseUrl, new StatementCounter(), 1);
  try {
    expect(await verifyBoardTotals(sql, server.programId)).toEqual({ differing: 0, examples: [] });
  } finally {
    await sql.close();
  }
});

it('folds a backlog in batches and stops between two when asked, leaving the rest for the next fold', async () => {
  await deltasFolded();
  const july = { metric: 'NET_SALES', period: 'MONTH', date: '2025-07-15' };
  const left = async () => (await server.sql<{ n: number }>('select count(*)::int as n from board_delta'))[0].n;
  // One connection: it holds the fold's lock for the session, so the server's own folds wait,
  // and folds itself (a transaction's lock is granted to the session that holds it).
  const sql = new Sql(server.databaseUrl, new StatementCounter(), 1);
  try {
    await sql.query('select pg_advisory_lock(hashtext($1))', [FOLD_LOCK]);
    await server.ok(RECORD, { e: [sale('J1', 'Vera', 1_000, '2025-07-10T09:00:00Z'), sale('J2', 'Gleb', 2_000, '2025-07-11T09:00:00Z'), sale('J3', 'Anna', 3_000, '2025-07-12T09:00:00Z')] });
    // 3 sales × (net sales, number of sales) = 6 deltas; July 2025 is before the campaign, so no reward's.
    expect(await left()).toBe(6);
    expect(await foldBoardDeltas(sql, { batch: 2, stopping: () => true })).toBe(2);
    expect(await left()).toBe(4);
    expect(await foldBoardDeltas(sql, { batch: 2 })).toBe(4);
    expect(await left()).toBe(0);
  } finally {
    await sql.query('select pg_advisory_unlock(hashtext($1))', [FOLD_LOCK]);
    await sql.close();
  }
  expect(places(await board(july))).toEqual([['Anna', 1, 3_000, null], ['Gleb', 2, 2_000, null], ['Vera', 3, 1_000, null]]);
});

it("keeps each server's copy of a board's totals current: a fold's changes, and a rebuild that removes a total", async () => {
  const may = { metric: 'NET_SALES', period: 'MONTH', date: '2025-05-15' };
  await server.ok(RECORD, { e: [sale('Y1', 'Vera', 10_000, '2025-05-10T09:00:00Z'), sale('Y2', 'Gleb', 20_000, '2025-05-11T09:00:00Z')] });
  await deltasFolded();
  expect(places(await board(may))).toEqual([['Gleb', 1, 20_000, null], ['Vera', 2, 10_000, null]]);
  // A second fold: Vera's 10 000 + 15 000 = 25 000 passes Gleb.
  await server.ok(RECORD, { e: [sale('Y3', 'Vera', 15_000, '2025-05-12T09:00:00Z')] });
  await deltasFolded();
  expect(places(await board(may))).toEqual([['Vera', 1, 25_000, null], ['Gleb', 2, 20_000, null]]);
  // A total no event gives, written as a fold writes (a new version for the bucket, the total stamped with it), is read...
  await server.sql(
    `with bucket as (update board_size set version = nextval('board_version')
                      where (program_id, metric, campaign_id, grain, bucket) = ($1, 'NET_SALES', 0, 'MONTH', '2025-05-01') returning unit, version)
     insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, version)
     select $1, 'NET_SALES', unit, 0, 'MONTH', '2025-05-01', $2, 99999, version from bucket`,
    [server.programId, ids.Anna],
  );
  expect(places(await board(may))).toEqual([['Anna', 1, 99_999, null], ['Vera', 2, 25_000, null], ['Gleb', 3, 20_000, null]]);
  // ...and a rebuild, which removes it, has the month read again whole.
  await rebuildBoards();
  expect(places(await board(may))).toEqual([['Vera', 1, 25_000, null], ['Gleb', 2, 20_000, null]]);
});

it("ranks a campaign's partners over its dates, counting its own rewards only", async () => {
  // The campaign runs from 16 November 00:00 to 21 November 00:00 in Moscow (UTC+3): its days
  // are 16–20 November. It targets SOUTH (Vera, Gleb) and pays 10 % of sales.
  const created = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'South week', startsAt: '2026-11-15T21:00:00Z', endsAt: '2026-11-20T21:00:00Z', currency: 'RUB', holdDays: 0,
      targeting: { regionCodes: ['SOUTH'] }, schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }],
    },
  });
  const campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  await server.ok(RECORD, {
    e: [
      sale('S1', 'Vera', 20_000, '2026-11-20T09:00:00Z'),
      // 23:00 on 15 November in Moscow: the day before the campaign.
      sale('S2', 'Gleb', 30_000, '2026-11-15T20:00:00Z'),
      // 03:00 on 16 November in Moscow: its first day.
      sale('S3', 'Gleb', 10_000, '2026-11-16T00:00:00Z'),
      // 00:30 on 21 November in Moscow: the campaign has ended.
      sale('S4', 'Vera', 7_000, '2026-11-20T21:30:00Z'),
      // Boris (NORTH-CITY) sells the most, but the campaign does not target him.
      sale('S5', 'Boris', 50_000, '2026-11-18T09:00:00Z'),
    ],
  });
  const sales = await board({ metric: 'NET_SALES', period: 'CAMPAIGN', campaignId });
  // Vera: S1 20 000 (S4 fell after the end); Gleb: S3 10 000 (S2 fell before the start).
  expect([places(sales), sales.ranked]).toEqual([[['Vera', 1, 20_000, null], ['Gleb', 2, 10_000, null]], 2]);
  // The campaign's rewards only, not the five per cent every sale earns: 10 % of S1 and of S3.
  const money = await board({ metric: 'REWARD_MONEY', period: 'ALL', campaignId });
  expect(places(money)).toEqual([['Vera', 1, 2_000, null], ['Gleb', 2, 1_000, null]]);
  const noCampaign = await server.gql(BOARD, { input: { metric: 'NET_SALES', period: 'CAMPAIGN' } });
  expect([noCampaign.errors?.[0].extensions?.code, noCampaign.errors?.[0].extensions?.issues]).toEqual(['BAD_USER_INPUT', [{ path: 'input.campaignId', message: expect.any(String) }]]);
  const unknown = await server.gql(BOARD, { input: { metric: 'NET_SALES', period: 'CAMPAIGN', campaignId: '999999' } });
  expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  await deltasFolded();
  const sql = new Sql(server.databaseUrl, new StatementCounter(), 1);
  try {
    expect(await verifyBoardTotals(sql, server.programId)).toEqual({ differing: 0, examples: [] });
  } finally {
    await sql.close();
  }
});

it("keeps each server's copy of a campaign's board current by the partners whose totals changed, on whichever of its days", async () => {
  // The campaign's days are 1–4 September 2025 in Moscow (UTC+3); nothing else sold that month.
  const created = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'September days', startsAt: '2025-08-31T21:00:00Z', endsAt: '2025-09-04T21:00:00Z', currency: 'RUB', holdDays: 0,
      targeting: {}, schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }],
    },
  });
  const campaignId = created.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  const days = { metric: 'NET_SALES', period: 'CAMPAIGN', campaignId };
  await server.ok(RECORD, { e: [sale('D1', 'Vera', 10_000, '2025-09-01T09:00:00Z'), sale('D2', 'Gleb', 20_000, '2025-09-02T09:00:00Z')] });
  await deltasFolded();
  expect(places(await board(days))).toEqual([['Gleb', 1, 20_000, null], ['Vera', 2, 10_000, null]]);
  // A second fold changes the first day's totals and starts the third's: Vera 10 000 + 15 000 = 25 000, Anna 5 000.
  await server.ok(RECORD, { e: [sale('D3', 'Vera', 15_000, '2025-09-01T10:00:00Z'), sale('D4', 'Anna', 5_000, '2025-09-03T09:00:00Z')] });
  await deltasFolded();
  expect(places(await board(days))).toEqual([['Vera', 1, 25_000, null], ['Gleb', 2, 20_000, null], ['Anna', 3, 5_000, null]]);
  // The server's copy follows by what changed, not by reading the campaign's days again: Gleb's
  // total of 2 September changed by hand without a fold's version is not read, while 1 000 more
  // for Vera on 1 September, written as a fold writes (a new version for the day, her total
  // stamped with it), is, and added to her other days.
  await server.sql(
    `update board_total set value = 99999
      where (program_id, metric, campaign_id, grain, bucket, partner_id) = ($1, 'NET_SALES', 0, 'DAY', '2025-09-02', $2)`,
    [server.programId, ids.Gleb],
  );
  await server.sql(
    `with day as (update board_size set version = nextval('board_version')
                   where (program_id, metric, campaign_id, grain, bucket) = ($1, 'NET_SALES', 0, 'DAY', '2025-09-01') returning version)
     update board_total set value = value + 1000, version = (select version from day)
      where (program_id, metric, campaign_id, grain, bucket, partner_id) = ($1, 'NET_SALES', 0, 'DAY', '2025-09-01', $2)`,
    [server.programId, ids.Vera],
  );
  expect(places(await board(days))).toEqual([['Vera', 1, 26_000, null], ['Gleb', 2, 20_000, null], ['Anna', 3, 5_000, null]]);
  // A rebuild recomputes every total from the events and has the days read again whole.
  await rebuildBoards();
  expect(places(await board(days))).toEqual([['Vera', 1, 25_000, null], ['Gleb', 2, 20_000, null], ['Anna', 3, 5_000, null]]);
});
