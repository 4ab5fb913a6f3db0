/**
 * The money a partner is owed, end to end over real HTTP: approval, payout, a partial refund
 * of a sale that paid three upline levels after it was paid out, the negative balance that
 * carries over into the next batch, and the statements and CSV a brand and a partner read.
 *
 * The tree: Anna → Boris → Vera → Dima. Dima sells; Vera is level 1 above him, Boris level 2,
 * Anna level 3. The campaign: percentage-of-sales 5 %, then multi-level 3 % / 2 % / 1 %, no
 * hold days. Amounts are kopecks.
 */
import { startTestServer, type TestServer } from '../support/harness.js';
import { NO_MONEY as zero, STATEMENT_QUERY as STATEMENT, type StatementFigures as Figures } from '../support/money.js';

const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted duplicates rewardsCreated } }`;
const BATCH = `mutation($min: BigInt!, $key: String) {
  createPayoutBatch(currency: "RUB", minimumAmount: $min, idempotencyKey: $key) {
    id total payouts { id amount entries status partner { name } rewards { amount status } }
  }
}`;

let server: TestServer;
const ids: Record<string, string> = {};
const names = ['Anna', 'Boris', 'Vera', 'Dima'] as const;


async function statement(name: string, token?: string): Promise<Figures> {
  return (await server.ok<{ statement: Figures }>(STATEMENT, { partnerId: ids[name] }, token)).statement;
}

async function sale(externalId: string, amount: number) {
  return server.ok(RECORD, { events: [{ externalId, type: 'SALE', partnerId: ids.Dima, amount, currency: 'RUB' }] });
}

async function payAll(batch: { payouts: { id: string }[] }) {
  for (const payout of batch.payouts) {
    await server.ok(`mutation($id: ID!) { markPayoutPaid(id: $id, reference: "bank-${payout.id}") { status } }`, { id: payout.id });
  }
}

beforeAll(async () => {
  server = await startTestServer();
  let sponsor: string | null = null;
  for (const name of names) {
    const data: { createPartner: { id: string } } = await server.ok(
      `mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`,
      { input: { name, kind: 'AMBASSADOR', referralCode: name.toUpperCase(), email: `${name.toLowerCase()}@example.com`, sponsorId: sponsor } },
    );
    ids[name] = data.createPartner.id;
    sponsor = ids[name];
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    {
      input: {
        name: 'Ambassadors',
        startsAt: '2026-01-01T00:00:00Z',
        currency: 'RUB',
        schemes: [
          { code: 'percentage-of-sales', args: { percent: '5' } },
          { code: 'multi-level', args: { levels: ['3', '2', '1'] } },
        ],
      },
    },
  );
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

describe('a sale that paid three upline levels, refunded in part after the payout', () => {
  it('pays, approves, batches and marks paid', async () => {
    // 12 000,00 ₽: Dima 5 % = 60 000, Vera 3 % = 36 000, Boris 2 % = 24 000, Anna 1 % = 12 000.
    expect((await sale('S-1', 1_200_000)).recordEvents).toEqual({ accepted: 1, duplicates: 0, rewardsCreated: 4 });
    expect(await statement('Dima')).toEqual({ ...zero, pending: 60_000 });

    const due = await server.ok<{ approveDueRewards: { approved: number } }>(`mutation { approveDueRewards { approved } }`);
    expect(due.approveDueRewards.approved).toBe(4);
    expect(await statement('Vera')).toEqual({ ...zero, approved: 36_000, available: 36_000 });

    const { createPayoutBatch: batch } = await server.ok(BATCH, { min: 10_000, key: 'march-1' });
    expect(batch.total).toBe(132_000);
    expect(batch.payouts.map((p: { partner: { name: string }; amount: number; entries: number }) => [p.partner.name, p.amount, p.entries])).toEqual([
      ['Anna', 12_000, 1],
      ['Boris', 24_000, 1],
      ['Vera', 36_000, 1],
      ['Dima', 60_000, 1],
    ]);
    expect(await statement('Dima')).toEqual({ ...zero, approved: 60_000, inPayout: 60_000 });

    // A retried call with the same key returns the same batch; a new batch finds nothing unpaid.
    const retried = await server.ok(BATCH, { min: 10_000, key: 'march-1' });
    expect(retried.createPayoutBatch.id).toBe(batch.id);
    const again = await server.ok(BATCH, { min: 0 });
    expect(again.createPayoutBatch).toMatchObject({ total: 0, payouts: [] });

    await payAll(batch);
    // Marking it paid twice changes nothing.
    const twice = await server.ok(`mutation($id: ID!) { markPayoutPaid(id: $id) { status reference } }`, { id: batch.payouts[3].id });
    expect(twice.markPayoutPaid).toEqual({ status: 'PAID', reference: `bank-${batch.payouts[3].id}` });
    expect(await statement('Dima')).toEqual({ ...zero, paid: 60_000 });
    expect(await statement('Anna')).toEqual({ ...zero, paid: 12_000 });
  });

  it('takes back a quarter of every level when a quarter of the sale is refunded', async () => {
    // 3 000,00 ₽ of 12 000,00 ₽ returned: −15 000, −9 000, −6 000, −3 000, due at once.
    const refund = await server.ok(RECORD, { events: [{ externalId: 'R-1', type: 'REFUND', refundOf: 'S-1', amount: 300_000, currency: 'RUB' }] });
    expect(refund.recordEvents).toEqual({ accepted: 1, duplicates: 0, rewardsCreated: 4 });
    const reversals = await server.ok<{ rewards: { edges: { node: any }[] } }>(
      `query($p: ID) { rewards(partnerId: $p, first: 10) { edges { node { amount status explanation { en ru } event { externalId type refundOf }
         corrects { amount status event { externalId } } } } } }`,
      { p: ids.Dima },
    );
    const [newest] = reversals.rewards.edges.map((edge) => edge.node);
    expect(newest).toMatchObject({
      amount: -15_000,
      status: 'APPROVED',
      event: { externalId: 'R-1', type: 'REFUND', refundOf: 'S-1' },
      corrects: { amount: 60_000, status: 'PAID', event: { externalId: 'S-1' } },
    });
    expect(newest.explanation.en).toBe(
      'Refund R-1 of sale S-1: RUB 3,000.00 of RUB 12,000.00 returned, RUB 150.00 taken back (5% of sale RUB 12,000.00 (order S-1))',
    );
    expect(newest.explanation.ru).toBe(
      'Возврат R-1 по продаже S-1: возвращено 3\u00a0000,00\u00a0₽ из 12\u00a0000,00\u00a0₽, списано 150,00\u00a0₽ (5% от продажи 12\u00a0000,00\u00a0₽ (заказ S-1))',
    );
    expect(await statement('Dima')).toEqual({ ...zero, approved: -15_000, available: -15_000, paid: 60_000, reversed: 15_000 });
    expect(await statement('Vera')).toEqual({ ...zero, approved: -9_000, available: -9_000, paid: 36_000, reversed: 9_000 });
    expect(await statement('Boris')).toEqual({ ...zero, approved: -6_000, available: -6_000, paid: 24_000, reversed: 6_000 });
    expect(await statement('Anna')).toEqual({ ...zero, approved: -3_000, available: -3_000, paid: 12_000, reversed: 3_000 });

    // The resent refund is a duplicate and takes nothing back twice.
    const resent = await server.ok(RECORD, { events: [{ externalId: 'R-1', type: 'REFUND', refundOf: 'S-1', amount: 300_000, currency: 'RUB' }] });
    expect(resent.recordEvents).toEqual({ accepted: 0, duplicates: 1, rewardsCreated: 0 });
  });

  it('carries the negative balance into the next batches until new rewards cover it', async () => {
    // 1 000,00 ₽: +5 000 / +3 000 / +2 000 / +1 000 — every balance stays below zero, nobody is paid.
    await sale('S-2', 100_000);
    await server.ok(`mutation { approveDueRewards { approved } }`);
    expect(await statement('Dima')).toMatchObject({ available: -10_000 });
    const empty = await server.ok(BATCH, { min: 1 });
    expect(empty.createPayoutBatch).toMatchObject({ total: 0, payouts: [] });

    // 4 000,00 ₽: +20 000 / +12 000 / +8 000 / +4 000. Balances: Dima −10 000 + 20 000 = 10 000,
    // Vera −6 000 + 12 000 = 6 000, Boris −4 000 + 8 000 = 4 000, Anna −2 000 + 4 000 = 2 000.
    await sale('S-3', 400_000);
    await server.ok(`mutation { approveDueRewards { approved } }`);
    const { createPayoutBatch: batch } = await server.ok(BATCH, { min: 5_000 });
    // Boris and Anna stay below the 50,00 ₽ minimum; their balances wait for the next batch.
    expect(batch.payouts.map((p: { partner: { name: string }; amount: number }) => [p.partner.name, p.amount])).toEqual([
      ['Vera', 6_000],
      ['Dima', 10_000],
    ]);
    const dima = batch.payouts.find((p: { partner: { name: string } }) => p.partner.name === 'Dima');
    expect(dima.rewards.map((reward: { amount: number }) => reward.amount).sort((a: number, b: number) => a - b)).toEqual([-15_000, 5_000, 20_000]);
    expect(await statement('Boris')).toEqual({ ...zero, approved: 4_000, available: 4_000, paid: 24_000, reversed: 6_000 });

    const csv = await server.ok<{ payoutBatch: { csv: string } }>(`query($id: ID!) { payoutBatch(id: $id) { csv } }`, { id: batch.id });
    expect(csv.payoutBatch.csv.split('\r\n')).toEqual([
      'payout_id,partner_id,partner_external_id,partner_name,partner_email,currency,amount_minor,amount,entries,status,reference',
      `${batch.payouts[0].id},${ids.Vera},,Vera,vera@example.com,RUB,6000,60.00,3,CREATED,`,
      `${dima.id},${ids.Dima},,Dima,dima@example.com,RUB,10000,100.00,3,CREATED,`,
      '',
    ]);

    await payAll(batch);
    // Paid in all: 60 000 − 15 000 + 5 000 + 20 000 = 70 000, which is what the two payouts sent.
    expect(await statement('Dima')).toEqual({ ...zero, paid: 70_000, reversed: 15_000 });
    const payouts = await server.ok<{ payouts: { edges: { node: { amount: number; status: string } }[] } }>(
      `query($p: ID) { payouts(partnerId: $p) { edges { node { amount status } } } }`,
      { p: ids.Dima },
    );
    expect(payouts.payouts.edges.map((edge) => edge.node)).toEqual([
      { amount: 10_000, status: 'PAID' },
      { amount: 60_000, status: 'PAID' },
    ]);
  });

  it('lets a partner read its own statement and payouts, and no one else', async () => {
    const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Dima}") { token } }`))
      .issuePartnerToken.token;
    expect(await statement('Dima', token)).toMatchObject({ paid: 70_000 });
    const other = await server.gql(STATEMENT, { partnerId: ids.Vera }, token);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const mine = await server.ok<{ payouts: { edges: unknown[] } }>(`{ payouts { edges { node { amount } } } }`, {}, token);
    expect(mine.payouts.edges).toHaveLength(2);
    const batch = await server.gql(`mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { id } }`, {}, token);
    expect(batch.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it("lists a partner's statements by currency: its own to a partner token, anyone's to an admin", async () => {
    const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Dima}") { token } }`))
      .issuePartnerToken.token;
    const mine = await server.ok<{ me: { statements: unknown[] } }>('{ me { statements { currency paid reversed available } } }', {}, token);
    // Dima's RUB rewards only, as above: paid 70 000, 15 000 taken back.
    expect(mine.me.statements).toEqual([{ currency: 'RUB', paid: 70_000, reversed: 15_000, available: 0 }]);
    const veras = await server.ok<{ partner: { statements: unknown[] } }>(`{ partner(id: "${ids.Vera}") { statements { currency } } }`);
    expect(veras.partner.statements).toEqual([{ currency: 'RUB' }]);
    const other = await server.gql(`{ partner(id: "${ids.Vera}") { statements { currency } } }`, {}, token);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('partial refunds', () => {
  it('take back exactly the whole reward after refunds that add up to the sale, with no rounding drift', async () => {
    // A sale of 10,00 ₽: 50 / 30 / 20 / 10. Refunded in three parts, 3,33 + 3,33 + 3,34 ₽. Each
    // entry is taken back to round_half_even(amount × refunded / 1 000) in all:
    //   Dima  50: 16.65 → 17, 33.3 → 33, 50 → 50   ⇒ −17, −16, −17
    //   Vera  30:  9.99 → 10, 19.98 → 20, 30       ⇒ −10, −10, −10
    //   Boris 20:  6.66 → 7, 13.32 → 13, 20        ⇒ −7, −6, −7
    //   Anna  10:  3.33 → 3,  6.66 → 7, 10         ⇒ −3, −4, −3
    // (Rounding each refund's share on its own would take back 17 + 17 + 17 = 51 of Dima's 50.)
    await server.ok(RECORD, {
      events: [
        { externalId: 'T-1', type: 'SALE', partnerId: ids.Dima, amount: 1_000, currency: 'RUB' },
        // A refund may come in the same call as its sale, after it.
        { externalId: 'T-1-r1', type: 'REFUND', refundOf: 'T-1', amount: 333, currency: 'RUB' },
      ],
    });
    await server.ok(RECORD, { events: [{ externalId: 'T-1-r2', type: 'CHARGEBACK', refundOf: 'T-1', amount: 333, currency: 'RUB' }] });
    await server.ok(RECORD, { events: [{ externalId: 'T-1-r3', type: 'REFUND', partnerId: ids.Dima, refundOf: 'T-1', amount: 334, currency: 'RUB' }] });
    const rows = await server.sql<{ name: string; refund: string; amount: string; status: string }>(
      `select p.name, e.external_id as refund, r.amount::text, r.status from reward r join event e on e.id = r.event_id join partner p on p.id = r.partner_id
        where e.refund_of_id = (select id from event where external_id = 'T-1') order by p.id, e.id`,
    );
    expect(rows.map((row) => [row.name, row.refund, Number(row.amount), row.status])).toEqual([
      ['Anna', 'T-1-r1', -3, 'PENDING'],
      ['Anna', 'T-1-r2', -4, 'PENDING'],
      ['Anna', 'T-1-r3', -3, 'PENDING'],
      ['Boris', 'T-1-r1', -7, 'PENDING'],
      ['Boris', 'T-1-r2', -6, 'PENDING'],
      ['Boris', 'T-1-r3', -7, 'PENDING'],
      ['Vera', 'T-1-r1', -10, 'PENDING'],
      ['Vera', 'T-1-r2', -10, 'PENDING'],
      ['Vera', 'T-1-r3', -10, 'PENDING'],
      ['Dima', 'T-1-r1', -17, 'PENDING'],
      ['Dima', 'T-1-r2', -16, 'PENDING'],
      ['Dima', 'T-1-r3', -17, 'PENDING'],
    ]);
    // Still pending, the sale's rewards and their reversals net to zero; they are approved together.
    expect((await statement('Dima')).pending).toBe(0);
    const due = await server.ok<{ approveDueRewards: { approved: number } }>(`mutation { approveDueRewards { approved } }`);
    expect(due.approveDueRewards.approved).toBe(16);
    expect(await statement('Dima')).toMatchObject({ pending: 0, available: 0, reversed: 15_000 + 50 });
  });

  it('refuses refunds beyond the sale, of unknown sales, or in another currency, and writes nothing', async () => {
    const [before] = await server.sql<{ events: number; rewards: number }>(
      'select (select count(*)::int from event) as events, (select count(*)::int from reward) as rewards',
    );
    const response = await server.gql(RECORD, {
      events: [
        // S-1 was 12 000,00 ₽ and 3 000,00 ₽ of it is refunded already: 9 000,01 ₽ is too much.
        { externalId: 'X-1', type: 'REFUND', refundOf: 'S-1', amount: 900_001, currency: 'RUB' },
        { externalId: 'X-2', type: 'REFUND', refundOf: 'NO-SUCH-SALE', amount: 100, currency: 'RUB' },
        { externalId: 'X-3', type: 'REFUND', refundOf: 'S-2', amount: 100, currency: 'EUR' },
        { externalId: 'X-4', type: 'LEAD', partnerId: ids.Dima, refundOf: 'S-2' },
        { externalId: 'X-5', type: 'REFUND', partnerId: ids.Anna, refundOf: 'S-2', amount: 100, currency: 'RUB' },
      ],
    });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'events[3].refundOf', message: 'only a REFUND or CHARGEBACK names a sale, not a LEAD' },
    ]);
    const second = await server.gql(RECORD, {
      events: [
        { externalId: 'X-1', type: 'REFUND', refundOf: 'S-1', amount: 900_001, currency: 'RUB' },
        { externalId: 'X-2', type: 'REFUND', refundOf: 'NO-SUCH-SALE', amount: 100, currency: 'RUB' },
        { externalId: 'X-3', type: 'REFUND', refundOf: 'S-2', amount: 100, currency: 'EUR' },
        { externalId: 'X-5', type: 'REFUND', partnerId: ids.Anna, refundOf: 'S-2', amount: 100, currency: 'RUB' },
      ],
    });
    expect(second.errors?.[0].extensions?.issues).toEqual([
      { path: 'events[0].amount', message: 'refunds of sale "S-1" would total 1200001, more than the sale\'s 1200000 (minor units)' },
      { path: 'events[1].refundOf', message: 'no sale "NO-SUCH-SALE" in this program (a sale sent in the same call must come before its refund)' },
      { path: 'events[2].currency', message: 'must be RUB, the currency of sale "S-2"' },
      { path: 'events[3].refundOf', message: `sale "S-2" is attributed to partner ${ids.Dima}, not to this event's partner ${ids.Anna}` },
    ]);
    const [after] = await server.sql('select (select count(*)::int from event) as events, (select count(*)::int from reward) as rewards');
    expect(after).toEqual(before);
  });
});
