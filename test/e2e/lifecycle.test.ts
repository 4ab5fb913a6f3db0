/**
 * The reward lifecycle and the limits on what a campaign grants, over real HTTP: hold days,
 * approvals and rejections by hand (with who did them), the scheduled approval, and budgets
 * and per-partner caps that split a reward into a granted and a CAPPED part.
 */
import { startApprovalJob } from '../../server/src/ledger/approval-job.js';
import { verifyLedger } from '../../server/src/ledger/verify.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted rewardsCreated } }`;
const REWARDS = `query($p: ID, $c: ID) {
  rewards(partnerId: $p, campaignId: $c, first: 100) {
    edges { node { id amount status idempotencyKey explanation { en ru } details event { externalId }
      statusHistory { fromStatus toStatus changedBy reason } } }
  }
}`;
const DAY_MS = 24 * 3600 * 1000;

interface RewardNode {
  id: string;
  amount: number;
  status: string;
  idempotencyKey: string;
  explanation: { en: string; ru: string };
  details: Record<string, unknown>;
  event: { externalId: string };
  statusHistory: { fromStatus: string; toStatus: string; changedBy: string | null; reason: string | null }[];
}

let server: TestServer;
let adminKeyId: string;
const ids: Record<string, string> = {};

async function createCampaign(input: Record<string, unknown>): Promise<string> {
  const data = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', ...input },
  });
  await server.ok(`mutation { activateCampaign(id: "${data.createCampaign.id}") { id } }`);
  return data.createCampaign.id;
}

async function rewards(partner: string, campaignId?: string): Promise<RewardNode[]> {
  const data = await server.ok<{ rewards: { edges: { node: RewardNode }[] } }>(REWARDS, { p: ids[partner], c: campaignId });
  return data.rewards.edges.map((edge) => edge.node).reverse();
}

async function pause(campaignId: string) {
  await server.ok(`mutation { pauseCampaign(id: "${campaignId}") { id } }`);
}

beforeAll(async () => {
  server = await startTestServer();
  [{ id: adminKeyId }] = await server.sql<{ id: string }>('select id from api_key where program_id = $1', [server.programId]);
  for (const name of ['Olga', 'Pavel', 'Rita', 'Semyon', 'Tanya']) {
    const data = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "RESELLER" }) { id } }`);
    ids[name] = data.createPartner.id;
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('hold days, approvals and rejections', () => {
  let campaignId: string;
  beforeAll(async () => {
    campaignId = await createCampaign({ name: 'Held', holdDays: 14, schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }] });
    // 1 000,00 ₽ and 2 000,00 ₽ by Olga: 10 000 and 20 000; 500,00 ₽ by Pavel: 5 000.
    await server.ok(RECORD, {
      events: [
        { externalId: 'H-1', type: 'SALE', partnerId: ids.Olga, amount: 100_000, currency: 'RUB' },
        { externalId: 'H-2', type: 'SALE', partnerId: ids.Olga, amount: 200_000, currency: 'RUB' },
        { externalId: 'H-3', type: 'SALE', partnerId: ids.Pavel, amount: 50_000, currency: 'RUB' },
      ],
    });
  });
  afterAll(() => pause(campaignId));

  it('keeps rewards PENDING for the hold days, then the scheduled approval approves them', async () => {
    const due = await server.ok<{ approveDueRewards: { approved: number } }>(`mutation { approveDueRewards { approved } }`);
    expect(due.approveDueRewards.approved).toBe(0);
    // Fifteen days later the same approval finds all three due.
    const approved = await server.running.app.lifecycle.approveDue(server.programId, null, new Date(Date.now() + 15 * DAY_MS));
    expect(approved).toBe(3);
    const olga = await rewards('Olga', campaignId);
    expect(olga.map((reward) => [reward.amount, reward.status])).toEqual([
      [10_000, 'APPROVED'],
      [20_000, 'APPROVED'],
    ]);
    // Nobody made this move by hand: the log says so with a null changedBy.
    expect(olga[0].statusHistory).toEqual([{ fromStatus: 'PENDING', toStatus: 'APPROVED', changedBy: null, reason: 'hold days over' }]);
  });

  it('approves and rejects by hand, logging who did it, all or nothing', async () => {
    await server.ok(RECORD, { events: [{ externalId: 'H-4', type: 'SALE', partnerId: ids.Olga, amount: 300_000, currency: 'RUB' }] });
    const [, , fresh] = await rewards('Olga', campaignId);
    const [paid] = await rewards('Pavel', campaignId);

    // One id of the two cannot move: nothing moves.
    const refused = await server.gql(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "duplicate order") { id } }`, { ids: [fresh.id, '999999'] });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'ids[1]' });
    expect(refused.errors?.[0].message).toBe('ids[1]: no reward 999999 in this program');
    expect((await rewards('Olga', campaignId))[2].status).toBe('PENDING');

    const rejected = await server.ok<{ rejectRewards: { status: string }[] }>(
      `mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "order cancelled by the shop") { status } }`,
      { ids: [fresh.id, paid.id] },
    );
    expect(rejected.rejectRewards.map((reward) => reward.status)).toEqual(['REJECTED', 'REJECTED']);
    const [after] = (await rewards('Olga', campaignId)).slice(2);
    expect(after.statusHistory).toEqual([{ fromStatus: 'PENDING', toStatus: 'REJECTED', changedBy: adminKeyId, reason: 'order cancelled by the shop' }]);
    expect((await rewards('Pavel', campaignId))[0].statusHistory).toEqual([
      { fromStatus: 'PENDING', toStatus: 'APPROVED', changedBy: null, reason: 'hold days over' },
      { fromStatus: 'APPROVED', toStatus: 'REJECTED', changedBy: adminKeyId, reason: 'order cancelled by the shop' },
    ]);

    // A rejected reward cannot be approved; an approved one approved again is left as it is.
    const approveRejected = await server.gql(`mutation($ids: [ID!]!) { approveRewards(ids: $ids) { id } }`, { ids: [fresh.id] });
    expect(approveRejected.errors?.[0].message).toBe(`ids[0]: reward ${fresh.id} is REJECTED; only PENDING rewards can become APPROVED`);
    const [first] = await rewards('Olga', campaignId);
    const again = await server.ok<{ approveRewards: { status: string }[] }>(`mutation($ids: [ID!]!) { approveRewards(ids: $ids) { status } }`, { ids: [first.id] });
    expect(again.approveRewards).toEqual([{ status: 'APPROVED' }]);
    expect((await rewards('Olga', campaignId))[0].statusHistory).toHaveLength(1);

    const noReason = await server.gql(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: " ") { id } }`, { ids: [first.id] });
    expect(noReason.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
  });

  it('refuses to reject a reward while a payout holds it, and allows it once that payout failed', async () => {
    const [first] = await rewards('Olga', campaignId);
    const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string; amount: number; partner: { name: string } }[] } }>(
      `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { payouts { id amount partner { name } } } }`,
    );
    // Olga's two approved rewards: 10 000 + 20 000. Pavel's was rejected.
    const olga = batch.createPayoutBatch.payouts.find((payout) => payout.partner.name === 'Olga')!;
    expect(olga.amount).toBe(30_000);
    const held = await server.gql(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "fraud") { id } }`, { ids: [first.id] });
    expect(held.errors?.[0].message).toBe(`ids[0]: reward ${first.id} is in a payout; fail that payout before rejecting it`);

    const failed = await server.ok<{ failPayout: { status: string; failureReason: string; settledBy: string } }>(
      `mutation($id: ID!) { failPayout(id: $id, reason: "account closed") { status failureReason settledBy } }`,
      { id: olga.id },
    );
    expect(failed.failPayout).toEqual({ status: 'FAILED', failureReason: 'account closed', settledBy: adminKeyId });
    const paidAfterFail = await server.gql(`mutation($id: ID!) { markPayoutPaid(id: $id) { status } }`, { id: olga.id });
    expect(paidAfterFail.errors?.[0].extensions?.code).toBe('CONFLICT');
    await server.ok(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "fraud") { id } }`, { ids: [first.id] });
    // The next batch pays only the 20 000 left.
    const next = await server.ok<{ createPayoutBatch: { payouts: { amount: number }[] } }>(
      `mutation { createPayoutBatch(currency: "RUB", minimumAmount: 0) { payouts { amount } } }`,
    );
    expect(next.createPayoutBatch.payouts).toEqual([{ amount: 20_000 }]);
  });

  it('runs the approval by itself on a schedule', async () => {
    await server.ok(RECORD, { events: [{ externalId: 'H-5', type: 'SALE', partnerId: ids.Rita, amount: 10_000, currency: 'RUB' }] });
    // The campaign holds for 14 days; the job runs every second and approves what is due now.
    const other = await createCampaign({ name: 'No hold', schemes: [{ code: 'percentage-of-sales', args: { percent: '1' } }] });
    await server.ok(RECORD, { events: [{ externalId: 'H-6', type: 'SALE', partnerId: ids.Rita, amount: 10_000, currency: 'RUB' }] });
    const job = startApprovalJob(server.running.app.lifecycle, server.running.app.sql, 1, (error) => {
      throw error;
    });
    try {
      for (let waited = 0; (await rewards('Rita', other))[0].status !== 'APPROVED'; waited += 100) {
        if (waited > 15_000) throw new Error('the scheduled approval never ran');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await job.stop();
      await pause(other);
    }
    expect((await rewards('Rita', campaignId)).map((reward) => reward.status)).toEqual(['PENDING', 'PENDING']);
  });
});

describe('budgets and per-partner caps', () => {
  let campaignId: string;
  beforeAll(async () => {
    // 5 % of sales; at most 1 000,00 ₽ in all and 300,00 ₽ per partner per month.
    campaignId = await createCampaign({
      name: 'Limited',
      budget: 100_000,
      partnerCap: 30_000,
      capPeriod: 'MONTH',
      schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }],
    });
  });
  afterAll(() => pause(campaignId));

  const sale = (externalId: string, partner: string, amount: number) => ({ externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB' });
  const granted = (list: RewardNode[]) => list.map((reward) => [reward.event.externalId, reward.amount, reward.status]);

  it('splits a reward at the per-partner cap and records the rest as CAPPED', async () => {
    // Olga: 20 000 fits; the second 20 000 fits only 10 000; the third fits nothing.
    await server.ok(RECORD, { events: [sale('L-1', 'Olga', 400_000), sale('L-2', 'Olga', 400_000), sale('L-3', 'Olga', 400_000)] });
    const olga = await rewards('Olga', campaignId);
    expect(granted(olga)).toEqual([
      ['L-1', 20_000, 'PENDING'],
      ['L-2', 10_000, 'PENDING'],
      ['L-2', 10_000, 'CAPPED'],
      ['L-3', 20_000, 'CAPPED'],
    ]);
    expect(olga[2].idempotencyKey).toBe(`${olga[1].idempotencyKey}:capped`);
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    expect(olga[1].explanation.en).toBe(
      `5% of sale RUB 4,000.00 (order L-2); RUB 100.00 of RUB 200.00 paid, the cap of RUB 300.00 per partner per month (${month}) is reached`,
    );
    expect(olga[2].explanation.en).toBe(
      `Not paid, the cap of RUB 300.00 per partner per month (${month}) is reached: RUB 100.00 of RUB 200.00 (5% of sale RUB 4,000.00 (order L-2))`,
    );
    expect(olga[3].explanation.ru).toBe(
      `Не начислено, достигнут лимит 300,00\u00a0₽ на партнёра за месяц (${month}): 200,00\u00a0₽ из 200,00\u00a0₽ (5% от продажи 4\u00a0000,00\u00a0₽ (заказ L-3))`,
    );
    expect(olga[3].details).toMatchObject({ capped: 'PARTNER_CAP', requested: '20000', granted: '0' });
  });

  it('stops at the campaign budget to the kopeck, and a refund frees what it takes back', async () => {
    // Granted so far: 30 000 (Olga). Pavel 30 000 (cap), Rita 30 000: 90 000. Semyon's 30 000
    // fits only the 10 000 left of the budget; Tanya's 5 000 fits nothing.
    await server.ok(RECORD, { events: [sale('L-4', 'Pavel', 800_000), sale('L-5', 'Rita', 600_000), sale('L-6', 'Semyon', 600_000), sale('L-7', 'Tanya', 100_000)] });
    expect(granted(await rewards('Pavel', campaignId))).toEqual([
      ['L-4', 30_000, 'PENDING'],
      ['L-4', 10_000, 'CAPPED'],
    ]);
    const semyon = await rewards('Semyon', campaignId);
    expect(granted(semyon)).toEqual([
      ['L-6', 10_000, 'PENDING'],
      ['L-6', 20_000, 'CAPPED'],
    ]);
    expect(semyon[1].explanation.en).toBe('Not paid, the campaign budget of RUB 1,000.00 is used up: RUB 200.00 of RUB 300.00 (5% of sale RUB 6,000.00 (order L-6))');
    expect(granted(await rewards('Tanya', campaignId))).toEqual([['L-7', 5_000, 'CAPPED']]);
    const [{ total }] = await server.sql<{ total: string }>(
      "select sum(amount)::text as total from reward where campaign_id = $1 and status in ('PENDING', 'APPROVED', 'PAID')",
      [campaignId],
    );
    expect(total).toBe('100000');
    expect((await server.ok(`query($p: ID!) { statement(partnerId: $p, currency: "RUB") { pending capped } }`, { p: ids.Semyon })).statement).toEqual({
      pending: 10_000,
      capped: 20_000,
    });

    // Rita's sale is refunded in full: −30 000, so Tanya's next 5 000 fits again.
    await server.ok(RECORD, { events: [{ externalId: 'L-5-r', type: 'REFUND', refundOf: 'L-5', amount: 600_000, currency: 'RUB' }] });
    await server.ok(RECORD, { events: [sale('L-8', 'Tanya', 100_000)] });
    expect(granted(await rewards('Rita', campaignId))).toEqual([
      ['L-5', 30_000, 'PENDING'],
      ['L-5-r', -30_000, 'PENDING'],
    ]);
    expect(granted(await rewards('Tanya', campaignId))).toEqual([
      ['L-7', 5_000, 'CAPPED'],
      ['L-8', 5_000, 'PENDING'],
    ]);
  });

  it('counts what a campaign granted before it got its budget, and what a rejection gives back', async () => {
    // 10 % and no limits at first: Pavel's 1 000,00 ₽ sale grants 10 000.
    const late = await createCampaign({ name: 'Late limit', schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }] });
    try {
      await server.ok(RECORD, { events: [sale('M-1', 'Pavel', 100_000)] });
      // A budget of 150,00 ₽ set while it runs starts from the 10 000 granted: only 5 000 more fits.
      await server.ok(`mutation($id: ID!) { updateCampaign(id: $id, input: { budget: 15000 }) { budget } }`, { id: late });
      await server.ok(RECORD, { events: [sale('M-2', 'Pavel', 100_000)] });
      const before = await rewards('Pavel', late);
      expect(granted(before)).toEqual([
        ['M-1', 10_000, 'PENDING'],
        ['M-2', 5_000, 'PENDING'],
        ['M-2', 5_000, 'CAPPED'],
      ]);
      // Rejecting the first reward gives its 10 000 back to the budget.
      await server.ok(`mutation($ids: [ID!]!) { rejectRewards(ids: $ids, reason: "test order") { id } }`, { ids: [before[0].id] });
      await server.ok(RECORD, { events: [sale('M-3', 'Pavel', 100_000)] });
      expect(granted(await rewards('Pavel', late)).slice(3)).toEqual([['M-3', 10_000, 'PENDING']]);
      // The granted sums kept for the limits agree with the ledger.
      expect((await verifyLedger(server.running.app.sql, { programId: server.programId })).problems).toEqual([]);
    } finally {
      await pause(late);
    }
  });

  it('refuses a bad cap period with its path', async () => {
    const response = await server.gql(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: { name: 'Bad', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', partnerCap: -1, capPeriod: 'WEEK' },
    });
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'input.partnerCap', message: 'must not be negative' },
      { path: 'input.capPeriod', message: 'must be one of MONTH, QUARTER, CAMPAIGN' },
    ]);
  });
});

describe('the database guards the ledger, whatever code or person writes to it', () => {
  const refusal = async (text: string, params: unknown[] = []) => {
    try {
      await server.sql(text, params);
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('refuses edits and deletes of entries, and any status move off the lifecycle', async () => {
    const [pending] = await server.sql<{ id: string }>("select id from reward where status = 'PENDING' order by id limit 1");
    const [capped] = await server.sql<{ id: string }>("select id from reward where status = 'CAPPED' order by id limit 1");
    const [rejected] = await server.sql<{ id: string }>("select id from reward where status = 'REJECTED' order by id limit 1");
    expect(await refusal('update reward set amount = amount + 1 where id = $1', [pending.id])).toBe(`reward ${pending.id} cannot be edited: corrections are new entries`);
    expect(await refusal('update reward set status = $2, explanation_en = $3 where id = $1', [pending.id, 'APPROVED', 'edited'])).toBe(
      `reward ${pending.id} cannot be edited: corrections are new entries`,
    );
    expect(await refusal('delete from reward where id = $1', [pending.id])).toBe(`reward ${pending.id} cannot be deleted: the ledger is append-only`);
    expect(await refusal("update reward set status = 'PAID' where id = $1", [pending.id])).toBe(`reward ${pending.id} cannot go from PENDING to PAID`);
    expect(await refusal("update reward set status = 'APPROVED' where id = $1", [capped.id])).toBe(`reward ${capped.id} cannot go from CAPPED to APPROVED`);
    expect(await refusal("update reward set status = 'PENDING' where id = $1", [rejected.id])).toBe(`reward ${rejected.id} cannot go from REJECTED to PENDING`);
    expect(await refusal('delete from reward_status_change')).toMatch(/^reward_status_change .* cannot be changed: it is history$/);
  });
});
