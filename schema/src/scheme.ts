/**
 * The reward-scheme plugin contract.
 *
 * A scheme is a small typed definition — code, version, description, args, the event types
 * it reacts to — and one pure function `evaluate(event, args, ctx)` that returns reward
 * drafts. A scheme never writes: the engine checks, stores and publishes what it returns.
 * Everything a scheme may look up comes through `ctx`, read-only and batched, so that the
 * same events and args always give the same drafts (replay, simulation and audits rely
 * on that).
 */
import { parseArgs, type ArgDefinitions, type ArgIssue, type ArgParseResult, type ArgValues, type JsonValue, type LocalizedText } from './args.js';

export const PARTNER_KINDS = [
  'AMBASSADOR',
  'COFACTOR',
  'INFLUENCER',
  'CONTENT_PARTNER',
  'RESELLER',
  'AFFILIATE',
  'DEALER',
  'SERVICE_CENTER',
] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

export const PARTNER_SEGMENTS = ['SMALL', 'MEDIUM', 'LARGE'] as const;
export type PartnerSegment = (typeof PARTNER_SEGMENTS)[number];

/**
 * Built-in event types; any other UPPER_SNAKE name is a custom event type. The server records
 * PARTNER_JOINED when a partner is created and PARTNER_APPROVED when a PENDING partner
 * becomes ACTIVE, each attributed to that partner. A REFUND or CHARGEBACK that names its
 * sale reverses that sale's rewards (the server writes the compensating entries; schemes
 * need not react to it).
 */
export const EVENT_TYPES = [
  'SALE',
  'REFUND',
  'CHARGEBACK',
  'LEAD',
  'CLICK',
  'IMPRESSION',
  'SIGNUP',
  'SUBSCRIPTION',
  'INSTALL',
  'EVENT_HOSTED',
  'TRAINING_COMPLETED',
  'PARTNER_JOINED',
  'PARTNER_APPROVED',
] as const;

/**
 * MONEY, POINTS, PERK and BADGE are what a partner earns. LEVEL records a change of the
 * partner's level (amount = the new level, unit 'LEVEL'): the engine sets the partner's level
 * when the entry is written, so every level change is in the ledger with its explanation.
 */
export const REWARD_KINDS = ['MONEY', 'POINTS', 'PERK', 'BADGE', 'LEVEL'] as const;
export type RewardKind = (typeof REWARD_KINDS)[number];

export interface PartnerSnapshot {
  id: string;
  name: string;
  /** One of PARTNER_KINDS, or a kind a program added. */
  kind: string;
  regionId: string | null;
  segment: PartnerSegment | null;
  level: number;
  /** PENDING, ACTIVE, SUSPENDED or TERMINATED. The engine records rewards for ACTIVE partners only. */
  status: string;
  referralCode: string;
  sponsorId: string | null;
}

export interface SchemeEvent {
  id: string;
  externalId: string;
  type: string;
  /** The partner the event is attributed to. */
  partner: PartnerSnapshot;
  customerId: string | null;
  /** True for the SALE that is this customer's first purchase ever. */
  firstPurchase: boolean;
  couponCode: string | null;
  /** Minor units of `currency`, when the event has an amount. */
  amount: bigint | null;
  currency: string | null;
  occurredAt: Date;
  attributes: Readonly<Record<string, JsonValue>>;
}

export interface CampaignSnapshot {
  id: string;
  name: string;
  currency: string;
  startsAt: Date;
  endsAt: Date | null;
}

export interface UplineMember {
  /** 1 = the sponsor, 2 = the sponsor's sponsor, ... */
  depth: number;
  partner: PartnerSnapshot;
}

/**
 * The named spans `ctx.stats` can count, each clipped to the campaign's dates: the whole
 * campaign (the default); or the local calendar day, month or quarter, in the program's time
 * zone, of the event being evaluated (daily caps, monthly personal-volume qualification).
 */
export const STATS_WINDOWS = ['CAMPAIGN', 'DAY', 'MONTH', 'QUARTER'] as const;
export type NamedStatsWindow = (typeof STATS_WINDOWS)[number];

/** The longest rolling window `ctx.stats` counts, in days: a leap year. */
export const MAX_ROLLING_DAYS = 366;

/**
 * A rolling window: the `rollingDays` × 24 hours up to and including the event being
 * evaluated (events dated after `occurredAt` − rollingDays × 24 h and not after `occurredAt`),
 * clipped to the campaign's dates. A whole number from 1 to MAX_ROLLING_DAYS.
 */
export interface RollingStatsWindow {
  rollingDays: number;
}

/** Which span `ctx.stats` counts; see STATS_WINDOWS and RollingStatsWindow. */
export type StatsWindow = NamedStatsWindow | RollingStatsWindow;

/**
 * An int arg for the days of a rolling window, bounded as `ctx.stats` bounds them, so a
 * campaign asking for more is refused at the arg's path when it is saved. Spread it into a
 * scheme's args with its own label: `{ windowDays: { ...rollingDaysArg, label, help } }`.
 */
export const rollingDaysArg = { type: 'int', min: 1, max: MAX_ROLLING_DAYS } as const;

/**
 * A partner's activity inside the campaign's period (or the window asked for), counted in
 * ingestion order up to and including the event being evaluated.
 */
export interface PartnerStats {
  /** Events per type, e.g. `count.LEAD`. Missing types are 0. */
  count: Readonly<Record<string, number>>;
  /** Sum of amounts per event type in the campaign's currency. Missing types are 0n. */
  amount: Readonly<Record<string, bigint>>;
  /** SALE events that were the customer's first purchase. */
  newCustomers: number;
}

/**
 * Net sales in the stats' span: SALE amounts less REFUND and CHARGEBACK amounts, in the
 * campaign currency. What volume, contest and level rules measure, so one returned sale
 * counts the same everywhere.
 */
export function netSales(stats: PartnerStats): bigint {
  return (stats.amount.SALE ?? 0n) - (stats.amount.REFUND ?? 0n) - (stats.amount.CHARGEBACK ?? 0n);
}

/** A calendar period in the program's time zone: a month ('2026-03') or a quarter ('2026-Q1'). */
export const PERIOD_UNITS = ['MONTH', 'QUARTER'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

/**
 * The arg every period scheme uses to say which closes it acts on; a close of the other unit
 * gives nothing. Spread it into a scheme's args: `args: { period: periodArg, ... }`.
 */
export const periodArg = {
  type: 'enum',
  label: { en: 'Period', ru: 'Период' },
  help: { en: 'Closes of other periods give nothing for this scheme.', ru: 'Закрытие других периодов по этой схеме ничего не даёт.' },
  default: 'MONTH',
  options: [
    { value: 'MONTH', label: { en: 'Month', ru: 'Месяц' } },
    { value: 'QUARTER', label: { en: 'Quarter', ru: 'Квартал' } },
  ],
} as const;

export interface Period {
  /** '2026-03' for a month, '2026-Q1' for a quarter. Part of period rewards' keys. */
  key: string;
  unit: PeriodUnit;
  startsAt: Date;
  /** Exclusive. */
  endsAt: Date;
}

/** The ACTIVE partners of a downline within some depth: how many, at each depth and at each partner level. */
export interface DownlineSummary {
  total: number;
  /** byDepth[0] is the number of direct recruits, byDepth[1] their recruits, ... */
  byDepth: number[];
  /** Partners in the downline per partner level, e.g. `{ 1: 12, 2: 3 }`. */
  byLevel: Readonly<Record<number, number>>;
}

export interface ParticipantOptions {
  /**
   * Stats over this many periods of the same unit ending with the one being closed (a rolling
   * window: 3 for "the last three months"), still inside the campaign's dates. Default 1.
   */
  periods?: number;
  /** Every ACTIVE targeted partner, with empty stats when it had no events (for downgrades). */
  everyone?: boolean;
}

/** A targeted partner with activity in the period, and its stats for the period. */
export interface Participant {
  partner: PartnerSnapshot;
  stats: PartnerStats;
}

export interface PeriodContext {
  readonly campaign: CampaignSnapshot;
  readonly period: Period;
  /**
   * Every ACTIVE partner the campaign targets that has events in the period (inside the
   * campaign's dates), with its stats for exactly that span, ordered by partner id. Options
   * widen the span (`periods`) or the partners (`everyone`).
   */
  participants(options?: ParticipantOptions): Promise<Participant[]>;
  partner(id: string): Promise<PartnerSnapshot | null>;
  upline(partnerId: string, levels: number): Promise<UplineMember[]>;
  downline(partnerId: string, depth: number): Promise<DownlineSummary>;
  /** The time of the close (fixed for the whole close). */
  now(): Date;
}

export interface SchemeContext {
  readonly campaign: CampaignSnapshot;
  partner(id: string): Promise<PartnerSnapshot | null>;
  /** Sponsors above the partner, nearest first, at most `levels` of them. */
  upline(partnerId: string, levels: number): Promise<UplineMember[]>;
  /** The partner's downline down to `depth` levels, as it is now. */
  downline(partnerId: string, depth: number): Promise<DownlineSummary>;
  /**
   * The partner's stats (any partner: the event's own, a sponsor, …) in the window around the
   * evaluated event, default 'CAMPAIGN'. A window the contract does not know (a rolling window
   * of 0 or 400 days) throws, naming `window.rollingDays`: a bug in the scheme, not in the event.
   */
  stats(partnerId: string, window?: StatsWindow): Promise<PartnerStats>;
  /** The evaluation clock: the time the batch is processed (fixed within a batch). */
  now(): Date;
}

export interface RewardDraft {
  partnerId: string;
  kind: RewardKind;
  /**
   * MONEY: minor units of `unit` (an ISO currency). POINTS: hundredths of a point.
   * PERK and BADGE: a count, usually 1.
   */
  amount: bigint;
  /** The ISO currency for MONEY, 'POINTS' for points, the perk or badge code otherwise. */
  unit: string;
  /**
   * Unique among the drafts this scheme instance can ever produce for the same thing:
   * the engine prefixes it with campaign and instance, and refuses a second entry with the
   * same key. e.g. `sale:<eventId>:<partnerId>` or `goal:<partnerId>:<goalIndex>`.
   */
  key: string;
  /** What a partner reads: "5% of sale 12 000,00 ₽ (order A-17)". */
  explanation: LocalizedText;
  /** Figures the explanation was computed from, kept with the entry for audits. */
  details?: RewardDetails;
  /**
   * What a refund of the event's sale does to this entry: PROPORTIONAL (the default) takes
   * back the refunded share of it; NONE keeps it (a goal bonus for a count of sales, say).
   */
  reversal?: RewardReversal;
}

/**
 * A draft's details: plain JSON the server stores with the entry. The server reads one of them,
 * `name` of a BADGE (`BADGE_NAME_DETAIL`), and writes `capped`, `requested` and `granted`
 * (`SERVER_DETAILS`) itself, so a scheme leaves those out.
 */
export type RewardDetails = Readonly<Record<string, JsonValue>> & {
  /** BADGE: the name a partner sees; the badge code when absent. */
  readonly name?: string;
};

export const REWARD_REVERSALS = ['PROPORTIONAL', 'NONE'] as const;
export type RewardReversal = (typeof REWARD_REVERSALS)[number];

/** Something a partner can spend points on (a discount, a gift certificate, a training, merchandise). */
export interface CatalogItem {
  /** Unique within the scheme instance; what `redeemPoints` names. */
  code: string;
  name: string;
  /** DISCOUNT, GIFT_CERTIFICATE, TRAINING, MERCHANDISE or another UPPER_SNAKE kind. */
  kind: string;
  /** In hundredths of a point, like POINTS rewards. */
  cost: bigint;
}

/**
 * One target a partner is working towards in a campaign, as the scheme pays by it: "3 of 5 new
 * customers" is `current` 3, `threshold` 5, `unit` COUNT. Reached when `current` ≥ `threshold`.
 */
export interface ProgressTarget {
  /** Unique among the targets one scheme instance reports for a partner, e.g. `goal`, `level:3`, `place:1`. */
  key: string;
  /** What is measured, and over what span: "New customers in the campaign", "Net sales this month". */
  label: LocalizedText;
  /** How far the partner is, in `unit`; never negative (net sales below zero count as 0). */
  current: bigint;
  /** Where the target is, in `unit`; positive. */
  threshold: bigint;
  /** COUNT for a number of things, an ISO currency for money (minor units), POINTS (hundredths of a point). */
  unit: string;
  /** What reaching it gives, e.g. "Bonus RUB 5,000.00", "Level 3 (Gold)". */
  reward: LocalizedText;
  /** When the count is judged: the end of the open period for a period scheme, the campaign's end, or null for none. */
  endsAt: Date | null;
}

/** The unit of a ProgressTarget that counts things (customers, leads, recruits, sales). */
export const COUNT_UNIT = 'COUNT';

/**
 * What `progress` may look up: a SchemeContext whose windows are around `now()` (the time of
 * the read), so `stats(partnerId, 'MONTH')` is this month so far, plus the open periods that
 * period schemes pay at their close, counted as the close will count them.
 */
export interface ProgressContext extends SchemeContext {
  /** The month or quarter `now()` falls in, in the program's time zone: the one the next close of that unit pays. */
  period(unit: PeriodUnit): Period;
  /**
   * One partner's stats in `period` so far (and the `periods` − 1 before it), inside the
   * campaign's dates: what that partner's Participant will hold when the period closes.
   */
  periodStats(partnerId: string, period: Period, options?: { periods?: number }): Promise<PartnerStats>;
  /**
   * Every participant of `period` so far, as `PeriodContext.participants` will find them at its
   * close. It reads the whole period: only a scheme that ranks partners (a contest) needs it.
   */
  participants(period: Period, options?: ParticipantOptions): Promise<Participant[]>;
}

export interface RewardScheme<A extends ArgDefinitions = ArgDefinitions> {
  /** kebab-case, unique in a registry, e.g. `percentage-of-sales`. */
  code: string;
  /** Semantic version of the scheme's rules; stored with every reward it produces. */
  version: string;
  name: LocalizedText;
  description: LocalizedText;
  args: A;
  /** Event types `evaluate` is called for; empty for a scheme that only closes periods. */
  eventTypes: readonly string[];
  /**
   * Optional. Rules across args that the arg definitions cannot state (a list's length against
   * another arg, thresholds that must differ): called with the parsed args once every arg is
   * valid on its own, when a campaign is saved. Each issue's path starts with `args`
   * (`args.steps[1].from`); the server reports it under the instance's path. Stored campaigns
   * are not checked again, so a tightened rule never stops a running campaign.
   */
  validateArgs?(args: ArgValues<A>): ArgIssue[];
  /** Per-event rewards, computed as each event is recorded. */
  evaluate?(event: SchemeEvent, args: ArgValues<A>, ctx: SchemeContext): Promise<RewardDraft[]> | RewardDraft[];
  /**
   * Stacking on the campaign's other schemes (seasonal promotions, level multipliers): for each
   * event, called with the drafts that the instances before this one in the campaign produced
   * for it, in order. It adds drafts of its own (e.g. +50% of each money reward inside the
   * promotion's dates) and never changes or removes the ones it is given, so every entry keeps
   * its own explanation. Not called when the earlier instances produced nothing.
   */
  stack?(drafts: readonly RewardDraft[], event: SchemeEvent, args: ArgValues<A>, ctx: SchemeContext): Promise<RewardDraft[]> | RewardDraft[];
  /**
   * What partners can redeem their points for in a campaign running this scheme. The server's
   * `redeemPoints` finds items here, checks the partner's balance and writes the redemption
   * as a negative POINTS entry; the scheme itself still only computes.
   */
  catalog?(args: ArgValues<A>): CatalogItem[];
  /**
   * Optional. The targets a partner is working towards under this instance and how far it is,
   * computed from the same stats `evaluate` or `closePeriod` pays by, so the partner sees what
   * will be paid: each goal, volume tier, KPI, next level, badge or prize place still open or
   * already reached. Read-only like the other hooks; an empty list when nothing applies.
   */
  progress?(partner: PartnerSnapshot, args: ArgValues<A>, ctx: ProgressContext): Promise<ProgressTarget[]> | ProgressTarget[];
  /**
   * Period rewards (volume bonuses, contests, KPIs), computed when an admin closes a period
   * of the campaign. Closing again is safe: drafts whose keys exist are not written twice,
   * so keys should name the period (`volume:<period key>:<partner id>`).
   */
  closePeriod?(period: Period, args: ArgValues<A>, ctx: PeriodContext): Promise<RewardDraft[]> | RewardDraft[];
}

/** Declares a scheme with its arg types inferred from the `args` literal. */
export function defineRewardScheme<const A extends ArgDefinitions>(scheme: RewardScheme<A>): RewardScheme<A> {
  return scheme;
}

/**
 * A scheme's args as a campaign is saved with them: every arg checked against its definition
 * (`parseArgs`), then, when all are valid, the scheme's own `validateArgs`, its issues under
 * `path` (`input.schemes[0].args.steps[1].from`).
 */
export function parseSchemeArgs<A extends ArgDefinitions>(scheme: RewardScheme<A>, raw: unknown, path = 'args'): ArgParseResult<A> {
  const parsed = parseArgs(scheme.args, raw, path);
  if (!parsed.ok || !scheme.validateArgs) return parsed;
  const issues = scheme.validateArgs(parsed.values).map((issue) => ({
    path: issue.path === 'args' || issue.path.startsWith('args.') || issue.path.startsWith('args[') ? path + issue.path.slice('args'.length) : `${path}.${issue.path}`,
    message: issue.message,
  }));
  return issues.length > 0 ? { ok: false, issues } : parsed;
}

export const SCHEME_CODE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Z0-9_]*$/;
/** Semantic Versioning 2.0.0, as given on semver.org. */
export const SCHEME_VERSION_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
