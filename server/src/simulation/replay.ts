import type { Period } from '@cofactor/schema';
import type { MemoryRewardingStorage } from '../rewarding/memory/storage.js';
import type { MemoryEvent } from '../rewarding/memory/state.js';
import type { Rewarding } from '../rewarding/rewarding.js';
import type { StoredEvent } from './snapshot.js';

export interface ReplayProgress {
  eventsReplayed: number;
  eventsTotal: number;
}

export interface ReplayPlan {
  programId: string;
  campaignId: string;
  /** The span's events, in id order. */
  replayed: StoredEvent[];
  /** Stored events that are not replayed, stored while the span's were, in id order. */
  later: MemoryEvent[];
  /** The periods to close, in order of their end. */
  periods: Period[];
}

export interface ReplayOptions {
  /** Called after each batch, and awaited if it returns a promise: a job writes its progress there and lets the server answer other requests. */
  onProgress?: (progress: ReplayProgress) => unknown;
  signal?: AbortSignal;
}

/**
 * The recorded batches, each in the order its caller sent it (`batchPosition`), in the order of
 * their first ids. Replayed as one batch each, so what a batch saw of itself — stats up to and
 * including each event, first purchases, budgets taken in its order, refunds compensated after
 * its rewards — is what it saw when it was recorded: ids alone do not say it, as a batch stores
 * its refunds after its other events and concurrent batches take ids in turns.
 */
export function batches(events: StoredEvent[]): StoredEvent[][] {
  const byBatch = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const batch = byBatch.get(event.batch);
    if (batch) batch.push(event);
    else byBatch.set(event.batch, [event]);
  }
  const order = (a: StoredEvent, b: StoredEvent) => a.row.batchPosition - b.row.batchPosition || (BigInt(a.row.id) < BigInt(b.row.id) ? -1 : 1);
  return [...byBatch.values()].map((batch) => batch.sort(order));
}

/** The lowest id of a batch: the stored events with lower ids were stored before it. */
function firstId(batch: StoredEvent[]): bigint {
  return batch.reduce((min, event) => (BigInt(event.row.id) < min ? BigInt(event.row.id) : min), BigInt(batch[0].row.id));
}

/**
 * Replays stored events through the pipeline against a MemoryRewardingStorage, batch by batch
 * as they were recorded, each with the clock it was recorded at, keeping their event ids.
 * A period is closed once the replay has passed its end on that clock and every event of the
 * span that occurred in it; the rest close after the last batch. Everything the pipeline
 * grants reaches `rewarding`'s publish hook, where the caller collects it.
 */
export async function replay(storage: MemoryRewardingStorage, rewarding: Rewarding, plan: ReplayPlan, options: ReplayOptions = {}): Promise<string[]> {
  const closed: string[] = [];
  const recorded = batches(plan.replayed);
  const inOrder = recorded.flat();
  const lastInPeriod = plan.periods.map((period) => inOrder.findLastIndex((event) => event.row.occurredAt < period.endsAt));
  let nextPeriod = 0;
  let nextLater = 0;
  let done = 0;
  let clock = plan.replayed[0]?.recordedAt ?? new Date(0);
  const close = async (until: (index: number) => boolean) => {
    while (nextPeriod < plan.periods.length && until(nextPeriod)) {
      const period = plan.periods[nextPeriod++];
      const at = period.endsAt > clock ? period.endsAt : clock;
      await rewarding.closePeriod(plan.programId, plan.campaignId, period, 'simulation', at);
      closed.push(period.key);
    }
  };
  for (const batch of recorded) {
    options.signal?.throwIfAborted();
    await close((index) => plan.periods[index].endsAt <= batch[0].recordedAt && lastInPeriod[index] < done);
    const first = firstId(batch);
    while (nextLater < plan.later.length && BigInt(plan.later[nextLater].id) < first) storage.storeEvent(plan.later[nextLater++]);
    for (const event of batch) storage.state.reservedEventIds.set(event.input.externalId, event.row.id);
    clock = batch[0].recordedAt;
    const { rewards } = await storage.transaction((store) => rewarding.ingest(store, plan.programId, batch.map((event) => event.input), clock));
    rewarding.publish(rewards);
    done += batch.length;
    await options.onProgress?.({ eventsReplayed: done, eventsTotal: plan.replayed.length });
  }
  while (nextLater < plan.later.length) storage.storeEvent(plan.later[nextLater++]);
  await close(() => true);
  return closed;
}
