import { divideRoundHalfEven } from '@cofactor/schema';
import { satisfactionOf, type Satisfaction } from '../surveys/satisfaction.js';
import { FIGURES, type Figure } from './rollups.js';

/**
 * A group's figures from its rollup sums, each defined once here (the API's descriptions say
 * the same in words). Money stays per currency; ratios are fractions rounded to four decimals,
 * halves to even, and null when their divisor is zero; an average check is rounded to a whole
 * minor unit by the same rule.
 */
export type Sums = Record<Figure, bigint>;

export const zeroSums = (): Sums => Object.fromEntries(FIGURES.map((figure) => [figure, 0n])) as Sums;

export function addSums(into: Sums, row: Partial<Record<Figure, string | bigint>>): void {
  for (const figure of FIGURES) into[figure] += BigInt(row[figure] ?? 0);
}

/** Distinct partners of a group and range. */
export interface PartnerCounts {
  active: number;
  before: number;
  retained: number;
}

/** Since the first day, up to the period's end. */
export interface Cumulative {
  joined: bigint;
  pointsEarned: bigint;
  pointsRedeemed: bigint;
}

export interface PartnerFigures {
  new: bigint;
  active: number;
  total: bigint;
  previouslyActive: number;
  retained: number;
  churned: number;
  retention: number | null;
  recruited: bigint;
}

export interface ActivityFigures {
  events: bigint;
  leads: bigint;
  sales: bigint;
  conversion: number | null;
}

export interface SalesFigures {
  currency: string;
  count: bigint;
  gross: bigint;
  refunds: bigint;
  refunded: bigint;
  net: bigint;
  averageCheck: bigint | null;
  newCustomers: bigint;
}

export interface MoneyRewardFigures {
  currency: string;
  pending: bigint;
  approved: bigint;
  paid: bigint;
  reversed: bigint;
  capped: bigint;
  rejected: bigint;
  cost: bigint;
  costOfSales: number | null;
}

export interface RewardFigures {
  money: MoneyRewardFigures[];
  points: { earned: bigint; redeemed: bigint; outstanding: bigint | null };
  perks: { granted: bigint; delivered: bigint };
  badges: bigint;
}

/** A group's figures; partners, activity, sales and satisfaction are null for a campaign's or scheme's figures, which are its rewards only. */
export interface GroupFigures {
  partners: PartnerFigures | null;
  activity: ActivityFigures | null;
  sales: SalesFigures[] | null;
  rewards: RewardFigures;
  satisfaction: Satisfaction | null;
}

/** numerator ÷ denominator as a fraction with four decimals, halves to even; null without a denominator. */
export function ratio(numerator: bigint, denominator: bigint): number | null {
  if (denominator <= 0n) return null;
  return Number(divideRoundHalfEven(numerator * 10_000n, denominator)) / 10_000;
}

const SALE_FIGURES: readonly Figure[] = ['sales', 'gross', 'refunds', 'refunded', 'new_customers'];
const MONEY_FIGURES: readonly Figure[] = ['money_pending', 'money_approved', 'money_paid', 'money_capped', 'money_rejected', 'money_reversed'];

export const netOf = (sums: Sums) => sums.gross - sums.refunded;
export const costOf = (sums: Sums) => sums.money_pending + sums.money_approved + sums.money_paid - sums.money_reversed;

/** The figures of a group from its sums per unit ('' for counts, else a currency). */
export function groupFigures(byUnit: Map<string, Sums>, partners: PartnerCounts | null, cumulative: Cumulative | null, rewardsOnly: boolean): GroupFigures {
  const all = zeroSums();
  for (const sums of byUnit.values()) for (const figure of FIGURES) all[figure] += sums[figure];
  const currencies = [...byUnit.keys()].filter((unit) => unit !== '').sort();
  const money = currencies
    .filter((currency) => MONEY_FIGURES.some((figure) => byUnit.get(currency)![figure] !== 0n))
    .map((currency) => moneyRewards(currency, byUnit.get(currency)!, rewardsOnly));
  const rewards: RewardFigures = {
    money,
    points: { earned: all.points_earned, redeemed: all.points_redeemed, outstanding: cumulative ? cumulative.pointsEarned - cumulative.pointsRedeemed : null },
    perks: { granted: all.perks, delivered: all.perks_delivered },
    badges: all.badges,
  };
  if (rewardsOnly) return { partners: null, activity: null, sales: null, rewards, satisfaction: null };
  return {
    partners: partnerFigures(all, partners ?? { active: 0, before: 0, retained: 0 }, cumulative),
    activity: { events: all.events, leads: all.leads, sales: all.sales, conversion: ratio(all.sales, all.leads) },
    sales: currencies.filter((currency) => SALE_FIGURES.some((figure) => byUnit.get(currency)![figure] !== 0n)).map((currency) => salesFigures(currency, byUnit.get(currency)!)),
    rewards,
    satisfaction: satisfactionOf({
      responses: Number(all.responses),
      scoreSum: Number(all.score_sum),
      promoters: Number(all.promoters),
      detractors: Number(all.detractors),
    }),
  };
}

function partnerFigures(all: Sums, counts: PartnerCounts, cumulative: Cumulative | null): PartnerFigures {
  return {
    new: all.joined,
    active: counts.active,
    total: cumulative?.joined ?? 0n,
    previouslyActive: counts.before,
    retained: counts.retained,
    churned: counts.before - counts.retained,
    retention: ratio(BigInt(counts.retained), BigInt(counts.before)),
    recruited: all.recruits,
  };
}

function salesFigures(currency: string, sums: Sums): SalesFigures {
  return {
    currency,
    count: sums.sales,
    gross: sums.gross,
    refunds: sums.refunds,
    refunded: sums.refunded,
    net: netOf(sums),
    averageCheck: sums.sales > 0n ? divideRoundHalfEven(sums.gross, sums.sales) : null,
    newCustomers: sums.new_customers,
  };
}

function moneyRewards(currency: string, sums: Sums, rewardsOnly: boolean): MoneyRewardFigures {
  const cost = costOf(sums);
  return {
    currency,
    pending: sums.money_pending,
    approved: sums.money_approved,
    paid: sums.money_paid,
    reversed: sums.money_reversed,
    capped: sums.money_capped,
    rejected: sums.money_rejected,
    cost,
    costOfSales: rewardsOnly ? null : ratio(cost, netOf(sums)),
  };
}
