import type { LedgerEntry } from './entry.js';
import { MAX_ENTRY_AMOUNT, checkEntryAmounts, firstPerKey } from './ledger.service.js';

function entry(idempotencyKey: string, amount: bigint, eventId = '1'): LedgerEntry {
  return {
    partnerId: '1',
    campaignId: '1',
    schemeInstanceId: '1',
    eventId,
    periodKey: null,
    status: 'PENDING',
    kind: 'MONEY',
    amount,
    unit: 'RUB',
    idempotencyKey,
    explanationEn: 'en',
    explanationRu: 'ru',
    details: {},
    holdUntil: new Date('2026-01-01T00:00:00Z'),
    correctsId: null,
    reversal: 'PROPORTIONAL',
  };
}

describe('firstPerKey', () => {
  it('keeps the first proposal of each key, in the order given', () => {
    const kept = firstPerKey([entry('b', 1n, 'e1'), entry('a', 2n, 'e1'), entry('b', 3n, 'e2'), entry('a', 4n, 'e3')]);
    expect(kept.map((e) => [e.idempotencyKey, e.amount, e.eventId])).toEqual([
      ['b', 1n, 'e1'],
      ['a', 2n, 'e1'],
    ]);
  });
});

describe('checkEntryAmounts', () => {
  it('lets an entry of exactly the bigint bound through, either way', () => {
    expect(() => checkEntryAmounts([entry('a', MAX_ENTRY_AMOUNT), entry('b', -MAX_ENTRY_AMOUNT)])).not.toThrow();
  });

  it('refuses one past it with a CONFLICT naming the entry', () => {
    // 2^63 − 1 = 9 223 372 036 854 775 807; one more does not fit PostgreSQL's bigint.
    expect(MAX_ENTRY_AMOUNT).toBe(9_223_372_036_854_775_807n);
    try {
      checkEntryAmounts([entry('a', 1n), entry('big', MAX_ENTRY_AMOUNT + 1n)]);
      throw new Error('not refused');
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('CONFLICT');
      expect((error as Error).message).toBe(
        'reward big would be 9223372036854775808 RUB, more than one ledger entry holds (±9223372036854775807); nothing was recorded',
      );
    }
  });
});
