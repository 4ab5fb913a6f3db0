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
  divideRoundHalfEven,
  formatMoney,
  formatPercent,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type Locale,
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

/** Σ band × percent / 100 over the bands, exact, then rounded once. */
function percentOfBands(bands: { amount: bigint; percent: string }[]): bigint {
  const rates = bands.map(({ amount, percent }) => ({ amount, rate: parseDecimal(percent)! }));
  const scale = Math.max(0, ...rates.map(({ rate }) => rate.scale));
  const numerator = rates.reduce((sum, { amount, rate }) => sum + amount * rate.units * 10n ** BigInt(scale - rate.scale), 0n);
  return divideRoundHalfEven(numerator, 100n * 10n ** BigInt(scale));
}

const WORDS: Record<Locale, { title: string; volume: string; reached: string; allVolume: string; bands: string; bonus: string }> = {
  en: { title: 'Volume bonus for', volume: 'sales', reached: 'reached the step from', allVolume: 'of all volume', bands: 'by step', bonus: 'bonus' },
  ru: { title: 'Бонус за объём за', volume: 'продажи', reached: 'достигли ступени от', allVolume: 'от всего объёма', bands: 'по ступеням', bonus: 'бонус' },
};

export const scheme = defineRewardScheme({
  code: 'volume-bonus',
  version: '1.1.0',
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
    const steps = [...args.steps].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    const drafts: RewardDraft[] = [];
    for (const { partner, stats } of await ctx.participants()) {
      const volume = netSales(stats);
      const reached = steps.filter((step) => step.from <= volume);
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
});

export default scheme;
