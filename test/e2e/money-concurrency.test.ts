/**
 * Money under concurrency, over real HTTP against one real server.
 *
 * A. The same partner tree, campaign and events in two programs of one database: program 2
 *    gets everything from one serial client, program 1 from 8 clients at once, in overlapping
 *    shuffled batches with duplicates. Both ledgers must equal each other and an independent
 *    model of the rules (ledger/README.md 2, 3, 8, 11).
 * B. A budget and a per-partner cap under 8 concurrent clients whose sales ask many times the
 *    budget: exactly the budget is granted, no cap is exceeded, every sale's reward is split
 *    exactly into a granted and a CAPPED part, and every CAPPED entry says why (rule 9);
 *    then the same with approvals and payouts running while the sales come in (rules 7, 10).
 * C. Refunds racing for one sale: eight calls refunding a stored sale at once, and two calls
 *    that each carry the same new sale with a different refund of it (rule 8).
 *
 * Everything is deterministic (a seeded generator); the expected amounts come from the model
 * below, never from what the server returned. COFACTOR_SOAK=1 runs bigger sizes.
 */
import pg from 'pg';
import { newTokenSecret } from '../../server/src/auth/auth.service.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { NO_MONEY as zero, STATEMENT_QUERY as STATEMENT, roundHalfEven, seeded, type Seeded, type StatementFigures as Figures } from '../support/money.js';

const SOAK = process.env.COFACTOR_SOAK === '1';
const SIZE = SOAK
  ? { sales: 3_000, refundedSales: 450, clients: 8, budgetSales: 1_600, budgetRounds: 3 }
  : { sales: 600, refundedSales: 90, clients: 8, budgetSales: 320, budgetRounds: 1 };

/** Soak runs take minutes; the default size stays well inside jest's 60 s. */
const TIMEOUT = SOAK ? 1_800_000 : undefined;

const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted duplicates duplicateExternalIds rewardsCreated } }`;

let server: TestServer;

afterAll(async () => {
  await server?.stop();
});

beforeAll(async () => {
  server = await startTestServer();
});

// ---------------------------------------------------------------------------------------------
// The independent model: exact integer arithmetic, rounded half to even (test/support/money.ts).

const percent = (amount: bigint, pct: bigint) => roundHalfEven(amount * pct, 100n);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** "RUB 12,345.67", as an English explanation writes money. */
function rub(amount: bigint): string {
  const digits = amount.toString().padStart(3, '0');
  return `RUB ${digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${digits.slice(-2)}`;
}

type Rng = Seeded;

interface Event {
  externalId: string;
  type: 'SALE' | 'REFUND' | 'CHARGEBACK';
  partnerId?: string;
  refundOf?: string;
  amount: number;
  currency: 'RUB';
}

/**
 * Each item goes to 2 or 3 different clients; each client sends its items shuffled, in batches
 * of about `batchSize`, and about half of the batches also repeat 1–3 of their own items.
 */
function plan<T>(items: T[], clients: number, batchSize: number, rng: Rng): T[][][] {
  const lists: T[][] = Array.from({ length: clients }, () => []);
  for (const item of items) {
    const copies = rng.next() < 0.3 ? 3 : 2;
    for (const client of rng.shuffle([...Array(clients).keys()]).slice(0, copies)) lists[client].push(item);
  }
  return lists.map((list) => {
    const order = rng.shuffle(list);
    const batches: T[][] = [];
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      if (rng.next() < 0.5) {
        for (let n = rng.int(1, 3); n > 0; n--) batch.splice(rng.int(0, batch.length), 0, batch[rng.int(0, batch.length - 1)]);
      }
      batches.push(batch);
    }
    return batches;
  });
}

interface Sent {
  calls: number;
  items: number;
  accepted: number;
  duplicates: number;
  errors: unknown[];
}

/** Every client sends its batches one after the other; all clients start at once. */
async function runClients(token: string, plans: Event[][][]): Promise<Sent> {
  const sent: Sent = { calls: 0, items: 0, accepted: 0, duplicates: 0, errors: [] };
  await Promise.all(
    plans.map(async (batches) => {
      for (const batch of batches) {
        const response = await server.gql<{ recordEvents: { accepted: number; duplicates: number } }>(RECORD, { events: batch }, token);
        sent.calls++;
        sent.items += batch.length;
        if (response.errors?.length) sent.errors.push(...response.errors);
        else {
          sent.accepted += response.data!.recordEvents.accepted;
          sent.duplicates += response.data!.recordEvents.duplicates;
        }
      }
    }),
  );
  return sent;
}

async function newProgram(name: string): Promise<{ id: string; key: string }> {
  const [row] = await server.sql<{ id: string }>(
    `insert into program (name, default_currency, time_zone, token_secret) values ($1, 'RUB', 'Europe/Moscow', $2) returning id::text`,
    [name, newTokenSecret()],
  );
  const { key } = await server.running.app.auth.createApiKey(row.id, `${name} admin`, ['admin']);
  return { id: row.id, key };
}

async function createPartner(token: string, name: string, sponsorId: string | null): Promise<string> {
  const data = await server.ok<{ createPartner: { id: string } }>(
    `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`,
    { input: { name, kind: 'AMBASSADOR', referralCode: `REF-${name.replace(/\W/g, '').toUpperCase()}`, sponsorId } },
    token,
  );
  return data.createPartner.id;
}

async function createCampaign(token: string, input: Record<string, unknown>): Promise<string> {
  const data = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    { input: { startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', holdDays: 0, ...input } },
    token,
  );
  await server.ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: data.createCampaign.id }, token);
  return data.createCampaign.id;
}


async function statement(token: string, partnerId: string): Promise<Figures> {
  return (await server.ok<{ statement: Figures }>(STATEMENT, { partnerId }, token)).statement;
}

// ---------------------------------------------------------------------------------------------
// A. Parallel equals serial.

/**
 * The tree, 12 partners, depth 3: P0 and P1 are roots; P2, P3 under P0; P4, P5 under P1;
 * P6, P7 under P2; P8, P9 under P3; P10 under P4; P11 under P5.
 */
const SPONSOR: (number | null)[] = [null, null, 0, 0, 1, 1, 2, 2, 3, 3, 4, 5];
const PARTNERS = SPONSOR.length;

interface Sale {
  externalId: string;
  seller: number;
  amount: bigint;
}
interface RefundPlan {
  externalId: string;
  type: 'REFUND' | 'CHARGEBACK';
  sale: Sale;
  amount: bigint;
  /** 0 for the first refund of its sale, 1 for the second, … */
  wave: number;
}

function saleAmount(rng: Rng): bigint {
  const r = rng.next();
  if (r < 0.08) return BigInt(rng.int(1, 40)); // pays 0 or a few kopecks: no entry where a rate rounds to 0
  if (r < 0.3) return BigInt(rng.int(1, 20_000) * 100 + 50); // 3 % and 1 % end in exactly ½
  if (r < 0.5) return BigInt(rng.int(0, 99_999) * 20 + 10); // 5 % ends in exactly ½
  return BigInt(rng.int(1, 2_000_000)); // anything, odd or even
}

/** Splits `total` into `parts` positive amounts at random cut points. */
function split(total: bigint, parts: number, rng: Rng): bigint[] {
  const cuts = new Set<number>();
  while (cuts.size < parts - 1) cuts.add(rng.int(1, Number(total) - 1));
  const points = [0, ...[...cuts].sort((a, b) => a - b), Number(total)];
  return points.slice(1).map((point, i) => BigInt(point - points[i]));
}

function scenarioA(rng: Rng) {
  const sales: Sale[] = Array.from({ length: SIZE.sales }, (_, i) => ({
    externalId: `S-${i}`,
    // Leaves sell most, so most sales pay two upline levels.
    seller: rng.next() < 0.7 ? rng.int(6, 11) : rng.int(0, 5),
    amount: saleAmount(rng),
  }));
  const refunds: RefundPlan[] = [];
  const chosen = rng.shuffle(sales.filter((sale) => sale.amount >= 3n)).slice(0, SIZE.refundedSales);
  chosen.forEach((sale, index) => {
    // Half of them once, a third twice, the rest three times; about half refunded in full.
    const count = index % 6 < 3 ? 1 : index % 6 < 5 ? 2 : 3;
    const total = rng.next() < 0.5 ? sale.amount : BigInt(rng.int(count, Number(sale.amount)));
    split(total, count, rng).forEach((amount, wave) => {
      refunds.push({ externalId: `${sale.externalId}-r${wave + 1}`, type: rng.next() < 0.3 ? 'CHARGEBACK' : 'REFUND', sale, amount, wave });
    });
  });
  refunds.sort((a, b) => a.wave - b.wave);
  return { sales, refunds, waves: Math.max(...refunds.map((refund) => refund.wave)) + 1 };
}

interface ModelEntry {
  partner: number;
  event: string;
  amount: bigint;
  compensation: boolean;
}

/** What the rules say program 1 and 2 must hold, computed from the event list alone. */
function modelA(sales: Sale[], refunds: RefundPlan[]) {
  const entries: ModelEntry[] = [];
  const originals = new Map<string, { partner: number; amount: bigint; taken: bigint }[]>();
  for (const sale of sales) {
    const parts: { partner: number; amount: bigint; taken: bigint }[] = [];
    const sponsor = SPONSOR[sale.seller];
    const grand = sponsor === null ? null : SPONSOR[sponsor];
    for (const [partner, pct] of [[sale.seller, 5n], [sponsor, 3n], [grand, 1n]] as const) {
      if (partner === null) continue;
      const amount = percent(sale.amount, pct);
      if (amount === 0n) continue;
      parts.push({ partner, amount, taken: 0n });
      entries.push({ partner, event: sale.externalId, amount, compensation: false });
    }
    originals.set(sale.externalId, parts);
  }
  // Refunds of one sale in the order they are stored (their wave); each original taken back to
  // round_half_even(A × refunded / S) in all.
  const refunded = new Map<string, bigint>();
  for (const refund of refunds) {
    const sofar = (refunded.get(refund.sale.externalId) ?? 0n) + refund.amount;
    refunded.set(refund.sale.externalId, sofar);
    for (const original of originals.get(refund.sale.externalId)!) {
      const now = min(roundHalfEven(original.amount * sofar, refund.sale.amount), original.amount) - original.taken;
      if (now <= 0n) continue;
      original.taken += now;
      entries.push({ partner: original.partner, event: refund.externalId, amount: -now, compensation: true });
    }
  }
  // The totals again, straight from the definitions: Σ of the rates, minus each original's
  // final take-back round_half_even(A × total refunded / S).
  let granted = 0n;
  let takenBack = 0n;
  for (const sale of sales) {
    const total = refunded.get(sale.externalId) ?? 0n;
    for (const pct of [5n, 3n, 1n]) {
      const sponsor = SPONSOR[sale.seller];
      const receiver = pct === 5n ? sale.seller : pct === 3n ? sponsor : sponsor === null ? null : SPONSOR[sponsor];
      if (receiver === null) continue;
      const amount = percent(sale.amount, pct);
      granted += amount;
      takenBack += roundHalfEven(amount * total, sale.amount);
    }
  }
  return { entries, granted, takenBack };
}

const toEvent = (partnerIds: string[]) => (item: Sale | RefundPlan): Event =>
  'seller' in item
    ? { externalId: item.externalId, type: 'SALE', partnerId: partnerIds[item.seller], amount: Number(item.amount), currency: 'RUB' }
    : { externalId: item.externalId, type: item.type, refundOf: item.sale.externalId, amount: Number(item.amount), currency: 'RUB' };

async function ledgerOf(programId: string) {
  return server.sql<{ name: string; event: string; amount: string; status: string; compensation: boolean; originalStatus: string | null }>(
    `select p.name, e.external_id as event, r.amount::text, r.status, r.corrects_id is not null as compensation, o.status as "originalStatus"
       from reward r join partner p on p.id = r.partner_id join event e on e.id = r.event_id left join reward o on o.id = r.corrects_id
      where r.program_id = $1`,
    [programId],
  );
}

const line = (name: string, event: string, amount: bigint | string, compensation: boolean, status?: string) =>
  `${name} ${event} ${amount} ${compensation ? 'compensation' : 'original'}${status ? ` ${status}` : ''}`;

describe('A. parallel ingestion gives the serial result', () => {
  it('8 parallel clients, overlapping batches with duplicates, give the serial result', async () => {
    const rng = seeded(20261201);
    const { sales, refunds, waves } = scenarioA(rng);
    const model = modelA(sales, refunds);
    // The scenario is what it claims to be: ~150 refunds, some sales refunded several times,
    // some in full, and rounding exactly at ½ in all three rates.
    expect(refunds.length).toBeGreaterThanOrEqual(SIZE.refundedSales * 1.5);
    expect(waves).toBe(3);
    expect(sales.some((sale) => sale.amount % 100n === 50n) && sales.some((sale) => sale.amount % 20n === 10n)).toBe(true);

    const one = { id: server.programId, key: server.adminKey };
    const two = await newProgram('Serial twin');
    const ids: Record<string, string[]> = {};
    for (const program of [one, two]) {
      ids[program.id] = [];
      for (let i = 0; i < PARTNERS; i++) {
        const sponsor = SPONSOR[i];
        ids[program.id].push(await createPartner(program.key, `P${i}`, sponsor === null ? null : ids[program.id][sponsor]));
      }
      await createCampaign(program.key, {
        name: 'Ambassadors',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '1'] } },
        ],
      });
    }

    // Program 2: one client, everything in order, 50 a call.
    const serialEvents = [...sales, ...refunds].map(toEvent(ids[two.id]));
    for (let start = 0; start < serialEvents.length; start += 50) {
      const response = await server.ok<{ recordEvents: { accepted: number; duplicates: number } }>(RECORD, { events: serialEvents.slice(start, start + 50) }, two.key);
      expect(response.recordEvents).toMatchObject({ accepted: Math.min(50, serialEvents.length - start), duplicates: 0 });
    }

    // Program 1: 8 clients at once for the sales; then, once every sale is in, 8 clients at once
    // for the refunds. The refunds go in waves (first refund of each sale, then second, …): of
    // two refunds of one sale, the one stored first takes back the rounding remainder, so only
    // with the same order per sale can the two ledgers be equal entry by entry.
    const toOne = toEvent(ids[one.id]);
    const sent: Sent[] = [await runClients(one.key, plan(sales.map(toOne), SIZE.clients, 50, rng))];
    for (let wave = 0; wave < waves; wave++) {
      const batchSize = wave === 0 ? 25 : 10;
      sent.push(await runClients(one.key, plan(refunds.filter((refund) => refund.wave === wave).map(toOne), SIZE.clients, batchSize, rng)));
    }
    // No client saw an error (no deadlock, no unique violation, no refused refund).
    expect(sent.flatMap((part) => part.errors)).toEqual([]);
    // Every event accepted exactly once over all the calls; every other copy a duplicate.
    expect(sent.map((part) => part.accepted)).toEqual([sales.length, ...Array.from({ length: waves }, (_, wave) => refunds.filter((r) => r.wave === wave).length)]);
    expect(sent.map((part) => part.accepted + part.duplicates)).toEqual(sent.map((part) => part.items));
    expect(sent[0].items).toBeGreaterThanOrEqual(2 * sales.length);

    // Events: each stored once, refunds pointing at their sales.
    for (const program of [one, two]) {
      const events = await server.sql<{ type: string; n: number; distinct: number; linked: number }>(
        `select e.type, count(*)::int as n, count(distinct e.external_id)::int as distinct,
                count(s.id) filter (where e.external_id like s.external_id || '-r%')::int as linked
           from event e left join event s on s.id = e.refund_of_id
          where e.program_id = $1 and e.type in ('SALE', 'REFUND', 'CHARGEBACK') group by e.type order by e.type`,
        [program.id],
      );
      const count = (type: string) => refunds.filter((refund) => refund.type === type).length;
      expect(events).toEqual([
        { type: 'CHARGEBACK', n: count('CHARGEBACK'), distinct: count('CHARGEBACK'), linked: count('CHARGEBACK') },
        { type: 'REFUND', n: count('REFUND'), distinct: count('REFUND'), linked: count('REFUND') },
        { type: 'SALE', n: sales.length, distinct: sales.length, linked: 0 },
      ]);
    }

    // The ledgers, entry by entry: equal to each other and to the model. Statuses apart — the
    // server's scheduled approval may have approved some of either program by now — every
    // entry is PENDING or APPROVED and every compensating entry has its original's status.
    const expected = model.entries.map((entry) => line(`P${entry.partner}`, entry.event, entry.amount, entry.compensation)).sort();
    const ledgers = { one: await ledgerOf(one.id), two: await ledgerOf(two.id) };
    for (const rows of [ledgers.one, ledgers.two]) {
      expect(rows.map((row) => line(row.name, row.event, row.amount, row.compensation)).sort()).toEqual(expected);
      expect(rows.filter((row) => !['PENDING', 'APPROVED'].includes(row.status))).toEqual([]);
      expect(rows.filter((row) => row.compensation && row.status !== row.originalStatus)).toEqual([]);
      const sum = (filter: (row: { amount: string; compensation: boolean }) => boolean) =>
        rows.filter(filter).reduce((total, row) => total + BigInt(row.amount), 0n);
      expect({ granted: sum((row) => !row.compensation), takenBack: -sum((row) => row.compensation) }).toEqual({
        granted: model.granted,
        takenBack: model.takenBack,
      });
    }

    // Approved in both programs, the ledgers are equal with their statuses, and so is every statement.
    for (const program of [one, two]) await server.ok(`mutation { approveDueRewards { approved } }`, {}, program.key);
    const approved = { one: await ledgerOf(one.id), two: await ledgerOf(two.id) };
    const withStatus = (rows: typeof approved.one) => rows.map((row) => line(row.name, row.event, row.amount, row.compensation, row.status)).sort();
    expect(withStatus(approved.one)).toEqual(withStatus(approved.two));
    expect(withStatus(approved.one)).toEqual(model.entries.map((entry) => line(`P${entry.partner}`, entry.event, entry.amount, entry.compensation, 'APPROVED')).sort());
    for (let i = 0; i < PARTNERS; i++) {
      const mine = model.entries.filter((entry) => entry.partner === i);
      const net = Number(mine.reduce((total, entry) => total + entry.amount, 0n));
      const reversed = -Number(mine.filter((entry) => entry.compensation).reduce((total, entry) => total + entry.amount, 0n));
      const figures = { ...zero, approved: net, available: net, reversed };
      expect({ partner: `P${i}`, ...(await statement(one.key, ids[one.id][i])) }).toEqual({ partner: `P${i}`, ...figures });
      expect({ partner: `P${i}`, ...(await statement(two.key, ids[two.id][i])) }).toEqual({ partner: `P${i}`, ...figures });
    }
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// B. Budgets and caps.

const BUDGET = 1_000_000n;
const CAP = 150_000n;
const BUDGET_PARTNERS = 8;
const BUDGET_REASON = `the campaign budget of ${rub(BUDGET)} is used up`;
const OWN_KEY = /^\d+:percentage-of-sales:sale:\d+$/;
const CAP_REASON = new RegExp(`^the cap of ${rub(CAP).replace(/[.,]/g, '\\$&')} per partner per month \\(\\d{4}-\\d{2}\\) is reached$`);

interface BudgetSetup {
  program: { id: string; key: string };
  partnerIds: string[];
  campaignId: string;
  sales: Sale[];
}

async function budgetSetup(name: string, rng: Rng): Promise<BudgetSetup> {
  const program = await newProgram(name);
  const partnerIds: string[] = [];
  for (let i = 0; i < BUDGET_PARTNERS; i++) partnerIds.push(await createPartner(program.key, `${name} B${i}`, null));
  const campaignId = await createCampaign(program.key, {
    name: 'Limited',
    budget: Number(BUDGET),
    partnerCap: Number(CAP),
    capPeriod: 'MONTH',
    schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }],
  });
  const sales = Array.from({ length: SIZE.budgetSales }, (_, i) => ({
    externalId: `B-${i}`,
    seller: rng.int(0, BUDGET_PARTNERS - 1),
    // 10 % of 100,00 … 3 800,00 ₽, odd amounts and ½ kopecks among them.
    amount: BigInt(rng.next() < 0.3 ? rng.int(200, 38_000) * 10 + 5 : rng.int(10_000, 380_000)),
  }));
  return { program, partnerIds, campaignId, sales };
}

/** Checks rule 9 on what the campaign wrote; returns the granted sum per partner. */
async function checkLimits({ program, campaignId, sales }: BudgetSetup) {
  const demand = new Map(sales.map((sale) => [sale.externalId, percent(sale.amount, 10n)]));
  const perPartner = new Map<number, bigint>();
  for (const sale of sales) perPartner.set(sale.seller, (perPartner.get(sale.seller) ?? 0n) + demand.get(sale.externalId)!);
  const totalDemand = [...demand.values()].reduce((a, b) => a + b, 0n);
  // Demand is many times the budget, and even held to the caps it exceeds the budget: so the
  // budget must be granted to the kopeck, whatever order the batches ran in.
  expect(totalDemand).toBeGreaterThan(5n * BUDGET);
  expect([...perPartner.values()].reduce((sum, d) => sum + min(d, CAP), 0n)).toBeGreaterThan(BUDGET);

  const [events] = await server.sql<{ n: number; distinct: number }>(
    `select count(*)::int as n, count(distinct external_id)::int as distinct from event where program_id = $1 and type = 'SALE'`,
    [program.id],
  );
  expect(events).toEqual({ n: sales.length, distinct: sales.length });

  const rows = await server.sql<{
    sale: string;
    partnerId: string;
    amount: string;
    status: string;
    kind: string;
    key: string;
    explanation: string;
    capped: string | null;
    requested: string | null;
    month: string;
  }>(
    `select e.external_id as sale, r.partner_id::text as "partnerId", r.amount::text, r.status, r.kind, r.idempotency_key as key,
            r.explanation_en as explanation, r.details->>'capped' as capped, r.details->>'requested' as requested,
            to_char(r.created_at at time zone 'Europe/Moscow', 'YYYY-MM') as month
       from reward r join event e on e.id = r.event_id where r.program_id = $1 and r.campaign_id = $2`,
    [program.id, campaignId],
  );
  expect(rows.filter((row) => row.kind !== 'MONEY')).toEqual([]);
  const isGranted = (row: { status: string }) => ['PENDING', 'APPROVED', 'PAID'].includes(row.status);
  const granted = rows.filter(isGranted).reduce((sum, row) => sum + BigInt(row.amount), 0n);
  expect(granted).toBe(BUDGET);

  // No partner above the cap in any month; a partner stopped by the cap got exactly the cap.
  const grantedTo = new Map<string, bigint>();
  for (const row of rows.filter(isGranted)) grantedTo.set(`${row.partnerId} ${row.month}`, (grantedTo.get(`${row.partnerId} ${row.month}`) ?? 0n) + BigInt(row.amount));
  expect([...grantedTo].filter(([, sum]) => sum > CAP)).toEqual([]);
  const stoppedByCap = new Set(rows.filter((row) => row.status === 'CAPPED' && row.capped === 'PARTNER_CAP').map((row) => `${row.partnerId} ${row.month}`));
  expect([...stoppedByCap].map((key) => [key, grantedTo.get(key) ?? 0n])).toEqual([...stoppedByCap].map((key) => [key, CAP]));

  // Each sale: at most one granted and one CAPPED entry, which add up to exactly its 10 %.
  const bySale = new Map<string, typeof rows>();
  for (const row of rows) bySale.set(row.sale, [...(bySale.get(row.sale) ?? []), row]);
  const problems: string[] = [];
  for (const sale of sales) {
    const mine = bySale.get(sale.externalId) ?? [];
    const want = demand.get(sale.externalId)!;
    const kept = mine.filter(isGranted);
    const cut = mine.filter((row) => row.status === 'CAPPED');
    const sum = mine.reduce((total, row) => total + BigInt(row.amount), 0n);
    if (sum !== want || kept.length > 1 || cut.length > 1 || kept.length + cut.length !== mine.length) {
      problems.push(`${sale.externalId}: wanted ${want}, got ${mine.map((row) => `${row.amount} ${row.status}`).join(' + ')}`);
    }
    if (cut.length === 1) {
      const [row] = cut;
      // The part that fits keeps the key, the rest is `<key>:capped`; wholly capped, it keeps its own key.
      const expectedKey = kept.length ? `${kept[0].key}:capped` : row.key;
      if (row.key !== expectedKey || !OWN_KEY.test(kept.length ? kept[0].key : row.key)) problems.push(`${sale.externalId}: keys ${mine.map((r) => r.key).join(', ')}`);
      // The explanation says which limit stopped it and by how much.
      const reason = row.capped === 'BUDGET' ? BUDGET_REASON : row.capped === 'PARTNER_CAP' ? (row.explanation.match(/the cap of .*? is reached/)?.[0] ?? '') : '';
      const text = `Not paid, ${reason}: ${rub(BigInt(row.amount))} of ${rub(want)} (10% of sale ${rub(sale.amount)} (order ${sale.externalId}))`;
      if (row.explanation !== text || !(row.capped === 'BUDGET' || CAP_REASON.test(reason)) || row.requested !== want.toString()) {
        problems.push(`${sale.externalId}: capped entry explained as ${JSON.stringify(row.explanation)} (${row.capped}), expected ${JSON.stringify(text)}`);
      }
    }
  }
  expect(problems).toEqual([]);
  return { rows, demand, grantedTo };
}

describe('B. budgets and caps', () => {
  it('budgets and caps hold under concurrent ingestion', async () => {
    for (let round = 0; round < SIZE.budgetRounds; round++) {
      const rng = seeded(7_000 + round);
      const setup = await budgetSetup(`Budget ${round}`, rng);
      const sent = await runClients(setup.program.key, plan(setup.sales.map(toEvent(setup.partnerIds)), SIZE.clients, 40, rng));
      expect(sent.errors).toEqual([]);
      expect(sent.accepted).toBe(setup.sales.length);
      expect(sent.items).toBeGreaterThanOrEqual(2 * setup.sales.length);
      const { rows } = await checkLimits(setup);
      // Statements agree with the entries: granted and capped per partner, nothing else.
      for (const partnerId of setup.partnerIds) {
        const mine = rows.filter((row) => row.partnerId === partnerId);
        const sum = (statuses: string[]) => Number(mine.filter((row) => statuses.includes(row.status)).reduce((total, row) => total + BigInt(row.amount), 0n));
        expect(await statement(setup.program.key, partnerId)).toEqual({
          ...zero,
          pending: sum(['PENDING']),
          approved: sum(['APPROVED']),
          available: sum(['APPROVED']),
          capped: sum(['CAPPED']),
        });
      }
    }
  }, TIMEOUT);

  it('budgets and caps hold while approvals and payouts run during ingestion', async () => {
    const rng = seeded(9_001);
    const setup = await budgetSetup('Paying', rng);
    const { key } = setup.program;
    const errors: unknown[] = [];
    const BATCH = `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { id payouts { id } } }`;
    const PAY = `mutation($id: ID!) { markPayoutPaid(id: $id, reference: "bank") { status } }`;
    const settle = async () => {
      const approved = await server.gql(`mutation { approveDueRewards { approved } }`, {}, key);
      if (approved.errors?.length) errors.push(...approved.errors);
      const batch = await server.gql<{ createPayoutBatch: { payouts: { id: string }[] } }>(BATCH, {}, key);
      if (batch.errors?.length) return void errors.push(...batch.errors);
      for (const payout of batch.data!.createPayoutBatch.payouts) {
        const paid = await server.gql(PAY, { id: payout.id }, key);
        if (paid.errors?.length) errors.push(...paid.errors);
      }
    };
    let ingesting = true;
    let rounds = 0;
    const back = (async () => {
      // Two back-office loops next to the 8 ingesting clients, until the last sale is in.
      await Promise.all(
        [0, 1].map(async () => {
          while (ingesting) {
            await settle();
            rounds++;
          }
        }),
      );
    })();
    const sent = await runClients(key, plan(setup.sales.map(toEvent(setup.partnerIds)), SIZE.clients, 40, rng));
    ingesting = false;
    await back;
    await settle();
    expect(errors).toEqual([]);
    expect(sent.errors).toEqual([]);
    expect(sent.accepted).toBe(setup.sales.length);
    expect(rounds).toBeGreaterThan(0);

    const { rows, grantedTo } = await checkLimits(setup);
    // Everything granted is paid, once: each entry in exactly one payout, each payout the sum of its entries.
    expect(rows.filter((row) => row.status !== 'PAID' && row.status !== 'CAPPED')).toEqual([]);
    const payouts = await server.sql<{ status: string; amount: string; entries: number; items: number; sum: string | null }>(
      `select p.status, p.amount::text, p.entries, count(i.reward_id)::int as items, sum(r.amount)::text as sum
         from payout p left join payout_item i on i.payout_id = p.id left join reward r on r.id = i.reward_id
        where p.program_id = $1 group by p.id`,
      [setup.program.id],
    );
    expect(payouts.filter((payout) => payout.status !== 'PAID' || payout.amount !== payout.sum || payout.entries !== payout.items)).toEqual([]);
    expect(payouts.reduce((total, payout) => total + BigInt(payout.amount), 0n)).toBe(BUDGET);
    const [items] = await server.sql<{ n: number; distinct: number; paid: number }>(
      `select count(*)::int as n, count(distinct i.reward_id)::int as distinct,
              (select count(*)::int from reward where program_id = $1 and status = 'PAID') as paid
         from payout_item i join payout p on p.id = i.payout_id where p.program_id = $1`,
      [setup.program.id],
    );
    expect(items).toEqual({ n: items.paid, distinct: items.paid, paid: items.paid });
    for (const [index, partnerId] of setup.partnerIds.entries()) {
      const paid = [...grantedTo].filter(([partnerMonth]) => partnerMonth.startsWith(`${partnerId} `)).reduce((sum, [, amount]) => sum + amount, 0n);
      const capped = rows.filter((row) => row.partnerId === partnerId && row.status === 'CAPPED').reduce((sum, row) => sum + BigInt(row.amount), 0n);
      expect({ index, ...(await statement(key, partnerId)) }).toEqual({ index, ...zero, paid: Number(paid), capped: Number(capped) });
    }
  }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// C. A sale and its refunds arriving together in two concurrent calls.

/**
 * Runs call `x` and then call `y`, overlapping for certain: the test holds a lock on the
 * ledger, so x stops at its reward insert with its events written but not committed, and y
 * then stops at its insert of the same sale; then the lock is let go.
 */
async function race(token: string, x: unknown[], y: unknown[]) {
  const blocker = new pg.Client({ connectionString: server.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query('lock table reward in share row exclusive mode');
    const waiting = async (statement: string) => {
      for (let waited = 0; ; waited += 50) {
        const [{ n }] = await server.sql<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike $1`,
          [`%${statement}%`],
        );
        if (n >= 1) return;
        if (waited > 15_000) throw new Error(`no call reached "${statement}"`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const first = server.gql(RECORD, { events: x }, token);
    await waiting('insert into reward');
    const second = server.gql(RECORD, { events: y }, token);
    await waiting('insert into event');
    await blocker.query('commit');
    return await Promise.all([first, second]);
  } finally {
    await blocker.end();
  }
}

describe('C. a sale sent with its refund by two clients at once', () => {
  // A refund may come in the same call as its sale. Here two calls carry the same new sale,
  // each with a different refund of it. Call x stores the sale; call y, whose copy of the sale
  // turns out to be a duplicate, must still link its refund to the sale, check it against the
  // sale's refunds so far and take back its share.
  let program: { id: string; key: string };
  let seller: string;
  const sale = (externalId: string) => ({ externalId, type: 'SALE', partnerId: seller, amount: 10_000, currency: 'RUB' });
  const refund = (externalId: string, refundOf: string, amount: number) => ({ externalId, type: 'REFUND', refundOf, amount, currency: 'RUB' });
  const ledger = (sale: string) =>
    server.sql<{ event: string; refundOf: string | null; amount: string | null }>(
      `select e.external_id as event, s.external_id as "refundOf", r.amount::text
         from event e left join event s on s.id = e.refund_of_id left join reward r on r.event_id = e.id
        where e.program_id = $1 and e.external_id like $2 order by e.external_id`,
      [program.id, `${sale}%`],
    );

  beforeAll(async () => {
    program = await newProgram('Together');
    seller = await createPartner(program.key, 'Seller C', null);
    await createCampaign(program.key, { name: 'Five', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] });
  });

  it('lets eight clients refund one stored sale at once, never beyond the sale', async () => {
    await server.ok(RECORD, { events: [sale('C-3')] }, program.key);
    // Eight calls at once, each with its own 20 % refund: whatever their order, exactly five fit.
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, k) => server.gql<{ recordEvents: { accepted: number } }>(RECORD, { events: [refund(`C-3-r${k}`, 'C-3', 2_000)] }, program.key)),
    );
    expect(responses.filter((response) => response.data?.recordEvents.accepted === 1)).toHaveLength(5);
    expect(responses.filter((response) => response.errors?.[0].extensions?.code === 'BAD_USER_INPUT')).toHaveLength(3);
    // 500 taken back in five exact fifths of 100.
    const rows = await ledger('C-3');
    expect(rows.map((row) => [row.refundOf, row.amount])).toEqual([[null, '500'], ...Array(5).fill(['C-3', '-100'])]);
  }, TIMEOUT);

  it('links and reverses the refund of the call whose copy of the sale was a duplicate', async () => {
    const responses = await race(program.key, [sale('C-1'), refund('C-1-r1', 'C-1', 4_000)], [sale('C-1'), refund('C-1-r2', 'C-1', 3_000)]);
    // 5 % of 100,00 ₽ = 500; 40,00 ₽ back: −200; 70,00 ₽ back in all: 350 − 200 = −150.
    expect(await ledger('C-1')).toEqual([
      { event: 'C-1', refundOf: null, amount: '500' },
      { event: 'C-1-r1', refundOf: 'C-1', amount: '-200' },
      { event: 'C-1-r2', refundOf: 'C-1', amount: '-150' },
    ]);
    expect(responses.map((response) => response.errors ?? response.data)).toEqual([
      { recordEvents: { accepted: 2, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 2 } },
      { recordEvents: { accepted: 1, duplicates: 1, duplicateExternalIds: ['C-1'], rewardsCreated: 1 } },
    ]);
  }, TIMEOUT);

  it('refuses the second full refund of a sale, whichever call carries it', async () => {
    const responses = await race(program.key, [sale('C-2'), refund('C-2-r1', 'C-2', 10_000)], [sale('C-2'), refund('C-2-r2', 'C-2', 10_000)]);
    expect(await ledger('C-2')).toEqual([
      { event: 'C-2', refundOf: null, amount: '500' },
      { event: 'C-2-r1', refundOf: 'C-2', amount: '-500' },
    ]);
    expect(responses[0].errors ?? responses[0].data).toEqual({ recordEvents: { accepted: 2, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 2 } });
    expect(responses[1].errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  }, TIMEOUT);
});
