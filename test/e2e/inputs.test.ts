/**
 * Every input is bounded and every sum fits, end to end over real HTTP and WebSocket against a
 * real server and PostgreSQL.
 *
 * Partners: Nina (fixed goals), Oleg and Pavel (sales). Amounts are kopecks.
 */
import { collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';
import { NO_MONEY as zero, STATEMENT_QUERY as STATEMENT, type StatementFigures as Figures } from '../support/money.js';

const RECORD = `mutation Record($events: [EventInput!]!) {
  recordEvents(events: $events) { accepted duplicates duplicateExternalIds rewardsCreated }
}`;
const REWARDS = `query($partnerId: ID, $campaignId: ID) {
  rewards(partnerId: $partnerId, campaignId: $campaignId, first: 100) {
    edges { node { amount status idempotencyKey explanation { en } event { externalId } } }
  }
}`;

interface RewardNode {
  amount: number;
  status: string;
  idempotencyKey: string;
  explanation: { en: string };
  event: { externalId: string } | null;
}

let server: TestServer;
const ids: Record<string, string> = {};

async function createPartner(name: string): Promise<string> {
  const data = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
    input: { name, kind: 'AMBASSADOR', referralCode: name.toUpperCase() },
  });
  return data.createPartner.id;
}

async function createCampaign(input: Record<string, unknown>): Promise<string> {
  const data = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', ...input },
  });
  await server.ok(`mutation($id: ID!) { activateCampaign(id: $id) { id } }`, { id: data.createCampaign.id });
  return data.createCampaign.id;
}

async function rewardsOf(partnerId: string, campaignId?: string): Promise<RewardNode[]> {
  const data = await server.ok<{ rewards: { edges: { node: RewardNode }[] } }>(REWARDS, { partnerId, campaignId });
  return data.rewards.edges.map((edge) => edge.node);
}

async function statement(partnerId: string): Promise<Figures> {
  return (await server.ok<{ statement: Figures }>(STATEMENT, { partnerId })).statement;
}

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['Nina', 'Oleg', 'Pavel']) ids[name] = await createPartner(name);
});

afterAll(async () => {
  await server?.stop();
});

describe('one batch that passes a fixed goal twice', () => {
  it('stores, publishes and limits the first proposal of the goal, and only that one', async () => {
    // The goal: 2 leads pay 1 000 kopecks once, from a budget of 1 500. A second campaign pays
    // 1 kopeck per SIGNUP: the signals that tell the subscription is live and has caught up.
    const goal = await createCampaign({
      name: 'Two leads',
      budget: 1500,
      schemes: [{ code: 'fixed-goal', args: { metric: 'LEADS', target: 2, amount: '1000' } }],
    });
    await createCampaign({ name: 'Signals', schemes: [{ code: 'cpa', args: { actions: [{ type: 'SIGNUP', amount: '1' }] } }] });
    const client = wsClient(server.wsUrl, server.adminKey);
    type Payload = { rewardCreated: { amount: number; status: string; explanation: { en: string }; event: { externalId: string } | null } };
    const stream = collect<Payload>(client, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount status explanation { en } event { externalId } } }', {
      p: ids.Nina,
    });
    let signals = 0;
    // Records a signal and waits for it: every reward published before it has arrived too.
    const signal = async (externalId: string) => {
      await server.ok(RECORD, { events: [{ externalId, type: 'SIGNUP', partnerId: ids.Nina }] });
      signals += 1;
      while (!stream.received.some((payload) => payload.rewardCreated.event?.externalId === externalId)) await stream.waitFor(stream.received.length + 1);
    };
    try {
      // Signals are resent until one arrives: from then on the subscription hears everything.
      while (stream.received.length === 0) {
        await server.ok(RECORD, { events: [{ externalId: `SIGNAL-${signals}`, type: 'SIGNUP', partnerId: ids.Nina }] });
        signals += 1;
        await stream.waitFor(1, 1_000).catch(() => undefined);
      }
      await signal('SIGNAL-ready');
      const heard = stream.received.length;

      // L-1 makes 1 lead; L-2 makes 2 and reaches the goal; L-3 makes 3, past it: the same goal again.
      const leads = ['L-1', 'L-2', 'L-3'].map((externalId) => ({ externalId, type: 'LEAD', partnerId: ids.Nina }));
      const recorded = await server.ok(RECORD, { events: leads });
      expect(recorded.recordEvents).toEqual({ accepted: 3, duplicates: 0, duplicateExternalIds: [], rewardsCreated: 1 });

      // The goal was reached by L-2: that is the entry, whole (1 000 of a 1 500 budget), and no CAPPED row.
      expect(await rewardsOf(ids.Nina, goal)).toEqual([
        {
          amount: 1000,
          status: 'PENDING',
          idempotencyKey: `${goal}:fixed-goal:goal:${ids.Nina}:LEADS:2`,
          explanation: { en: 'Goal reached: 2 leads (lead L-2)' },
          event: { externalId: 'L-2' },
        },
      ]);
      // Each signal pays 1.
      expect(await statement(ids.Nina)).toEqual({ ...zero, pending: 1000 + signals });

      await signal('SIGNAL-last');
      expect(stream.received.slice(heard).map((payload) => payload.rewardCreated)).toEqual([
        { amount: 1000, status: 'PENDING', explanation: { en: 'Goal reached: 2 leads (lead L-2)' }, event: { externalId: 'L-2' } },
        { amount: 1, status: 'PENDING', explanation: { en: 'Signup (ref SIGNAL-last): RUB 0.01' }, event: { externalId: 'SIGNAL-last' } },
      ]);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });
});
