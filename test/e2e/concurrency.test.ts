/**
 * Concurrent ingestion over real HTTP: parallel clients send overlapping batches that share
 * customers and partners, and resend each other's events. The result must equal what one
 * serial client produces: every event once, every first purchase once, every goal paid once.
 */
import pg from 'pg';
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
const partnerIds: string[] = [];

const PARTNERS = 8;
const CUSTOMERS = 32;
const EVENTS = 480;

/**
 * Event i: a SALE of 100,00 ₽ by partner i mod 8 to customer i mod 32 — so each customer
 * always buys from the same partner, whichever of its sales is ingested first.
 */
function event(i: number) {
  return {
    externalId: `E-${i}`,
    type: 'SALE',
    partnerId: partnerIds[i % PARTNERS],
    customerId: `cust-${i % CUSTOMERS}`,
    amount: 10_000,
    currency: 'RUB',
    occurredAt: new Date(Date.UTC(2026, 2, 1, 0, 0, i)).toISOString(),
  };
}

beforeAll(async () => {
  server = await startTestServer();
  for (let i = 0; i < PARTNERS; i++) {
    const data = await server.ok<{ createPartner: { id: string } }>(
      `mutation { createPartner(input: { name: "Seller ${i}", kind: "RESELLER" }) { id } }`,
    );
    partnerIds.push(data.createPartner.id);
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Race',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '1' } },
          { code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: 3, amount: 50_000 } },
        ],
      },
    },
  );
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

it('gives the serial result when 4 clients send overlapping batches at once', async () => {
  const record = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted duplicates } }`;
  // Each client sends 6 batches of 40 events from a shuffled half of the 480, so every event
  // is sent by two clients, often at the same moment.
  const clients = [0, 1, 2, 3].map((client) => {
    const mine = Array.from({ length: EVENTS }, (_, i) => i).filter((i) => Math.floor(i / 40) % 2 === client % 2);
    const order = mine.sort((a, b) => ((a * 7919 + client * 104729) % 997) - ((b * 7919 + client * 104729) % 997));
    return async () => {
      let accepted = 0;
      for (let batch = 0; batch < order.length; batch += 40) {
        const data = await server.ok<{ recordEvents: { accepted: number } }>(record, { e: order.slice(batch, batch + 40).map(event) });
        accepted += data.recordEvents.accepted;
      }
      return accepted;
    };
  });
  const accepted = await Promise.all(clients.map((run) => run()));
  expect(accepted.reduce((sum, n) => sum + n, 0)).toBe(EVENTS);

  const [events] = await server.sql(
    "select count(*)::int as n, count(*) filter (where first_purchase)::int as first from event where type = 'SALE'",
  );
  // 480 events; 32 customers, each with exactly one first purchase.
  expect(events).toEqual({ n: EVENTS, first: CUSTOMERS });
  const [customers] = await server.sql('select count(*)::int as n, count(first_purchase_at)::int as purchased from customer');
  expect(customers).toEqual({ n: CUSTOMERS, purchased: CUSTOMERS });

  const rewards = await server.sql<{ kind: string; n: number; total: string }>(`
    select case when details ? 'metric' then 'goal' else 'percent' end as kind, count(*)::int as n, sum(amount)::text as total
      from reward group by 1 order by 1`);
  // Percent: one 1% reward (100 kopecks) per event. Goals: each partner has 4 customers,
  // so 4 new customers, past the target of 3: exactly one 500,00 ₽ goal each, 8 in all.
  expect(rewards).toEqual([
    { kind: 'goal', n: PARTNERS, total: String(PARTNERS * 50_000) },
    { kind: 'percent', n: EVENTS, total: String(EVENTS * 100) },
  ]);
});

it('counts goals across concurrent batches: two batches completing a goal together pay it once', async () => {
  // A goal of 2 new customers. Two batches with one new customer each for the same partner
  // are made to overlap for certain: the test holds a lock on the ledger, so both calls stop
  // at their reward insert, after counting. Counting only committed events, each would see
  // 1 customer and neither would pay; counted correctly, exactly one of them pays.
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Pair',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [{ code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: 2, amount: 70_000 } }],
      },
    },
  );
  const id = campaign.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${id}") { id } }`);
  const fresh = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Pair seller", kind: "RESELLER" }) { id } }`);
  const seller = fresh.createPartner.id;
  const sale = (n: number) => [{ externalId: `PAIR-${n}`, type: 'SALE', partnerId: seller, customerId: `pair-${n}`, amount: 10_000, currency: 'RUB' }];
  const record = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`;

  const blocker = new pg.Client({ connectionString: server.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query('lock table reward in share row exclusive mode');
    const calls = [server.ok(record, { e: sale(1) }), server.ok(record, { e: sale(2) })];
    // Wait until both calls are blocked inside the database.
    for (let waited = 0; ; waited += 50) {
      const [{ n }] = await server.sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and pid <> $1`,
        [(blocker as unknown as { processID: number }).processID],
      );
      if (n >= 2) break;
      if (waited > 10_000) throw new Error('the two calls never reached the database together');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await blocker.query('commit');
    await Promise.all(calls);
  } finally {
    await blocker.end();
  }
  const goals = await server.sql<{ n: number; total: string }>(
    'select count(*)::int as n, sum(amount)::text as total from reward where campaign_id = $1',
    [id],
  );
  expect(goals).toEqual([{ n: 1, total: '70000' }]);
});
