/**
 * The rewarding pipeline's store in memory against its PostgreSQL store: seeded from a
 * read-only snapshot of a program, it answers every question the pipeline asks — attribution,
 * sales and their refunds, recorded contents, limits and granted sums, reversible entries and
 * what was taken back, points, uplines, downlines, stats and period participants — exactly as
 * PostgreSQL answers it for the same program.
 *
 * The program: Anna sponsors Boris and Gleb (SUSPENDED); Boris sponsors Vera. Anna has a coupon.
 * A campaign pays 5 % of sales and 3 % and 1 % up the tree, within a budget and a monthly cap;
 * sales (one by coupon, customers repeating), partial refunds and an approval are recorded.
 * Then the partners change, and both stores are asked about the program as it was between the
 * changes: partners, uplines, downlines, period participants and who may earn. Last, sales dated
 * around Moscow's month and quarter boundaries are recorded and both stores are asked for the
 * stats of every window around events going forward and back in time.
 */
import type { SchemeEvent } from '@cofactor/schema';
import { parsePeriodKey } from '../../server/src/periods/period.js';
import { toSnapshot } from '../../server/src/partners/partner-snapshot.js';
import { MemoryRewardingStorage } from '../../server/src/rewarding/memory/storage.js';
import { PostgresRewardingStorage } from '../../server/src/rewarding/postgres/storage.js';
import type { RewardingStore } from '../../server/src/rewarding/store.js';
import { toMemoryCampaign } from '../../server/src/simulation/simulation.service.js';
import { loadReplay } from '../../server/src/simulation/snapshot.js';
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const ids: Record<string, string> = {};
let campaignId: string;

beforeAll(async () => {
  server = await startTestServer();
  const create = async (name: string, sponsor?: string) => {
    const created = await server.ok<{ createPartner: { id: string } }>(
      `mutation($s: ID, $n: String!) { createPartner(input: { name: $n, kind: "AMBASSADOR", sponsorId: $s, referralCode: $n }) { id } }`,
      { s: sponsor ? ids[sponsor] : null, n: name },
    );
    ids[name] = created.createPartner.id;
  };
  await create('ANNA');
  await create('BORIS', 'ANNA');
  await create('VERA', 'BORIS');
  await create('GLEB', 'ANNA');
  await server.ok(`mutation { updatePartner(id: "${ids.GLEB}", input: { status: "SUSPENDED" }) { id } }`);
  await server.ok(`mutation { createCoupon(partnerId: "${ids.ANNA}", code: "ANNA10") { id } }`);
  campaignId = (
    await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: {
        name: 'Sales',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        budget: 400_000,
        partnerCap: 150_000,
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
        ],
      },
    })
  ).createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  const record = (events: object[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
  await record([
    { externalId: 'S-1', type: 'SALE', partnerId: ids.VERA, customerId: 'c-1', amount: 2_000_000, currency: 'RUB' },
    { externalId: 'S-2', type: 'SALE', couponCode: 'ANNA10', customerId: 'c-2', amount: 1_000_000, currency: 'RUB' },
    { externalId: 'S-3', type: 'SALE', partnerId: ids.BORIS, customerId: 'c-1', amount: 4_000_000, currency: 'RUB' },
    { externalId: 'L-1', type: 'LEAD', partnerId: ids.BORIS },
  ]);
  await record([
    { externalId: 'R-1', type: 'REFUND', refundOf: 'S-1', amount: 500_000, currency: 'RUB' },
    { externalId: 'S-4', type: 'SALE', partnerId: ids.VERA, amount: 300_000, currency: 'USD' },
  ]);
  await record([{ externalId: 'R-2', type: 'REFUND', refundOf: 'S-1', amount: 250_000, currency: 'RUB' }]);
  const [first] = await server.sql<{ id: string }>(`select id::text from reward where campaign_id = $1 and status = 'PENDING' order by id limit 1`, [campaignId]);
  await server.ok(`mutation($ids: [ID!]!) { approveRewards(ids: $ids) { id } }`, { ids: [first.id] });
});

afterAll(async () => {
  await server?.stop();
});

/** Every question the pipeline asks a store, asked of one store. */
async function ask(store: RewardingStore, programId: string) {
  const { app } = server.running;
  const sales = await store.events.lockSales(programId, ['S-1', 'S-2', 'S-3', 'R-1', 'NONE']);
  const saleIds = sales.map((sale) => sale.id);
  const reversible = await store.ledger.reversibleEntries(programId, saleIds);
  const [anyKey] = reversible.map((entry) => entry.idempotencyKey);
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  const snapshot = { id: campaign.id, name: campaign.name, currency: campaign.currency, startsAt: campaign.startsAt, endsAt: campaign.endsAt };
  const boris = (await store.events.partners(programId, [ids.BORIS]))[0];
  // A hypothetical sale by Boris being evaluated, not stored: its stats are the stored ones plus itself.
  const batch: SchemeEvent[] = [
    { id: '999999', externalId: 'X-1', type: 'SALE', partner: toSnapshot(boris), customerId: null, firstPurchase: true, couponCode: null, amount: 100n, currency: 'RUB', occurredAt: new Date(), attributes: {} },
  ];
  const lookups = store.schemes.lookups(programId, batch, new Date(), await store.schemes.timeZone(programId));
  const ctx = lookups.forEvent(snapshot, 0);
  const month = parsePeriodKey('2026-12', 'Europe/Moscow')!;
  const window = { fromMonth: '2026-12-01', toMonth: '2027-01-01', label: 'month (2026-12)' };
  return {
    attribution: (await store.events.attributionRows(programId, { ids: [ids.VERA], codes: ['BORIS'], coupons: ['ANNA10', 'NONE'] })).sort((a, b) => (a.id + a.couponCode < b.id + b.couponCode ? -1 : 1)),
    sales,
    refunded: await store.events.refundedSums(programId, saleIds),
    stored: await store.events.storedExternalIds(programId, ['S-1', 'R-2', 'NONE']),
    contents: await store.events.recordedContents(programId, ['S-2', 'R-1', 'L-1']),
    customers: (await store.events.ensureCustomers(programId, ['c-1', 'c-2'])).sort((a, b) => (a.id < b.id ? -1 : 1)),
    limits: await store.ledger.campaignLimits(programId, [campaignId, '999999']),
    keys: await store.ledger.existingKeys(programId, [anyKey, `${anyKey}:capped`, 'NONE']),
    grantedByCampaign: await store.ledger.grantedByCampaign([campaignId]),
    grantedByPartner: await store.ledger.grantedByPartner(campaignId, [ids.ANNA, ids.BORIS, ids.VERA, ids.GLEB], window),
    grantedBefore: await store.ledger.grantedByPartner(campaignId, [ids.ANNA], { fromMonth: '2026-11-01', toMonth: '2026-12-01', label: '' }),
    reversible,
    refunds: (await store.ledger.refundsOf(programId, saleIds)).sort((a, b) => (a.id < b.id ? -1 : 1)),
    takenBack: await store.ledger.takenBack(programId, reversible.map((entry) => entry.id)),
    byKey: await store.ledger.rewardByKey(programId, anyKey),
    balance: await store.ledger.pointsBalance(programId, ids.ANNA),
    partnerStatus: [await store.ledger.lockPartner(programId, ids.GLEB), await store.ledger.lockPartner(programId, '999999')],
    upline: await lookups.upline(ids.VERA, 3, new Date()),
    downline: await lookups.downline(ids.ANNA, 3, new Date()),
    canEarn: [await lookups.canEarn(ids.GLEB), await lookups.canEarn(ids.VERA)],
    stats: [await ctx.stats(ids.BORIS), await ctx.stats(ids.BORIS, 'DAY'), await ctx.stats(ids.VERA)],
    participants: await lookups.participants(snapshot, month, () => true, { everyone: true }),
    campaigns: await store.schemes.campaigns(programId, { active: true }),
  };
}

it('answers every question of the pipeline as the PostgreSQL store does for the same program', async () => {
  const { app } = server.running;
  const programId = server.programId;
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  // A span after everything: the state it starts from is the program as it is now.
  const later = Date.now() + 3_600_000;
  const { seed } = await loadReplay(app.sql, { programId, campaign, from: new Date(later), to: new Date(later + 3_600_000), compareWith: null, periodKeys: [], maxEvents: 1000 });
  const memory = await new MemoryRewardingStorage(seed).transaction((store) => ask(store, programId));
  const postgres = await new PostgresRewardingStorage(app.sql, app.ledger).transaction((store) => ask(store, programId));
  // The answers hold something: S-1, S-2, S-3 and R-1 named; six reversible entries (S-1: Vera, Boris, Anna; S-2: Anna;
  // S-3: Boris, Anna); three of them, S-1's, partly taken back; Anna, Boris and Vera taking part (Gleb is suspended).
  expect([postgres.sales.length, postgres.reversible.length, postgres.takenBack.size, postgres.participants.length]).toEqual([4, 6, 3, 3]);
  expect(memory).toEqual(postgres);
});

/** A moment strictly between two changes: PostgreSQL keeps microseconds, a Date milliseconds. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The questions whose answers depend on the date, asked of one store as of `at`, at `clock` (who earns is as of the clock). */
async function askAsOf(store: RewardingStore, programId: string, at: Date, clock: Date) {
  const { app } = server.running;
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  const snapshot = { id: campaign.id, name: campaign.name, currency: campaign.currency, startsAt: campaign.startsAt, endsAt: campaign.endsAt };
  const everyone = [ids.ANNA, ids.BORIS, ids.VERA, ids.GLEB];
  const rows = await store.events.partners(programId, everyone);
  const today = everyone.map((id) => rows.find((row) => row.id === id)!);
  // A hypothetical event of each partner at `at`, each with its partner as it was then, as the pipeline hands them on.
  const batch = await store.schemes.eventsAsOf(
    programId,
    today.map((row, n): SchemeEvent => ({ id: `99999${n}`, externalId: `X-${n}`, type: 'LEAD', partner: toSnapshot(row), customerId: null, firstPurchase: false, couponCode: null, amount: null, currency: null, occurredAt: at, attributes: {} })),
    clock,
  );
  const lookups = store.schemes.lookups(programId, batch, clock, await store.schemes.timeZone(programId));
  const vera = lookups.forEvent(snapshot, 2);
  // A period whose last instant is `at`.
  const period = { key: 'as-of', unit: 'MONTH' as const, startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: new Date(at.getTime() + 1) };
  return {
    events: batch.map((event) => event.partner),
    partners: await Promise.all(everyone.map((id) => lookups.partner(id, at))),
    upline: await lookups.upline(ids.VERA, 3, at),
    eventUpline: await vera.upline(ids.VERA, 3),
    eventPartner: await vera.partner(ids.BORIS),
    downline: await lookups.downline(ids.ANNA, 3, at),
    eventDownline: await vera.downline(ids.BORIS, 2),
    canEarn: await Promise.all(everyone.map((id) => lookups.canEarn(id))),
    participants: await lookups.participants(snapshot, period, (partner) => partner.level === 1, { everyone: true }),
  };
}

it('answers as of past dates as the PostgreSQL store does, while partners change region, sponsor, status and level', async () => {
  const { app } = server.running;
  const programId = server.programId;
  const moments: Date[] = [new Date('2026-01-01T00:00:00Z')];
  const change = async (mutation: string) => {
    await server.ok(mutation);
    await pause();
    moments.push(new Date());
    await pause();
  };
  await change('mutation { createRegion(input: { code: "NORTH", name: "North" }) { id } }');
  await server.ok('mutation { createRegion(input: { code: "SOUTH", name: "South" }) { id } }');
  await change(`mutation { updatePartner(id: "${ids.ANNA}", input: { regionCode: "NORTH" }) { id } }`);
  await change(`mutation { movePartner(id: "${ids.VERA}", sponsorId: "${ids.ANNA}") { id } }`);
  await change(`mutation { updatePartner(id: "${ids.BORIS}", input: { status: "SUSPENDED" }) { id } }`);
  await change(`mutation { updatePartner(id: "${ids.VERA}", input: { level: 2 }) { id } }`);
  await change(`mutation { updatePartner(id: "${ids.BORIS}", input: { status: "ACTIVE" }) { id } }`);
  await change(`mutation { updatePartner(id: "${ids.ANNA}", input: { regionCode: "SOUTH" }) { id } }`);
  await change(`mutation { movePartner(id: "${ids.VERA}", sponsorId: "${ids.BORIS}") { id } }`);
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  const later = Date.now() + 3_600_000;
  const { seed } = await loadReplay(app.sql, { programId, campaign, from: new Date(later), to: new Date(later + 3_600_000), compareWith: null, periodKeys: [], maxEvents: 1000 });
  const memory = new MemoryRewardingStorage(seed);
  const postgres = new PostgresRewardingStorage(app.sql, app.ledger);
  const answers = [];
  for (const [index, at] of moments.entries()) {
    // The clock is the moment, or for the first (before anyone joined) the second: a store in memory sees
    // the program as it stood at its clock, as PostgreSQL did then, and the partners did not exist before.
    const clock = index === 0 ? moments[1] : at;
    const fromMemory = await memory.transaction((store) => askAsOf(store, programId, at, clock));
    const fromPostgres = await postgres.transaction((store) => askAsOf(store, programId, at, clock));
    expect(fromMemory).toEqual(fromPostgres);
    answers.push(fromPostgres);
  }
  // By hand, moment by moment: Vera's upline; Anna's region; how many ACTIVE partners are below Anna; whether
  // Boris earns; Vera's level; who takes part in a close then among level-1 partners. The first moment, before
  // anyone joined, sees everyone as they joined (Gleb ACTIVE); then Gleb is suspended, Anna moves to NORTH,
  // Vera to Anna, Boris is suspended, Vera reaches level 2, Boris is reactivated, Anna moves to SOUTH, Vera back to Boris.
  expect(
    answers.map((answer) => [
      answer.upline.map((member) => member.partner.name),
      answer.partners[0]!.regionId ? 'region' : 'none',
      answer.downline.total,
      answer.canEarn[1],
      answer.partners[2]!.level,
      answer.participants.map((participant) => participant.partner.name).join(' '),
    ]),
  ).toEqual([
    [['BORIS', 'ANNA'], 'none', 3, true, 1, 'ANNA BORIS VERA GLEB'],
    [['BORIS', 'ANNA'], 'none', 2, true, 1, 'ANNA BORIS VERA'],
    [['BORIS', 'ANNA'], 'region', 2, true, 1, 'ANNA BORIS VERA'],
    [['ANNA'], 'region', 2, true, 1, 'ANNA BORIS VERA'],
    [['ANNA'], 'region', 1, false, 1, 'ANNA VERA'],
    [['ANNA'], 'region', 1, false, 2, 'ANNA'],
    [['ANNA'], 'region', 2, true, 2, 'ANNA BORIS'],
    [['ANNA'], 'region', 2, true, 2, 'ANNA BORIS'],
    [['BORIS', 'ANNA'], 'region', 2, true, 2, 'ANNA BORIS'],
  ]);
  // Anna's region differs between the third and the eighth moment: NORTH, then SOUTH.
  expect(answers[2].partners[0]!.regionId).not.toEqual(answers[7].partners[0]!.regionId);
});

/** Stats in every window, for a batch of hypothetical events of Boris (not stored), asked of one store. */
async function askWindows(store: RewardingStore, programId: string) {
  const { app } = server.running;
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  const snapshot = { id: campaign.id, name: campaign.name, currency: campaign.currency, startsAt: campaign.startsAt, endsAt: campaign.endsAt };
  const boris = toSnapshot((await store.events.partners(programId, [ids.BORIS]))[0]);
  // Dates go forward and back, so a rolling window slides both ways: 23:30 on 30 September and 00:30 on
  // 1 October Moscow time (both 30 September in UTC), 20 November, back to 5 October, then 31 December 23:59 Moscow.
  const dates = ['2026-09-30T20:30:00Z', '2026-09-30T21:30:00Z', '2026-11-20T10:00:00Z', '2026-10-05T10:00:00Z', '2026-12-31T20:59:00Z'];
  const batch = dates.map((date, n): SchemeEvent => ({
    id: `99998${n}`, externalId: `W-${n}`, type: 'SALE', partner: boris, customerId: null, firstPurchase: false, couponCode: null,
    amount: BigInt(100 * (n + 1)), currency: 'RUB', occurredAt: new Date(date), attributes: {},
  }));
  const lookups = store.schemes.lookups(programId, batch, new Date(), await store.schemes.timeZone(programId));
  const windows = ['CAMPAIGN', 'DAY', 'MONTH', 'QUARTER', { rollingDays: 1 }, { rollingDays: 30 }, { rollingDays: 90 }] as const;
  const answers = [];
  for (const index of batch.keys()) {
    const ctx = lookups.forEvent(snapshot, index);
    for (const window of windows) answers.push([index, window, await ctx.stats(ids.BORIS, window), await ctx.stats(ids.VERA, window)]);
  }
  return answers;
}

it('counts the month, quarter and rolling windows as the PostgreSQL store does', async () => {
  const { app } = server.running;
  const programId = server.programId;
  const record = (events: object[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
  const sale = (externalId: string, partner: string, amount: number, occurredAt: string) => ({ externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB', occurredAt });
  // Boris: 10 000,00 ₽ at 23:00 on 30 September Moscow time; 20 000,00 ₽ at 00:10 on 1 October Moscow time,
  // 5 000,00 ₽ of it refunded on 10 October; 7 000,00 ₽ on 15 November; a lead on 1 August. Vera: 3 000,00 ₽ on 20 October.
  await record([
    sale('M-1', 'BORIS', 1_000_000, '2026-09-30T20:00:00Z'),
    sale('M-2', 'BORIS', 2_000_000, '2026-09-30T21:10:00Z'),
    sale('M-4', 'BORIS', 700_000, '2026-11-15T09:00:00Z'),
    sale('M-5', 'VERA', 300_000, '2026-10-20T09:00:00Z'),
    { externalId: 'M-6', type: 'LEAD', partnerId: ids.BORIS, occurredAt: '2026-08-01T09:00:00Z' },
  ]);
  await record([{ externalId: 'M-3', type: 'REFUND', refundOf: 'M-2', amount: 500_000, currency: 'RUB', occurredAt: '2026-10-10T09:00:00Z' }]);
  const campaign = toMemoryCampaign(await app.campaigns.definition(programId, campaignId, {}), campaignId);
  const later = Date.now() + 3_600_000;
  const { seed } = await loadReplay(app.sql, { programId, campaign, from: new Date(later), to: new Date(later + 3_600_000), compareWith: null, periodKeys: [], maxEvents: 1000 });
  const memory = await new MemoryRewardingStorage(seed).transaction((store) => askWindows(store, programId));
  const postgres = await new PostgresRewardingStorage(app.sql, app.ledger).transaction((store) => askWindows(store, programId));
  expect(memory).toEqual(postgres);
  const boris = (index: number, window: string) => postgres.find(([at, asked]) => at === index && JSON.stringify(asked) === window)![2];
  // By hand (W-n is 100 × (n + 1) kopecks). W-1, 00:30 on 1 October Moscow: October holds M-2 (20 000,00 ₽), its refund
  // M-3 (5 000,00 ₽) and W-1 (200); M-1 and W-0 are still September there.
  expect(boris(1, '"MONTH"')).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 2_000_200n, REFUND: 500_000n }, newCustomers: 0 });
  // W-0, 23:30 on 30 September Moscow: the third quarter holds the lead M-6, M-1 and W-0 (100).
  expect(boris(0, '"QUARTER"')).toEqual({ count: { LEAD: 1, SALE: 2 }, amount: { LEAD: 0n, SALE: 1_000_100n }, newCustomers: 0 });
  // W-1, one day back from 30 September 21:30 UTC: M-1 (20:00), W-0 (20:30), M-2 (21:10) and W-1 = 1 000 000 + 100 + 2 000 000 + 200.
  expect(boris(1, '{"rollingDays":1}')).toEqual({ count: { SALE: 4 }, amount: { SALE: 3_000_300n }, newCustomers: 0 });
  // W-2, 20 November: 30 days back reach 21 October; M-1, M-2 and the refund have slid out. M-4 (700 000), and the
  // batch's W-0 and W-1 are out too: W-2 (300) alone joins M-4.
  expect(boris(2, '{"rollingDays":30}')).toEqual({ count: { SALE: 2 }, amount: { SALE: 700_300n }, newCustomers: 0 });
});
