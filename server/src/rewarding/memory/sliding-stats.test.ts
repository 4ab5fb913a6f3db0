import { within, type Span } from '../stats-window.js';
import { SlidingStats } from './sliding-stats.js';

const DAY = 86_400_000;
const start = Date.parse('2026-01-01T00:00:00Z');

interface Stored {
  id: string;
  type: string;
  amount: bigint | null;
  currency: string | null;
  firstPurchase: boolean;
  occurredAt: Date;
}

/** A fresh sum over the span, as the PostgreSQL store's query makes it. */
function sumOver(events: Stored[], span: Span) {
  const count: Record<string, number> = {};
  const amount: Record<string, bigint> = {};
  let newCustomers = 0;
  for (const event of events) {
    if (!within(span, event.occurredAt)) continue;
    count[event.type] = (count[event.type] ?? 0) + 1;
    amount[event.type] = (amount[event.type] ?? 0n) + (event.amount !== null && event.currency === 'RUB' ? event.amount : 0n);
    if (event.firstPurchase) newCustomers += 1;
  }
  return { count, amount, newCustomers };
}

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('SlidingStats', () => {
  it('slides a 30-day window past an old sale: the sale leaves, a refund and a later sale stay', () => {
    const at = (iso: string) => new Date(iso);
    const events: Stored[] = [
      { id: '1', type: 'SALE', amount: 100_000n, currency: 'RUB', firstPurchase: true, occurredAt: at('2026-03-01T10:00:00Z') },
      { id: '2', type: 'REFUND', amount: 20_000n, currency: 'RUB', firstPurchase: false, occurredAt: at('2026-03-20T10:00:00Z') },
      { id: '3', type: 'SALE', amount: 5_000n, currency: 'USD', firstPurchase: false, occurredAt: at('2026-03-25T10:00:00Z') },
    ];
    const sliding = new SlidingStats('RUB');
    const window = (iso: string): Span => ({ startsAt: new Date(Date.parse(iso) - 30 * DAY + 1), endsAt: new Date(Date.parse(iso) + 1) });
    // 30 March: all three (the USD sale counted, its amount not).
    expect(sliding.over(events, new Set(), window('2026-03-30T10:00:00Z'))).toEqual({ count: { SALE: 2, REFUND: 1 }, amount: { SALE: 100_000n, REFUND: 20_000n }, newCustomers: 1 });
    // 31 March 10:00 is exactly 30 × 24 h after the first sale: it has left.
    expect(sliding.over(events, new Set(), window('2026-03-31T10:00:00Z'))).toEqual({ count: { SALE: 1, REFUND: 1 }, amount: { SALE: 0n, REFUND: 20_000n }, newCustomers: 0 });
    // 30 April: nothing left.
    expect(sliding.over(events, new Set(), window('2026-04-30T10:00:00Z'))).toEqual({ count: {}, amount: {}, newCustomers: 0 });
  });

  it('stops at the batch: its events are the last stored and are not stored stats', () => {
    const event = (id: string, day: number): Stored => ({ id, type: 'SALE', amount: 100n, currency: 'RUB', firstPurchase: false, occurredAt: new Date(start + day * DAY) });
    const events = [event('1', 1), event('2', 2), event('3', 3)];
    const span = { startsAt: new Date(start), endsAt: new Date(start + 10 * DAY) };
    const sliding = new SlidingStats('RUB');
    expect(sliding.over(events, new Set(['3']), span).count).toEqual({ SALE: 2 });
    // The next batch: event 3 is stored now.
    expect(sliding.over(events, new Set(), span).count).toEqual({ SALE: 3 });
  });

  it('equals a fresh sum over every span asked, whatever the order of dates, events and spans', () => {
    const next = random(20261204);
    for (let round = 0; round < 20; round++) {
      const events: Stored[] = [];
      const sliding = new SlidingStats('RUB');
      let batchStart = 0;
      for (let step = 0; step < 200; step++) {
        // Events arrive mostly in date order, some late, some at the same instant as another.
        if (next() < 0.6) {
          const day = next() < 0.8 ? step / 2 : next() * step;
          const occurredAt = next() < 0.1 && events.length ? events[events.length - 1].occurredAt : new Date(start + Math.floor(day * DAY));
          const type = next() < 0.8 ? 'SALE' : next() < 0.5 ? 'REFUND' : 'LEAD';
          events.push({ id: String(step), type, amount: type === 'LEAD' ? null : BigInt(Math.floor(next() * 10_000)), currency: next() < 0.9 ? 'RUB' : 'USD', firstPurchase: next() < 0.2, occurredAt });
        }
        // The batch: the last few events, none stored by an earlier batch, left out of the stored stats.
        batchStart = Math.max(batchStart, events.length - Math.floor(next() * 3));
        const batch = new Set(events.slice(batchStart).map((event) => event.id));
        const before = events.filter((event) => !batch.has(event.id));
        const at = start + Math.floor((next() < 0.8 ? step / 2 : next() * 120) * DAY);
        const days = 1 + Math.floor(next() * 40);
        const span = { startsAt: new Date(Math.max(at - days * DAY + 1, start)), endsAt: new Date(at + 1) };
        expect(sliding.over(events, batch, span)).toEqual(sumOver(before, span));
      }
    }
  });
});
