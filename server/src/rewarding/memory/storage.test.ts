import type { CampaignSnapshot, SchemeEvent } from '@cofactor/schema';
import type { LedgerEntry } from '../../ledger/entry.js';
import type { SnapshotRow } from '../../partners/partner-snapshot.js';
import type { MemoryCampaign, MemoryEvent, ProgramSeed } from './state.js';
import { MemoryRewardingStorage } from './storage.js';

/** Anna sponsors Boris and Vera; Boris sponsors Gleb, who is SUSPENDED. */
function partner(id: string, name: string, sponsorId: string | null, status = 'ACTIVE', level = 1): SnapshotRow {
  return { id, name, kind: 'AMBASSADOR', regionId: null, segment: null, level, status: status as SnapshotRow['status'], referralCode: name.toUpperCase(), sponsorId };
}

const campaign: MemoryCampaign = {
  id: '7',
  name: 'Sales',
  currency: 'RUB',
  startsAt: new Date('2026-01-01T00:00:00Z'),
  endsAt: null,
  holdDays: 0,
  targeting: { regionIds: [], partnerKinds: [], segments: [], levels: [] },
  status: 'ACTIVE',
  budget: 1_000_000n,
  partnerCap: null,
  capPeriod: 'MONTH',
  instances: [],
};

function event(id: string, partnerId: string, amount: bigint, currency = 'RUB', occurredAt = '2026-11-05T10:00:00Z'): MemoryEvent {
  return { id, externalId: `E-${id}`, type: 'SALE', partnerId, customerId: null, couponId: null, amount, currency, firstPurchase: false, occurredAt: new Date(occurredAt), attributes: {}, refundOfId: null, batchPosition: 0 };
}

function seed(): ProgramSeed {
  return {
    programId: '1',
    timeZone: 'Europe/Moscow',
    partners: [partner('1', 'Anna', null), partner('2', 'Boris', '1'), partner('3', 'Vera', '1', 'ACTIVE', 2), partner('4', 'Gleb', '2', 'SUSPENDED')],
    coupons: [],
    regions: [],
    customers: [],
    campaigns: [campaign],
    events: [event('10', '2', 100_000n), event('11', '2', 5_000n, 'USD')],
    rewards: [],
  };
}

function entry(idempotencyKey: string, amount: bigint, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    partnerId: '2',
    campaignId: '7',
    schemeInstanceId: '1',
    eventId: '10',
    periodKey: null,
    status: 'PENDING',
    kind: 'MONEY',
    amount,
    unit: 'RUB',
    idempotencyKey,
    explanationEn: 'en',
    explanationRu: 'ru',
    details: {},
    holdUntil: new Date('2026-11-05T10:00:00Z'),
    correctsId: null,
    reversal: 'PROPORTIONAL',
    ...extra,
  };
}

describe('MemoryRewardingStorage', () => {
  it('drops everything a failed unit of work wrote, and gives the ids again', async () => {
    const storage = new MemoryRewardingStorage(seed());
    const before = { events: storage.state.events.length, rewards: storage.state.rewards.length };
    await expect(
      storage.transaction(async (store) => {
        await store.events.ensureCustomers('1', ['c-1']);
        await store.events.insertEvents('1', [{ ...event('0', '2', 1n), externalId: 'NEW', firstPurchase: false, customerId: null }]);
        await store.ledger.append('1', [entry('k-1', 500n)], new Date('2026-11-05T10:00:00Z'));
        throw new Error('the unit fails');
      }),
    ).rejects.toThrow('the unit fails');
    expect({ events: storage.state.events.length, rewards: storage.state.rewards.length }).toEqual(before);
    expect(storage.state.granted.total('7')).toBe(0n);
    expect(storage.state.customersByExternalId.has('c-1')).toBe(false);
    // The next unit gets the ids the failed one took: 12 follows the stored events 10 and 11.
    const ids = await storage.transaction((store) => store.events.insertEvents('1', [{ ...event('0', '2', 1n), externalId: 'NEW', customerId: null }]));
    expect(ids.get('NEW')).toBe('12');
  });

  it('appends the first entry of each new key, in key order, and counts granted money by local month', async () => {
    const storage = new MemoryRewardingStorage(seed());
    // 21:30 UTC on 31 October is 00:30 on 1 November in Moscow: November's money.
    const createdAt = new Date('2026-10-31T21:30:00Z');
    const appended = await storage.transaction((store) => store.ledger.append('1', [entry('b', 300n), entry('a', 200n), entry('b', 999n)], createdAt));
    expect(appended.map((row) => [row.idempotencyKey, row.amount])).toEqual([
      ['a', '200'],
      ['b', '300'],
    ]);
    const again = await storage.transaction((store) => store.ledger.append('1', [entry('a', 1n), entry('c', 50n, { status: 'CAPPED' })], createdAt));
    expect(again.map((row) => row.idempotencyKey)).toEqual(['c']);
    await storage.transaction(async (store) => {
      // CAPPED money is not granted: 200 + 300 = 500.
      expect(await store.ledger.grantedByCampaign(['7'])).toEqual(new Map([['7', 500n]]));
      expect(await store.ledger.grantedByPartner('7', ['2'], { fromMonth: '2026-11-01', toMonth: '2026-12-01', label: '' })).toEqual(new Map([['2', 500n]]));
      expect(await store.ledger.grantedByPartner('7', ['2'], { fromMonth: '2026-10-01', toMonth: '2026-11-01', label: '' })).toEqual(new Map());
    });
  });

  it('gives stats up to and including the evaluated event of a batch, uplines and ACTIVE downlines', async () => {
    const storage = new MemoryRewardingStorage(seed());
    const boris = { ...seed().partners[1], segment: null } as SchemeEvent['partner'];
    const batch: SchemeEvent[] = ['B-1', 'B-2'].map((externalId, index) => ({
      id: '',
      externalId,
      type: 'SALE',
      partner: boris,
      customerId: null,
      firstPurchase: index === 1,
      couponCode: null,
      amount: 1_000n,
      currency: 'RUB',
      occurredAt: new Date('2026-11-06T10:00:00Z'),
      attributes: {},
    }));
    await storage.transaction(async (store) => {
      // The pipeline stores a batch's events before it evaluates them; they take the next ids, 12 and 13.
      for (const one of batch) {
        const stored = await store.events.insertEvents('1', [{ ...event('0', '2', 1_000n), externalId: one.externalId, firstPurchase: one.firstPurchase, customerId: null }]);
        one.id = stored.get(one.externalId)!;
      }
      const lookups = store.schemes.lookups('1', batch, new Date('2026-11-06T12:00:00Z'), 'Europe/Moscow');
      const snapshot: CampaignSnapshot = { id: '7', name: 'Sales', currency: 'RUB', startsAt: campaign.startsAt, endsAt: null };
      // Stored before the batch: RUB 100 000 and a USD sale (counted, its amount not in RUB). Then the batch's own, one at a time.
      expect(await lookups.forEvent(snapshot, 0).stats('2')).toEqual({ count: { SALE: 3 }, amount: { SALE: 101_000n }, newCustomers: 0 });
      expect(await lookups.forEvent(snapshot, 1).stats('2')).toEqual({ count: { SALE: 4 }, amount: { SALE: 102_000n }, newCustomers: 1 });
      expect((await lookups.upline('4', 5, new Date('2026-11-06T12:00:00Z'))).map((member) => [member.depth, member.partner.name])).toEqual([
        [1, 'Boris'],
        [2, 'Anna'],
      ]);
      // Gleb is SUSPENDED: not in Anna's downline counts.
      expect(await lookups.downline('1', 3, new Date('2026-11-06T12:00:00Z'))).toEqual({ total: 2, byDepth: [2], byLevel: { 1: 1, 2: 1 } });
      expect(await lookups.canEarn('4')).toBe(false);
    });
  });
});
