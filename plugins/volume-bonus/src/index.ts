/**
 * volume-bonus: a bonus at the close of each month or quarter for the partner's sales volume
 * in it, on a ladder of steps (e.g. from 100 000 ₽ → 5 000 ₽, from 300 000 ₽ → 20 000 ₽).
 *
 * Volume is the period's SALE amounts minus its REFUND and CHARGEBACK amounts, in the campaign currency.
 * Each step has a percent and a fixed bonus. Mode ALL_VOLUME pays the highest step reached:
 * its percent of the whole volume plus its bonus. Mode ABOVE_THRESHOLD pays each reached
 * step's percent on the part of the volume inside that step (from its threshold up to the
 * next), plus the highest reached step's bonus. Either way the sum is exact until one
 * half-even rounding of the entry.
 */
import {
  netSales,
  defineRewardScheme,
  periodJudgedAt,
  divideRoundHalfEven,
  formatMoney,
  formatPercent,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type Locale,
  type PeriodUnit,
  type ProgressTarget,
  type RewardDraft,
  periodArg,
} from '@cofactor/schema';

const argDefinitions = {
  period: periodArg,
  steps: {
    type: 'object',
    list: true,
    required: true,
    minItems: 1,
    maxItems: 10,
    label: { en: 'Steps', ru: 'Ступени' },
    help: {
      en: 'Each step applies from its threshold; the highest one reached counts.',
      ru: 'Ступень действует от своего порога; засчитывается наивысшая достигнутая.',
    },
    fields: {
      from: {
        type: 'money',
        label: { en: 'From volume', ru: 'От объёма' },
        required: true,
        min: 1,
        ui: 'currency-amount',
      },
      percent: {
        type: 'percent',
        label: { en: 'Percent of volume', ru: 'Процент от объёма' },
        default: '0',
        min: 0,
        max: 100,
        ui: 'percent',
      },
      bonus: {
        type: 'money',
        label: { en: 'Fixed bonus', ru: 'Фиксированный бонус' },
        default: '0',
        min: 0,
        ui: 'currency-amount',
      },
    },
  },
  mode: {
    type: 'enum',
    label: { en: 'Percent applies to', ru: 'Процент начисляется на' },
    default: 'ALL_VOLUME',
    options: [
      { value: 'ALL_VOLUME', label: { en: 'All volume, at the reached step', ru: 'Весь объём по достигнутой ступени' } },
      { value: 'ABOVE_THRESHOLD', label: { en: 'Each step’s part of the volume', ru: 'Часть объёма внутри каждой ступени' } },
    ],
  },
} as const satisfies ArgDefinitions;

type Step = ArgValues<typeof argDefinitions>['steps'][number];
type Mode = ArgValues<typeof argDefinitions>['mode'];

/** Σ band × percent / 100 over the bands, exact, then rounded once. */
function percentOfBands(bands: { amount: bigint; percent: string }[]): bigint {
  const rates = bands.map(({ amount, percent }) => ({ amount, rate: parseDecimal(percent)! }));
  const scale = Math.max(0, ...rates.map(({ rate }) => rate.scale));
  const numerator = rates.reduce((sum, { amount, rate }) => sum + amount * rate.units * 10n ** BigInt(scale - rate.scale), 0n);
  return divideRoundHalfEven(numerator, 100n * 10n ** BigInt(scale));
}

/** The ladder from the lowest threshold up. */
function ladder(steps: readonly Step[]): Step[] {
  return [...steps].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

/** The steps of the ladder that `volume` reaches, lowest first: the last one is the step paid by. */
function reachedSteps(steps: readonly Step[], volume: bigint): Step[] {
  return steps.filter((step) => step.from <= volume);
}

interface Words {
  title: string;
  volume: string;
  reached: string;
  allVolume: string;
  bands: string;
  bonus: string;
  /** A progress target's label: net sales in the open period. */
  netSales: Record<PeriodUnit, string>;
  /** ABOVE_THRESHOLD: a step's own part of the volume, up to the next step or without one. */
  band: (from: string, upTo: string | null) => string;
}

const WORDS: Record<Locale, Words> = {
  en: {
    title: 'Volume bonus for',
    volume: 'sales',
    reached: 'reached the step from',
    allVolume: 'of all volume',
    bands: 'by step',
    bonus: 'bonus',
    netSales: { MONTH: 'Net sales this month', QUARTER: 'Net sales this quarter' },
    band: (from, upTo) => (upTo === null ? `of the volume above ${from}` : `of the volume from ${from} to ${upTo}`),
  },
  ru: {
    title: 'Бонус за объём за',
    volume: 'продажи',
    reached: 'достигли ступени от',
    allVolume: 'от всего объёма',
    bands: 'по ступеням',
    bonus: 'бонус',
    netSales: { MONTH: 'Чистые продажи в этом месяце', QUARTER: 'Чистые продажи в этом квартале' },
    band: (from, upTo) => (upTo === null ? `с объёма свыше ${from}` : `с объёма от ${from} до ${upTo}`),
  },
};

/**
 * What reaching `steps[index]` pays, as the close computes it: "2% of all volume + bonus
 * RUB 20,000.00"; in ABOVE_THRESHOLD, its percent of its own band. The percent is named even
 * at 0% when the step has no bonus, so the text is never empty.
 */
function stepReward(steps: readonly Step[], index: number, mode: Mode, currency: string, locale: Locale): string {
  const words = WORDS[locale];
  const step = steps[index];
  const money = (value: bigint) => formatMoney(value, currency, locale);
  const parts = [];
  if (parseDecimal(step.percent)!.units !== 0n || step.bonus === 0n) {
    const next = steps[index + 1];
    const base = mode === 'ALL_VOLUME' ? words.allVolume : words.band(money(step.from), next ? money(next.from) : null);
    parts.push(`${formatPercent(step.percent, locale)} ${base}`);
  }
  if (step.bonus > 0n) parts.push(`${words.bonus} ${money(step.bonus)}`);
  const text = parts.join(' + ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const scheme = defineRewardScheme({
  code: 'volume-bonus',
  version: '1.2.0',
  name: { en: 'Volume threshold bonus', ru: 'Бонус за объём продаж' },
  description: {
    en: 'At the close of each month or quarter, pays partners whose sales volume reached a step of the ladder.',
    ru: 'При закрытии месяца или квартала платит партнёрам, чей объём продаж достиг ступени лестницы.',
  },
  eventTypes: [],
  args: argDefinitions,

  /**
   * Each step has its own threshold: two steps from the same volume would leave which one is
   * reached to their order in the list.
   */
  validateArgs(args) {
    const first = new Map<bigint, number>();
    return args.steps.flatMap((step, index) => {
      const earlier = first.get(step.from);
      if (earlier === undefined) {
        first.set(step.from, index);
        return [];
      }
      return [{ path: `args.steps[${index}].from`, message: `steps[${earlier}] starts from ${step.from} already; each step needs its own threshold` }];
    });
  },

  async closePeriod(period, args, ctx): Promise<RewardDraft[]> {
    if (period.unit !== args.period) return [];
    const currency = ctx.campaign.currency;
    const steps = ladder(args.steps);
    const drafts: RewardDraft[] = [];
    for (const { partner, stats } of await ctx.participants()) {
      const volume = netSales(stats);
      const reached = reachedSteps(steps, volume);
      if (reached.length === 0) continue;
      const top: Step = reached[reached.length - 1];
      const fromPercent =
        args.mode === 'ALL_VOLUME'
          ? percentOfBands([{ amount: volume, percent: top.percent }])
          : percentOfBands(
              reached.map((step, index) => {
                const next = steps[index + 1];
                const upTo = next && next.from < volume ? next.from : volume;
                return { amount: upTo - step.from, percent: step.percent };
              }),
            );
      const amount = fromPercent + top.bonus;
      if (amount === 0n) continue;
      const explain = (locale: Locale) => {
        const words = WORDS[locale];
        const money = (value: bigint) => formatMoney(value, currency, locale);
        const parts = [];
        if (fromPercent > 0n) {
          parts.push(
            args.mode === 'ALL_VOLUME'
              ? `${formatPercent(top.percent, locale)} ${words.allVolume} = ${money(fromPercent)}`
              : `${words.bands} = ${money(fromPercent)}`,
          );
        }
        if (top.bonus > 0n) parts.push(`${words.bonus} ${money(top.bonus)}`);
        return `${words.title} ${period.key}: ${words.volume} ${money(volume)} ${words.reached} ${money(top.from)}: ${parts.join(' + ')}`;
      };
      drafts.push({
        partnerId: partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `volume:${period.key}:${partner.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          period: period.key,
          volume: volume.toString(),
          step: top.from.toString(),
          mode: args.mode,
          fromPercent: fromPercent.toString(),
          bonus: top.bonus.toString(),
        },
      });
    }
    return drafts;
  },

  /**
   * The highest step reached (the one the close would pay by now) and the next step up (the
   * one worth working towards). Lower reached steps are left out: the higher step's bonus
   * replaces theirs, so listing them would read as bonuses paid on top. Steps past the next
   * one are left out too: the next one up is the partner's goal for this period.
   */
  async progress(partner, args, ctx): Promise<ProgressTarget[]> {
    const period = ctx.period(args.period);
    const endsAt = periodJudgedAt(ctx.campaign, period);
    if (endsAt === null) return [];
    const currency = ctx.campaign.currency;
    const volume = netSales(await ctx.periodStats(partner.id, period));
    const steps = ladder(args.steps);
    const reached = reachedSteps(steps, volume).length;
    return [reached - 1, reached]
      .filter((index) => index >= 0 && index < steps.length)
      .map((index) => ({
        key: `step:${index + 1}`,
        label: { en: WORDS.en.netSales[period.unit], ru: WORDS.ru.netSales[period.unit] },
        current: volume > 0n ? volume : 0n,
        threshold: steps[index].from,
        unit: currency,
        reward: { en: stepReward(steps, index, args.mode, currency, 'en'), ru: stepReward(steps, index, args.mode, currency, 'ru') },
        endsAt,
      }));
  },
});

export default scheme;
