import { createPubSub } from '@graphql-yoga/subscription';
import type { DatabaseNotifications } from '../db/notifications.js';
import type { Sql } from '../db/sql.js';
import type { LedgerService, RewardRow } from '../ledger/ledger.service.js';

/*
 * Fan-out across server processes. Every process sharing the database LISTENs on one
 * connection (db/notifications.ts); a trigger NOTIFYs at commit with a small payload (which
 * program, which ids), and each process reads from the database only what its own
 * subscribers watch, then publishes it to them locally. No server besides PostgreSQL.
 *
 * When one database's notifications are not enough (NOTIFY serializes committing
 * transactions on one lock, its queue is 8 GB, every listener hears every program), the
 * same shape moves to Redis pub/sub: create the pubsub with
 * `createRedisEventTarget({ publishClient, subscribeClient })` from
 * `@graphql-yoga/redis-event-target` as its `eventTarget`, keep the trigger's payloads (a
 * process that committed publishes `{program, from, to}` to a Redis channel per program
 * instead of NOTIFY, after its commit), and subscribe each process to the channels of the
 * programs it has subscribers for. The readers below stay as they are: they turn a
 * notice into the rows this process's subscribers see.
 */

/** Topics are `<programId>:<partnerId>`: each subscriber hears one partner of one program. */
export const REWARD_CREATED = 'REWARD_CREATED';

/** The channel of the `reward` table's trigger: `{"program": "1", "from": "10", "to": "12"}` per program an insert wrote. */
export const REWARD_CHANNEL = 'cofactor_reward';

/**
 * Rewards published lately, remembered so that none is published twice: two transactions
 * committing at once may have drawn interleaved ids, so one's id range can hold the other's
 * rows. Only rewards someone watches are remembered, so this bounds memory, not delivery.
 */
export const RECENT_REWARDS_REMEMBERED = 10_000;

/** The event target of the pubsub, counting the listeners of each topic and which partners of a program are watched. */
class CountedTopics extends EventTarget {
  private readonly listeners = new Map<string, number>();
  private readonly watched = new Map<string, Set<string>>();

  override addEventListener(...[type, listener, options]: Parameters<EventTarget['addEventListener']>): void {
    super.addEventListener(type, listener, options);
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    const reward = rewardTopicParts(type);
    if (reward) this.watched.set(reward.programId, (this.watched.get(reward.programId) ?? new Set()).add(reward.partnerId));
  }

  override removeEventListener(...[type, listener, options]: Parameters<EventTarget['removeEventListener']>): void {
    super.removeEventListener(type, listener, options);
    const left = (this.listeners.get(type) ?? 1) - 1;
    if (left > 0) return void this.listeners.set(type, left);
    this.listeners.delete(type);
    const reward = rewardTopicParts(type);
    const partners = reward && this.watched.get(reward.programId);
    if (!reward || !partners) return;
    partners.delete(reward.partnerId);
    if (partners.size === 0) this.watched.delete(reward.programId);
  }

  listened(type: string): boolean {
    return this.listeners.has(type);
  }

  listenersOf(type: string): number {
    return this.listeners.get(type) ?? 0;
  }

  /** The partners of a program someone subscribed to the rewards of. */
  watchedPartners(programId: string): string[] {
    return [...(this.watched.get(programId) ?? [])];
  }

  watchedPrograms(): string[] {
    return [...this.watched.keys()];
  }
}

function rewardTopicParts(type: string): { programId: string; partnerId: string } | null {
  const [routingKey, programId, partnerId] = type.split(':');
  return routingKey === REWARD_CREATED && partnerId ? { programId, partnerId } : null;
}

/**
 * Publishes a reward only to a topic someone subscribed to: a batch creates thousands of
 * rewards, most for partners nobody is watching, and each dispatched event costs the batch.
 */
export function createCofactorPubSub() {
  const topics = new CountedTopics();
  const pubSub = createPubSub<{ [REWARD_CREATED]: [topicId: string, payload: RewardRow] }>({ eventTarget: topics });
  const publish: typeof pubSub.publish = (routingKey, topicId, payload) => {
    if (topics.listened(`${routingKey}:${topicId}`)) pubSub.publish(routingKey, topicId, payload);
  };
  return {
    ...pubSub,
    publish,
    watchedPartners: (programId: string) => topics.watchedPartners(programId),
    watchedPrograms: () => topics.watchedPrograms(),
    /** How many subscriptions of this process hear one partner's rewards: a subscription counts once it is listening. */
    rewardListeners: (programId: string, partnerId: string) => topics.listenersOf(`${REWARD_CREATED}:${rewardTopic(programId, partnerId)}`),
  };
}

export type CofactorPubSub = ReturnType<typeof createCofactorPubSub>;

/** The topic of one partner's rewards: a subscriber of one program never hears another's. */
export function rewardTopic(programId: string, partnerId: string): string {
  return `${programId}:${partnerId}`;
}

const MAX_ID = '9223372036854775807';

interface RewardNotice {
  program: string;
  from: string;
  to: string;
}

/** Ids seen lately, oldest forgotten first once there are more than `limit`. */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly limit: number) {}

  /** True the first time an id is added (while remembered), false after. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}

/**
 * Makes `rewardCreated` reach subscribers on every process: each `cofactor_reward` notice is
 * read for the partners this process has subscribers for, in the order notices arrive, and
 * published locally. The process that wrote the rewards hears its own notice like any other,
 * which is why the pipeline's own after-commit publish is left empty (app.ts): one path,
 * so no reward is delivered twice and every process delivers the same rewards.
 *
 * Notices sent while the listening connection was down are lost: once it is back, the
 * rewards after the highest id heard are read and published (a reward of a transaction that
 * drew a lower id and committed during the outage is the one case this misses).
 */
export function fanOutRewards(notifications: DatabaseNotifications, pubSub: CofactorPubSub, sql: Sql, ledger: LedgerService, onError: (error: Error) => void): void {
  const published = new RecentIds(RECENT_REWARDS_REMEMBERED);
  let queue: Promise<void> = Promise.resolve();
  let highest: bigint | null = null;
  const enqueue = (notice: RewardNotice) => (queue = queue.then(() => publishNotice(notice)).catch(onError));
  notifications.on(REWARD_CHANNEL, (payload) => {
    const notice = JSON.parse(payload) as RewardNotice;
    if (highest === null || BigInt(notice.to) > highest) highest = BigInt(notice.to);
    if (pubSub.watchedPartners(notice.program).length > 0) enqueue(notice);
  });
  notifications.onReconnect(() => {
    if (highest === null) return;
    const from = String(highest + 1n);
    for (const program of pubSub.watchedPrograms()) enqueue({ program, from, to: MAX_ID });
  });

  async function publishNotice(notice: RewardNotice): Promise<void> {
    const partners = pubSub.watchedPartners(notice.program);
    if (partners.length === 0) return;
    const rows = await sql.query<{ id: string }>(
      'select id from reward where program_id = $1 and id between $2 and $3 and partner_id = any($4::bigint[]) order by id',
      [notice.program, notice.from, notice.to, partners],
    );
    const fresh = rows.map((row) => row.id).filter((id) => published.add(id));
    if (fresh.length === 0) return;
    for (const reward of await ledger.byIds(null, notice.program, fresh)) {
      pubSub.publish(REWARD_CREATED, rewardTopic(reward.programId, reward.partnerId), reward);
    }
  }
}
