import { divideRoundHalfEven } from '@cofactor/schema';
import type { RewardRow } from '../ledger/ledger.service.js';
import type { SnapshotRow } from '../partners/partner-snapshot.js';
import type { MemoryCampaign } from '../rewarding/memory/state.js';

/** How many partners a result lists, and how many groups per breakdown at most. */
export const TOP_PARTNERS = 50;
export const MAX_GROUPS = 100;

/** Entries that grant what they say (compensations included); CAPPED and REJECTED ones grant nothing. */
const granting = (reward: Pick<RewardRow, 'status'>) => reward.status !== 'CAPPED' && reward.status !== 'REJECTED';

export interface AmountTotal {
  kind: string;
  unit: string;
  /** Net of compensations. */
  granted: bigint;
  /** What budgets and caps held back. */
  capped: bigint;
  entries: number;
}

export interface GroupTotal {
  key: string;
  kind: string;
  unit: string;
  granted: bigint;
}

export interface BudgetUsage {
  budget: bigint;
  usedBefore: bigint;
  usedInSpan: bigint;
  left: bigint;
  /** When the event (or period) that used the last of it occurred; null if it lasted. */
  ranOutAt: Date | null;
  cappedByBudget: bigint;
}

export interface CapUsage {
  partnerCap: bigint;
  capPeriod: string;
  partnersCapped: number;
  cappedByCap: bigint;
}

export interface PartnerChange {
  partnerId: string;
  name: string;
  simulated: bigint;
  actual: bigint;
  change: bigint;
}

/** Granted and capped amounts per kind and unit, in a stable order. */
export function totals(rewards: RewardRow[]): AmountTotal[] {
  const tally = new UnitTotals();
  for (const reward of rewards) tally.add(reward, BigInt(reward.amount));
  return tally.list();
}

/** Granted amounts grouped by `groupOf`, per kind and unit; the largest MAX_GROUPS. */
export function groupTotals(rewards: RewardRow[], groupOf: (reward: RewardRow) => string): GroupTotal[] {
  const breakdown = new Breakdown();
  for (const reward of rewards) if (granting(reward)) breakdown.add(groupOf(reward), reward, BigInt(reward.amount));
  return breakdown.largest();
}

/** Money in the campaign's currency that the entries grant, per partner. */
export function moneyByPartner(rewards: RewardRow[], currency: string): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const reward of rewards) addMoney(sums, reward, BigInt(reward.amount), currency);
  return sums;
}

function addMoney(sums: Map<string, bigint>, reward: RewardRow, amount: bigint, currency: string): void {
  if (reward.kind !== 'MONEY' || reward.unit !== currency || !granting(reward)) return;
  sums.set(reward.partnerId, (sums.get(reward.partnerId) ?? 0n) + amount);
}

/** The groups a partner's entries fall in: its region, kind and level. */
export interface PartnerGroups {
  region: string;
  kind: string;
  level: string;
}

/** What a simulation reports of its entries, summed in one pass over them. */
export interface Summary {
  totals: AmountTotal[];
  /** Money in the campaign's currency per partner. */
  money: Map<string, bigint>;
  budget: BudgetUsage | null;
  partnerCap: CapUsage | null;
  byRegion: GroupTotal[];
  byPartnerKind: GroupTotal[];
  byLevel: GroupTotal[];
  byScheme: GroupTotal[];
}

/**
 * Sums every breakdown of the entries in one pass: a replay writes millions of them, and each
 * pass over them costs as much as the rest of the summary. `groupsOf` is asked once per partner.
 */
export function summarize(rewards: RewardRow[], campaign: MemoryCampaign, usedBefore: bigint, groupsOf: (partnerId: string) => PartnerGroups, occurredAt: (reward: RewardRow) => Date): Summary {
  const units = new UnitTotals();
  const money = new Map<string, bigint>();
  const budget = campaign.budget === null ? null : new BudgetTally(campaign.budget, campaign.currency, usedBefore);
  const cap = campaign.partnerCap === null ? null : new CapTally();
  const [byRegion, byKind, byLevel, byScheme] = [new Breakdown(), new Breakdown(), new Breakdown(), new Breakdown()];
  const partnerGroups = new Map<string, PartnerGroups>();
  for (const reward of rewards) {
    const amount = BigInt(reward.amount);
    units.add(reward, amount);
    addMoney(money, reward, amount, campaign.currency);
    budget?.add(reward, amount, occurredAt);
    cap?.add(reward, amount);
    if (!granting(reward)) continue;
    let groups = partnerGroups.get(reward.partnerId);
    if (!groups) partnerGroups.set(reward.partnerId, (groups = groupsOf(reward.partnerId)));
    byRegion.add(groups.region, reward, amount);
    byKind.add(groups.kind, reward, amount);
    byLevel.add(groups.level, reward, amount);
    byScheme.add(schemeKeyOf(reward), reward, amount);
  }
  return {
    totals: units.list(),
    money,
    budget: budget?.usage(occurredAt) ?? null,
    partnerCap: cap?.usage(campaign) ?? null,
    byRegion: byRegion.largest(),
    byPartnerKind: byKind.largest(),
    byLevel: byLevel.largest(),
    byScheme: byScheme.largest(),
  };
}

/** The scheme instance's key in an entry's idempotency key, `<campaign>:<instance key>:<draft key>`. */
export function schemeKeyOf(reward: Pick<RewardRow, 'idempotencyKey'>): string {
  const key = reward.idempotencyKey;
  const from = key.indexOf(':') + 1;
  const to = key.indexOf(':', from);
  return to < 0 ? key.slice(from) : key.slice(from, to);
}

/** Granted and capped sums per kind and unit. */
class UnitTotals {
  private readonly byUnit = new Map<string, Map<string, AmountTotal>>();
  private readonly inOrder: AmountTotal[] = [];

  add(reward: RewardRow, amount: bigint): void {
    let units = this.byUnit.get(reward.kind);
    if (!units) this.byUnit.set(reward.kind, (units = new Map()));
    let total = units.get(reward.unit);
    if (!total) {
      units.set(reward.unit, (total = { kind: reward.kind, unit: reward.unit, granted: 0n, capped: 0n, entries: 0 }));
      this.inOrder.push(total);
    }
    if (granting(reward)) total.granted += amount;
    if (reward.status === 'CAPPED') total.capped += amount;
    total.entries += 1;
  }

  list(): AmountTotal[] {
    return [...this.inOrder].sort((a, b) => (a.kind + a.unit < b.kind + b.unit ? -1 : 1));
  }
}

/** Granted sums per group, kind and unit, kept in the order groups first appear. */
class Breakdown {
  private readonly groups = new Map<string, Map<string, Map<string, GroupTotal>>>();
  private readonly inOrder: GroupTotal[] = [];

  add(name: string, reward: RewardRow, amount: bigint): void {
    let kinds = this.groups.get(name);
    if (!kinds) this.groups.set(name, (kinds = new Map()));
    let units = kinds.get(reward.kind);
    if (!units) kinds.set(reward.kind, (units = new Map()));
    let group = units.get(reward.unit);
    if (!group) {
      units.set(reward.unit, (group = { key: name, kind: reward.kind, unit: reward.unit, granted: 0n }));
      this.inOrder.push(group);
    }
    group.granted += amount;
  }

  /** The largest MAX_GROUPS groups, largest first (of equal sums, by name). */
  largest(): GroupTotal[] {
    return [...this.inOrder].sort((a, b) => (a.granted > b.granted ? -1 : a.granted < b.granted ? 1 : a.key < b.key ? -1 : 1)).slice(0, MAX_GROUPS);
  }
}

const cappedBy = (reward: RewardRow) => (reward.details as { capped?: string }).capped;

/**
 * What the budget had used before the span, what the span used, and when it ran out: the
 * running sum of granted money (in order of recording) first reaching the budget.
 */
class BudgetTally {
  private used: bigint;
  private ranOutAt: Date | null = null;
  private cappedByBudget = 0n;
  private firstCapped: RewardRow | null = null;

  constructor(
    private readonly budget: bigint,
    private readonly currency: string,
    private readonly usedBefore: bigint,
  ) {
    this.used = usedBefore;
  }

  add(reward: RewardRow, amount: bigint, occurredAt: (reward: RewardRow) => Date): void {
    if (this.firstCapped === null && cappedBy(reward) === 'BUDGET') this.firstCapped = reward;
    if (reward.kind !== 'MONEY' || reward.unit !== this.currency) return;
    if (reward.status === 'CAPPED' && cappedBy(reward) === 'BUDGET') this.cappedByBudget += amount;
    if (!granting(reward)) return;
    this.used += amount;
    if (this.ranOutAt === null && this.used >= this.budget && amount > 0n) this.ranOutAt = occurredAt(reward);
  }

  usage(occurredAt: (reward: RewardRow) => Date): BudgetUsage {
    const ranOutAt = this.ranOutAt ?? (this.cappedByBudget > 0n ? occurredAt(this.firstCapped!) : null);
    return { budget: this.budget, usedBefore: this.usedBefore, usedInSpan: this.used - this.usedBefore, left: this.budget - this.used, ranOutAt, cappedByBudget: this.cappedByBudget };
  }
}

/** Entries held back by the partner cap: how many partners, how much. */
class CapTally {
  private readonly partners = new Set<string>();
  private cappedByCap = 0n;

  add(reward: RewardRow, amount: bigint): void {
    if (reward.status !== 'CAPPED' || cappedBy(reward) !== 'PARTNER_CAP') return;
    this.partners.add(reward.partnerId);
    this.cappedByCap += amount;
  }

  usage(campaign: MemoryCampaign): CapUsage {
    return { partnerCap: campaign.partnerCap!, capPeriod: campaign.capPeriod, partnersCapped: this.partners.size, cappedByCap: this.cappedByCap };
  }
}

/** The TOP_PARTNERS partners whose money changes most between `actual` and `simulated` (by size of the change, then id). */
export function partnerChanges(simulated: Map<string, bigint>, actual: Map<string, bigint>, partners: Map<string, SnapshotRow>): PartnerChange[] {
  const ids = new Set([...simulated.keys(), ...actual.keys()]);
  const abs = (value: bigint) => (value < 0n ? -value : value);
  return [...ids]
    .map((partnerId) => {
      const change = { simulated: simulated.get(partnerId) ?? 0n, actual: actual.get(partnerId) ?? 0n };
      return { partnerId, name: partners.get(partnerId)?.name ?? '', ...change, change: change.simulated - change.actual };
    })
    .filter((row) => row.change !== 0n)
    .sort((a, b) => (abs(a.change) > abs(b.change) ? -1 : abs(a.change) < abs(b.change) ? 1 : BigInt(a.partnerId) < BigInt(b.partnerId) ? -1 : 1))
    .slice(0, TOP_PARTNERS);
}

/** `money` ÷ `sales` as a percent with two decimals, rounded half to even; null without positive sales. */
export function percentOfSales(money: bigint, sales: bigint): string | null {
  if (sales <= 0n) return null;
  const hundredths = divideRoundHalfEven(money * 10_000n, sales);
  const sign = hundredths < 0n ? '-' : '';
  const value = hundredths < 0n ? -hundredths : hundredths;
  return `${sign}${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
}
