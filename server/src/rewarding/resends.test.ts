import { canonicalJson, repeatConflicts, resendConflicts, type EventContent, type SentEvent } from './resends.js';

const recorded: EventContent = {
  type: 'SALE',
  partnerId: '7',
  couponCode: null,
  customerId: 'C-1',
  amount: '1200000',
  currency: 'RUB',
  occurredAt: new Date('2026-03-01T10:00:00Z'),
  refundOf: null,
  attributes: { channel: 'web', basket: { items: 2 } },
};

function sent(index: number, content: Partial<EventContent>, attributedBy: SentEvent['attributedBy'] = 'partnerId'): SentEvent {
  return { index, externalId: 'A-17', attributedBy, content: { ...recorded, ...content } };
}

describe('canonicalJson', () => {
  it('is the same for the same document whatever the key order', () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: null })).toBe('{"a":null,"b":[1,{"x":1,"y":2}]}');
    expect(canonicalJson({ a: null, b: [1, { x: 1, y: 2 }] })).toBe(canonicalJson({ b: [1, { y: 2, x: 1 }], a: null }));
  });
});

describe('a resend compared with the recorded event', () => {
  const stored = new Map([['A-17', recorded]]);

  it('is no conflict when only the key order of attributes differs, or occurredAt is left out', () => {
    expect(resendConflicts([sent(0, { attributes: { basket: { items: 2 }, channel: 'web' }, occurredAt: null })], stored)).toEqual([]);
  });

  it('names each differing field with both values, the partner under the field that named it', () => {
    expect(resendConflicts([sent(3, { amount: '1300000', partnerId: '8', couponCode: 'SPRING' }, 'couponCode')], stored)).toEqual([
      { path: 'events[3].couponCode', message: 'externalId "A-17" was recorded with partner 7, this call sends 8' },
      { path: 'events[3].couponCode', message: 'externalId "A-17" was recorded with couponCode none, this call sends SPRING' },
      { path: 'events[3].amount', message: 'externalId "A-17" was recorded with amount 1200000, this call sends 1300000' },
    ]);
  });

  it('quotes at most 120 characters of long attributes', () => {
    const [issue] = resendConflicts([sent(0, { attributes: { note: 'x'.repeat(500) } })], stored);
    expect(issue.message).toBe(
      `externalId "A-17" was recorded with attributes {"basket":{"items":2},"channel":"web"}, this call sends {"note":"${'x'.repeat(111)}…`,
    );
  });

  it('ignores items whose externalId was never recorded', () => {
    expect(resendConflicts([{ ...sent(0, { amount: '1' }), externalId: 'NEW' }], stored)).toEqual([]);
  });
});

describe('repeats within one call', () => {
  it('compare each later item with the first one of its externalId', () => {
    expect(repeatConflicts([sent(0, {}), sent(1, {}), sent(2, { currency: 'EUR' })])).toEqual([
      { path: 'events[2].currency', message: 'externalId "A-17" is sent twice in this call with different currency: events[0] sends RUB, events[2] sends EUR' },
    ]);
  });
});
