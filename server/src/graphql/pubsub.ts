import { createPubSub } from '@graphql-yoga/subscription';
import type { RewardRow } from '../ledger/ledger.service.js';

/** Topics are `<programId>:<partnerId>`: each subscriber hears one partner of one program. */
export const REWARD_CREATED = 'REWARD_CREATED';

/** The event target of the pubsub, counting the listeners of each topic. */
class CountedTopics extends EventTarget {
  private readonly listeners = new Map<string, number>();

  override addEventListener(...[type, listener, options]: Parameters<EventTarget['addEventListener']>): void {
    super.addEventListener(type, listener, options);
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
  }

  override removeEventListener(...[type, listener, options]: Parameters<EventTarget['removeEventListener']>): void {
    super.removeEventListener(type, listener, options);
    const left = (this.listeners.get(type) ?? 1) - 1;
    if (left > 0) this.listeners.set(type, left);
    else this.listeners.delete(type);
  }

  listened(type: string): boolean {
    return this.listeners.has(type);
  }
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
  return { ...pubSub, publish };
}

export type CofactorPubSub = ReturnType<typeof createCofactorPubSub>;

/** The topic of one partner's rewards: a subscriber of one program never hears another's. */
export function rewardTopic(programId: string, partnerId: string): string {
  return `${programId}:${partnerId}`;
}
