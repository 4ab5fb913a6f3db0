/**
 * Replay is exact: simulating a stored, unchanged campaign over its own history writes, entry
 * for entry, what the campaign wrote (partner, amount, unit, idempotency key). Any difference
 * is a bug in determinism, or a store in memory that answers otherwise than PostgreSQL.
 *
 * fast-check generates small programs, each in a program of its own on one real server: a
 * referral tree of three to six partners, a campaign paying 5 % of sales to the seller, 3 % and
 * 1 % to the two sponsors above it, RUB 100.00 for a customer's first purchase and RUB 500.00
 * for a partner's second new customer (stats within a batch), perhaps with a budget and a
 * monthly partner cap; then batches of sales (a few customers, so first purchases repeat) and
 * partial or full refunds, all in November 2026, recorded over real HTTP. Partner attributes
 * do not change while a program runs.
 *
 * Each batch lists its sales, then its refunds, each by external id: the order the server
 * stores a batch's events in, which is the order a replay sends them in (the order a caller
 * sent them in is not stored).
 *
 * COFACTOR_SOAK=1 runs many more and longer programs.
 */
import fc from 'fast-check';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const SOAK = process.env.COFACTOR_SOAK === '1';
const RUNS = SOAK ? 200 : 12;
const MAX_BATCHES = SOAK ? 12 : 5;
const SPAN = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
const DAY_MS = 24 * 3600 * 1000;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

interface SaleCommand {
  kind: 'sale';
  seller: number;
  customer: number;
  amount: number;
  day: number;
}

interface RefundCommand {
  kind: 'refund';
  /** Which of the sales so far (modulo their count), and the share of what is left of it (in percent). */
  sale: number;
  share: number;
  day: number;
}

type Command = SaleCommand | RefundCommand;

const programArb = fc.record({
  sponsors: fc.integer({ min: 3, max: 6 }).chain((count) =>
    fc.tuple(...Array.from({ length: count }, (_, index) => (index === 0 ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: index - 1 }), { nil: null })))),
  ),
  budget: fc.option(fc.integer({ min: 50_000, max: 3_000_000 }), { nil: null }),
  partnerCap: fc.option(fc.integer({ min: 20_000, max: 1_000_000 }), { nil: null }),
  batches: fc.array(
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('sale' as const), seller: fc.nat(5), customer: fc.nat(3), amount: fc.integer({ min: 1, max: 5_000_000 }), day: fc.integer({ min: 0, max: 29 }) }),
        fc.record({ kind: fc.constant('refund' as const), sale: fc.nat(50), share: fc.integer({ min: 1, max: 100 }), day: fc.integer({ min: 0, max: 29 }) }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
    { minLength: 1, maxLength: MAX_BATCHES },
  ),
});

type Generated = typeof programArb extends fc.Arbitrary<infer T> ? T : never;

/** A program of its own, with an admin key: every run starts from nothing. */
async function newProgram(run: number): Promise<{ programId: string; key: string }> {
  const em = server.running.app.orm.em.fork();
  const program = em.create(Program, { name: `Replay ${run}`, defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  return { programId: program.id, key: (await server.running.app.auth.createApiKey(program.id, 'replay admin', ['admin'])).key };
}

async function setUp(generated: Generated, key: string): Promise<{ partners: string[]; campaignId: string }> {
  const partners: string[] = [];
  for (const [index, sponsor] of generated.sponsors.entries()) {
    const created = await server.ok<{ createPartner: { id: string } }>(
      `mutation($s: ID) { createPartner(input: { name: "P${index}", kind: "AMBASSADOR", sponsorId: $s }) { id } }`,
      { s: sponsor === null ? null : partners[sponsor] },
      key,
    );
    partners.push(created.createPartner.id);
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Replayed',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        budget: generated.budget,
        partnerCap: generated.partnerCap,
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
          { code: 'first-purchase', args: { amount: '10000' } },
          { code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: 2, amount: 50_000 } },
        ],
      },
    },
    key,
  );
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`, {}, key);
  return { partners, campaignId: campaign.createCampaign.id };
}

/** Records the batches: each its sales, then its refunds, in external-id order; a refund takes a share of what is left of a sale. */
async function record(generated: Generated, partners: string[], key: string, run: number): Promise<void> {
  const sales: { externalId: string; left: number }[] = [];
  let sequence = 0;
  const occurredAt = (day: number) => new Date(Date.parse(SPAN.from) + day * DAY_MS + 12 * 3600 * 1000).toISOString();
  for (const batch of generated.batches) {
    const saleInputs: object[] = [];
    const refundInputs: object[] = [];
    for (const command of batch as Command[]) {
      const externalId = `${run}-${String(++sequence).padStart(4, '0')}`;
      if (command.kind === 'sale') {
        saleInputs.push({ externalId: `S-${externalId}`, type: 'SALE', partnerId: partners[command.seller % partners.length], customerId: `c-${run}-${command.customer}`, amount: command.amount, currency: 'RUB', occurredAt: occurredAt(command.day) });
        sales.push({ externalId: `S-${externalId}`, left: command.amount });
        continue;
      }
      const sale = sales.length ? sales[command.sale % sales.length] : null;
      const amount = sale ? Math.ceil((sale.left * command.share) / 100) : 0;
      if (!sale || amount === 0) continue;
      sale.left -= amount;
      refundInputs.push({ externalId: `R-${externalId}`, type: 'REFUND', refundOf: sale.externalId, amount, currency: 'RUB', occurredAt: occurredAt(command.day) });
    }
    await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: [...saleInputs, ...refundInputs] }, key);
  }
}

const asEntries = (rows: { partnerId: string; amount: string; unit: string; idempotencyKey: string }[]) =>
  rows.map((row) => `${row.idempotencyKey} ${row.partnerId} ${row.amount} ${row.unit}`).sort();

it(
  'simulating an unchanged campaign over its own history reproduces its ledger entry for entry',
  async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(programArb, async (generated) => {
        run += 1;
        const { programId, key } = await newProgram(run);
        const { partners, campaignId } = await setUp(generated, key);
        await record(generated, partners, key, run);
        const ledger = await server.sql<{ partnerId: string; amount: string; unit: string; idempotencyKey: string }>(
          `select partner_id::text as "partnerId", amount::text as amount, unit, idempotency_key as "idempotencyKey" from reward where program_id = $1 and campaign_id = $2`,
          [programId, campaignId],
        );
        const simulated = await server.running.app.simulation.simulate(programId, { campaignId, from: new Date(SPAN.from), to: new Date(SPAN.to) });
        expect(asEntries(simulated.entries)).toEqual(asEntries(ledger));

        // Over HTTP, against itself: no partner's pay changes, and the difference is zero in every unit.
        const { simulateCampaign } = await server.ok(
          `query($input: SimulationInput!) { simulateCampaign(input: $input) { partnerChanges { partnerId } comparison { difference { granted capped entries } } } }`,
          { input: { campaignId, compareWith: campaignId, ...SPAN } },
          key,
        );
        expect(simulateCampaign.partnerChanges).toEqual([]);
        for (const difference of simulateCampaign.comparison.difference) expect(difference).toEqual({ granted: 0, capped: 0, entries: 0 });
      }),
      { numRuns: RUNS },
    );
  },
  SOAK ? 3_600_000 : 600_000,
);

it(
  'replays a few thousand events (prints events per second; not asserted)',
  async () => {
    const { programId, key } = await newProgram(0);
    const generated: Generated = { sponsors: [null, 0, 1, 1, 0, 4], budget: null, partnerCap: null, batches: [] };
    const { partners, campaignId } = await setUp(generated, key);
    const batches = 5;
    const perBatch = 1000;
    for (let batch = 0; batch < batches; batch++) {
      const events = Array.from({ length: perBatch }, (_, n) => ({
        externalId: `B-${batch}-${String(n).padStart(4, '0')}`,
        type: 'SALE',
        partnerId: partners[n % partners.length],
        customerId: `b-${n % 300}`,
        amount: 10_000 + n,
        currency: 'RUB',
        occurredAt: new Date(Date.parse(SPAN.from) + (batch * perBatch + n) * 60_000).toISOString(),
      }));
      await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events }, key);
    }
    const started = performance.now();
    const simulated = await server.running.app.simulation.simulate(programId, { campaignId, from: new Date(SPAN.from), to: new Date(SPAN.to) });
    const seconds = (performance.now() - started) / 1000;
    console.log(`simulation replayed ${simulated.eventsReplayed} events in ${seconds.toFixed(2)} s: ${Math.round(simulated.eventsReplayed / seconds)} events/s`);
    expect(simulated.eventsReplayed).toBe(batches * perBatch);
  },
  600_000,
);
