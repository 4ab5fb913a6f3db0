// The live-board benchmark's subscribers, a child process of live.mjs: one graphql-ws
// connection per subscriber, each with one `leaderboardChanged` subscription, and the latency
// of every push measured from the `recordEvents` response it shows. See live.mjs for the
// protocol and for how a push is matched to a response.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { now } from './server.mjs';

const SUBSCRIPTION = `subscription($input: LeaderboardInput!, $top: Int!) {
  leaderboardChanged(input: $input, top: $top) { edges { node { rank value partner { id } } } } }`;

/** Latencies are counted in buckets of 0.1 ms up to HISTOGRAM_MS (beyond: the last bucket); the exact max is kept aside. */
const HISTOGRAM_MS = 60_000;
const BUCKETS_PER_MS = 10;
/** A push is matched once this long has passed, so the sender's report of the response it shows has surely arrived. */
const MATCH_DELAY_MS = 1000;

const histogram = new Uint32Array(HISTOGRAM_MS * BUCKETS_PER_MS + 1);
const stats = { pushes: 0, initial: 0, matched: 0, unmatched: 0, unchanged: 0, early: 0, maxMs: 0, errors: 0, closed: 0, firstErrors: [] };
/** Partner id → the totals the sender reported after each response that changed them, in response order: [at, sum, count]. */
const changes = new Map();
/** Pushes waiting for MATCH_DELAY_MS: [subscriber, at, entries]. */
const queue = [];
let subscribers = [];
let lastPushAt = 0;
let stopping = false;

function record(latency) {
  if (latency < 0) stats.early += 1;
  stats.maxMs = Math.max(stats.maxMs, latency);
  histogram[Math.min(histogram.length - 1, Math.max(0, Math.round(latency * BUCKETS_PER_MS)))] += 1;
}

/** The earliest response after which `partnerId`'s total passed `passes` (given [total]), if one reported `value`. */
function causeOf(partnerId, column, value, passes) {
  const list = changes.get(partnerId);
  if (!list?.some((change) => change[column] === value)) return null;
  const first = list.find((change) => passes(change[column]));
  return first ? first[0] : null;
}

/**
 * How a push is matched to the responses it shows. The sender reports, after each
 * `recordEvents` response, the time it got it and each changed partner's totals after it (no
 * partner is in two batches in flight, so these are exact). A push shows entries (partner,
 * value); against the subscriber's previous push:
 * - an entry whose value grew from v: the first response after which that partner's total
 *   was above v, i.e. the first change of that entry no push had shown yet;
 * - an entry new to the page: the first response after which that partner would have been on
 *   the previous page (when that page was full: a total above its last entry's, or equal to
 *   it with a lower partner id, as ties are listed by id; when not full: its first response).
 * The push's latency is its arrival time minus the earliest of those responses: from the first
 * response that changed the board as this subscriber sees it, not yet reflected in an earlier
 * push, to the push. A changed entry whose value no response reported counts as unmatched.
 */
function match([subscriber, at, entries]) {
  const previous = subscriber.last;
  subscriber.last = entries;
  if (!previous) return void (stats.initial += 1);
  const before = new Map(previous.map((entry) => [entry.id, entry.value]));
  const last = previous.length >= subscriber.top ? previous.at(-1) : null;
  const column = subscriber.metric === 'SALES' ? 2 : 1;
  let earliest = Infinity;
  let changed = false;
  for (const entry of entries) {
    const was = before.get(entry.id);
    if (was === entry.value) continue;
    changed = true;
    const passes =
      was !== undefined ? (total) => total > was
      : last ? (total) => total > last.value || (total === last.value && BigInt(entry.id) < BigInt(last.id))
      : () => true;
    const cause = causeOf(entry.id, column, entry.value, passes);
    if (cause === null) stats.unmatched += 1;
    else earliest = Math.min(earliest, cause);
  }
  if (!changed) stats.unchanged += 1;
  if (earliest === Infinity) return;
  stats.matched += 1;
  record(at - earliest);
}

function drain(all) {
  const due = all ? Infinity : now() - MATCH_DELAY_MS;
  let taken = 0;
  while (taken < queue.length && queue[taken][1] <= due) match(queue[taken++]);
  queue.splice(0, taken);
}

function onPush(subscriber, result) {
  const at = now();
  if (result.errors?.length) {
    stats.errors += 1;
    if (stats.firstErrors.length < 3) stats.firstErrors.push(JSON.stringify(result.errors).slice(0, 300));
    return;
  }
  const entries = result.data.leaderboardChanged.edges.map(({ node }) => ({ id: node.partner.id, rank: node.rank, value: Number(node.value) }));
  stats.pushes += 1;
  lastPushAt = at;
  subscriber.pushes += 1;
  queue.push([subscriber, at, entries]);
  subscriber.onFirst?.();
  subscriber.onFirst = null;
}

/** Opens one connection and its subscription; resolves once the board's first push arrived. */
function subscribe({ url, token }, { board, index }) {
  const subscriber = { index, board: board.index, top: board.top, metric: board.input.metric, last: null, pushes: 0, onFirst: null, client: null };
  return new Promise((resolve) => {
    const fail = (what) => {
      stats.errors += 1;
      if (stats.firstErrors.length < 3) stats.firstErrors.push(String(what).slice(0, 300));
      resolve(subscriber);
    };
    subscriber.onFirst = () => resolve(subscriber);
    subscriber.client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      // A connection the server closes after it was subscribed: its pushes stop, so it is counted.
      on: {
        closed: () => {
          if (!stopping && subscriber.pushes > 0) stats.closed += 1;
        },
      },
    });
    subscriber.client.subscribe(
      { query: SUBSCRIPTION, variables: { input: board.input, top: board.top } },
      {
        next: (result) => onPush(subscriber, result),
        error: (error) => fail(error instanceof Error ? error.message : JSON.stringify(error?.reason ?? error)),
        complete: () => {},
      },
    );
  });
}

/** Subscribes `list` with at most `concurrency` connections opening at once. */
async function subscribeAll(start) {
  let next = 0;
  const opened = [];
  async function worker() {
    while (next < start.subscriptions.length) {
      const item = start.subscriptions[next++];
      opened.push(await subscribe(start, item));
      if (opened.length % 500 === 0) process.send({ type: 'progress', subscribed: opened.length });
    }
  }
  await Promise.all(Array.from({ length: start.concurrency }, worker));
  return opened;
}

/** Each subscriber's last push against the board read over HTTP at the end: how many differ. */
function compare(boards) {
  drain(true);
  let mismatched = 0;
  const examples = [];
  for (const subscriber of subscribers) {
    const shown = (subscriber.last ?? []).map((entry) => `${entry.id}:${entry.rank}:${entry.value}`).join(',');
    if (shown === boards[subscriber.board]) continue;
    mismatched += 1;
    if (examples.length < 2) examples.push(`board ${subscriber.board}: pushed ${shown.slice(0, 160)} | read ${boards[subscriber.board]?.slice(0, 160)}`);
  }
  return { mismatched, examples };
}

function sparseHistogram() {
  const buckets = [];
  histogram.forEach((count, bucket) => count && buckets.push([bucket, count]));
  return buckets;
}

const drainTimer = setInterval(() => drain(false), 200);

process.on('message', async (message) => {
  if (message.type === 'start') {
    subscribers = await subscribeAll(message);
    process.send({ type: 'subscribed', subscribed: subscribers.filter((s) => s.pushes > 0).length, errors: stats.errors, firstErrors: stats.firstErrors });
  } else if (message.type === 'changed') {
    for (const [id, sum, count] of message.partners) {
      const list = changes.get(id) ?? [];
      list.push([message.at, sum, count]);
      changes.set(id, list);
    }
  } else if (message.type === 'status') {
    process.send({ type: 'status', pushes: stats.pushes, lastPushAt });
  } else if (message.type === 'compare') {
    const { mismatched, examples } = compare(message.boards);
    process.send({ type: 'result', stats, mismatched, examples, histogram: sparseHistogram(), bucketsPerMs: BUCKETS_PER_MS });
  } else if (message.type === 'stop') {
    clearInterval(drainTimer);
    stopping = true;
    await Promise.all(subscribers.map((subscriber) => subscriber.client?.dispose()));
    process.exit(0);
  }
});
