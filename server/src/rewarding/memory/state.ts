import type { CapPeriod } from '../../campaigns/campaign.entity.js';
import type { RewardRow } from '../../ledger/ledger.service.js';
import type { PartnerSnapshot } from '@cofactor/schema';
import { snapshotAt, type LevelRow, type SnapshotRow, type StateRow } from '../../partners/partner-snapshot.js';
import { periodOf } from '../../periods/period.js';
import type { PeriodCloseRow } from '../../periods/period-close.entity.js';
import type { CampaignRow, NewEvent, SchemeInstanceRow } from '../store.js';
import type { SlidingStats } from './sliding-stats.js';

/** An event row as the `event` table holds it: a new event with its id. */
export type MemoryEvent = NewEvent & { id: string };

export interface MemoryCustomer {
  id: string;
  externalId: string;
  firstPurchaseAt: Date | null;
  firstPartnerId: string | null;
}

/** A campaign with what the `campaign` row holds beyond a CampaignRow: status and limits. */
export interface MemoryCampaign extends CampaignRow {
  status: string;
  budget: bigint | null;
  partnerCap: bigint | null;
  capPeriod: CapPeriod;
  /** Its active scheme instances, in the order they run. */
  instances: SchemeInstanceRow[];
}

/** A partner's stats while they are summed (PartnerStats, writable). */
export interface StatsTally {
  count: Record<string, number>;
  amount: Record<string, bigint>;
  newCustomers: number;
}

/** What a MemoryStore starts from: one program's rows, as a read of PostgreSQL (or a test) gives them. */
export interface ProgramSeed {
  programId: string;
  timeZone: string;
  partners: SnapshotRow[];
  coupons: { id: string; code: string; partnerId: string }[];
  regions: { id: string; parentId: string | null }[];
  customers: MemoryCustomer[];
  campaigns: MemoryCampaign[];
  /** Stored events, in id order. */
  events: MemoryEvent[];
  /** Ledger entries, in id order. */
  rewards: RewardRow[];
  /**
   * Money granted per `<campaign>|<partner>|<YYYY-MM-01>` when the seed does not hold the
   * entries that granted it (the granted_money table); otherwise it is summed from `rewards`.
   */
  granted?: Map<string, bigint>;
  /** Ids new rows take from here on (the sequences' next values, or higher). */
  nextIds?: { event?: bigint; reward?: bigint; customer?: bigint };
  /**
   * The partners' history (partner_history and partner_level_history rows, `validFrom` in
   * microseconds), each partner's in (valid_from, id) order: at least every row valid at a time
   * the store will be asked about, and each partner's earliest. Without it, or for a partner
   * without rows, a partner is as its row is at every date.
   */
  history?: { states: (StateRow & { partnerId: string })[]; levels: (LevelRow & { partnerId: string })[] };
}

/**
 * Undoes a unit of work's writes when it fails, newest first, so a MemoryStore keeps or
 * drops a unit's writes together, as a PostgreSQL transaction does.
 */
export class Journal {
  private undos: (() => void)[] = [];

  record(undo: () => void): void {
    this.undos.push(undo);
  }

  rollback(): void {
    for (let index = this.undos.length - 1; index >= 0; index--) this.undos[index]();
    this.undos = [];
  }

  commit(): void {
    this.undos = [];
  }
}

/**
 * A partner's row of today and its history rows (partner_history, partner_level_history), each
 * in (validFrom, written) order.
 */
interface PartnerRecord {
  row: SnapshotRow;
  states: StateRow[];
  levels: LevelRow[];
  /**
   * With at most one row of each history the partner is the same at every date, seen from any
   * clock after its rows were written (`after`, microseconds): that snapshot, asked for again and
   * again while batches are evaluated. Cleared when a level row is added or taken back.
   */
  settled: { after: number; snapshot: PartnerSnapshot } | null;
}

/** The history rows written before `limit` (microseconds): all of them, unless some were written later. */
function writtenBy<R extends { validFrom: number }>(rows: readonly R[], limit: number): readonly R[] {
  return rows.length === 0 || rows[rows.length - 1].validFrom < limit ? rows : rows.filter((one) => one.validFrom < limit);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function popFrom<K, V>(map: Map<K, V[]>, key: K): void {
  const list = map.get(key)!;
  list.pop();
  if (list.length === 0) map.delete(key);
}

/**
 * The granted_money table: money granted per campaign, partner and local month ('YYYY-MM-01'),
 * with each campaign's total kept beside it so a budget check reads one number.
 */
export class GrantedMoney {
  private readonly byPartner = new Map<string, Map<string, bigint>>();
  private readonly totals = new Map<string, bigint>();

  constructor(private readonly journal: () => Journal) {}

  add(campaignId: string, partnerId: string, month: string, amount: bigint): void {
    const key = `${campaignId}|${partnerId}`;
    const months = this.byPartner.get(key) ?? new Map<string, bigint>();
    this.byPartner.set(key, months);
    const before = months.get(month);
    const total = this.totals.get(campaignId);
    months.set(month, (before ?? 0n) + amount);
    this.totals.set(campaignId, (total ?? 0n) + amount);
    this.journal().record(() => {
      if (before === undefined) months.delete(month);
      else months.set(month, before);
      if (total === undefined) this.totals.delete(campaignId);
      else this.totals.set(campaignId, total);
    });
  }

  total(campaignId: string): bigint {
    return this.totals.get(campaignId) ?? 0n;
  }

  /** The partner's money from the campaign in months [fromMonth, toMonth), or in all months when fromMonth is null; null when none is recorded. */
  forPartner(campaignId: string, partnerId: string, fromMonth: string | null, toMonth: string | null): bigint | null {
    const months = this.byPartner.get(`${campaignId}|${partnerId}`);
    if (!months) return null;
    let sum: bigint | null = null;
    for (const [month, amount] of months) {
      if (fromMonth !== null && (month < fromMonth || month >= toMonth!)) continue;
      sum = (sum ?? 0n) + amount;
    }
    return sum;
  }
}

/**
 * One program's rows kept in memory, with the indexes the store's look-ups need. Every
 * write goes through a method here that records its undo in the journal.
 */
export class ProgramState {
  readonly programId: string;
  readonly timeZone: string;
  readonly partners = new Map<string, SnapshotRow>();
  readonly partnersByCode = new Map<string, SnapshotRow>();
  /** Each partner's row with its history, found with one look-up (the engine resolves several partners per event). */
  private readonly records = new Map<string, PartnerRecord>();
  /** The partners whose sponsor each partner is or was, by sponsor id: where a downline as it was is found. */
  readonly recruits = new Map<string, Set<string>>();
  readonly coupons = new Map<string, { id: string; code: string; partnerId: string }>();
  readonly regions: { id: string; parentId: string | null }[];
  readonly campaigns = new Map<string, MemoryCampaign>();
  readonly customersByExternalId = new Map<string, MemoryCustomer>();
  readonly customersById = new Map<string, MemoryCustomer>();
  readonly events: MemoryEvent[] = [];
  readonly eventsById = new Map<string, MemoryEvent>();
  readonly eventsByExternalId = new Map<string, MemoryEvent>();
  readonly eventsByPartner = new Map<string, MemoryEvent[]>();
  readonly refundsBySale = new Map<string, MemoryEvent[]>();
  readonly rewards: RewardRow[] = [];
  readonly rewardsByKey = new Map<string, RewardRow>();
  readonly rewardsByEvent = new Map<string, RewardRow[]>();
  readonly rewardsByCorrected = new Map<string, RewardRow[]>();
  readonly granted = new GrantedMoney(() => this.journal);
  readonly closes: PeriodCloseRow[] = [];
  /**
   * Stats of stored events by `<span>|<currency>|<partner>`, summed over the partner's first
   * `upTo` events: events are only appended, so the next batch adds the ones after. Dropped
   * when a unit of work rolls back.
   */
  readonly storedStats = new Map<string, { tally: StatsTally; upTo: number }>();
  /** Rolling-window stats of stored events by `<days>|<campaign>|<partner>`, whose spans move with each event; dropped as storedStats is. */
  readonly slidingStats = new Map<string, SlidingStats>();
  /** Event ids that inserts must give to these external ids (a replay keeps the stored ids). */
  readonly reservedEventIds = new Map<string, string>();
  journal = new Journal();
  private nextEventId: bigint;
  private nextRewardId: bigint;
  private nextCustomerId: bigint;
  private nextCloseId = 1n;

  constructor(seed: ProgramSeed) {
    this.programId = seed.programId;
    this.timeZone = seed.timeZone;
    this.regions = seed.regions;
    for (const seeded of seed.partners) {
      const partner = { ...seeded };
      this.partners.set(partner.id, partner);
      this.records.set(partner.id, { row: partner, states: [], levels: [], settled: null });
    }
    for (const row of seed.history?.states ?? []) this.records.get(row.partnerId)?.states.push(row);
    for (const row of seed.history?.levels ?? []) this.records.get(row.partnerId)?.levels.push(row);
    for (const { row: partner, states } of this.records.values()) {
      this.partnersByCode.set(partner.referralCode, partner);
      const sponsors = states.length ? states.map((row) => row.sponsorId) : [partner.sponsorId];
      for (const sponsorId of sponsors) if (sponsorId) this.recruits.set(sponsorId, (this.recruits.get(sponsorId) ?? new Set()).add(partner.id));
    }
    for (const coupon of seed.coupons) this.coupons.set(coupon.code, coupon);
    for (const campaign of seed.campaigns) this.campaigns.set(campaign.id, campaign);
    for (const customer of seed.customers) this.addCustomer({ ...customer });
    for (const event of seed.events) this.addEvent(event);
    for (const reward of seed.rewards) this.addReward(reward, !seed.granted);
    for (const [key, amount] of seed.granted ?? []) {
      const [campaignId, partnerId, month] = key.split('|');
      this.granted.add(campaignId, partnerId, month, amount);
    }
    const after = (ids: string[], floor = 1n) => ids.reduce((max, id) => (BigInt(id) >= max ? BigInt(id) + 1n : max), floor);
    this.nextEventId = after(seed.events.map((event) => event.id), seed.nextIds?.event);
    this.nextRewardId = after(seed.rewards.map((reward) => reward.id), seed.nextIds?.reward);
    this.nextCustomerId = after(seed.customers.map((customer) => customer.id), seed.nextIds?.customer);
    this.journal.commit();
  }

  /** Drops a failed unit of work's writes. */
  rollback(): void {
    this.journal.rollback();
    this.storedStats.clear();
    this.slidingStats.clear();
  }

  newEventId(externalId: string): string {
    const reserved = this.reservedEventIds.get(externalId);
    if (reserved) return reserved;
    const id = this.nextEventId++;
    this.journal.record(() => (this.nextEventId = id));
    return id.toString();
  }

  newRewardId(): string {
    const id = this.nextRewardId++;
    this.journal.record(() => (this.nextRewardId = id));
    return id.toString();
  }

  addCustomer(customer: MemoryCustomer): void {
    this.customersByExternalId.set(customer.externalId, customer);
    this.customersById.set(customer.id, customer);
    this.journal.record(() => {
      this.customersByExternalId.delete(customer.externalId);
      this.customersById.delete(customer.id);
    });
  }

  newCustomer(externalId: string): MemoryCustomer {
    const id = this.nextCustomerId++;
    this.journal.record(() => (this.nextCustomerId = id));
    const customer = { id: id.toString(), externalId, firstPurchaseAt: null, firstPartnerId: null };
    this.addCustomer(customer);
    return customer;
  }

  claimFirstPurchase(customer: MemoryCustomer, at: Date, partnerId: string): void {
    customer.firstPurchaseAt = at;
    customer.firstPartnerId = partnerId;
    this.journal.record(() => {
      customer.firstPurchaseAt = null;
      customer.firstPartnerId = null;
    });
  }

  addEvent(event: MemoryEvent): void {
    this.events.push(event);
    this.eventsById.set(event.id, event);
    this.eventsByExternalId.set(event.externalId, event);
    push(this.eventsByPartner, event.partnerId, event);
    if (event.refundOfId) push(this.refundsBySale, event.refundOfId, event);
    this.journal.record(() => {
      this.events.pop();
      this.eventsById.delete(event.id);
      this.eventsByExternalId.delete(event.externalId);
      popFrom(this.eventsByPartner, event.partnerId);
      if (event.refundOfId) popFrom(this.refundsBySale, event.refundOfId);
    });
  }

  /** Appends an entry; `countGranted` keeps the granted sums as the ledger's triggers do. */
  addReward(reward: RewardRow, countGranted = true): void {
    this.rewards.push(reward);
    this.rewardsByKey.set(reward.idempotencyKey, reward);
    if (reward.eventId) push(this.rewardsByEvent, reward.eventId, reward);
    if (reward.correctsId) push(this.rewardsByCorrected, reward.correctsId, reward);
    this.journal.record(() => {
      this.rewards.pop();
      this.rewardsByKey.delete(reward.idempotencyKey);
      if (reward.eventId) popFrom(this.rewardsByEvent, reward.eventId);
      if (reward.correctsId) popFrom(this.rewardsByCorrected, reward.correctsId);
    });
    if (countGranted) this.countGranted(reward);
  }

  /** The granted_money trigger: MONEY in the campaign's currency, PENDING, APPROVED or PAID, by local month of recording. */
  private countGranted(reward: RewardRow): void {
    const campaign = this.campaigns.get(reward.campaignId);
    if (!campaign || (campaign.budget === null && campaign.partnerCap === null)) return;
    if (reward.kind !== 'MONEY' || reward.unit !== campaign.currency || !['PENDING', 'APPROVED', 'PAID'].includes(reward.status)) return;
    this.granted.add(reward.campaignId, reward.partnerId, `${periodOf(reward.createdAt, 'MONTH', this.timeZone).key}-01`, BigInt(reward.amount));
  }

  /**
   * The partner as it was at `at`, as snapshotAt reads it from PostgreSQL; null for no such
   * partner. Seen from `seenAt` (a unit of work's clock), history written later did not exist
   * yet: a partner whose first row is later is no one, as PostgreSQL answered then. Rows up to
   * the end of the clock's millisecond count, as the unit's own transaction began within it.
   */
  partnerAt(id: string, at: Date, seenAt?: Date): PartnerSnapshot | null {
    const record = this.records.get(id);
    if (!record) return null;
    const limit = seenAt ? (seenAt.getTime() + 1) * 1000 : Infinity;
    if (record.states.length <= 1 && record.levels.length <= 1) {
      const settled = record.settled ?? (record.settled = this.settle(record));
      if (limit > settled.after) return settled.snapshot;
    }
    return this.resolve(record, at, limit);
  }

  /** A partner with at most one row of each history, as it is at every date once those rows are written. */
  private settle(record: PartnerRecord): { after: number; snapshot: PartnerSnapshot } {
    const after = Math.max(record.states[0]?.validFrom ?? -Infinity, record.levels[0]?.validFrom ?? -Infinity);
    return { after, snapshot: snapshotAt(record.row, record.states, record.levels, after) };
  }

  private resolve(record: PartnerRecord, at: Date, limit: number): PartnerSnapshot | null {
    if (record.states.length && record.states[0].validFrom >= limit) return null;
    return snapshotAt(record.row, writtenBy(record.states, limit), writtenBy(record.levels, limit), at.getTime() * 1000);
  }

  /**
   * A level change, as recordLevels writes it: valid from `validFrom` (or `now`), never from
   * after `now` nor from before the partner joined (its earliest history row); the partner's
   * level is then the one valid from the latest date (of one date, the last written).
   */
  changeLevel(partnerId: string, level: number, validFrom: Date | null, now: Date): void {
    const record = this.records.get(partnerId);
    if (!record) return;
    const partner = record.row;
    const joined = record.states[0]?.validFrom ?? -Infinity;
    const row: LevelRow = { validFrom: Math.max(Math.min((validFrom ?? now).getTime(), now.getTime()) * 1000, joined), level };
    const rows = record.levels;
    // Kept in (validFrom, written) order: after every row of its date or before.
    const at = rows.findLastIndex((other) => other.validFrom <= row.validFrom) + 1;
    rows.splice(at, 0, row);
    const before = partner.level;
    partner.level = rows.at(-1)!.level;
    record.settled = null;
    this.journal.record(() => {
      rows.splice(at, 1);
      partner.level = before;
      record.settled = null;
    });
  }

  addClose(close: Omit<PeriodCloseRow, 'id'>): PeriodCloseRow {
    const row = { id: (this.nextCloseId++).toString(), ...close };
    this.closes.push(row);
    this.journal.record(() => {
      this.closes.pop();
      this.nextCloseId--;
    });
    return row;
  }
}
