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
 *
 * Progress shows the KPI (and the sales minimum, where it applies) in whole units, rounded so
 * that a target shows as reached exactly when the close would count it reached.
 */
import {
  COUNT_UNIT,
  defineRewardScheme,
  periodJudgedAt,
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
  type PeriodUnit,
  type ProgressTarget,
  type RewardDraft,
  periodArg,
} from '@cofactor/schema';

type Kpi = 'CONVERSION' | 'AVERAGE_CHECK' | 'NEW_CUSTOMERS' | 'EVENTS_HOSTED';

/** A KPI's exact value in the unit of its target; the denominator is positive. */
interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

/** A KPI and its target in whole units of a progress target; reached when current ≥ threshold. */
interface Gauge {
  current: bigint;
  threshold: bigint;
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
  /**
   * The KPI as a progress target, reached exactly when `reaches` says so; null when there is
   * nothing to work towards (a target of 0 that every participant reaches, no leads to convert).
   * By default `wholeUnits` of `measure`.
   */
  gauge?(stats: PartnerStats, target: Decimal): Gauge | null;
  /** Whether the gauge is in minor units of the campaign currency rather than a count. */
  inCurrency: boolean;
  /** What the gauge measures, with the shown target and the span ("this month"): "Average check this month". */
  measured(stats: PartnerStats, target: string, locale: Locale, span: string): string;
  /** The KPI reaching the shown target, as the bonus's condition: "a conversion of at least 20%" / "конверсия не ниже 20%". */
  condition(target: string, locale: Locale): string;
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

function divideRoundingUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/**
 * A KPI and its target in whole units: the target rounded up (2.5 new customers → 3) and the
 * KPI down, except that a KPI that reaches a fractional target but is still under the rounded-up
 * threshold shows as the threshold (an average check of 150 000.7 kopecks reaches 150 000.5 and
 * pays), so current ≥ threshold exactly when `reaches`. Null for a target of 0, which every
 * participant reaches.
 */
function wholeUnits(value: Ratio | null, target: Decimal): Gauge | null {
  const threshold = divideRoundingUp(target.units, 10n ** BigInt(target.scale));
  if (threshold === 0n) return null;
  if (!value) return { current: 0n, threshold };
  const current = value.numerator / value.denominator;
  return { current: current < threshold && reaches(value, target) ? threshold : current, threshold };
}

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
    // In sales: those the leads so far need, ⌈target × leads / 100⌉, so it is exact. Without
    // leads the conversion is undefined and pays nothing, and no number of sales changes that.
    gauge(stats, target) {
      const leads = BigInt(stats.count.LEAD ?? 0);
      const needed = divideRoundingUp(target.units * leads, 100n * 10n ** BigInt(target.scale));
      return needed === 0n ? null : { current: BigInt(sales(stats)), threshold: needed };
    },
    inCurrency: false,
    measured: (stats, target, locale, span) =>
      locale === 'en'
        ? `Sales ${span} for a ${target} conversion of ${leadsWord(stats.count.LEAD ?? 0, locale)}`
        : `Продажи ${span} для конверсии ${target} (лидов: ${stats.count.LEAD ?? 0})`,
    condition: (target, locale) => (locale === 'en' ? `a conversion of at least ${target}` : `конверсия не ниже ${target}`),
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
    inCurrency: true,
    measured: (_stats, _target, locale, span) => (locale === 'en' ? `Average check ${span}` : `Средний чек ${span}`),
    condition: (target, locale) => (locale === 'en' ? `an average check of at least ${target}` : `средний чек не ниже ${target}`),
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
    inCurrency: false,
    measured: (_stats, _target, locale, span) => (locale === 'en' ? `New customers ${span}` : `Новые клиенты ${span}`),
    condition: (target, locale) =>
      locale === 'en' ? `at least ${target} new ${target === '1' ? 'customer' : 'customers'}` : `новых клиентов не меньше ${target}`,
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
    inCurrency: false,
    measured: (_stats, _target, locale, span) => (locale === 'en' ? `Events hosted ${span}` : `Проведённые мероприятия ${span}`),
    condition: (target, locale) =>
      locale === 'en' ? `at least ${target} ${target === '1' ? 'event' : 'events'} hosted` : `проведённых мероприятий не меньше ${target}`,
  },
};

/** value ≥ target, exactly: numerator / denominator ≥ units / 10^scale. */
function reaches(value: Ratio, target: Decimal): boolean {
  return value.numerator * 10n ** BigInt(target.scale) >= target.units * value.denominator;
}

/** The open period in a progress target's label. */
const SPANS: Readonly<Record<PeriodUnit, Record<Locale, string>>> = {
  MONTH: { en: 'this month', ru: 'в этом месяце' },
  QUARTER: { en: 'this quarter', ru: 'в этом квартале' },
};

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
  version: '1.1.0',
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

  /**
   * One target per condition the close checks: the KPI, and the sales minimum where it
   * applies. Both name the whole rule as their reward, since the bonus needs every one.
   */
  async progress(partner, args, ctx): Promise<ProgressTarget[]> {
    const rule = KPIS[args.kpi];
    const period = ctx.period(args.period);
    const endsAt = periodJudgedAt(ctx.campaign, period);
    if (endsAt === null) return [];
    const stats = await ctx.periodStats(partner.id, period);
    const currency = ctx.campaign.currency;
    const minimum = rule.countsSales && args.minimumSales > 0 ? args.minimumSales : null;
    const text = (say: (locale: Locale) => string) => ({ en: say('en'), ru: say('ru') });
    const reward = text((locale) => {
      const money = formatMoney(args.amount, currency, locale);
      const condition = rule.condition(rule.target(args.target, locale, currency), locale);
      if (locale === 'en') return `Bonus ${money} for ${condition}${minimum === null ? '' : ` on at least ${salesWord(minimum, locale)}`}`;
      return `Бонус ${money}, если ${condition}${minimum === null ? '' : ` и продаж не меньше ${minimum}`}`;
    });
    const targets: ProgressTarget[] = [];
    const target = parseDecimal(args.target)!;
    const gauge = rule.gauge ? rule.gauge(stats, target) : wholeUnits(rule.measure(stats), target);
    if (gauge) {
      targets.push({
        key: `kpi:${args.kpi}`,
        label: text((locale) => rule.measured(stats, rule.target(args.target, locale, currency), locale, SPANS[period.unit][locale])),
        ...gauge,
        unit: rule.inCurrency ? currency : COUNT_UNIT,
        reward,
        endsAt,
      });
    }
    if (minimum !== null) {
      const label = text((locale) => `${locale === 'en' ? 'Sales' : 'Продажи'} ${SPANS[period.unit][locale]}`);
      targets.push({ key: 'minimum-sales', label, current: BigInt(sales(stats)), threshold: BigInt(minimum), unit: COUNT_UNIT, reward: { ...reward }, endsAt });
    }
    return targets;
  },
});

export default scheme;
