/**
 * kpi-bonus: a fixed bonus at the close of each month or quarter for every partner whose
 * KPI in it reached the target — conversion (sales per lead), average check, new customers
 * or events hosted.
 *
 * A KPI is an exact fraction of the period's stats and is compared with the target as one:
 * numerator × 10^scale ≥ target units × denominator, in integers, so 12.5 % is reached by
 * 1 sale of 8 leads and not by 12.499999 %. A KPI that is undefined (a conversion without
 * leads, an average check without sales) reaches nothing. The bonus is a fixed amount, so
 * nothing is rounded; the 4-decimal KPI in the explanation and details is for reading only.
 */
import {
  defineRewardScheme,
  divideRoundHalfEven,
  formatDecimal,
  formatMoney,
  formatPercent,
  parseDecimal,
  type ArgDefinitions,
  type Decimal,
  type JsonValue,
  type Locale,
  type PartnerStats,
  type RewardDraft,
  periodArg,
} from '@cofactor/schema';

type Kpi = 'CONVERSION' | 'AVERAGE_CHECK' | 'NEW_CUSTOMERS' | 'EVENTS_HOSTED';

/** A KPI's exact value in the unit of its target; the denominator is positive. */
interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

interface KpiRule {
  /** The KPI over the period's stats, or null where it is undefined (no leads, no sales). */
  measure(stats: PartnerStats): Ratio | null;
  /** Whether `minimumSales` applies: a ratio over sales means little on one or two of them. */
  countsSales: boolean;
  /** The KPI with its figures: "conversion 25% (5 sales / 20 leads)". */
  describe(value: Ratio, stats: PartnerStats, locale: Locale, currency: string): string;
  /** The target in the KPI's unit: "20%", "RUB 1,500.00", "10". */
  target(target: string, locale: Locale, currency: string): string;
  /** The stats the KPI was computed from, for the entry's details. */
  figures(stats: PartnerStats): Record<string, JsonValue>;
}

/** Places the KPI keeps when shown; comparisons never use this rounding. */
const DISPLAY_SCALE = 4;

function displayValue({ numerator, denominator }: Ratio): string {
  return formatDecimal({ units: divideRoundHalfEven(numerator * 10n ** BigInt(DISPLAY_SCALE), denominator), scale: DISPLAY_SCALE });
}

/** A count target for reading: "10" (a fractional one as given: "10.5" / "10,5"). */
function countTarget(target: string, locale: Locale): string {
  return locale === 'ru' ? target.replace('.', ',') : target;
}

/** Money for reading: minor units rounded to whole ones, half to even, straight from the exact value. */
function moneyOf(numerator: bigint, denominator: bigint, currency: string, locale: Locale): string {
  return formatMoney(divideRoundHalfEven(numerator, denominator), currency, locale);
}

/** Russian picks one of three noun forms by the number: 1 лид, 2 лида, 5 лидов, 21 лид, 11 лидов. */
function russianPlural(n: number, one: string, few: string, many: string): string {
  const lastTwo = n % 100;
  const last = n % 10;
  if (last === 1 && lastTwo !== 11) return one;
  if (last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) return few;
  return many;
}

function salesWord(n: number, locale: Locale): string {
  return locale === 'en' ? `${n} ${n === 1 ? 'sale' : 'sales'}` : `${n} ${russianPlural(n, 'продажа', 'продажи', 'продаж')}`;
}

function leadsWord(n: number, locale: Locale): string {
  return locale === 'en' ? `${n} ${n === 1 ? 'lead' : 'leads'}` : `${n} ${russianPlural(n, 'лид', 'лида', 'лидов')}`;
}

const sales = (stats: PartnerStats) => stats.count.SALE ?? 0;

const KPIS: Readonly<Record<Kpi, KpiRule>> = {
  CONVERSION: {
    measure(stats) {
      const leads = stats.count.LEAD ?? 0;
      return leads === 0 ? null : { numerator: BigInt(sales(stats)) * 100n, denominator: BigInt(leads) };
    },
    countsSales: true,
    describe: (value, stats, locale) =>
      `${locale === 'en' ? 'conversion' : 'конверсия'} ${formatPercent(displayValue(value), locale)} ` +
      `(${salesWord(sales(stats), locale)} / ${leadsWord(stats.count.LEAD ?? 0, locale)})`,
    target: (target, locale) => formatPercent(target, locale),
    figures: (stats) => ({ sales: sales(stats), leads: stats.count.LEAD ?? 0 }),
  },
  AVERAGE_CHECK: {
    measure(stats) {
      const count = sales(stats);
      return count === 0 ? null : { numerator: stats.amount.SALE ?? 0n, denominator: BigInt(count) };
    },
    countsSales: true,
    describe: (value, stats, locale, currency) =>
      `${locale === 'en' ? 'average check' : 'средний чек'} ${moneyOf(value.numerator, value.denominator, currency, locale)} ` +
      `(${formatMoney(stats.amount.SALE ?? 0n, currency, locale)} / ${salesWord(sales(stats), locale)})`,
    target(target, locale, currency) {
      const { units, scale } = parseDecimal(target)!;
      return moneyOf(units, 10n ** BigInt(scale), currency, locale);
    },
    figures: (stats) => ({ sales: sales(stats), salesAmount: (stats.amount.SALE ?? 0n).toString() }),
  },
  NEW_CUSTOMERS: {
    measure: (stats) => ({ numerator: BigInt(stats.newCustomers), denominator: 1n }),
    countsSales: false,
    describe(_value, stats, locale) {
      const n = stats.newCustomers;
      return locale === 'en'
        ? `${n} new ${n === 1 ? 'customer' : 'customers'}`
        : `${n} ${russianPlural(n, 'новый клиент', 'новых клиента', 'новых клиентов')}`;
    },
    target: countTarget,
    figures: (stats) => ({ newCustomers: stats.newCustomers }),
  },
  EVENTS_HOSTED: {
    measure: (stats) => ({ numerator: BigInt(stats.count.EVENT_HOSTED ?? 0), denominator: 1n }),
    countsSales: false,
    describe(_value, stats, locale) {
      const n = stats.count.EVENT_HOSTED ?? 0;
      return locale === 'en'
        ? `${n} ${n === 1 ? 'event' : 'events'} hosted`
        : `${n} ${russianPlural(n, 'проведённое мероприятие', 'проведённых мероприятия', 'проведённых мероприятий')}`;
    },
    target: countTarget,
    figures: (stats) => ({ eventsHosted: stats.count.EVENT_HOSTED ?? 0 }),
  },
};

/** value ≥ target, exactly: numerator / denominator ≥ units / 10^scale. */
function reaches(value: Ratio, target: Decimal): boolean {
  return value.numerator * 10n ** BigInt(target.scale) >= target.units * value.denominator;
}

const argDefinitions = {
  period: periodArg,
  kpi: {
    type: 'enum',
    label: { en: 'KPI', ru: 'KPI' },
    required: true,
    options: [
      { value: 'CONVERSION', label: { en: 'Conversion (sales per lead, %)', ru: 'Конверсия (продажи на лид, %)' } },
      { value: 'AVERAGE_CHECK', label: { en: 'Average check', ru: 'Средний чек' } },
      { value: 'NEW_CUSTOMERS', label: { en: 'New customers', ru: 'Новые клиенты' } },
      { value: 'EVENTS_HOSTED', label: { en: 'Events hosted', ru: 'Проведённые мероприятия' } },
    ],
  },
  target: {
    type: 'decimal',
    label: { en: 'Target', ru: 'Цель' },
    help: {
      en: 'Reached at or above it. Conversion: a percent ("12.5"); average check: minor units of the campaign currency; new customers and events hosted: a count.',
      ru: 'Достигнута, если KPI не ниже её. Конверсия: процент ("12.5"); средний чек: в копейках (центах) валюты кампании; новые клиенты и мероприятия: количество.',
    },
    required: true,
    min: 0,
  },
  amount: {
    type: 'money',
    label: { en: 'Bonus', ru: 'Бонус' },
    help: {
      en: 'Paid to each partner who reached the target, once per period, in minor units of the campaign currency.',
      ru: 'Выплачивается каждому достигшему цели партнёру, один раз за период, в копейках (центах) валюты кампании.',
    },
    required: true,
    min: 1,
    ui: 'currency-amount',
  },
  minimumSales: {
    type: 'int',
    label: { en: 'Minimum sales', ru: 'Минимум продаж' },
    help: {
      en: 'For conversion and average check: fewer sales in the period pay nothing, whatever the KPI.',
      ru: 'Для конверсии и среднего чека: при меньшем числе продаж за период бонуса нет, каким бы ни был KPI.',
    },
    default: 0,
    min: 0,
  },
} as const satisfies ArgDefinitions;

export const scheme = defineRewardScheme({
  code: 'kpi-bonus',
  version: '1.0.0',
  name: { en: 'KPI bonus', ru: 'Бонус за KPI' },
  description: {
    en: 'At the close of each month or quarter, pays a fixed bonus to partners whose conversion, average check, new customers or events hosted reached the target.',
    ru: 'При закрытии месяца или квартала платит фиксированный бонус партнёрам, чья конверсия, средний чек, число новых клиентов или проведённых мероприятий достигли цели.',
  },
  eventTypes: [],
  args: argDefinitions,

  async closePeriod(period, args, ctx): Promise<RewardDraft[]> {
    if (period.unit !== args.period) return [];
    const rule = KPIS[args.kpi];
    const target = parseDecimal(args.target)!;
    const currency = ctx.campaign.currency;
    const drafts: RewardDraft[] = [];
    for (const { partner, stats } of await ctx.participants()) {
      if (rule.countsSales && sales(stats) < args.minimumSales) continue;
      const value = rule.measure(stats);
      if (!value || !reaches(value, target)) continue;
      const explain = (locale: Locale) =>
        locale === 'en'
          ? `KPI bonus for ${period.key}: ${rule.describe(value, stats, locale, currency)} reached the target ` +
            `${rule.target(args.target, locale, currency)}: ${formatMoney(args.amount, currency, locale)}`
          : `Бонус за KPI за ${period.key}: ${rule.describe(value, stats, locale, currency)}, цель ` +
            `${rule.target(args.target, locale, currency)} достигнута: ${formatMoney(args.amount, currency, locale)}`;
      drafts.push({
        partnerId: partner.id,
        kind: 'MONEY',
        amount: args.amount,
        unit: currency,
        key: `kpi:${period.key}:${partner.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          period: period.key,
          kpi: args.kpi,
          value: displayValue(value),
          target: args.target,
          ...rule.figures(stats),
        },
      });
    }
    return drafts;
  },
});

export default scheme;
