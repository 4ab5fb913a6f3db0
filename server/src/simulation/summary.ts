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
  const byUnit = new Map<string, AmountTotal>();
  for (const reward of rewards) {
    const key = `${reward.kind}|${reward.unit}`;
    const total = byUnit.get(key) ?? { kind: reward.kind, unit: reward.unit, granted: 0n, capped: 0n, entries: 0 };
    if (granting(reward)) total.granted += BigInt(reward.amount);
    if (reward.status === 'CAPPED') total.capped += BigInt(reward.amount);
    total.entries += 1;
    byUnit.set(key, total);
  }
  return [...byUnit.values()].sort((a, b) => (a.kind + a.unit < b.kind + b.unit ? -1 : 1));
}

/** Granted amounts grouped by `groupOf`, per kind and unit; the largest MAX_GROUPS. */
export function groupTotals(rewards: RewardRow[], groupOf: (reward: RewardRow) => string): GroupTotal[] {
  const groups = new Map<string, GroupTotal>();
  for (const reward of rewards) {
    if (!granting(reward)) continue;
    const name = groupOf(reward);
    const key = `${name}|${reward.kind}|${reward.unit}`;
    const group = groups.get(key) ?? { key: name, kind: reward.kind, unit: reward.unit, granted: 0n };
    group.granted += BigInt(reward.amount);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => (a.granted > b.granted ? -1 : a.granted < b.granted ? 1 : a.key < b.key ? -1 : 1)).slice(0, MAX_GROUPS);
}

/** Money in the campaign's currency that the entries grant, per partner. */
export function moneyByPartner(rewards: RewardRow[], currency: string): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const reward of rewards) {
    if (reward.kind !== 'MONEY' || reward.unit !== currency || !granting(reward)) continue;
    sums.set(reward.partnerId, (sums.get(reward.partnerId) ?? 0n) + BigInt(reward.amount));
  }
  return sums;
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

/**
 * What the budget had used before the span, what the span used, and when it ran out: the
 * running sum of granted money (in order of recording) first reaching the budget.
 */
export function budgetUsage(campaign: MemoryCampaign, usedBefore: bigint, rewards: RewardRow[], occurredAt: (reward: RewardRow) => Date): BudgetUsage | null {
  if (campaign.budget === null) return null;
  let used = usedBefore;
  let ranOutAt: Date | null = null;
  let cappedByBudget = 0n;
  for (const reward of rewards) {
    if (reward.kind !== 'MONEY' || reward.unit !== campaign.currency) continue;
    if (reward.status === 'CAPPED' && (reward.details as { capped?: string }).capped === 'BUDGET') cappedByBudget += BigInt(reward.amount);
    if (!granting(reward)) continue;
    used += BigInt(reward.amount);
    if (ranOutAt === null && used >= campaign.budget && BigInt(reward.amount) > 0n) ranOutAt = occurredAt(reward);
  }
  if (ranOutAt === null && cappedByBudget > 0n) ranOutAt = occurredAt(rewards.find((reward) => (reward.details as { capped?: string }).capped === 'BUDGET')!);
  return { budget: campaign.budget, usedBefore, usedInSpan: used - usedBefore, left: campaign.budget - used, ranOutAt, cappedByBudget };
}

export function capUsage(campaign: MemoryCampaign, rewards: RewardRow[]): CapUsage | null {
  if (campaign.partnerCap === null) return null;
  const capped = rewards.filter((reward) => reward.status === 'CAPPED' && (reward.details as { capped?: string }).capped === 'PARTNER_CAP');
  return {
    partnerCap: campaign.partnerCap,
    capPeriod: campaign.capPeriod,
    partnersCapped: new Set(capped.map((reward) => reward.partnerId)).size,
    cappedByCap: capped.reduce((sum, reward) => sum + BigInt(reward.amount), 0n),
  };
}
