import { within, type Span } from '../stats-window.js';

/** What a stored event brings to stats (a MemoryEvent has it). */
interface Counted {
  type: string;
  amount: bigint | null;
  currency: string | null;
  firstPurchase: boolean;
  occurredAt: Date;
}

/** Stats while they are summed (PartnerStats, writable). */
interface Tally {
  count: Record<string, number>;
  amount: Record<string, bigint>;
  newCustomers: number;
}

function overlap(a: Span, b: Span): boolean {
  return (b.endsAt === null || a.startsAt < b.endsAt) && (a.endsAt === null || b.startsAt < a.endsAt);
}

/**
 * One partner's stored events summed over a span that moves from event to event (a rolling
 * stats window), without re-summing: the events are kept in date order, and moving the span
 * adds the events it newly covers and takes away those it left. Counts and amounts are
 * integers, so taking away is exact, and the tally always equals a fresh sum over the span
 * (as the PostgreSQL store's query) — whatever order the spans are asked in: dates mostly
 * rise, so each move touches only the few events at the span's two ends.
 */
export class SlidingStats {
  /** The partner's events taken in so far, by date (ties in ingestion order). */
  private readonly byDate: Counted[] = [];
  /** How many of the partner's events, in ingestion order, `byDate` holds. */
  private taken = 0;
  private span: Span = { startsAt: new Date(0), endsAt: new Date(0) };
  private readonly tally: Tally = { count: {}, amount: {}, newCustomers: 0 };

  constructor(private readonly currency: string) {}

  /**
   * The stats of the partner's events before the first of `batchIds` (the batch's own are the
   * last stored) dated within `span`. The tally is the caller's to copy, not to change.
   */
  over(events: readonly (Counted & { id: string })[], batchIds: ReadonlySet<string>, span: Span): Readonly<Tally> {
    while (this.taken < events.length && !batchIds.has(events[this.taken].id)) this.take(events[this.taken++]);
    if (!overlap(this.span, span)) this.restartAt(span.startsAt);
    // End first, then start: with the spans overlapping, every step's tally is a real span's.
    this.moveEnd(this.span.endsAt, span.endsAt, 1);
    this.moveEnd(this.span.startsAt, span.startsAt, -1);
    this.span = span;
    return this.tally;
  }

  /** An empty span at `at`, from which the next move sums the new span afresh. */
  private restartAt(at: Date): void {
    this.tally.count = {};
    this.tally.amount = {};
    this.tally.newCustomers = 0;
    this.span = { startsAt: at, endsAt: at };
  }

  private take(event: Counted): void {
    const at = event.occurredAt.getTime();
    let low = 0;
    let high = this.byDate.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.byDate[middle].occurredAt.getTime() <= at) low = middle + 1;
      else high = middle;
    }
    this.byDate.splice(low, 0, event);
    if (within(this.span, event.occurredAt)) this.add(event, 1);
  }

  /**
   * Moves one end of the span from `from` to `to`: the events between them join (sign 1 for
   * the end moving later, -1 for the start) or leave the tally. A null end is the far future.
   */
  private moveEnd(from: Date | null, to: Date | null, sign: 1 | -1): void {
    const [a, b] = [from?.getTime() ?? Infinity, to?.getTime() ?? Infinity];
    if (a === b) return;
    const direction = a < b ? sign : sign === 1 ? -1 : 1;
    for (let index = this.firstAtOrAfter(Math.min(a, b)); index < this.byDate.length; index++) {
      if (this.byDate[index].occurredAt.getTime() >= Math.max(a, b)) break;
      this.add(this.byDate[index], direction);
    }
  }

  private firstAtOrAfter(at: number): number {
    let low = 0;
    let high = this.byDate.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.byDate[middle].occurredAt.getTime() < at) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Adds (1) or takes away (-1) one event the way the stats query sums: amounts only in the campaign's currency. */
  private add(event: Counted, direction: 1 | -1): void {
    const { count, amount } = this.tally;
    count[event.type] = (count[event.type] ?? 0) + direction;
    // As in a stored sum, a counted type has an amount, 0 when none of its amounts is in the currency.
    amount[event.type] = (amount[event.type] ?? 0n) + (event.amount !== null && event.currency === this.currency ? BigInt(direction) * event.amount : 0n);
    if (event.firstPurchase) this.tally.newCustomers += direction;
    if (count[event.type] === 0) {
      delete count[event.type];
      delete amount[event.type];
    }
  }
}
