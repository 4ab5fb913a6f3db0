/**
 * Replay is exact: simulating a stored, unchanged campaign over its own history writes, entry
 * for entry, what the campaign wrote (partner, amount, unit, idempotency key). Any difference
 * is a bug in determinism, or a store in memory that answers otherwise than PostgreSQL.
 *
 * fast-check generates small programs, each in a program of its own on one real server: a
 * campaign for the NORTH region and levels 1 and 2 paying 5 % of sales to the seller, 3 % and
 * 1 % to the two sponsors above it, RUB 100.00 for a customer's first purchase, RUB 500.00 for a
 * partner's second new customer (stats within a batch) and a badge to a sponsor with two ACTIVE
 * direct recruits (a downline), perhaps with a budget and a monthly partner cap; then a referral
 * tree of three to six partners in two regions. Then steps, recorded over real HTTP: partners
 * change — a region move, a sponsor move, a suspension or a reactivation, a level change, a new
 * partner joining — and a batch of sales (a few customers, so first purchases repeat) and
 * partial or full refunds follows. Events are dated in November 2026 (before the
 * partners joined, so they see the partners as they joined) or at a moment between two of the
 * changes so far (so targeting, uplines and who earns follow the changes).
 *
 * A batch lists its events in the order generated: refunds of earlier sales among its sales,
 * a refund of a sale of the batch after it (a refund may not come before its sale), external
 * ids in another order than the caller's. The server stores a batch's sales before its refunds
 * and each part in external-id order; a replay must send the batch in the caller's order.
 *
 * COFACTOR_SOAK=1 runs many more and longer programs.
 */
import fc from 'fast-check';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { Program } from '../../server/src/programs/program.entity.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const SOAK = process.env.COFACTOR_SOAK === '1';
const RUNS = SOAK ? 200 : 12;
const MAX_STEPS = SOAK ? 12 : 5;
const FROM = '2026-11-01T00:00:00Z';
/** Event dates before any partner joined. */
const NOVEMBER = ['2026-11-03T12:00:00Z', '2026-11-15T12:00:00Z', '2026-11-28T12:00:00Z'].map((at) => new Date(at));
const REGIONS = ['NORTH', 'SOUTH'];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A moment strictly between two changes: PostgreSQL keeps microseconds, a Date milliseconds. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 3));

interface SaleCommand {
  kind: 'sale';
  seller: number;
  customer: number;
  amount: number;
  /** Which of the moments so far the sale is dated (modulo their count). */
  moment: number;
  /** Orders external ids otherwise than the batch. */
  tag: number;
}

interface RefundCommand {
  kind: 'refund';
  /** Which of the sales so far (modulo their count), and the share of what is left of it (in percent). */
  sale: number;
  share: number;
  moment: number;
  tag: number;
}

type Command = SaleCommand | RefundCommand;

type Change =
  | { kind: 'region'; partner: number; region: number }
  | { kind: 'sponsor'; partner: number; sponsor: number | null }
  | { kind: 'status'; partner: number; status: 'ACTIVE' | 'SUSPENDED' }
  | { kind: 'level'; partner: number; level: number }
  | { kind: 'join'; sponsor: number | null; region: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('region' as const), partner: fc.nat(5), region: fc.nat(1) }),
  fc.record({ kind: fc.constant('sponsor' as const), partner: fc.nat(5), sponsor: fc.option(fc.nat(5), { nil: null }) }),
  fc.record({ kind: fc.constant('status' as const), partner: fc.nat(5), status: fc.constantFrom('ACTIVE' as const, 'SUSPENDED' as const) }),
  fc.record({ kind: fc.constant('level' as const), partner: fc.nat(5), level: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('join' as const), sponsor: fc.option(fc.nat(8), { nil: null }), region: fc.nat(1) }),
);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('sale' as const), seller: fc.nat(5), customer: fc.nat(3), amount: fc.integer({ min: 1, max: 5_000_000 }), moment: fc.nat(20), tag: fc.nat(99) }),
  fc.record({ kind: fc.constant('refund' as const), sale: fc.nat(50), share: fc.integer({ min: 1, max: 100 }), moment: fc.nat(20), tag: fc.nat(99) }),
);

const programArb = fc.record({
  partners: fc.integer({ min: 3, max: 6 }).chain((count) =>
    fc.tuple(
      ...Array.from({ length: count }, (_, index) =>
        fc.record({ sponsor: index === 0 ? fc.constant(null) : fc.option(fc.integer({ min: 0, max: index - 1 }), { nil: null }), region: fc.nat(1) }),
      ),
    ),
  ),
  budget: fc.option(fc.integer({ min: 50_000, max: 3_000_000 }), { nil: null }),
  partnerCap: fc.option(fc.integer({ min: 20_000, max: 1_000_000 }), { nil: null }),
  steps: fc.array(fc.record({ changes: fc.array(changeArb, { maxLength: 2 }), batch: fc.array(commandArb, { minLength: 1, maxLength: 6 }) }), {
    minLength: 1,
    maxLength: MAX_STEPS,
  }),
});

type Generated = typeof programArb extends fc.Arbitrary<infer T> ? T : never;

/** A program of its own, with an admin key and the two regions: every run starts from nothing. */
async function newProgram(run: number): Promise<{ programId: string; key: string }> {
  const em = server.running.app.orm.em.fork();
  const program = em.create(Program, { name: `Replay ${run}`, defaultCurrency: 'RUB', timeZone: 'Europe/Moscow', tokenSecret: newTokenSecret() });
  await em.flush();
  const key = (await server.running.app.auth.createApiKey(program.id, 'replay admin', ['admin'])).key;
  for (const code of REGIONS) await server.ok(`mutation { createRegion(input: { code: "${code}", name: "${code}" }) { id } }`, {}, key);
  return { programId: program.id, key };
}

async function join(partners: string[], sponsor: number | null, region: number, key: string): Promise<void> {
  const created = await server.ok<{ createPartner: { id: string } }>(
    `mutation($s: ID, $r: String) { createPartner(input: { name: "P${partners.length}", kind: "AMBASSADOR", sponsorId: $s, regionCode: $r }) { id } }`,
    { s: sponsor === null ? null : partners[sponsor], r: REGIONS[region] },
    key,
  );
  partners.push(created.createPartner.id);
}

/** The campaign, active before anyone joins (so it sees every PARTNER_JOINED), then the partners. */
async function setUp(generated: Generated, key: string): Promise<{ partners: string[]; campaignId: string }> {
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Replayed',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        budget: generated.budget,
        partnerCap: generated.partnerCap,
        targeting: { regionCodes: ['NORTH'], levels: [1, 2] },
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
          { code: 'first-purchase', args: { amount: '10000' } },
          { code: 'fixed-goal', args: { metric: 'NEW_CUSTOMERS', target: 2, amount: 50_000 } },
          { code: 'badges', args: { badges: [{ code: 'RECRUITER', name: 'Recruiter', rule: 'RECRUITS', threshold: '2' }] } },
        ],
      },
    },
    key,
  );
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`, {}, key);
  const partners: string[] = [];
  for (const { sponsor, region } of generated.partners) await join(partners, sponsor, region, key);
  return { partners, campaignId: campaign.createCampaign.id };
}

/** Whether `partner` is `other` or above it in the tree: moving `partner` under `other` would make a cycle. */
function above(sponsorOf: (number | null)[], partner: number, other: number): boolean {
  for (let at: number | null = other; at !== null; at = sponsorOf[at]) if (at === partner) return true;
  return false;
}

/** Makes one change over HTTP; false when it changes nothing (a move that would make a cycle is not sent). */
async function change(command: Change, partners: string[], sponsorOf: (number | null)[], key: string): Promise<boolean> {
  if (command.kind === 'join') {
    const sponsor = command.sponsor === null ? null : command.sponsor % partners.length;
    await join(partners, sponsor, command.region, key);
    sponsorOf.push(sponsor);
    return true;
  }
  const partner = command.partner % partners.length;
  const id = partners[partner];
  if (command.kind === 'sponsor') {
    const sponsor = command.sponsor === null ? null : command.sponsor % partners.length;
    if (sponsor === sponsorOf[partner] || (sponsor !== null && above(sponsorOf, partner, sponsor))) return false;
    await server.ok(`mutation($s: ID) { movePartner(id: "${id}", sponsorId: $s) { id } }`, { s: sponsor === null ? null : partners[sponsor] }, key);
    sponsorOf[partner] = sponsor;
    return true;
  }
  const input = command.kind === 'region' ? { regionCode: REGIONS[command.region] } : command.kind === 'status' ? { status: command.status } : { level: command.level };
  await server.ok(`mutation($input: UpdatePartnerInput!) { updatePartner(id: "${id}", input: $input) { id } }`, { input }, key);
  return true;
}

/**
 * Records the steps: each step's changes, each followed by a moment strictly after it, then its
 * batch in the order generated; a refund takes a share of what is left of a sale recorded before it.
 */
async function record(generated: Generated, partners: string[], key: string, run: number): Promise<void> {
  const sales: { externalId: string; left: number }[] = [];
  const sponsorOf = generated.partners.map((partner) => partner.sponsor);
  const moments = [...NOVEMBER, new Date()];
  let sequence = 0;
  for (const step of generated.steps) {
    for (const command of step.changes) {
      if (!(await change(command, partners, sponsorOf, key))) continue;
      await pause();
      moments.push(new Date());
      await pause();
    }
    const inputs: object[] = [];
    for (const command of step.batch) {
      const externalId = `${String(command.tag).padStart(2, '0')}-${run}-${++sequence}`;
      const occurredAt = moments[command.moment % moments.length].toISOString();
      if (command.kind === 'sale') {
        inputs.push({ externalId: `S-${externalId}`, type: 'SALE', partnerId: partners[command.seller % partners.length], customerId: `c-${run}-${command.customer}`, amount: command.amount, currency: 'RUB', occurredAt });
        sales.push({ externalId: `S-${externalId}`, left: command.amount });
        continue;
      }
      const sale = sales.length ? sales[command.sale % sales.length] : null;
      const amount = sale ? Math.ceil((sale.left * command.share) / 100) : 0;
      if (!sale || amount === 0) continue;
      sale.left -= amount;
      inputs.push({ externalId: `R-${externalId}`, type: 'REFUND', refundOf: sale.externalId, amount, currency: 'RUB', occurredAt });
    }
    if (inputs.length) await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: inputs }, key);
  }
}

const sale = (seller: number, customer: number, amount: number, moment: number, tag: number): Command => ({ kind: 'sale', seller, customer, amount, moment, tag });

/**
 * A program that makes every kind of change (moments 0–2 are in November, 3 the start, 4 on one
 * after each change): P2 sells under P1 and P0, moves to SOUTH and under P3, comes back to NORTH;
 * P1 is suspended and reactivated, and sells meanwhile; P0 reaches level 3, beyond the targeting;
 * P4 joins under P3, its second recruit (a badge), and sells. Batches carry refunds before sales
 * and external ids against the batch's order.
 */
const everyChange: Generated = {
  partners: [
    { sponsor: null, region: 0 },
    { sponsor: 0, region: 0 },
    { sponsor: 1, region: 0 },
    { sponsor: 0, region: 1 },
  ],
  budget: null,
  partnerCap: 1_000_000,
  steps: [
    { changes: [], batch: [sale(2, 0, 1_000_000, 3, 50), sale(1, 1, 2_000_000, 0, 10), sale(2, 1, 500_000, 3, 5)] },
    {
      changes: [
        { kind: 'region', partner: 2, region: 1 },
        { kind: 'sponsor', partner: 2, sponsor: 3 },
      ],
      batch: [{ kind: 'refund', sale: 0, share: 50, moment: 5, tag: 90 }, sale(2, 2, 300_000, 5, 1), sale(2, 3, 400_000, 3, 2), sale(2, 2, 700_000, 4, 3)],
    },
    {
      changes: [
        { kind: 'region', partner: 2, region: 0 },
        { kind: 'status', partner: 1, status: 'SUSPENDED' },
      ],
      batch: [sale(1, 0, 800_000, 7, 70), sale(2, 0, 900_000, 7, 20), { kind: 'refund', sale: 1, share: 100, moment: 7, tag: 10 }],
    },
    {
      changes: [
        { kind: 'status', partner: 1, status: 'ACTIVE' },
        { kind: 'level', partner: 0, level: 3 },
        { kind: 'join', sponsor: 3, region: 0 },
      ],
      batch: [sale(1, 2, 600_000, 7, 99), sale(0, 3, 1_200_000, 9, 0), sale(0, 1, 1_100_000, 5, 1), sale(3, 0, 100_000, 9, 2), sale(4, 2, 250_000, 10, 7)],
    },
  ],
};

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
        const span = { from: FROM, to: new Date(Date.now() + 60_000).toISOString() };
        const ledger = await server.sql<{ partnerId: string; amount: string; unit: string; idempotencyKey: string }>(
          `select partner_id::text as "partnerId", amount::text as amount, unit, idempotency_key as "idempotencyKey" from reward where program_id = $1 and campaign_id = $2`,
          [programId, campaignId],
        );
        const simulated = await server.running.app.simulation.simulate(programId, { campaignId, from: new Date(span.from), to: new Date(span.to) });
        expect(asEntries(simulated.entries)).toEqual(asEntries(ledger));

        // Over HTTP, against itself: no partner's pay changes, and the difference is zero in every unit.
        const { simulateCampaign } = await server.ok(
          `query($input: SimulationInput!) { simulateCampaign(input: $input) { partnerChanges { partnerId } comparison { difference { granted capped entries } } } }`,
          { input: { campaignId, compareWith: campaignId, ...span } },
          key,
        );
        expect(simulateCampaign.partnerChanges).toEqual([]);
        for (const difference of simulateCampaign.comparison.difference) expect(difference).toEqual({ granted: 0, capped: 0, entries: 0 });
      }),
      { numRuns: RUNS, examples: [[everyChange]] },
    );
  },
  SOAK ? 3_600_000 : 600_000,
);

it(
  'replays a few thousand events (prints events per second; not asserted)',
  async () => {
    const { programId, key } = await newProgram(0);
    const tree = [null, 0, 1, 1, 0, 4];
    const generated: Generated = { partners: tree.map((sponsor) => ({ sponsor, region: 0 })), budget: null, partnerCap: null, steps: [] };
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
        occurredAt: new Date(Date.parse(FROM) + (batch * perBatch + n) * 60_000).toISOString(),
      }));
      await server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events }, key);
    }
    const started = performance.now();
    const simulated = await server.running.app.simulation.simulate(programId, { campaignId, from: new Date(FROM), to: new Date('2026-12-01T00:00:00Z') });
    const seconds = (performance.now() - started) / 1000;
    console.log(`simulation replayed ${simulated.eventsReplayed} events in ${seconds.toFixed(2)} s: ${Math.round(simulated.eventsReplayed / seconds)} events/s`);
    expect(simulated.eventsReplayed).toBe(batches * perBatch);
  },
  600_000,
);
