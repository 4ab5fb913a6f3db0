// The live-board benchmark's event sender, a child process of live.mjs: SALE events at a paced
// rate through `recordEvents`, and after each response, which partners it changed and their
// totals now (sum of sales and number of sales), so subscriber processes can tell which response
// each push shows. See live.mjs for the protocol.
import pg from 'pg';
import { percentile, rng } from './common.mjs';
import { RECORD_EVENTS, graphqlClient, isRetryable, now } from './server.mjs';

const MAX_ATTEMPTS = 5; // a batch is all-or-nothing and idempotent, so resending is safe
/** A call slower than this fails, and no batch starts after twice the planned time: the run ends even when the server stalls. */
const CALL_TIMEOUT_MS = 30_000;
const OVERRUN = 2;

/** Every bench partner's SALE total and count now: the boards' NET_SALES and SALES values for the period. */
async function startTotals(dbUrl, partnerIds) {
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `select p.id::text as id, coalesce(sum(e.amount), 0)::text as sum, count(e.id)::int as count
         from unnest($1::bigint[]) as p(id) left join event e on e.partner_id = p.id and e.type = 'SALE'
        group by p.id`,
      [partnerIds],
    );
    return new Map(rows.map((row) => [row.id, { sum: Number(row.sum), count: row.count }]));
  } finally {
    await db.end();
  }
}

async function send({ url, token, dbUrl, partnerIds, rate, seconds, batch, inFlightMax, runId }) {
  const graphql = graphqlClient(url, token, CALL_TIMEOUT_MS);
  const totals = await startTotals(dbUrl, partnerIds);
  const random = rng(0x11fe);
  const interval = (batch / rate) * 1000;
  const batches = Math.max(1, Math.round((rate * seconds) / batch));
  // A partner is in at most one batch in flight: its totals after each response are then exact.
  const busy = new Set();
  const latencies = [];
  const result = { batches, sent: 0, accepted: 0, rewardsCreated: 0, retries: 0, failed: 0, errors: [] };
  let inFlight = 0;
  let slot = null;
  const started = now();

  async function one(index, events) {
    for (let attempt = 1; ; attempt++) {
      const t0 = now();
      try {
        const { recordEvents } = await graphql(RECORD_EVENTS, { events });
        const at = now();
        latencies.push(at - t0);
        result.accepted += recordEvents.accepted;
        result.rewardsCreated += recordEvents.rewardsCreated;
        const changed = new Map();
        for (const event of events) {
          const total = totals.get(event.partnerId);
          total.sum += Number(event.amount);
          total.count += 1;
          changed.set(event.partnerId, total);
        }
        process.send({ type: 'changed', at, partners: [...changed].map(([id, total]) => [id, total.sum, total.count]) });
        return;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
          result.failed += 1;
          if (result.errors.length < 5) result.errors.push(`batch ${index}: ${error.message.slice(0, 300)}`);
          return;
        }
        result.retries += 1;
      }
    }
  }

  const pending = [];
  for (let index = 0; index < batches; index++) {
    const wait = started + index * interval - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= inFlightMax) await new Promise((r) => (slot = r));
    if (now() - started > OVERRUN * seconds * 1000) {
      result.errors.push(`stopped after ${index} of ${batches} batches: ${OVERRUN}× the planned ${seconds} s had passed`);
      break;
    }
    const events = [];
    for (let i = 0; i < batch; i++) {
      let partnerId;
      do partnerId = String(partnerIds[Math.floor(random() * partnerIds.length)]);
      while (busy.has(partnerId) && busy.size < partnerIds.length / 2);
      events.push({
        externalId: `${runId}-${index}-${i}`,
        type: 'SALE',
        partnerId,
        customerId: `${runId}-${index}-${i}`,
        amount: String(10_000 + Math.floor(random() * 4_990_001)), // 100.00 .. 50,000.00 RUB in kopecks
        currency: 'RUB',
      });
    }
    const partners = new Set(events.map((event) => event.partnerId));
    partners.forEach((id) => busy.add(id));
    inFlight += 1;
    result.sent += events.length;
    pending.push(
      one(index, events).finally(() => {
        partners.forEach((id) => busy.delete(id));
        inFlight -= 1;
        slot?.();
        slot = null;
      }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { ...result, seconds: (now() - started) / 1000, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? NaN };
}

process.on('message', (message) => {
  if (message.type !== 'start') return;
  send(message).then(
    (result) => process.send({ type: 'done', result }, () => process.exit(0)),
    (error) => process.send({ type: 'done', error: error.stack ?? error.message }, () => process.exit(1)),
  );
});
