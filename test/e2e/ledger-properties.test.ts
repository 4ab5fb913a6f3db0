/**
 * The reward ledger against a small model of its rules (server/src/ledger/README.md, 7–11).
 *
 * fast-check generates a referral tree of four partners and a sequence of commands — sales,
 * partial and full refunds and chargebacks, resent batches, approvals (due and by hand),
 * rejections, payout batches (and retries of them), payouts marked paid or failed — and runs
 * them against the real services of a real server and PostgreSQL, each run in a program of its
 * own. Next to it, a plain in-memory model (below; it shares no code with the server) works out
 * every entry, status, payout and statement figure by itself. After every run the ledger must
 * agree with the model entry by entry and figure by figure, and the ledger's invariants are
 * checked straight in SQL.
 *
 * The campaign: percentage-of-sales 5 % to the seller, multi-level 3 % to its sponsor and 1 %
 * to the sponsor's sponsor, no hold days, no budget. Amounts are kopecks.
 *
 * COFACTOR_SOAK=1 runs many more and longer sequences.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/harness.js';

const SOAK = process.env.COFACTOR_SOAK === '1';
const RUNS = SOAK ? 400 : 25;
const MAX_COMMANDS = SOAK ? 80 : 25;

const NAMES = ['P0', 'P1', 'P2', 'P3'] as const;
/** The seller's percent, then one per level above it. */
const SELLER_PERCENT = 5;
const LEVEL_PERCENTS = [3, 1];

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/** numerator / denominator (both ≥ 0), rounded once, half to even. */
function halfEven(numerator: number, denominator: number): number {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  const q = n / d;
  const twice = (n - q * d) * 2n;
  return Number(twice < d || (twice === d && q % 2n === 0n) ? q : q + 1n);
}

type Status = 'PENDING' | 'APPROVED' | 'PAID' | 'REJECTED';
type PayoutStatus = 'CREATED' | 'PAID' | 'FAILED';

interface Entry {
  /** `<event externalId>/<partner name>`: one entry per event and partner in this campaign. */
  key: string;
  partner: number;
  amount: number;
  status: Status;
  /** For a compensating entry: the entry it takes back. */
  original: Entry | null;
  /** For an original: its sale, what refunds took back so far, and the entries that did. */
  sale: Sale | null;
  takenBack: number;
  compensations: Entry[];
  /** The live (CREATED or PAID) payout that holds it. */
  payout: Payout | null;
  /** The server's id, bound by (event, partner) once the ledger wrote it. */
  id: string;
}

interface Sale {
  externalId: string;
  partner: number;
  amount: number;
  refunded: number;
  originals: Entry[];
}

interface Payout {
  id: string;
  partner: number;
  amount: number;
  entries: Entry[];
  status: PayoutStatus;
}

interface EventInput {
  externalId: string;
  type: 'SALE' | 'REFUND' | 'CHARGEBACK';
  partnerId?: string;
  refundOf?: string;
  amount: number;
  currency: 'RUB';
}

class Model {
  readonly sales: Sale[] = [];
  readonly entries: Entry[] = [];
  readonly payouts: Payout[] = [];
  /** Batches the ledger accepted, to resend. */
  readonly sent: EventInput[][] = [];
  readonly batches: { key: string; id: string; payoutIds: string[] }[] = [];
  readonly byId = new Map<string, Entry>();

  /** sponsors[i]: the index of partner i's sponsor, null for the root. */
  constructor(readonly sponsors: (number | null)[]) {}

  originals(): Entry[] {
    return this.entries.filter((entry) => !entry.original);
  }

  /** The entries a sale of `amount` by `seller` grants: seller 5 %, sponsor 3 %, sponsor's sponsor 1 %. */
  sale(externalId: string, seller: number, amount: number): Entry[] {
    const sale: Sale = { externalId, partner: seller, amount, refunded: 0, originals: [] };
    this.sales.push(sale);
    const shares: [number, number][] = [[seller, SELLER_PERCENT]];
    let above = this.sponsors[seller];
    for (const percent of LEVEL_PERCENTS) {
      if (above === null) break;
      shares.push([above, percent]);
      above = this.sponsors[above];
    }
    for (const [partner, percent] of shares) {
      const reward = halfEven(amount * percent, 100);
      if (reward === 0) continue;
      const entry = this.add({ key: `${externalId}/${NAMES[partner]}`, partner, amount: reward, status: 'PENDING', original: null, sale });
      sale.originals.push(entry);
    }
    return sale.originals;
  }

  /**
   * A refund of `amount` more of a sale: every original that is not REJECTED is taken back to
   * round_half_even(A × refunded / S) in all; the new entry is that minus what was taken before,
   * PENDING if its original is, APPROVED if the original is APPROVED or PAID.
   */
  refund(externalId: string, sale: Sale, amount: number): Entry[] {
    sale.refunded += amount;
    const made: Entry[] = [];
    for (const original of sale.originals) {
      if (original.status === 'REJECTED') continue;
      const target = Math.min(halfEven(original.amount * sale.refunded, sale.amount), original.amount);
      const now = target - original.takenBack;
      if (now <= 0) continue;
      original.takenBack += now;
      const entry = this.add({
        key: `${externalId}/${NAMES[original.partner]}`,
        partner: original.partner,
        amount: -now,
        status: original.status === 'PENDING' ? 'PENDING' : 'APPROVED',
        original,
        sale: null,
      });
      original.compensations.push(entry);
      made.push(entry);
    }
    return made;
  }

  /** PENDING → APPROVED for originals, with their PENDING compensating entries; returns every entry moved. */
  approve(originals: Entry[]): Entry[] {
    const moved: Entry[] = [];
    for (const original of new Set(originals)) {
      for (const entry of [original, ...original.compensations]) {
        if (entry.status === 'PENDING') {
          entry.status = 'APPROVED';
          moved.push(entry);
        }
      }
    }
    return moved;
  }

  /** PENDING or APPROVED → REJECTED for originals, with their compensating entries. */
  reject(originals: Entry[]): void {
    for (const original of new Set(originals)) {
      for (const entry of [original, ...original.compensations]) {
        if (entry.status === 'PENDING' || entry.status === 'APPROVED') entry.status = 'REJECTED';
      }
    }
  }

  /** An original can be approved by hand while it is PENDING (or again when APPROVED). */
  approvable(entry: Entry): boolean {
    return !entry.original && (entry.status === 'PENDING' || entry.status === 'APPROVED');
  }

  /** …and rejected while PENDING or APPROVED, unless it or one of its compensating entries is in a live payout. */
  rejectable(entry: Entry): boolean {
    return (
      !entry.original &&
      (entry.status === 'PENDING' || (entry.status === 'APPROVED' && !entry.payout && entry.compensations.every((c) => !c.payout)))
    );
  }

  /** A partner's APPROVED entries in no live payout, and their sum: what the next batch would pay it. */
  open(partner: number): { partner: number; amount: number; entries: Entry[] } {
    const entries = this.entries.filter((entry) => entry.partner === partner && entry.status === 'APPROVED' && !entry.payout);
    return { partner, amount: entries.reduce((sum, entry) => sum + entry.amount, 0), entries };
  }

  /** A payout for each partner whose open sum is ≥ max(minimum, 1). */
  gather(minimum: number): { partner: number; amount: number; entries: Entry[] }[] {
    return NAMES.map((_, partner) => this.open(partner)).filter((open) => open.entries.length && open.amount >= Math.max(minimum, 1));
  }

  markPaid(payout: Payout): void {
    payout.status = 'PAID';
    for (const entry of payout.entries) entry.status = 'PAID';
  }

  fail(payout: Payout): void {
    payout.status = 'FAILED';
    for (const entry of payout.entries) entry.payout = null;
  }

  statement(partner: number) {
    const figures = { pending: 0, approved: 0, inPayout: 0, available: 0, paid: 0, reversed: 0, rejected: 0, capped: 0 };
    for (const entry of this.entries.filter((e) => e.partner === partner)) {
      if (entry.status === 'PENDING') figures.pending += entry.amount;
      if (entry.status === 'APPROVED') figures.approved += entry.amount;
      if (entry.status === 'APPROVED' && entry.payout?.status === 'CREATED') figures.inPayout += entry.amount;
      if (entry.status === 'PAID') figures.paid += entry.amount;
      if (entry.original && entry.status !== 'REJECTED') figures.reversed -= entry.amount;
      if (!entry.original && entry.status === 'REJECTED') figures.rejected += entry.amount;
    }
    figures.available = figures.approved - figures.inPayout;
    return figures;
  }

  private add(fields: Pick<Entry, 'key' | 'partner' | 'amount' | 'status' | 'original' | 'sale'>): Entry {
    const entry: Entry = { ...fields, takenBack: 0, compensations: [], payout: null, id: '' };
    this.entries.push(entry);
    return entry;
  }
}

/** "R-4/P1 -52 APPROVED (takes back S-2/P1)": how entries are compared and logged. */
function line(entry: { key: string; amount: number; status: string; corrects: string | null }): string {
  const sign = entry.amount > 0 ? '+' : '';
  return `${entry.key} ${sign}${entry.amount} ${entry.status}${entry.corrects ? ` (takes back ${entry.corrects})` : ''}`;
}
const described = (entry: Entry) => line({ ...entry, corrects: entry.original?.key ?? null });

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/** How much of what is left of a sale a refund returns. */
type RefundPart = { kind: 'all' } | { kind: 'permille'; value: number } | { kind: 'kopecks'; value: number };

/** Indices (sale, batch, payout, picks) choose among what exists when the command runs, modulo its count. */
type Command =
  /** With `refund`, a refund of part of the sale goes in the same call, after it. */
  | { type: 'sale'; partner: number; amount: number; refund: RefundPart | null }
  | { type: 'refund'; sale: number; part: RefundPart; chargeback: boolean }
  | { type: 'overRefund'; sale: number; extra: number }
  | { type: 'resend'; batch: number }
  | { type: 'approveDue' }
  | { type: 'approveSome'; picks: number[]; spoil: number | null }
  | { type: 'rejectSome'; picks: number[]; spoil: number | null }
  /** With `atBalanceOf`, the minimum is exactly what that partner would be paid: the boundary of the rule. */
  | { type: 'payoutBatch'; minimum: number; atBalanceOf: number | null }
  | { type: 'retryBatch'; batch: number; minimum: number }
  | { type: 'markPaid'; payout: number; anyStatus: boolean }
  | { type: 'fail'; payout: number; anyStatus: boolean };

const index = fc.nat({ max: 99 });
const saleAmount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 2_000_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  // 5 %, 3 % or 1 % of these end in exactly .5, so half-even decides.
  { weight: 1, arbitrary: fc.constantFrom(10, 30, 50, 150, 250, 350, 1_050) },
);
const refundPart: fc.Arbitrary<RefundPart> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'all' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('permille' as const), value: fc.integer({ min: 1, max: 999 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kopecks' as const), value: fc.integer({ min: 1, max: 3 }) }) },
);
const picks = fc.array(index, { minLength: 1, maxLength: 4 });
/** Mostly null; otherwise an id that cannot make the move, mixed in: the whole call must be refused. */
const spoil = fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: index });
const minimum = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50_000 }) },
);
/** Mostly a CREATED payout; sometimes any payout, to settle one that is settled already. */
const anyStatus = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('sale' as const),
      partner: fc.nat({ max: NAMES.length - 1 }),
      amount: saleAmount,
      refund: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: refundPart }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ type: fc.constant('refund' as const), sale: index, part: refundPart, chargeback: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('overRefund' as const), sale: index, extra: fc.nat({ max: 1_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('resend' as const), batch: index }) },
  { weight: 3, arbitrary: fc.constant({ type: 'approveDue' as const }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('approveSome' as const), picks, spoil }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('rejectSome' as const), picks, spoil }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('payoutBatch' as const),
      minimum,
      atBalanceOf: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat({ max: NAMES.length - 1 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('retryBatch' as const), batch: index, minimum }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant('markPaid' as const), payout: index, anyStatus }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('fail' as const), payout: index, anyStatus }) },
);

/** The sponsors of P1, P2, P3: each an earlier partner, so the tree may be a chain, a star or anything between. */
const tree = fc.tuple(fc.constant(0), fc.nat({ max: 1 }), fc.nat({ max: 2 })).map(([p1, p2, p3]) => [null, p1, p2, p3] as (number | null)[]);

const pick = <T>(items: readonly T[], i: number): T | undefined => (items.length ? items[i % items.length] : undefined);

/** How much a refund returns of the `left` (> 0) unrefunded kopecks of a sale. */
function refundAmount(part: RefundPart, left: number): number {
  if (part.kind === 'all') return left;
  if (part.kind === 'kopecks') return Math.min(part.value, left);
  return Math.max(1, Math.floor((left * part.value) / 1000));
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A program of its own for one run: an admin key, the partners in `sponsors`' tree, the campaign. */
async function newProgram(sponsors: (number | null)[]) {
  const { app } = server.running;
  const [program] = await server.sql<{ id: string }>(
    `insert into program (name, default_currency, time_zone, token_secret) values ($1, 'RUB', 'Europe/Moscow', $2) returning id::text`,
    [`Ledger properties ${randomBytes(4).toString('hex')}`, randomBytes(32).toString('base64url')],
  );
  const { key, apiKey } = await app.auth.createApiKey(program.id, 'property test', ['admin']);
  const partnerIds: string[] = [];
  for (const [i, sponsor] of sponsors.entries()) {
    const data = await server.ok<{ createPartner: { id: string } }>(
      `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`,
      { input: { name: NAMES[i], kind: 'AMBASSADOR', sponsorId: sponsor === null ? null : partnerIds[sponsor] } },
      key,
    );
    partnerIds.push(data.createPartner.id);
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Sales',
        startsAt: new Date(Date.now() - 86_400_000).toISOString(),
        currency: 'RUB',
        holdDays: 0,
        schemes: [
          { code: 'percentage-of-sales', args: { percent: String(SELLER_PERCENT) } },
          { code: 'multi-level', args: { levels: LEVEL_PERCENTS.map(String) } },
        ],
      },
    },
    key,
  );
  await server.ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: campaign.createCampaign.id }, key);
  return { programId: program.id, actor: String(apiKey.id), partnerIds };
}

/** Runs `action`, which must be refused with `code`. */
async function refused(action: Promise<unknown>, code: string, what: string): Promise<string> {
  try {
    await action;
  } catch (error) {
    const got = (error as { extensions?: { code?: string } }).extensions?.code;
    if (got !== code) throw new Error(`${what}: expected a ${code} error, got ${got ?? 'no code'}: ${(error as Error).message}`, { cause: error });
    return (error as Error).message;
  }
  throw new Error(`${what}: expected a ${code} error, but it succeeded`);
}

async function runSequence(sponsors: (number | null)[], commands: Command[]): Promise<void> {
  const { app } = server.running;
  const { programId, actor, partnerIds } = await newProgram(sponsors);
  const model = new Model(sponsors);
  const nameOf = new Map(partnerIds.map((id, i) => [id, NAMES[i]]));
  const log: string[] = [`tree: ${sponsors.map((s, i) => (s === null ? `${NAMES[i]} (root)` : `${NAMES[i]} → ${NAMES[s]}`)).join(', ')}`];
  let nextEvent = 1;
  let nextBatch = 1;

  /** The rows the ledger wrote for one event, described like the model's, then bound to the model's entries. */
  async function checkWritten(externalId: string, expected: Entry[]): Promise<void> {
    const rows = await server.sql<{ id: string; partnerId: string; amount: string; status: string; corrects: string | null }>(
      `select r.id::text, r.partner_id::text as "partnerId", r.amount::text, r.status, r.corrects_id::text as corrects
         from reward r join event e on e.id = r.event_id where e.program_id = $1 and e.external_id = $2`,
      [programId, externalId],
    );
    const actual = rows.map((row) =>
      line({
        key: `${externalId}/${nameOf.get(row.partnerId)}`,
        amount: Number(row.amount),
        status: row.status,
        corrects: row.corrects ? (model.byId.get(row.corrects)?.key ?? `unknown reward ${row.corrects}`) : null,
      }),
    );
    expect({ event: externalId, entries: actual.sort() }).toEqual({ event: externalId, entries: expected.map(described).sort() });
    for (const row of rows) {
      const entry = expected.find((e) => partnerIds[e.partner] === row.partnerId)!;
      entry.id = row.id;
      model.byId.set(row.id, entry);
    }
  }

  async function record(batch: EventInput[]) {
    return app.events.record(programId, batch);
  }

  async function run(step: Command): Promise<void> {
    switch (step.type) {
      case 'sale': {
        const externalId = `S-${nextEvent++}`;
        const batch: EventInput[] = [{ externalId, type: 'SALE', partnerId: partnerIds[step.partner], amount: step.amount, currency: 'RUB' }];
        const expected = [...model.sale(externalId, step.partner, step.amount)];
        log.push(`sale ${externalId} by ${NAMES[step.partner]} of ${step.amount} → ${expected.map(described).join(', ') || 'nothing'}`);
        const refundId = step.refund ? `R-${nextEvent++}` : null;
        if (step.refund && refundId) {
          const amount = refundAmount(step.refund, step.amount);
          batch.push({ externalId: refundId, type: 'REFUND', refundOf: externalId, amount, currency: 'RUB' });
          const taken = model.refund(refundId, model.sales.at(-1)!, amount);
          log.push(`  and in the same call refund ${refundId} of ${amount} → ${taken.map(described).join(', ') || 'nothing'}`);
          expected.push(...taken);
        }
        expect(await record(batch)).toEqual({ accepted: batch.length, duplicates: 0, duplicateExternalIds: [], rewardsCreated: expected.length });
        model.sent.push(batch);
        await checkWritten(externalId, expected.filter((entry) => entry.key.startsWith(`${externalId}/`)));
        if (refundId) await checkWritten(refundId, expected.filter((entry) => entry.key.startsWith(`${refundId}/`)));
        return;
      }
      case 'refund': {
        const sale = pick(model.sales, step.sale);
        if (!sale || sale.refunded === sale.amount) return;
        const left = sale.amount - sale.refunded;
        const amount = refundAmount(step.part, left);
        const type = step.chargeback ? 'CHARGEBACK' : 'REFUND';
        const externalId = `R-${nextEvent++}`;
        const batch: EventInput[] = [{ externalId, type, refundOf: sale.externalId, amount, currency: 'RUB' }];
        const expected = model.refund(externalId, sale, amount);
        log.push(`${type.toLowerCase()} ${externalId} of ${sale.externalId}: ${amount}, ${sale.refunded} of ${sale.amount} in all → ${expected.map(described).join(', ') || 'nothing'}`);
        expect(await record(batch)).toEqual({ accepted: 1, duplicates: 0, duplicateExternalIds: [], rewardsCreated: expected.length });
        model.sent.push(batch);
        await checkWritten(externalId, expected);
        return;
      }
      case 'overRefund': {
        const sale = pick(model.sales, step.sale);
        if (!sale) return;
        const amount = sale.amount - sale.refunded + 1 + step.extra;
        const externalId = `X-${nextEvent++}`;
        log.push(`refund ${externalId} of ${sale.externalId}: ${amount}, more than the ${sale.amount - sale.refunded} left → refused`);
        await refused(record([{ externalId, type: 'REFUND', refundOf: sale.externalId, amount, currency: 'RUB' }]), 'BAD_USER_INPUT', `refund ${externalId}`);
        return;
      }
      case 'resend': {
        const batch = pick(model.sent, step.batch);
        if (!batch) return;
        const externalIds = batch.map((event) => event.externalId);
        log.push(`resend ${externalIds.join(' + ')} → duplicate`);
        const result = await record(batch);
        expect({ ...result, duplicateExternalIds: [...result.duplicateExternalIds].sort() }).toEqual({
          accepted: 0,
          duplicates: batch.length,
          duplicateExternalIds: externalIds.sort(),
          rewardsCreated: 0,
        });
        return;
      }
      case 'approveDue': {
        const moved = model.approve(model.originals().filter((entry) => entry.status === 'PENDING'));
        log.push(`approveDue → ${moved.length} entries`);
        expect({ approveDue: await app.lifecycle.approveDue(programId, actor) }).toEqual({ approveDue: moved.length });
        return;
      }
      case 'approveSome':
      case 'rejectSome': {
        const approving = step.type === 'approveSome';
        const candidates = model.originals().filter((entry) => (approving ? entry.status === 'PENDING' : model.rejectable(entry)));
        // One pick in ten is an original that made the move already: it is left as it is.
        const already = model.originals().filter((entry) => entry.status === (approving ? 'APPROVED' : 'REJECTED'));
        const chosen = step.picks.flatMap((i) => pick(i % 10 === 9 && already.length ? already : candidates, i) ?? []);
        const wrong =
          step.spoil === null
            ? undefined
            : pick(model.entries.filter((entry) => !(approving ? model.approvable(entry) : model.rejectable(entry) || entry.status === 'REJECTED')), step.spoil);
        const ids = [...chosen, ...(wrong ? [wrong] : [])].map((entry) => entry.id);
        if (ids.length === 0) return;
        const what = [approving ? 'approve' : 'reject', chosen.map((entry) => entry.key).join(', ')].filter(Boolean).join(' ');
        if (wrong) {
          log.push(`${what}${chosen.length ? ', and' : ''} ${wrong.key} (${wrong.status}${wrong.original ? ', a compensating entry' : wrong.payout ? ', in a payout' : ''}) → refused`);
          const call = approving ? app.lifecycle.approve(programId, actor, ids) : app.lifecycle.reject(programId, actor, ids, 'not a real order');
          await refused(call, 'CONFLICT', what);
          return;
        }
        log.push(what);
        if (approving) {
          model.approve(chosen);
          await app.lifecycle.approve(programId, actor, ids);
        } else {
          model.reject(chosen);
          await app.lifecycle.reject(programId, actor, ids, 'not a real order');
        }
        return;
      }
      case 'payoutBatch': {
        const key = `B-${nextBatch++}`;
        const minimum = step.atBalanceOf === null ? step.minimum : Math.max(0, model.open(step.atBalanceOf).amount);
        const expected = model.gather(minimum);
        const show = (p: { partner: number; amount: number; entries: { key: string }[] }) =>
          `${NAMES[p.partner]} ${p.amount} [${p.entries.map((entry) => entry.key).sort().join(' ')}]`;
        log.push(`payout batch ${key}, minimum ${minimum} → ${expected.map(show).join('; ') || 'no payouts'}`);
        const batch = await app.payouts.createBatch(programId, actor, 'RUB', BigInt(minimum), key);
        const payouts = (await app.payouts.ofBatches([batch.id])).get(batch.id)!;
        const items = await app.payouts.items(payouts.map((payout) => payout.id));
        const actual = payouts.map((payout) => ({
          partner: partnerIds.indexOf(payout.partnerId),
          amount: Number(payout.amount),
          entries: items.get(payout.id)!.map((id) => model.byId.get(id) ?? { key: `unknown reward ${id}` }),
        }));
        expect({ batch: key, payouts: actual.map(show).sort() }).toEqual({ batch: key, payouts: expected.map(show).sort() });
        model.batches.push({ key, id: batch.id, payoutIds: payouts.map((payout) => payout.id) });
        for (const { partner, amount, entries } of expected) {
          const payout: Payout = { id: payouts.find((p) => p.partnerId === partnerIds[partner])!.id, partner, amount, entries, status: 'CREATED' };
          for (const entry of entries) entry.payout = payout;
          model.payouts.push(payout);
        }
        return;
      }
      case 'retryBatch': {
        const earlier = pick(model.batches, step.batch);
        if (!earlier) return;
        log.push(`payout batch ${earlier.key} again, minimum ${step.minimum} → the same batch, nothing new`);
        const batch = await app.payouts.createBatch(programId, actor, 'RUB', BigInt(step.minimum), earlier.key);
        const payouts = (await app.payouts.ofBatches([batch.id])).get(batch.id)!;
        expect({ batch: batch.id, payouts: payouts.map((payout) => payout.id) }).toEqual({ batch: earlier.id, payouts: earlier.payoutIds });
        return;
      }
      case 'markPaid':
      case 'fail': {
        const paying = step.type === 'markPaid';
        const payout = pick(step.anyStatus ? model.payouts : model.payouts.filter((p) => p.status === 'CREATED'), step.payout);
        if (!payout) return;
        const what = `${paying ? 'mark paid' : 'fail'} the payout of ${payout.amount} to ${NAMES[payout.partner]} (${payout.status})`;
        const call = () =>
          paying ? app.payouts.markPaid(programId, actor, payout.id, `bank-${payout.id}`) : app.payouts.fail(programId, actor, payout.id, 'account closed');
        if (payout.status === (paying ? 'FAILED' : 'PAID')) {
          log.push(`${what} → refused`);
          await refused(call(), 'CONFLICT', what);
          return;
        }
        const expected: PayoutStatus = paying ? 'PAID' : 'FAILED';
        log.push(payout.status === expected ? `${what} → nothing changes` : what);
        if (payout.status === 'CREATED') {
          if (paying) model.markPaid(payout);
          else model.fail(payout);
        }
        const row = await call();
        expect({ payout: what, status: row.status, amount: Number(row.amount) }).toEqual({ payout: what, status: expected, amount: payout.amount });
        return;
      }
    }
  }

  /** The ledger against the model, and its invariants in SQL. */
  async function checkAll(): Promise<void> {
    // 1. Every partner's statement.
    for (const [partner, partnerId] of partnerIds.entries()) {
      const figures = await app.ledger.statement(programId, partnerId, 'RUB');
      const actual = Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, Number(value)]));
      expect({ statementOf: NAMES[partner], ...actual }).toEqual({ statementOf: NAMES[partner], ...model.statement(partner) });
    }

    // 2. Every reward row of the program: (event/partner, amount, status, what it takes back).
    const rows = await server.sql<{ id: string; partnerId: string; amount: string; status: string; corrects: string | null; event: string }>(
      `select r.id::text, r.partner_id::text as "partnerId", r.amount::text, r.status, r.corrects_id::text as corrects, e.external_id as event
         from reward r join event e on e.id = r.event_id where r.program_id = $1`,
      [programId],
    );
    const keyOf = new Map(rows.map((row) => [row.id, `${row.event}/${nameOf.get(row.partnerId)}`]));
    const actual = rows.map((row) =>
      line({ key: keyOf.get(row.id)!, amount: Number(row.amount), status: row.status, corrects: row.corrects ? (keyOf.get(row.corrects) ?? row.corrects) : null }),
    );
    expect({ rewards: actual.sort() }).toEqual({ rewards: model.entries.map(described).sort() });

    // 3. Invariants, straight from SQL; each query lists what breaks one.
    const broken = async (rule: string, text: string) => ({ rule, rows: await server.sql(text, [programId]) });
    const invariants = await Promise.all([
      broken('one entry per idempotency key', `select idempotency_key, count(*)::int from reward where program_id = $1 group by 1 having count(*) > 1`),
      broken(
        'a compensating entry is negative and points at a positive original of the same partner',
        `select c.id::text, c.amount::text, o.amount::text as original from reward c join reward o on o.id = c.corrects_id
          where c.program_id = $1 and (c.amount >= 0 or o.amount <= 0 or o.partner_id <> c.partner_id or o.corrects_id is not null)`,
      ),
      broken(
        'never more taken back than granted',
        `select o.id::text, o.amount::text, (-sum(c.amount))::text as taken from reward o join reward c on c.corrects_id = o.id
          where o.program_id = $1 group by o.id having -sum(c.amount) > o.amount`,
      ),
      broken(
        'paid entries of a partner add up to its paid payouts',
        `select pa.name, e.paid::text as entries, p.paid::text as payouts from partner pa
           cross join lateral (select coalesce(sum(amount), 0) as paid from reward where partner_id = pa.id and status = 'PAID') e
           cross join lateral (select coalesce(sum(amount), 0) as paid from payout where partner_id = pa.id and status = 'PAID') p
          where pa.program_id = $1 and e.paid <> p.paid`,
      ),
      broken(
        'a payout is exactly the sum of its entries, all of its partner',
        `select p.id::text, p.amount::text, p.entries, coalesce(sum(r.amount), 0)::text as items, count(r.id)::int as "itemCount"
           from payout p left join payout_item i on i.payout_id = p.id left join reward r on r.id = i.reward_id
          where p.program_id = $1 group by p.id
         having p.amount <> coalesce(sum(r.amount), 0) or p.entries <> count(r.id) or bool_or(r.partner_id <> p.partner_id)`,
      ),
      broken(
        'an entry is in at most one live payout',
        `select i.reward_id::text, count(*)::int from payout_item i join payout p on p.id = i.payout_id
          where p.program_id = $1 and p.status <> 'FAILED' group by i.reward_id having count(*) > 1`,
      ),
      broken(
        'entries of a CREATED payout are APPROVED, of a PAID payout PAID, and every PAID entry is in a PAID payout',
        `select r.id::text, r.status, p.status as payout from payout_item i join payout p on p.id = i.payout_id join reward r on r.id = i.reward_id
          where p.program_id = $1 and ((p.status = 'CREATED' and r.status <> 'APPROVED') or (p.status = 'PAID' and r.status <> 'PAID'))
         union all
         select r.id::text, r.status, null from reward r where r.program_id = $1 and r.status = 'PAID'
            and not exists (select 1 from payout_item i join payout p on p.id = i.payout_id where i.reward_id = r.id and p.status = 'PAID')`,
      ),
    ]);
    expect(invariants.filter((invariant) => invariant.rows.length)).toEqual([]);
  }

  try {
    for (const step of commands) await run(step);
    log.push('— final check —');
    await checkAll();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\nWhat the run did (program ${programId}):\n  ${log.join('\n  ')}`, { cause: error });
  }
}

it(
  'agrees with an independent model of entries, statuses, payouts and statements, and keeps its invariants',
  async () => {
    await fc.assert(
      fc.asyncProperty(tree, fc.array(command, { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' }), (sponsors, commands) => runSequence(sponsors, commands)),
      { numRuns: RUNS },
    );
  },
  SOAK ? 3_600_000 : 600_000,
);
