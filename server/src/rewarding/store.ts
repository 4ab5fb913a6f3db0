import type { CampaignSnapshot, DownlineSummary, JsonObject, Participant, ParticipantOptions, PartnerSnapshot, PartnerStats, Period, SchemeContext, SchemeEvent, UplineMember } from '@cofactor/schema';
import type { Targeting } from '../campaigns/campaign.entity.js';
import type { LedgerEntry } from '../ledger/entry.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import type { LimitsStore } from '../ledger/limits.js';
import type { ReversalStore } from '../ledger/reversals.js';
import type { SnapshotRow } from '../partners/partner-snapshot.js';
import type { PeriodCloseRow } from '../periods/period-close.entity.js';
import type { EventContent } from './resends.js';

/**
 * Where the rewarding pipeline keeps what it reads and writes. One `RewardingStore` is one
 * unit of work: everything written through it is kept or dropped together, and the locks
 * it takes last until then. PostgreSQL is the store for real work (`postgres/`); the steps
 * themselves hold no SQL, so a store kept in memory can run them too.
 */
export interface RewardingStorage {
  /**
   * Runs `work` in one unit of work. With `retries`, a unit the store aborted as a deadlock
   * victim or a serialization failure (code 40P01 or 40001) is run again from the start.
   */
  transaction<T>(work: (store: RewardingStore) => Promise<T>, options?: { retries?: number }): Promise<T>;
}

export interface RewardingStore {
  readonly events: EventStore;
  readonly schemes: SchemeStore;
  readonly ledger: LedgerStore;
  readonly periods: PeriodStore;
}

/** A partner as attribution finds it: by id, referral code, or a coupon (then with the coupon). */
export type AttributionRow = SnapshotRow & { couponId: string | null; couponCode: string | null };

/** A stored event that a refund names. */
export interface StoredSale {
  id: string;
  externalId: string;
  type: string;
  partnerId: string;
  amount: string | null;
  currency: string | null;
}

export interface CustomerRow {
  id: string;
  externalId: string;
  /** Whether the customer's first purchase is recorded already. */
  purchased: boolean;
}

/** A first purchase to claim for a customer who has none yet. */
export interface FirstPurchaseClaim {
  customerId: string;
  at: Date;
  partnerId: string;
}

export interface NewEvent {
  externalId: string;
  type: string;
  partnerId: string;
  customerId: string | null;
  couponId: string | null;
  amount: bigint | null;
  currency: string | null;
  firstPurchase: boolean;
  occurredAt: Date;
  attributes: JsonObject;
  refundOfId: string | null;
  /** Its place in the batch as the caller sent it, the order schemes evaluate the batch in (ids follow another order). */
  batchPosition: number;
}

/** What attributing and storing events reads and writes. */
export interface EventStore {
  /** The partners with these ids or referral codes, and the partners of these coupon codes (with the coupon). */
  attributionRows(programId: string, named: { ids: string[]; codes: string[]; coupons: string[] }): Promise<AttributionRow[]>;
  partners(programId: string, ids: string[]): Promise<SnapshotRow[]>;
  /** The stored events with these external ids, locked in id order, so two batches refunding one sale check its total in turn. */
  lockSales(programId: string, externalIds: string[]): Promise<StoredSale[]>;
  /** What stored refunds returned of each of these sales, by the sale's external id. */
  refundedSums(programId: string, saleIds: string[]): Promise<Map<string, bigint>>;
  /** Which of these external ids name stored events. */
  storedExternalIds(programId: string, externalIds: string[]): Promise<Set<string>>;
  /** Creates the customers that are new and returns all of them. */
  ensureCustomers(programId: string, externalIds: string[]): Promise<CustomerRow[]>;
  /**
   * Sets these customers' first purchase where none is set yet, locking them in the order
   * given; returns the ids claimed. Of two units of work claiming one customer, one wins.
   */
  claimFirstPurchases(claims: FirstPurchaseClaim[]): Promise<string[]>;
  /** Inserts the events whose external id is new in the program, in the order given; returns their ids by external id. */
  insertEvents(programId: string, events: NewEvent[]): Promise<Map<string, string>>;
  /** The recorded content of the program's events with these external ids. */
  recordedContents(programId: string, externalIds: string[]): Promise<Map<string, EventContent>>;
}

export interface CampaignRow {
  id: string;
  name: string;
  currency: string;
  startsAt: Date;
  endsAt: Date | null;
  holdDays: number;
  targeting: Targeting;
}

export interface SchemeInstanceRow {
  id: string;
  campaignId: string;
  key: string;
  schemeCode: string;
  args: JsonObject;
}

/** Campaigns with their active scheme instances (in order), and the program's region tree when one of them targets regions. */
export interface StoredCampaigns {
  campaigns: CampaignRow[];
  instances: SchemeInstanceRow[];
  regions: { id: string; parentId: string | null }[];
}

/**
 * The read-only look-ups schemes get while one batch (or one period) is evaluated. The program is
 * read as it was: for an event, as of its `occurredAt` (`forEvent`); for a period close, as of the
 * period's last instant (`closesAt`), which the close passes to `partner`, `upline` and `downline`
 * and `participants` applies itself.
 */
export interface SchemeLookups {
  forEvent(campaign: CampaignSnapshot, index: number): SchemeContext;
  /** The context `progress` reads: the program as it is at the clock, stats windows around the clock. */
  atClock(campaign: CampaignSnapshot): SchemeContext;
  /** One partner's stored stats over a close's span (`periodSpan`): what its Participant would hold. */
  periodStats(campaign: CampaignSnapshot, partnerId: string, period: Period, periods?: number): Promise<PartnerStats>;
  participants(campaign: CampaignSnapshot, period: Period, targets: (partner: PartnerSnapshot) => boolean, options?: ParticipantOptions): Promise<Participant[]>;
  /** The partner as it was at `at`. */
  partner(id: string, at: Date): Promise<PartnerSnapshot | null>;
  /** The partner's sponsors as they were at `at`, nearest first. */
  upline(partnerId: string, levels: number, at: Date): Promise<UplineMember[]>;
  /** The partners below as the sponsor links were at `at`, those ACTIVE then counted per depth and level then. */
  downline(partnerId: string, depth: number, at: Date): Promise<DownlineSummary>;
  /** Whether a reward may be recorded for this partner: only partners ACTIVE when it is recorded (at the clock) earn. */
  canEarn(partnerId: string): Promise<boolean>;
}

/** What evaluating schemes reads. */
export interface SchemeStore {
  timeZone(programId: string): Promise<string>;
  /** The program's ACTIVE campaigns, or one campaign by id whatever its status, in id order. */
  campaigns(programId: string, which: { active: true } | { id: string }): Promise<StoredCampaigns>;
  /**
   * The events with each one's partner as it was when the event occurred (status, kind, region,
   * segment, level, sponsor), as far as the program's history stands at `clock`.
   */
  eventsAsOf(programId: string, events: SchemeEvent[], clock: Date): Promise<SchemeEvent[]>;
  /** Look-ups for `events` (the batch being evaluated; none for a period close). */
  lookups(programId: string, events: SchemeEvent[], clock: Date, timeZone: string): SchemeLookups;
}

/** The ledger as the pipeline sees it: limits and compensations read it, `append` is its only writer. */
export interface LedgerStore extends LimitsStore, ReversalStore {
  /** Appends the entries whose idempotency key is new (the first of each key) and returns them as stored. */
  append(programId: string, entries: LedgerEntry[], createdAt: Date): Promise<RewardRow[]>;
  /** Locks the partner until the unit of work ends; its status, or null for no such partner. */
  lockPartner(programId: string, partnerId: string): Promise<string | null>;
  rewardByKey(programId: string, idempotencyKey: string): Promise<RewardRow | null>;
  /** The partner's points balance: the sum of its spendable POINTS entries. */
  pointsBalance(programId: string, partnerId: string): Promise<bigint>;
}

export interface PeriodStore {
  /** Makes two closes of one campaign period run one after the other. */
  lockClose(campaignId: string, periodKey: string): Promise<void>;
  recordClose(close: Omit<PeriodCloseRow, 'id'>): Promise<PeriodCloseRow>;
}
