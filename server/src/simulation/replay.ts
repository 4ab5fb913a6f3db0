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
  onProgress?: (progress: ReplayProgress) => void;
  signal?: AbortSignal;
}

/**
 * The events of one recorded batch: consecutive by id with one recording time (a batch's
 * transaction stamps all its events alike). Replayed as one batch, so what a batch sees of
 * itself — stats up to and including each event, budgets taken in its order, refunds
 * compensated after its rewards — is what it saw when it was recorded.
 */
function batches(events: StoredEvent[]): StoredEvent[][] {
  const result: StoredEvent[][] = [];
  for (const event of events) {
    const last = result.at(-1);
    if (last && last[0].recordedAt.getTime() === event.recordedAt.getTime()) last.push(event);
    else result.push([event]);
  }
  return result;
}

/**
 * Replays stored events through the pipeline against a MemoryRewardingStorage, in the order
 * they were stored, each batch with the clock it was recorded at, keeping their event ids.
 * A period is closed once the replay has passed its end on that clock and every event of the
 * span that occurred in it; the rest close after the last batch. Everything the pipeline
 * grants reaches `rewarding`'s publish hook, where the caller collects it.
 */
export async function replay(storage: MemoryRewardingStorage, rewarding: Rewarding, plan: ReplayPlan, options: ReplayOptions = {}): Promise<string[]> {
  const closed: string[] = [];
  const lastInPeriod = plan.periods.map((period) => plan.replayed.findLastIndex((event) => event.row.occurredAt < period.endsAt));
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
  for (const batch of batches(plan.replayed)) {
    options.signal?.throwIfAborted();
    await close((index) => plan.periods[index].endsAt <= batch[0].recordedAt && lastInPeriod[index] < done);
    while (nextLater < plan.later.length && BigInt(plan.later[nextLater].id) < BigInt(batch[0].row.id)) storage.storeEvent(plan.later[nextLater++]);
    for (const event of batch) storage.state.reservedEventIds.set(event.input.externalId, event.row.id);
    clock = batch[0].recordedAt;
    const { rewards } = await storage.transaction((store) => rewarding.ingest(store, plan.programId, batch.map((event) => event.input), clock));
    rewarding.publish(rewards);
    done += batch.length;
    options.onProgress?.({ eventsReplayed: done, eventsTotal: plan.replayed.length });
  }
  while (nextLater < plan.later.length) storage.storeEvent(plan.later[nextLater++]);
  await close(() => true);
  return closed;
}
