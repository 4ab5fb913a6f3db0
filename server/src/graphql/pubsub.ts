import { createPubSub } from '@graphql-yoga/subscription';
import type { RewardRow } from '../ledger/ledger.service.js';

/** Topics are `<programId>:<partnerId>`: each subscriber hears one partner of one program. */
export const REWARD_CREATED = 'REWARD_CREATED';

export function createCofactorPubSub() {
  return createPubSub<{ [REWARD_CREATED]: [topicId: string, payload: RewardRow] }>();
}

export type CofactorPubSub = ReturnType<typeof createCofactorPubSub>;

/** The topic of one partner's rewards: a subscriber of one program never hears another's. */
export function rewardTopic(programId: string, partnerId: string): string {
  return `${programId}:${partnerId}`;
}
