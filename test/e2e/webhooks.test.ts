/**
 * Webhooks over real HTTP, delivered to a real receiver on loopback: Standard Webhooks
 * signatures checked with the spec's algorithm, every kind of change reported in the order it
 * happened for each partner, retries through an outage with each webhook-id kept once, and the
 * limits: refused addresses, redirects not followed, time limits, bounded response bodies, and
 * endpoints disabled after repeated failures.
 *
 * The server retries fast here (50 ms doubling to 200 ms) so an outage is seconds long.
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { readConfig } from '../../server/src/config.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { WebhookReceiver, accept, type ReceivedWebhook } from '../support/webhook-receiver.js';

const ALL_EVENTS = [
  'reward.created', 'reward.approved', 'reward.rejected', 'reward.reversed', 'reward.capped', 'payout.created', 'payout.paid', 'payout.failed',
  'partner.created', 'partner.status_changed', 'partner.level_changed', 'badge.awarded', 'perk.fulfilment_changed', 'period.closed',
];
const CREATE = `mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id url events enabled } } }`;
const DELIVERIES = `query($e: ID!, $s: String) {
  webhookDeliveries(endpointId: $e, status: $s, first: 500) {
    edges { node { id webhookId eventType status attemptCount data attempts { statusCode latencyMs responseHead error } } }
  }
}`;
const RECORD = `mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted rewardsCreated } }`;

interface Delivery {
  id: string;
  webhookId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  data: Record<string, any>;
  attempts: { statusCode: number | null; latencyMs: number; responseHead: string; error: string | null }[];
}

let server: TestServer;
let receiver: WebhookReceiver;
const ids: Record<string, string> = {};

/** The settings object the running server reads: a test changes one and puts it back. */
const settings = () => server.running.app.config.webhooks;

async function endpoint(url: string, events = ALL_EVENTS): Promise<{ id: string; secret: string }> {
  const data = await server.ok<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(CREATE, { input: { url, events, description: 'test receiver' } });
  return { id: data.createWebhookEndpoint.endpoint.id, secret: data.createWebhookEndpoint.secret };
}

async function deliveries(endpointId: string, status?: string): Promise<Delivery[]> {
  const data = await server.ok<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(DELIVERIES, { e: endpointId, s: status });
  return data.webhookDeliveries.edges.map((edge) => edge.node).reverse();
}

async function settled(endpointId: string, timeoutMs = 20_000): Promise<Delivery[]> {
  for (const started = Date.now(); ; ) {
    const all = await deliveries(endpointId);
    if (all.every((delivery) => delivery.status !== 'PENDING')) return all;
    if (Date.now() - started > timeoutMs) throw new Error(`still PENDING: ${all.filter((d) => d.status === 'PENDING').map((d) => d.eventType).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The spec's signature, computed here without the library: base64 HMAC-SHA256 of "id.timestamp.body" keyed by the secret's bytes. */
function specSignature(secret: string, item: ReceivedWebhook): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${item.id}.${item.timestamp}.${item.body}`).digest('base64')}`;
}

async function partner(name: string, sponsor?: string): Promise<string> {
  const data = await server.ok<{ createPartner: { id: string } }>(`mutation($input: CreatePartnerInput!) { createPartner(input: $input) { id } }`, {
    input: { name, kind: 'DEALER', ...(sponsor ? { sponsorId: ids[sponsor] } : {}) },
  });
  return (ids[name] = data.createPartner.id);
}

async function campaign(name: string, input: Record<string, unknown>): Promise<string> {
  const data = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name, startsAt: '2026-01-01T00:00:00+03:00', currency: 'RUB', ...input },
  });
  await server.ok(`mutation { activateCampaign(id: "${data.createCampaign.id}") { id } }`);
  return (ids[name] = data.createCampaign.id);
}

const sale = (externalId: string, partnerName: string, amount: number, day = '2026-11-10') => ({
  externalId, type: 'SALE', partnerId: ids[partnerName], amount, currency: 'RUB', occurredAt: `${day}T12:00:00+03:00`,
});

beforeAll(async () => {
  server = await startTestServer({
    webhooks: { ...readConfig({}).webhooks, allowPrivateAddresses: true, timeoutMs: 1000, retryFirstMs: 50, retryMaxMs: 200 },
  });
  receiver = await WebhookReceiver.start();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

describe('every kind of change, signed, in order per partner', () => {
  let hook: { id: string; secret: string };
  let forBoris: ReceivedWebhook[];

  beforeAll(async () => {
    hook = await endpoint(receiver.url('/all'));
    await partner('Anna');
    await partner('Boris', 'Anna');
    // 5 % of every sale, and a badge for a partner's first sale.
    await campaign('Sales', { schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }, { code: 'badges', args: { badges: [{ code: 'FIRST-SALE', name: 'First sale', rule: 'FIRST_SALE' }] } }] });
    // 10 % with a budget of 100,00 ₽: the first 1 000,00 ₽ sale uses it all.
    await campaign('Budgeted', { budget: '10000', schemes: [{ code: 'percentage-of-sales', args: { percent: '10' } }] });
    // From 1 000,00 ₽ of net sales in a month: 500,00 ₽ at the close; a partner's second sale: a closed event.
    await campaign('Monthly', {
      schemes: [
        { code: 'volume-bonus', args: { steps: [{ from: '100000', bonus: '50000' }] } },
        { code: 'perks', args: { awards: [{ code: 'VIP-EVENT', name: 'Closed dealer event', type: 'CLOSED_EVENT', metric: 'SALES_COUNT', threshold: '2' }] } },
      ],
    });
    await server.ok(RECORD, { events: [sale('S-1', 'Boris', 100_000)] });
    await server.ok(RECORD, { events: [sale('S-2', 'Boris', 200_000, '2026-11-11')] });
    await server.ok(RECORD, { events: [{ externalId: 'R-1', type: 'REFUND', refundOf: 'S-2', amount: 100_000, currency: 'RUB', occurredAt: '2026-11-12T12:00:00+03:00' }] });
    await server.ok(`mutation { closePeriod(campaignId: "${ids.Monthly}", period: "2026-11") { rewardsCreated } }`);
    const [perk] = await server.sql<{ id: string }>(`select id from reward where kind = 'PERK'`);
    await server.ok(`mutation { updatePerkFulfilment(rewardId: "${perk.id}", state: "DELIVERED", note: "Invitation 17") { id } }`);
    const money = await server.sql<{ id: string; amount: string; campaign: string }>(
      `select r.id, r.amount::text, c.name as campaign from reward r join campaign c on c.id = r.campaign_id
        where r.kind = 'MONEY' and r.status = 'PENDING' and r.corrects_id is null order by r.id`,
    );
    const [first, budgeted, second] = money;
    await server.ok(`mutation { approveRewards(ids: ["${first.id}"]) { id } }`);
    await server.ok(`mutation { rejectRewards(ids: ["${budgeted.id}"], reason: "duplicate order") { id } }`);
    const batch = await server.ok<{ createPayoutBatch: { payouts: { id: string }[] } }>(`mutation { createPayoutBatch(currency: "RUB", minimumAmount: "1") { payouts { id } } }`);
    await server.ok(`mutation { markPayoutPaid(id: "${batch.createPayoutBatch.payouts[0].id}", reference: "PP-1") { id } }`);
    await server.ok(`mutation { approveRewards(ids: ["${second.id}"]) { id } }`);
    const again = await server.ok<{ createPayoutBatch: { payouts: { id: string }[] } }>(`mutation { createPayoutBatch(currency: "RUB", minimumAmount: "1") { payouts { id } } }`);
    await server.ok(`mutation { failPayout(id: "${again.createPayoutBatch.payouts[0].id}", reason: "account closed") { id } }`);
    await server.ok(`mutation { updatePartner(id: "${ids.Boris}", input: { level: 3 }) { id } }`);
    await server.ok(`mutation { updatePartner(id: "${ids.Boris}", input: { status: "SUSPENDED" }) { id } }`);
    await settled(hook.id);
    forBoris = receiver.unique().filter((item) => item.path === '/all' && (item.message.data.partnerId ?? item.message.data.id ?? item.message.data.reward?.partnerId) === ids.Boris);
  }, 60_000);

  it('reports each change once, in the order it happened for the partner', () => {
    const seen = forBoris.map(({ message: { type, data } }) =>
      type.startsWith('partner.') ? [type, data.status, data.level] : [type, data.code ?? data.kind ?? data.state ?? data.status, data.amount ?? data.reward.amount],
    );
    // The entries of one batch come in the ledger's order (by idempotency key).
    expect(seen).toEqual([
      ['partner.created', 'ACTIVE', 1],
      // S-1, 1 000,00 ₽: the first-sale badge, 5 % = 5 000, and 10 % = 10 000 (the whole budget).
      ['reward.created', 'BADGE', 1],
      ['badge.awarded', 'FIRST-SALE', 1],
      ['reward.created', 'MONEY', 5000],
      ['reward.created', 'MONEY', 10000],
      // S-2, 2 000,00 ₽: 5 % = 10 000; the budget is spent, so 10 % = 20 000 is CAPPED; a second sale earns the closed event.
      ['reward.created', 'MONEY', 10000],
      ['reward.capped', 'MONEY', 20000],
      ['reward.created', 'PERK', 1],
      // R-1 returns half of S-2: half of its 10 000 is taken back; a CAPPED entry was never granted.
      ['reward.reversed', 'MONEY', -5000],
      // November closed: net 2 000,00 ₽ ≥ 1 000,00 ₽ → 50 000.
      ['reward.created', 'MONEY', 50000],
      ['perk.fulfilment_changed', 'DELIVERED', 1],
      ['reward.approved', 'MONEY', 5000],
      ['reward.rejected', 'MONEY', 10000],
      ['payout.created', 'CREATED', 5000],
      ['payout.paid', 'PAID', 5000],
      // Approving S-2's 10 000 moves its −5 000 with it: the next payout is 5 000.
      ['reward.approved', 'MONEY', 10000],
      ['reward.approved', 'MONEY', -5000],
      ['payout.created', 'CREATED', 5000],
      ['payout.failed', 'FAILED', 5000],
      ['partner.level_changed', 'ACTIVE', 3],
      ['partner.status_changed', 'SUSPENDED', 3],
    ]);
  });

  it('says what changed, and shows partners as the API does', () => {
    const rejected = forBoris.find((item) => item.message.type === 'reward.rejected')!.message.data;
    expect(rejected).toMatchObject({ status: 'REJECTED', previousStatus: 'PENDING', reason: 'duplicate order', unit: 'RUB', campaignId: ids.Budgeted });
    const reversed = forBoris.find((item) => item.message.type === 'reward.reversed')!.message.data;
    expect(reversed.explanation.en).toMatch(/refund/i);
    const paid = forBoris.find((item) => item.message.type === 'payout.paid')!.message.data;
    expect(paid).toMatchObject({ currency: 'RUB', reference: 'PP-1', entries: 1, partnerId: ids.Boris });
    expect(forBoris.find((item) => item.message.type === 'payout.failed')!.message.data.failureReason).toBe('account closed');
    expect(forBoris.find((item) => item.message.type === 'partner.level_changed')!.message.data).toMatchObject({ level: 3, previousLevel: 1 });
    expect(forBoris.find((item) => item.message.type === 'partner.status_changed')!.message.data).toMatchObject({ status: 'SUSPENDED', previousStatus: 'ACTIVE' });
    expect(forBoris[0].message.data).toMatchObject({ name: 'Boris', sponsorId: ids.Anna, kind: 'DEALER', level: 1 });
    const closed = receiver.unique().filter((item) => item.message.type === 'period.closed');
    expect(closed.map((item) => item.message.data)).toEqual([expect.objectContaining({ campaignId: ids.Monthly, periodKey: '2026-11', rewardsCreated: 1, forced: false })]);
  });

  it('signs every request as Standard Webhooks says, with an id and timestamp the body agrees with', () => {
    const verifier = new Webhook(hook.secret);
    for (const item of receiver.received.filter((each) => each.path === '/all')) {
      expect(item.signature).toBe(specSignature(hook.secret, item));
      expect(verifier.verify(item.body, { 'webhook-id': item.id, 'webhook-timestamp': item.timestamp, 'webhook-signature': item.signature })).toEqual(item.message);
      expect(item.id).toMatch(/^msg_\d+$/);
      expect(Math.abs(Number(item.timestamp) * 1000 - Date.now())).toBeLessThan(120_000);
      expect(Object.keys(item.message)).toEqual(['type', 'timestamp', 'data']);
    }
  });

  it('lists every delivery with its attempt', async () => {
    const all = await deliveries(hook.id, 'DELIVERED');
    expect(all.length).toBe(receiver.unique().filter((item) => item.path === '/all').length);
    expect(all[0].attempts).toEqual([{ statusCode: 200, latencyMs: expect.any(Number), responseHead: 'ok', error: null }]);
  });
});

describe('an outage of the receiver', () => {
  let hook: { id: string; secret: string };
  /** Webhook ids in the order the receiver accepted them (answered 200). */
  const accepted: ReceivedWebhook[] = [];
  let down = true;

  beforeAll(async () => {
    await server.ok(`mutation { pauseCampaign(id: "${ids.Budgeted}") { id } }`);
    await server.ok(`mutation { pauseCampaign(id: "${ids.Monthly}") { id } }`);
    await partner('Cleo');
    await partner('Dan');
    hook = await endpoint(receiver.url('/outage'), ['reward.created']);
    receiver.answer = (request, response) => {
      if (request.url === '/outage' && down) return void response.writeHead(503).end('down for maintenance');
      if (request.url === '/outage') accepted.push(receiver.received.at(-1)!);
      response.end('ok');
    };
  });
  afterAll(() => {
    receiver.answer = accept;
  });

  it('delivers everything once it is back, in order per partner, each webhook-id once', async () => {
    // Answering 503, then not listening at all, then back.
    await server.ok(RECORD, { events: [sale('O-1', 'Cleo', 10_000), sale('O-2', 'Dan', 20_000)] });
    await server.ok(RECORD, { events: [sale('O-3', 'Cleo', 30_000)] });
    await receiver.waitFor(() => receiver.received.filter((item) => item.path === '/outage').length >= 6);
    await receiver.close();
    await server.ok(RECORD, { events: [sale('O-4', 'Dan', 40_000)] });
    await server.ok(RECORD, { events: [sale('O-5', 'Cleo', 50_000)] });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await deliveries(hook.id, 'DELIVERED')).length).toBe(0);
    down = false;
    await receiver.listen();
    const all = await settled(hook.id);

    // Cleo: the first-sale badge and 5 % of 100,00, 300,00 and 500,00 ₽; Dan: the badge and 5 % of 200,00 and 400,00 ₽.
    const amounts = (name: string) => accepted.filter((item) => item.message.data.partnerId === ids[name]).map((item) => [item.message.data.kind, item.message.data.amount]);
    expect(amounts('Cleo')).toEqual([['BADGE', 1], ['MONEY', 500], ['MONEY', 1500], ['MONEY', 2500]]);
    expect(amounts('Dan')).toEqual([['BADGE', 1], ['MONEY', 1000], ['MONEY', 2000]]);
    for (const name of ['Cleo', 'Dan']) {
      const order = accepted.filter((item) => item.message.data.partnerId === ids[name]).map((item) => Number(item.message.data.id));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(all.map((delivery) => delivery.status)).toEqual(Array(7).fill('DELIVERED'));
    expect(new Set(accepted.map((item) => item.id))).toEqual(new Set(all.map((delivery) => delivery.webhookId)));
    expect(accepted.length).toBe(7);

    const tried = all.flatMap((delivery) => delivery.attempts);
    expect(tried).toContainEqual({ statusCode: 503, latencyMs: expect.any(Number), responseHead: 'down for maintenance', error: 'HTTP 503' });
    expect(tried.some((attempt) => attempt.statusCode === null && /ECONNREFUSED/.test(attempt.error ?? ''))).toBe(true);
    for (const delivery of all) expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200, error: null });
  }, 60_000);
});

describe('limits', () => {
  const newPartner = async () => partner(`Partner ${Object.keys(ids).length}`);
  const firstAttempt = async (endpointId: string) => {
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const [delivery] = await deliveries(endpointId);
      if (delivery?.attempts.length) return delivery.attempts[0];
    }
    throw new Error('no attempt was made');
  };

  it('does not follow redirects, stops waiting at the time limit, and keeps only the head of a response', async () => {
    receiver.answer = (request, response) => {
      if (request.url === '/moved') return void response.writeHead(302, { location: 'http://192.0.2.1/elsewhere' }).end();
      if (request.url === '/chatty') return void response.writeHead(500).end('x'.repeat(100_000));
      if (request.url === '/silent') return; // never answers
      response.end('ok');
    };
    const hooks = await Promise.all(['/moved', '/chatty', '/silent'].map((path) => endpoint(receiver.url(path), ['partner.created'])));
    await newPartner();
    const [moved, chatty, silent] = await Promise.all(hooks.map((hook) => firstAttempt(hook.id)));
    expect(moved).toMatchObject({ statusCode: 302, error: 'HTTP 302: redirects are not followed (Location: http://192.0.2.1/elsewhere)' });
    expect(chatty).toMatchObject({ statusCode: 500, error: 'HTTP 500', responseHead: 'x'.repeat(1024) });
    expect(silent).toMatchObject({ statusCode: null, error: 'no answer within 1000 ms' });
    expect(silent.latencyMs).toBeGreaterThanOrEqual(1000);
    for (const hook of hooks) await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
    receiver.answer = accept;
  }, 30_000);

  it('gives a delivery up after the retry window and disables an endpoint after repeated failures, with the reason', async () => {
    settings().retryForSeconds = 0; // every failed attempt is the last
    try {
      receiver.answer = (request, response) => void (request.url === '/broken' ? response.writeHead(500).end('broken') : response.end('ok'));
      const hook = await endpoint(receiver.url('/broken'), ['partner.created']);
      for (let i = 0; i < 5; i++) {
        await newPartner();
        await settled(hook.id);
      }
      const failed = await deliveries(hook.id);
      expect(failed.map((delivery) => [delivery.status, delivery.attemptCount])).toEqual(Array(5).fill(['FAILED', 1]));
      const [state] = (await server.ok<{ webhookEndpoints: { id: string; enabled: boolean; disabledReason: string | null }[] }>('{ webhookEndpoints { id enabled disabledReason } }'))
        .webhookEndpoints.filter((each) => each.id === hook.id);
      expect(state).toEqual({ id: hook.id, enabled: false, disabledReason: '5 deliveries in a row failed after retrying; the last: HTTP 500' });
      await newPartner();
      expect((await deliveries(hook.id)).length).toBe(5); // a disabled endpoint is told nothing new
      const enabled = await server.ok(`mutation { updateWebhookEndpoint(id: "${hook.id}", input: { enabled: true }) { enabled disabledReason } }`);
      expect(enabled).toEqual({ updateWebhookEndpoint: { enabled: true, disabledReason: null } });
      await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
    } finally {
      settings().retryForSeconds = 86_400;
      receiver.answer = accept;
    }
  }, 30_000);

  it('redelivers with the same webhook-id and body', async () => {
    const hook = await endpoint(receiver.url('/again'), ['partner.created']);
    await newPartner();
    const [delivery] = await settled(hook.id);
    const first = receiver.received.filter((item) => item.path === '/again');
    expect(first.length).toBe(1);
    const redelivered = await server.ok<{ redeliverWebhook: { status: string; webhookId: string } }>(`mutation { redeliverWebhook(deliveryId: "${delivery.id}") { status webhookId } }`);
    expect(redelivered.redeliverWebhook).toEqual({ status: 'PENDING', webhookId: delivery.webhookId });
    await receiver.waitFor(() => receiver.received.filter((item) => item.path === '/again').length === 2);
    const second = receiver.received.filter((item) => item.path === '/again')[1];
    expect([second.id, second.body]).toEqual([first[0].id, first[0].body]);
    expect((await settled(hook.id))[0]).toMatchObject({ status: 'DELIVERED', attemptCount: 2 });
    await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
  });

  it('signs with the old and the new secret for a day after a rotation', async () => {
    const hook = await endpoint(receiver.url('/rotated'), ['partner.created']);
    const rotated = await server.ok<{ rotateWebhookSecret: { secret: string; endpoint: { previousSecretUntil: string } } }>(
      `mutation { rotateWebhookSecret(id: "${hook.id}") { secret endpoint { previousSecretUntil } } }`,
    );
    const { secret, endpoint: after } = rotated.rotateWebhookSecret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Math.abs(Date.parse(after.previousSecretUntil) - Date.now() - 24 * 3600_000)).toBeLessThan(60_000);
    await newPartner();
    await settled(hook.id);
    const item = receiver.received.find((each) => each.path === '/rotated')!;
    const headers = { 'webhook-id': item.id, 'webhook-timestamp': item.timestamp, 'webhook-signature': item.signature };
    expect(item.signature.split(' ')).toEqual([specSignature(secret, item), specSignature(hook.secret, item)]);
    expect(new Webhook(secret).verify(item.body, headers)).toEqual(item.message);
    expect(new Webhook(hook.secret).verify(item.body, headers)).toEqual(item.message);
    await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
  });

  it('deletes finished deliveries with their attempts once past the keeping time, never a PENDING one', async () => {
    const hook = await endpoint(receiver.url('/kept'), ['partner.created']);
    await newPartner();
    await newPartner();
    await settled(hook.id);
    receiver.answer = (request, response) => void (request.url === '/kept' ? response.writeHead(503).end() : response.end('ok'));
    await newPartner();
    await firstAttempt(hook.id);
    // Every change of this endpoint happened 31 days ago.
    await server.sql(`update webhook_delivery set created_at = now() - interval '31 days' where endpoint_id = $1`, [hook.id]);
    expect(await server.running.app.webhooks.prune(30)).toBe(2);
    expect((await deliveries(hook.id)).map((delivery) => delivery.status)).toEqual(['PENDING']);
    const [{ attempts }] = await server.sql(`select count(*)::int as attempts from webhook_attempt a join webhook_delivery d on d.id = a.delivery_id where d.endpoint_id = $1 and d.status <> 'PENDING'`, [hook.id]);
    expect(attempts).toBe(0);
    receiver.answer = accept;
    await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
  });

  it('refuses loopback, private and link-local addresses unless the server allows them', async () => {
    const hook = await endpoint(receiver.url('/private'), ['partner.created']);
    settings().allowPrivateAddresses = false;
    try {
      for (const [url, why] of [
        ['http://127.0.0.1:8080/hook', '127.0.0.1 is a loopback, private or link-local address'],
        ['https://10.0.0.8/hook', '10.0.0.8 is a loopback, private or link-local address'],
        ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a loopback, private or link-local address'],
        ['http://[::1]/hook', '::1 is a loopback, private or link-local address'],
        ['http://[::ffff:192.168.0.1]/hook', '::ffff:c0a8:1 is a loopback, private or link-local address'],
        ['http://localhost:4000/hook', 'localhost names this host'],
      ]) {
        const response = await server.gql(CREATE, { input: { url, events: ['partner.created'] } });
        expect(response.errors?.[0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          issues: [{ path: 'input.url', message: `is refused: ${why} (COFACTOR_WEBHOOK_ALLOW_PRIVATE=true allows it)` }],
        });
      }
      // An endpoint made while it was allowed is refused at delivery, before any connection.
      await newPartner();
      const attempt = await firstAttempt(hook.id);
      const [delivery] = await deliveries(hook.id);
      expect(attempt).toEqual({ statusCode: null, latencyMs: 0, responseHead: '', error: 'refused: 127.0.0.1 is a loopback, private or link-local address' });
      expect(delivery.eventType).toBe('partner.created');
      expect(receiver.received.some((item) => item.path === '/private')).toBe(false);
    } finally {
      settings().allowPrivateAddresses = true;
    }
    await server.ok(`mutation { deleteWebhookEndpoint(id: "${hook.id}") }`);
  });

  it('checks what an endpoint is given, all at once, and lets only admin keys manage them', async () => {
    const response = await server.gql(CREATE, { input: { url: 'ftp://example.com/x', events: ['reward.paid', 'payout.paid'], description: 'd'.repeat(1001) } });
    expect(response.errors?.[0].extensions?.issues).toEqual([
      { path: 'input.url', message: 'must be an http:// or https:// URL' },
      { path: 'input.events[0]', message: `"reward.paid" is not an event; known: ${ALL_EVENTS.join(', ')}` },
      { path: 'input.description', message: expect.stringContaining('1000') },
    ]);
    expect((await server.gql('{ webhookEndpoints { id } }', {}, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const token = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Anna}") { token } }`);
    expect((await server.gql('{ webhookEndpoints { id } }', {}, token.issuePartnerToken.token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql('mutation { deleteWebhookEndpoint(id: "999999") }')).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await server.ok<{ webhookEventTypes: string[] }>('{ webhookEventTypes }')).webhookEventTypes).toEqual(ALL_EVENTS);
  });
});
