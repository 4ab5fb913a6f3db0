/**
 * `cofactor verify` end to end against a real server and PostgreSQL. A ledger written through
 * the API — a sale in a three-level tree, a partial refund, approvals and a paid payout —
 * passes every check. Then each case breaks one rule behind the guards' back (triggers off,
 * as only a superuser can) and must be told the exact rule and the exact entries; each case
 * puts the ledger back afterwards, so the cases do not interfere.
 *
 * The tree: Anna (root) → Boris → Vera. Vera sells for 12 000,00 ₽; the campaign pays 5 % to
 * the seller and 3 % and 1 % to her two sponsors. A refund of 3 000,00 ₽ takes a quarter of
 * each back. Amounts are in kopecks.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { rebuildAnalytics } from '../../server/src/analytics/rollups.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { rebuildBoardTotals, verifyBoardTotals } from '../../server/src/leaderboards/board-totals.js';
import { verifyLedger } from '../../server/src/ledger/verify.js';
import { ROOT_DIR, boardDeltasFolded, startTestServer, type TestServer } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');

let server: TestServer;
let verifier: Sql;
let statements: StatementCounter;
const partner: Record<string, string> = {};
/** Each partner's reward for the sale, and the compensating entry the refund wrote for it. */
const sale: Record<string, string> = {};
const back: Record<string, string> = {};
let campaignId: string;
let saleEventId: string;
let payoutId: string;

beforeAll(async () => {
  server = await startTestServer();
  for (const [name, sponsor] of [['Anna', null], ['Boris', 'ANNA'], ['Vera', 'BORIS']] as const) {
    const data = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
      input: { name, kind: 'AMBASSADOR', referralCode: name.toUpperCase(), sponsorReferralCode: sponsor },
    });
    partner[name] = data.createPartner.id;
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: {
      name: 'Spring',
      startsAt: '2026-01-01T00:00:00Z',
      currency: 'RUB',
      // Long enough that the server's own approval job never moves anything during the test.
      holdDays: 14,
      schemes: [
        { code: 'percentage-of-sales', args: { percent: '5' } },
        { code: 'multi-level', args: { levels: ['3', '1'] } },
      ],
    },
  });
  campaignId = campaign.createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  await server.ok(`mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }`, {
    events: [
      { externalId: 'S-1', type: 'SALE', partnerId: partner.Vera, amount: 1_200_000, currency: 'RUB' },
      { externalId: 'R-1', type: 'REFUND', refundOf: 'S-1', amount: 300_000, currency: 'RUB' },
    ],
  });
  const names = new Map(Object.entries(partner).map(([name, id]) => [id, name]));
  for (const row of await server.sql<{ id: string; partnerId: string; correctsId: string | null }>(
    'select id::text, partner_id::text as "partnerId", corrects_id::text as "correctsId" from reward order by id',
  )) {
    (row.correctsId ? back : sale)[names.get(row.partnerId)!] = row.id;
  }
  [{ id: saleEventId }] = await server.sql<{ id: string }>(`select id::text from event where external_id = 'S-1'`);

  // Vera's reward is approved (its refund moves with it) and paid; Boris's is approved after
  // the batch, so it is in no payout; Anna's stays pending.
  await server.ok(`mutation { approveRewards(ids: ["${sale.Vera}"]) { id } }`);
  const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string; amount: number; entries: number }[] } }>(
    `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 1) { payouts { id amount entries } } }`,
  );
  expect(batch.createPayoutBatch.payouts).toEqual([{ id: expect.any(String), amount: 45_000, entries: 2 }]);
  payoutId = batch.createPayoutBatch.payouts[0].id;
  await server.ok(`mutation { markPayoutPaid(id: "${payoutId}") { status } }`);
  await server.ok(`mutation { approveRewards(ids: ["${sale.Boris}"]) { id } }`);

  statements = new StatementCounter();
  verifier = new Sql(server.databaseUrl, statements, 2);
});

afterAll(async () => {
  await verifier?.close();
  await server?.stop();
});

const check = (programId: string | null = server.programId) => verifyLedger(verifier, { programId });

/**
 * Runs SQL with triggers off (session_replication_role = replica): how a test gets past the
 * ledger's guards. The triggers of the board totals and the analytics rollups are off too, so
 * they are recomputed afterwards: these tests break the ledger, not the boards or the rollups.
 */
async function unguarded<R extends pg.QueryResultRow = any>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  const boards = new Sql(server.databaseUrl, new StatementCounter(), 1);
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    const rows = (await client.query<R>(text, params)).rows;
    await rebuildBoardTotals(boards);
    for (const { id } of await boards.query<{ id: string }>('select id::text from program')) await rebuildAnalytics(boards, id);
    return rows;
  } finally {
    await client.end();
    await boards.close();
  }
}

const REWARD_COLUMNS: Record<string, string> = {
  program_id: 'bigint',
  partner_id: 'bigint',
  campaign_id: 'bigint',
  scheme_instance_id: 'bigint',
  event_id: 'bigint',
  period_key: 'text',
  kind: 'text',
  amount: 'bigint',
  unit: 'text',
  status: 'text',
  idempotency_key: 'text',
  explanation_en: 'text',
  explanation_ru: 'text',
  details: 'jsonb',
  hold_until: 'timestamptz',
  corrects_id: 'bigint',
  reversal: 'text',
  created_at: 'timestamptz',
};

/** Writes an entry copied from entry `like`, with `changes`; returns its id. */
async function addEntry(like: string, changes: Record<string, unknown>): Promise<string> {
  const params: unknown[] = [like];
  const values = Object.entries(REWARD_COLUMNS).map(([column, type]) => (column in changes ? `$${params.push(changes[column])}::${type}` : column));
  const [row] = await server.sql<{ id: string }>(
    `insert into reward (${Object.keys(REWARD_COLUMNS).join(', ')}) select ${values.join(', ')} from reward where id = $1 returning id::text`,
    params,
  );
  return row.id;
}

const removeEntries = (...ids: string[]) => unguarded('delete from reward where id = any($1::bigint[])', [ids]);

it('finds nothing wrong with a ledger written through the API, in 9 steps', async () => {
  const rows = await server.sql(
    `select r.amount::text, r.status, r.corrects_id is not null as back, count(i.payout_id)::int as payouts
       from reward r left join payout_item i on i.reward_id = r.id group by r.id order by r.corrects_id is not null, r.amount desc`,
  );
  expect(rows).toEqual([
    { amount: '60000', status: 'PAID', back: false, payouts: 1 },
    { amount: '36000', status: 'APPROVED', back: false, payouts: 0 },
    { amount: '12000', status: 'PENDING', back: false, payouts: 0 },
    { amount: '-3000', status: 'PENDING', back: true, payouts: 0 },
    { amount: '-9000', status: 'APPROVED', back: true, payouts: 0 },
    { amount: '-15000', status: 'PAID', back: true, payouts: 1 },
  ]);
  const steps: unknown[] = [];
  const result = await verifyLedger(verifier, { programId: server.programId, onStep: (...step) => steps.push(step) });
  expect(result).toEqual({ checked: { entries: 6, payouts: 1 }, problems: [] });
  expect(steps).toEqual([
    [1, 9, 'idempotency keys', 0],
    [2, 9, 'amounts and units', 0],
    [3, 9, 'compensating entries', 0],
    [4, 9, 'refunds', 0],
    [5, 9, 'payout sums', 0],
    [6, 9, 'payout membership', 0],
    [7, 9, 'status log', 0],
    [8, 9, 'budgets and caps', 0],
    [9, 9, 'partner history', 0],
  ]);
});

it('unique-key: two entries with one idempotency key (the unique index dropped)', async () => {
  const [{ key }] = await server.sql<{ key: string }>('select idempotency_key as key from reward where id = $1', [sale.Anna]);
  await server.sql('alter table reward drop constraint reward_program_id_idempotency_key_unique');
  const copy = await addEntry(sale.Anna, {});
  try {
    expect((await check()).problems).toEqual([
      { rule: 'unique-key', rewardIds: [sale.Anna, copy], message: `2 entries of program ${server.programId} share the idempotency key "${key}"` },
    ]);
  } finally {
    await removeEntries(copy);
    await server.sql('alter table reward add constraint reward_program_id_idempotency_key_unique unique (program_id, idempotency_key)');
  }
});

it('amount-shape: a negative entry in a lowercase unit that is no correction', async () => {
  const wrong = await addEntry(sale.Anna, { amount: -500, unit: 'rub', idempotency_key: 'test:shape' });
  try {
    expect((await check()).problems).toEqual([
      {
        rule: 'amount-shape',
        rewardIds: [wrong],
        message: `entry ${wrong}: a MONEY entry in "rub", not a currency code; -500 is negative, but it is neither a compensating entry nor a points redemption`,
      },
    ]);
  } finally {
    await removeEntries(wrong);
  }
});

it('correction-target: a compensating entry credited to another partner than its original', async () => {
  const wrong = await addEntry(back.Anna, { partner_id: partner.Boris, amount: -1, idempotency_key: 'test:other-partner' });
  try {
    const p = server.programId;
    expect((await check()).problems).toEqual([
      {
        rule: 'correction-target',
        rewardIds: [sale.Anna, wrong],
        message:
          `compensating entry ${wrong} of entry ${sale.Anna}: its program, partner, campaign, kind and unit (${p}, ${partner.Boris}, ${campaignId}, MONEY, RUB) ` +
          `are not those of the entry it corrects (${p}, ${partner.Anna}, ${campaignId}, MONEY, RUB)`,
      },
    ]);
  } finally {
    await removeEntries(wrong);
  }
});

it('reversal-bound: a second compensating entry that takes back more than was granted', async () => {
  // Anna was granted 12000 and the refund took 3000 back; 10000 more is 1000 too many.
  const extra = await addEntry(back.Anna, { amount: -10_000, idempotency_key: 'test:second-reversal' });
  try {
    expect((await check()).problems).toEqual([
      {
        rule: 'reversal-bound',
        rewardIds: [sale.Anna, back.Anna, extra],
        message: `entry ${sale.Anna} of 12000 is taken back by 13000 in all, more than its amount`,
      },
    ]);
  } finally {
    await removeEntries(extra);
  }
});

it('correction-status, payout-once and status-log: a compensating entry PAID without a payout', async () => {
  await unguarded(`update reward set status = 'PAID' where id = $1`, [back.Anna]);
  try {
    expect((await check()).problems).toEqual([
      {
        rule: 'correction-status',
        rewardIds: [sale.Anna, back.Anna],
        message: `compensating entry ${back.Anna} is PAID while the entry it corrects, ${sale.Anna}, is PENDING (it must be PENDING or REJECTED exactly when that entry is)`,
      },
      { rule: 'payout-once', rewardIds: [back.Anna], message: `entry ${back.Anna} is PAID but in no PAID payout` },
      { rule: 'status-log', rewardIds: [back.Anna], message: `entry ${back.Anna} is PAID, but no logged change made it PAID with a payout` },
    ]);
  } finally {
    await unguarded(`update reward set status = 'PENDING' where id = $1`, [back.Anna]);
  }
});

it('refund-bound: refunds of a sale that total more than the sale', async () => {
  await server.sql(
    `insert into event (program_id, external_id, type, partner_id, amount, currency, occurred_at, refund_of_id)
     values ($1, 'R-2', 'REFUND', $2, 1000000, 'RUB', now(), $3)`,
    [server.programId, partner.Vera, saleEventId],
  );
  try {
    expect((await check()).problems).toEqual([
      // Named: the compensating entries its refunds wrote (R-2 wrote none), in id order.
      {
        rule: 'refund-bound',
        rewardIds: [back.Boris, back.Anna, back.Vera],
        message: `sale ${saleEventId} (S-1): its refunds total 1300000, more than its 1200000`,
      },
    ]);
  } finally {
    await server.sql(`delete from event where external_id = 'R-2'`);
  }
});

/** A payout like the paid one, with other figures; its items are written with triggers off. */
async function addPayout(changes: { partnerId: string; amount: number; entries: number; status: string }, rewardIds: string[]): Promise<string> {
  const [{ id }] = await server.sql<{ id: string }>(
    `insert into payout (batch_id, program_id, partner_id, currency, amount, entries, status)
     select batch_id, program_id, $2, currency, $3, $4, $5 from payout where id = $1 returning id::text`,
    [payoutId, changes.partnerId, changes.amount, changes.entries, changes.status],
  );
  await server.sql('insert into payout_item (payout_id, reward_id) select $1, unnest($2::bigint[])', [id, rewardIds]);
  return id;
}

async function removePayout(id: string): Promise<void> {
  await unguarded('delete from payout_item where payout_id = $1', [id]);
  await server.sql('delete from payout where id = $1', [id]);
}

it('payout-sum: a payout whose amount is not the sum of its entries', async () => {
  // FAILED, so it is no live payout and breaks no other rule: Vera's entries sum to 45000.
  const wrong = await addPayout({ partnerId: partner.Vera, amount: 50_000, entries: 2, status: 'FAILED' }, [sale.Vera, back.Vera]);
  try {
    expect((await check()).problems).toEqual([
      {
        rule: 'payout-sum',
        rewardIds: [sale.Vera, back.Vera],
        payoutId: wrong,
        message: `payout ${wrong} is 50000 RUB with entries = 2, but its items sum to 45000 and count 2`,
      },
    ]);
  } finally {
    await removePayout(wrong);
  }
});

it('payout-once: a pending entry in a created payout', async () => {
  const wrong = await addPayout({ partnerId: partner.Anna, amount: 12_000, entries: 1, status: 'CREATED' }, [sale.Anna]);
  try {
    expect((await check()).problems).toEqual([
      { rule: 'payout-once', rewardIds: [sale.Anna], payoutId: wrong, message: `CREATED payout ${wrong} holds entries that are PENDING, not APPROVED` },
    ]);
  } finally {
    await removePayout(wrong);
  }
});

it('status-log: a logged change that does not start where the one before ended', async () => {
  const [{ id: paid }] = await server.sql<{ id: string }>(`select id::text from reward_status_change where reward_id = $1 and to_status = 'PAID'`, [sale.Vera]);
  const [{ id: wrong }] = await server.sql<{ id: string }>(
    `insert into reward_status_change (reward_id, from_status, to_status) values ($1, 'APPROVED', 'REJECTED') returning id::text`,
    [sale.Vera],
  );
  try {
    expect((await check()).problems).toEqual([
      {
        rule: 'status-log',
        rewardIds: [sale.Vera],
        message: `status log of entry ${sale.Vera}: change ${wrong} moves it from APPROVED, but change ${paid} left it PAID; its last logged status is REJECTED, but it is PAID`,
      },
    ]);
  } finally {
    await unguarded('delete from reward_status_change where id = $1', [wrong]);
  }
});

it('payout-sum and status-log: an item and a change that name nothing (neither table has foreign keys)', async () => {
  await server.sql('insert into payout_item (payout_id, reward_id) values (999999, $1)', [sale.Vera]);
  const [{ id: change }] = await server.sql<{ id: string }>(
    `insert into reward_status_change (reward_id, from_status, to_status) values (888888, 'PENDING', 'APPROVED') returning id::text`,
  );
  try {
    expect((await check(null)).problems).toEqual([
      { rule: 'payout-sum', rewardIds: [sale.Vera], payoutId: '999999', message: `payout item (999999, ${sale.Vera}) names a payout that does not exist` },
      { rule: 'status-log', rewardIds: [], message: `status change ${change} names entry 888888, which does not exist` },
    ]);
  } finally {
    await unguarded('delete from payout_item where payout_id = 999999');
    await unguarded('delete from reward_status_change where id = $1', [change]);
  }
});

it('budget: granted money, net of refunds, above the budget, naming the entries past it', async () => {
  // Granted: 60000 + 36000 + 12000 − 15000 − 9000 − 3000 = 81000, paid or not.
  try {
    await server.sql('update campaign set budget = 81000 where id = $1', [campaignId]);
    expect((await check()).problems).toEqual([]);
    await server.sql('update campaign set budget = 80999 where id = $1', [campaignId]);
    // In id order (the ledger writes a batch in key order: multi-level before percentage-of-sales)
    // the running total passes 80999 with Vera's 60000.
    expect((await check()).problems).toEqual([
      { rule: 'budget', rewardIds: [sale.Vera], message: `campaign ${campaignId} has granted 81000 RUB, more than its budget of 80999` },
    ]);
  } finally {
    await server.sql('update campaign set budget = null where id = $1', [campaignId]);
  }
});

it("partner-cap: per month and quarter in the program's time zone, and per campaign", async () => {
  // Two more rewards for Vera, in February 2025 in Moscow — the first is still January in UTC.
  const early = await addEntry(sale.Vera, { amount: 30_000, status: 'PENDING', idempotency_key: 'test:cap:1', created_at: '2025-01-31T21:30:00Z' });
  const late = await addEntry(sale.Vera, { amount: 30_000, status: 'PENDING', idempotency_key: 'test:cap:2', created_at: '2025-02-28T20:59:00Z' });
  const capped = async (period: string) => {
    await server.sql('update campaign set partner_cap = 50000, cap_period = $2 where id = $1', [campaignId, period]);
    return (await check()).problems;
  };
  try {
    const cap = (total: number, window: string) =>
      `partner ${partner.Vera} was granted ${total} RUB by campaign ${campaignId} ${window}, more than its partner cap of 50000`;
    expect(await capped('MONTH')).toEqual([{ rule: 'partner-cap', rewardIds: [late], message: cap(60_000, 'in the month 2025-02') }]);
    expect(await capped('QUARTER')).toEqual([{ rule: 'partner-cap', rewardIds: [late], message: cap(60_000, 'in the quarter 2025-Q1') }]);
    // 45000 this month plus 60000: past the cap from Vera's sale on (her refund takes back, it is not named).
    expect(await capped('CAMPAIGN')).toEqual([
      { rule: 'partner-cap', rewardIds: [sale.Vera, early, late], message: cap(105_000, 'over the whole campaign') },
    ]);
  } finally {
    await server.sql(`update campaign set partner_cap = null, cap_period = 'MONTH' where id = $1`, [campaignId]);
    await removeEntries(early, late);
  }
});

it('board totals: a bucket that a rebuild emptied keeps its size row, with no partners, and is no problem', async () => {
  const extra = await addEntry(sale.Anna, { unit: 'KZT', idempotency_key: 'emptied:1' });
  await boardDeltasFolded(server);
  const kzt = `select min(partners)::int as least, max(partners)::int as most from board_size where unit = 'KZT'`;
  // Anna alone on each KZT board.
  expect(await server.sql(kzt)).toEqual([{ least: 1, most: 1 }]);
  await removeEntries(extra);
  expect(await server.sql(kzt)).toEqual([{ least: 0, most: 0 }]);
  expect(await verifyBoardTotals(verifier, server.programId)).toEqual({ differing: 0, examples: [] });
});

describe('one program at a time, and the CLI', () => {
  let otherProgram: string;
  let broken: string;
  const NEGATIVE = (id: string) => `entry ${id}: -500 is negative, but it is neither a compensating entry nor a points redemption`;

  beforeAll(async () => {
    [{ id: otherProgram }] = await server.sql<{ id: string }>(
      `insert into program (name, default_currency, time_zone, token_secret) values ('Other brand', 'RUB', 'Europe/Moscow', 'secret') returning id::text`,
    );
    broken = await addEntry(sale.Anna, { program_id: otherProgram, amount: -500, idempotency_key: 'other:1' });
  });

  it('checks only the program asked for, with the same statements whatever its size', async () => {
    let before = statements.count;
    expect(await check()).toEqual({ checked: { entries: 6, payouts: 1 }, problems: [] });
    const statementsForSix = statements.count - before;
    before = statements.count;
    expect(await check(otherProgram)).toEqual({
      checked: { entries: 1, payouts: 0 },
      problems: [{ rule: 'amount-shape', rewardIds: [broken], message: NEGATIVE(broken) }],
    });
    expect(statements.count - before).toBe(statementsForSix);
    expect(await check(null)).toEqual({
      checked: { entries: 7, payouts: 1 },
      problems: [{ rule: 'amount-shape', rewardIds: [broken], message: NEGATIVE(broken) }],
    });
    await expect(check('999999')).rejects.toThrow('no program 999999');
  });

  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [CLI, 'verify', ...args], { cwd: ROOT_DIR, env: { ...process.env, DATABASE_URL: server.databaseUrl } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  }

  it('`cofactor verify` exits 0 on a clean program and 1 naming the broken entry', async () => {
    const clean = await cli('--program', server.programId);
    expect(clean).toEqual({
      code: 0,
      stdout: [
        '[1/9] idempotency keys ... ok',
        '[2/9] amounts and units ... ok',
        '[3/9] compensating entries ... ok',
        '[4/9] refunds ... ok',
        '[5/9] payout sums ... ok',
        '[6/9] payout membership ... ok',
        '[7/9] status log ... ok',
        '[8/9] budgets and caps ... ok',
        '[9/9] partner history ... ok',
        'ledger ok: 6 entries, 1 payout checked',
        '',
      ].join('\n'),
      stderr: '',
    });

    const bad = await cli('--program', otherProgram);
    expect(bad.code).toBe(1);
    expect(bad.stdout.split('\n')).toEqual([
      '[1/9] idempotency keys ... ok',
      '[2/9] amounts and units ... 1 problem',
      '[3/9] compensating entries ... ok',
      '[4/9] refunds ... ok',
      '[5/9] payout sums ... ok',
      '[6/9] payout membership ... ok',
      '[7/9] status log ... ok',
      '[8/9] budgets and caps ... ok',
      '[9/9] partner history ... ok',
      `  rule amount-shape: reward ${broken} — ${NEGATIVE(broken)}`,
      'ledger broken: 1 problem',
      '',
    ]);

    const json = await cli('--program', otherProgram, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      checked: { entries: 1, payouts: 0 },
      problems: [{ rule: 'amount-shape', rewardIds: [broken], message: NEGATIVE(broken) }],
    });

    expect(await cli('--program', '999999')).toEqual({ code: 1, stdout: '', stderr: 'cofactor: no program 999999\n' });
  });
});
