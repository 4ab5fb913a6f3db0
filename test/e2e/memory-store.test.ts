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
    upline: await lookups.upline(ids.VERA, 3),
    downline: await lookups.downline(ids.ANNA, 3),
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
