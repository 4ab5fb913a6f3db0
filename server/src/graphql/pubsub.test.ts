import { RECENT_REWARDS_REMEMBERED, REWARD_CREATED, RecentIds, createCofactorPubSub, rewardTopic } from './pubsub.js';

describe('RecentIds', () => {
  it('says an id is new once, and forgets the oldest past its limit', () => {
    const recent = new RecentIds(2);
    expect([recent.add('1'), recent.add('1'), recent.add('2')]).toEqual([true, false, true]);
    // A third id pushes out '1', the oldest: it counts as new again; '2' and '3' are still remembered.
    expect(recent.add('3')).toBe(true);
    expect([recent.add('1'), recent.add('3')]).toEqual([true, false]);
  });

  it('remembers RECENT_REWARDS_REMEMBERED ids', () => {
    const recent = new RecentIds(RECENT_REWARDS_REMEMBERED);
    for (let id = 1; id <= RECENT_REWARDS_REMEMBERED; id++) recent.add(String(id));
    expect(recent.add('1')).toBe(false);
    expect(recent.add(String(RECENT_REWARDS_REMEMBERED + 1))).toBe(true);
    expect(recent.add('1')).toBe(true);
  });
});

describe('the partners a process watches', () => {
  it('lists a program\'s partners while someone subscribes to their rewards, and no other program\'s', async () => {
    const pubSub = createCofactorPubSub();
    const first = pubSub.subscribe(REWARD_CREATED, rewardTopic('7', '70'));
    const second = pubSub.subscribe(REWARD_CREATED, rewardTopic('7', '70'));
    const other = pubSub.subscribe(REWARD_CREATED, rewardTopic('8', '80'));
    // Listeners are added when an iteration starts waiting.
    const pending = [first.next(), second.next(), other.next()];
    expect(pubSub.watchedPartners('7')).toEqual(['70']);
    await first.return!();
    expect(pubSub.watchedPartners('7')).toEqual(['70']);
    await second.return!();
    expect(pubSub.watchedPartners('7')).toEqual([]);
    expect(pubSub.watchedPartners('8')).toEqual(['80']);
    await other.return!();
    await Promise.all(pending);
  });
});
