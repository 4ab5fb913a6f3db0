import { defineRewardScheme, type RewardDraft, type RewardScheme, type SchemeEvent } from '@cofactor/schema';
import { SchemeRegistry } from '../plugins/registry.js';
import { MemoryRewardingStorage } from './memory/storage.js';
import { Rewarding } from './rewarding.js';

type Evaluate = (event: SchemeEvent) => RewardDraft[] | Promise<RewardDraft[]>;

/** A scheme that pays what `evaluate` drafts; its draft keys start with its code. */
function scheme(code: string, evaluate: Evaluate): RewardScheme {
  return defineRewardScheme({
    code,
    version: '1.0.0',
    name: { en: code, ru: code },
    description: { en: code, ru: code },
    eventTypes: ['SALE'],
    args: {},
    evaluate: (event) => evaluate(event),
  }) as RewardScheme;
}

/** `amount` kopecks to the seller, keyed by the scheme and the sale. */
const pays = (code: string, amount: bigint) => (event: SchemeEvent): RewardDraft[] => [
  { partnerId: event.partner.id, kind: 'MONEY', amount, unit: 'RUB', key: `${code}:${event.id}`, explanation: { en: `${code} pays`, ru: `${code} платит` } },
];

/** Stacks 10% of everything drafted before it for the event, as one more draft. */
const topUp = defineRewardScheme({
  code: 'top-up',
  version: '1.0.0',
  name: { en: 'Top-up', ru: 'Надбавка' },
  description: { en: '10% on top.', ru: '10% сверху.' },
  eventTypes: [],
  args: {},
  stack: (drafts, event) => [{ ...pays('top-up', drafts.reduce((sum, draft) => sum + draft.amount, 0n) / 10n)(event)[0] }],
}) as RewardScheme;

/** Anna sells RUB 100.00 under one campaign running `schemes` in order; the entries written or the error. */
async function sell(...schemes: RewardScheme[]) {
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
        instances: schemes.map((one, index) => ({ id: String(index + 1), campaignId: '7', key: one.code, schemeCode: one.code, args: {} })),
      },
    ],
    events: [],
    rewards: [],
  });
  const rewarding = new Rewarding(storage, new SchemeRegistry(schemes), () => {}, { maxAmount: 10n ** 13n, maxClockSkewSeconds: 86_400 });
  const sale = { externalId: 'S-1', type: 'SALE', partnerId: '1', amount: 10_000n, currency: 'RUB', occurredAt: new Date('2026-11-02T10:00:00Z') };
  const { rewards } = await storage.transaction((store) => rewarding.ingest(store, '1', [sale], new Date('2026-11-02T10:05:00Z')));
  return rewards.map((reward) => `${reward.idempotencyKey} ${reward.amount}`).sort();
}

describe('scheme chains', () => {
  it('runs answering-at-once and promised hooks in order, a stacking one seeing all drafts before it', async () => {
    // 500 + 300 kopecks drafted before the top-up: 10% of 800 is 80.
    const entries = await sell(scheme('at-once', pays('at-once', 500n)), scheme('promised', async (event) => pays('promised', 300n)(event)), topUp);
    expect(entries).toEqual(['7:at-once:at-once:1 500', '7:promised:promised:1 300', '7:top-up:top-up:1 80']);
  });

  it('fails the batch naming the scheme and the event, whether its hook throws, rejects or drafts nonsense', async () => {
    const first = scheme('first', pays('first', 100n));
    await expect(sell(first, scheme('thrower', () => { throw new Error('no rate'); }))).rejects.toThrow('scheme thrower failed on event S-1: no rate');
    await expect(sell(first, scheme('rejecter', async () => { throw new Error('no rate'); }))).rejects.toThrow('scheme rejecter failed on event S-1: no rate');
    const noText = (event: SchemeEvent) => [{ ...pays('blank', 100n)(event)[0], explanation: { en: ' ', ru: 'текст' } }];
    await expect(sell(first, scheme('blank', noText))).rejects.toThrow('scheme blank failed on event S-1: it returned an invalid draft (draft 0 (key "blank:1"): explanation has no en text)');
    await expect(sell(first, scheme('blank', async (event) => noText(event)))).rejects.toThrow('scheme blank failed on event S-1: it returned an invalid draft');
  });
});
