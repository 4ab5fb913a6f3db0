import type {
  CampaignSnapshot,
  DownlineSummary,
  Participant,
  ParticipantOptions,
  PartnerSnapshot,
  PartnerStats,
  Period,
  SchemeContext,
  SchemeEvent,
  StatsWindow,
  UplineMember,
} from '@cofactor/schema';
import { closesAt } from '../campaigns.js';
import { periodSpan, rollingDaysOf, windowOf, within, type Span } from '../stats-window.js';
import type { SchemeLookups } from '../store.js';
import { SlidingStats } from './sliding-stats.js';
import type { MemoryEvent, ProgramState, StatsTally } from './state.js';

type Tally = StatsTally;

/** Adds one event to stats the way the stats query sums: amounts only in the campaign's currency. */
function count(stats: Tally, event: Pick<MemoryEvent, 'type' | 'amount' | 'currency' | 'firstPurchase'>, currency: string, base: boolean): void {
  stats.count[event.type] = (stats.count[event.type] ?? 0) + 1;
  // The stored sum is per type, 0 when none of the type's amounts is in the currency; the batch's own events add only matching amounts.
  if (base && stats.amount[event.type] === undefined) stats.amount[event.type] = 0n;
  if (event.amount !== null && event.currency === currency) stats.amount[event.type] = (stats.amount[event.type] ?? 0n) + event.amount;
  if (event.firstPurchase) stats.newCustomers += 1;
}

const EARNS = Promise.resolve(true);
const DOES_NOT_EARN = Promise.resolve(false);

function copy(stats: Tally): Tally {
  return { count: { ...stats.count }, amount: { ...stats.amount }, newCustomers: stats.newCustomers };
}

/**
 * What schemes may look up while one batch (or one period) is evaluated, answered from a
 * ProgramState with the same meaning as BatchContext: stats are the stored events in the span
 * from before the batch plus the batch's own events up to and including the one evaluated;
 * partners, uplines and downlines are as they were at the event's date or the period's last
 * instant, read from the partners' history as it stood at the clock (a partner who joined
 * later is not there yet, as PostgreSQL had no row of it then); only partners ACTIVE at the
 * clock earn.
 */
export class MemoryLookups implements SchemeLookups {
  private readonly batchIds: Set<string>;
  private readonly batchByPartner = new Map<string, { index: number; event: SchemeEvent }[]>();
  /** Stored stats from before the batch, by `<span>|<currency>|<partner>`: they do not change while it is evaluated. */
  private readonly baseStats = new Map<string, Tally>();

  constructor(
    private readonly state: ProgramState,
    private readonly batch: SchemeEvent[],
    private readonly clock: Date,
    private readonly timeZone: string,
  ) {
    this.batchIds = new Set(batch.map((event) => event.id));
    batch.forEach((event, index) => {
      const list = this.batchByPartner.get(event.partner.id) ?? [];
      list.push({ index, event });
      this.batchByPartner.set(event.partner.id, list);
    });
  }

  async partner(id: string, at: Date): Promise<PartnerSnapshot | null> {
    return this.state.partnerAt(id, at, this.clock);
  }

  /** The sponsors as they were at `at`, nearest first: each one's sponsor at that time. */
  async upline(partnerId: string, levels: number, at: Date): Promise<UplineMember[]> {
    const members: UplineMember[] = [];
    let current = this.state.partnerAt(partnerId, at, this.clock);
    for (let depth = 1; depth <= levels && current?.sponsorId; depth++) {
      current = this.state.partnerAt(current.sponsorId, at, this.clock);
      if (!current) break;
      members.push({ depth, partner: current });
    }
    return members;
  }

  /**
   * The partners below as the sponsor links were at `at` (of those who ever named a partner as
   * sponsor, those whose sponsor it was then), those ACTIVE then counted per depth and per level then.
   */
  async downline(partnerId: string, depth: number, at: Date): Promise<DownlineSummary> {
    const byDepth: number[] = [];
    const byLevel: Record<number, number> = {};
    let generation = [partnerId];
    for (let level = 1; level <= depth && generation.length; level++) {
      const below = generation.flatMap((id) =>
        [...(this.state.recruits.get(id) ?? [])].flatMap((recruitId) => {
          const recruit = this.state.partnerAt(recruitId, at, this.clock);
          return recruit?.sponsorId === id ? [recruit] : [];
        }),
      );
      const active = below.filter((partner) => partner.status === 'ACTIVE');
      byDepth.push(active.length);
      for (const partner of active) byLevel[partner.level] = (byLevel[partner.level] ?? 0) + 1;
      generation = below.map((partner) => partner.id);
    }
    while (byDepth.length && byDepth[byDepth.length - 1] === 0) byDepth.pop();
    return { total: byDepth.reduce((sum, n) => sum + n, 0), byDepth, byLevel };
  }

  /**
   * Only partners ACTIVE when the reward is recorded (at the clock) earn, whatever their events'
   * dates. Answered with one of two settled promises: it is asked for every partner a batch pays.
   */
  canEarn(partnerId: string): Promise<boolean> {
    return this.state.partnerAt(partnerId, this.clock, this.clock)?.status === 'ACTIVE' ? EARNS : DOES_NOT_EARN;
  }

  forEvent(campaign: CampaignSnapshot, index: number): SchemeContext {
    const at = this.batch[index].occurredAt;
    return {
      campaign,
      partner: (id) => this.partner(id, at),
      upline: (partnerId, levels) => this.upline(partnerId, levels, at),
      downline: (partnerId, depth) => this.downline(partnerId, depth, at),
      stats: async (partnerId, window = 'CAMPAIGN') => this.stats(campaign, partnerId, index, windowOf(campaign, window, at, this.timeZone), window),
      now: () => new Date(this.clock),
    };
  }

  atClock(campaign: CampaignSnapshot): SchemeContext {
    const at = this.clock;
    return {
      campaign,
      partner: (id) => this.partner(id, at),
      upline: (partnerId, levels) => this.upline(partnerId, levels, at),
      downline: (partnerId, depth) => this.downline(partnerId, depth, at),
      stats: async (partnerId, window = 'CAMPAIGN') => this.stats(campaign, partnerId, -1, windowOf(campaign, window, at, this.timeZone), window),
      now: () => new Date(at),
    };
  }

  async periodStats(campaign: CampaignSnapshot, partnerId: string, period: Period, periods?: number): Promise<PartnerStats> {
    return copy(this.base(campaign.currency, partnerId, periodSpan(campaign, period, periods, this.timeZone)));
  }

  async participants(campaign: CampaignSnapshot, period: Period, targets: (partner: PartnerSnapshot) => boolean, options: ParticipantOptions = {}): Promise<Participant[]> {
    const span = periodSpan(campaign, period, options.periods, this.timeZone);
    const stats = new Map<string, Tally>();
    for (const event of this.state.events) {
      if (!within(span, event.occurredAt)) continue;
      const entry = stats.get(event.partnerId) ?? { count: {}, amount: {}, newCustomers: 0 };
      count(entry, event, campaign.currency, true);
      stats.set(event.partnerId, entry);
    }
    if (options.everyone) {
      for (const id of this.state.partners.keys()) if (!stats.has(id)) stats.set(id, { count: {}, amount: {}, newCustomers: 0 });
    }
    const ids = [...stats.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // The close reads the program as it was at the period's last instant.
    const at = closesAt(campaign, period);
    return ids.flatMap((id) => {
      const partner = this.state.partnerAt(id, at, this.clock);
      if (!partner || partner.status !== 'ACTIVE' || !targets(partner)) return [];
      return [{ partner, stats: stats.get(id)! }];
    });
  }

  /** Stored stats in the window's span from before the batch, plus the batch's own events up to `index` (none for -1). */
  private stats(campaign: CampaignSnapshot, partnerId: string, index: number, span: Span, window: StatsWindow): PartnerStats {
    const days = rollingDaysOf(window);
    const stats = copy(days === null ? this.base(campaign.currency, partnerId, span) : this.rolling(campaign, days, partnerId, span));
    for (const { index: position, event } of this.batchByPartner.get(partnerId) ?? []) {
      if (position > index) break;
      if (within(span, event.occurredAt)) count(stats, event, campaign.currency, false);
    }
    return stats;
  }

  /**
   * The partner's stored events from before the batch in a rolling window's span: that span
   * moves with every event, so one sliding sum per window, campaign and partner, carried from
   * batch to batch, answers them all (SlidingStats).
   */
  private rolling(campaign: CampaignSnapshot, days: number, partnerId: string, span: Span): Tally {
    const key = `${days}|${campaign.id}|${partnerId}`;
    let sliding = this.state.slidingStats.get(key);
    if (!sliding) this.state.slidingStats.set(key, (sliding = new SlidingStats(campaign.currency)));
    return sliding.over(this.state.eventsByPartner.get(partnerId) ?? [], this.batchIds, span);
  }

  /**
   * The partner's stored events in the span from before the batch: the batch's own are the
   * last of its events (stored just before evaluation), so the sum runs up to the first of
   * them, carrying on from where the previous batch's stopped.
   */
  private base(currency: string, partnerId: string, span: Span): Tally {
    const key = `${span.startsAt.getTime()}~${span.endsAt?.getTime() ?? 'open'}|${currency}|${partnerId}`;
    let stats = this.baseStats.get(key);
    if (stats) return stats;
    const stored = this.state.storedStats.get(key) ?? { tally: { count: {}, amount: {}, newCustomers: 0 }, upTo: 0 };
    const events = this.state.eventsByPartner.get(partnerId) ?? [];
    while (stored.upTo < events.length && !this.batchIds.has(events[stored.upTo].id)) {
      const event = events[stored.upTo++];
      if (within(span, event.occurredAt)) count(stored.tally, event, currency, true);
    }
    this.state.storedStats.set(key, stored);
    stats = copy(stored.tally);
    this.baseStats.set(key, stats);
    return stats;
  }
}
