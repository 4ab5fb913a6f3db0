import { defineRewardScheme, type RewardDraft } from '@cofactor/schema';
import type { RewardRow } from '../ledger/ledger.service.js';
import { SchemeRegistry } from '../plugins/registry.js';
import type { MemoryEvent } from '../rewarding/memory/state.js';
import { MemoryRewardingStorage } from '../rewarding/memory/storage.js';
import { Rewarding } from '../rewarding/rewarding.js';
import { replay, type ReplayProgress } from './replay.js';
import type { StoredEvent } from './snapshot.js';

/** Pays the seller RUB 1.00 per sale, and says how many sales of the seller it saw (stats up to and including the sale). */
const perSale = defineRewardScheme({
  code: 'per-sale',
  version: '1.0.0',
  name: { en: 'Per sale', ru: 'За продажу' },
  description: { en: 'RUB 1.00 per sale.', ru: '1 ₽ за продажу.' },
  eventTypes: ['SALE'],
  args: {},
  async evaluate(event, _args, ctx): Promise<RewardDraft[]> {
    const seen = (await ctx.stats(event.partner.id)).count.SALE ?? 0;
    const text = `sale ${event.externalId}, ${seen} seen`;
    return [{ partnerId: event.partner.id, kind: 'MONEY', amount: 100n, unit: 'RUB', key: `sale:${event.id}`, explanation: { en: text, ru: text } }];
  },
});

const recordedAt = [new Date('2026-11-02T09:00:00Z'), new Date('2026-11-02T09:00:00Z'), new Date('2026-11-03T09:00:00Z')];

/** The event with this id, the index-th stored, in the batch and at the place in it given (by default, batches by recording time, in id order). */
function stored(id: string, index: number, batch = recordedAt[index].toISOString(), batchPosition = index): StoredEvent {
  const occurredAt = new Date(`2026-11-0${index + 1}T10:00:00Z`);
  const row: MemoryEvent = { id, externalId: `S-${id}`, type: 'SALE', partnerId: '1', customerId: null, couponId: null, amount: 10_000n, currency: 'RUB', firstPurchase: false, occurredAt, attributes: {}, refundOfId: null, batchPosition };
  return { row, recordedAt: recordedAt[index], batch, input: { externalId: row.externalId, type: 'SALE', partnerId: '1', amount: 10_000n, currency: 'RUB', occurredAt } };
}

function setUp() {
  const storage = new MemoryRewardingStorage({
    programId: '1',
    timeZone: 'Europe/Moscow',
    partners: [{ id: '1', name: 'Anna', kind: 'AMBASSADOR', regionId: null, segment: null, level: 1, status: 'ACTIVE', referralCode: 'ANNA', sponsorId: null }],
    coupons: [],
    regions: [],
    customers: [],
    campaigns: [
      {
        id: '7', name: 'Sales', currency: 'RUB', startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: null, holdDays: 0,
        targeting: { regionIds: [], partnerKinds: [], segments: [], levels: [] }, status: 'ACTIVE', budget: null, partnerCap: null, capPeriod: 'MONTH',
        instances: [{ id: '1', campaignId: '7', key: 'per-sale', schemeCode: 'per-sale', args: {} }],
      },
    ],
    events: [],
    rewards: [],
  });
  const written: RewardRow[] = [];
  const rewarding = new Rewarding(storage, new SchemeRegistry([perSale]), (rewards) => written.push(...rewards), { maxAmount: 10n ** 13n, maxClockSkewSeconds: 86_400 });
  const plan = { programId: '1', campaignId: '7', replayed: ['41', '42', '43'].map((id, index) => stored(id, index)), later: [], periods: [] };
  return { storage, rewarding, plan, written };
}

describe('replay', () => {
  it('replays recorded batches with their stored ids, each with its recording clock, and reports progress per batch', async () => {
    const { storage, rewarding, plan, written } = setUp();
    const progress: ReplayProgress[] = [];
    await replay(storage, rewarding, plan, { onProgress: (step) => progress.push(step) });
    // 41 and 42 were recorded together, 43 later: two batches.
    expect(progress).toEqual([
      { eventsReplayed: 2, eventsTotal: 3 },
      { eventsReplayed: 3, eventsTotal: 3 },
    ]);
    expect(written.map((reward) => [reward.idempotencyKey, reward.explanationEn, reward.createdAt.toISOString()])).toEqual([
      ['7:per-sale:sale:41', 'sale S-41, 1 seen', '2026-11-02T09:00:00.000Z'],
      ['7:per-sale:sale:42', 'sale S-42, 2 seen', '2026-11-02T09:00:00.000Z'],
      ['7:per-sale:sale:43', 'sale S-43, 3 seen', '2026-11-03T09:00:00.000Z'],
    ]);
  });

  it('replays each batch in the order its caller sent it, and batches in the order of their first ids', async () => {
    const { storage, rewarding, plan, written } = setUp();
    // Batch A took ids 41 and 43 with 43 sent first (a refund or a lower external id stored later); batch B took 42 in between.
    plan.replayed = [stored('41', 0, 'A', 1), stored('42', 1, 'B', 0), stored('43', 2, 'A', 0)];
    await replay(storage, rewarding, plan);
    // A first (its first id, 41, is lower), in its caller's order: 43 sees 1 sale, 41 sees 2; then B's 42 sees 3.
    // Each batch's entries are appended in key order.
    expect(written.map((reward) => [reward.idempotencyKey, reward.explanationEn])).toEqual([
      ['7:per-sale:sale:41', 'sale S-41, 2 seen'],
      ['7:per-sale:sale:43', 'sale S-43, 1 seen'],
      ['7:per-sale:sale:42', 'sale S-42, 3 seen'],
    ]);
  });

  it('stops between batches once its signal is aborted', async () => {
    const { storage, rewarding, plan, written } = setUp();
    const controller = new AbortController();
    const replaying = replay(storage, rewarding, plan, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(replaying).rejects.toThrow('aborted');
    // The first batch went through; the second never started.
    expect(written.map((reward) => reward.idempotencyKey)).toEqual(['7:per-sale:sale:41', '7:per-sale:sale:42']);
  });
});
