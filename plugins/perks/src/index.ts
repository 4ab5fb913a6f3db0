/**
 * perks: non-material rewards — access to a training, a closed event, an exclusive product,
 * a status — each given once per partner, when the partner reaches a threshold in the
 * campaign (a number of sales, a sales volume, new customers, leads, events hosted or
 * trainings completed).
 *
 * A perk is a PERK ledger entry (amount 1, unit = the perk's code); delivering it is an
 * admin's job afterwards. The scheme proposes a perk only on the event that crosses the
 * threshold: `before < threshold ≤ now`, where `now` is the partner's value in the campaign
 * including this event (`ctx.stats`) and `before` is `now` minus this event's own
 * contribution. The key `perk:<code>:<partner>` backs "once" up in the ledger.
 */
import {
  defineRewardScheme,
  formatMoney,
  parseDecimal,
  type ArgDefinitions,
  type Locale,
  type PartnerStats,
  type RewardDraft,
  type SchemeEvent,
} from '@cofactor/schema';

type Metric = 'SALES_COUNT' | 'SALES_AMOUNT' | 'NEW_CUSTOMERS' | 'LEADS' | 'EVENTS_HOSTED' | 'TRAININGS_COMPLETED';
type PerkType = 'TRAINING_ACCESS' | 'CLOSED_EVENT' | 'EXCLUSIVE_PRODUCT' | 'STATUS';

interface MetricRule {
  /** The only event type that moves the value, so the only one the award is evaluated for. */
  eventType: string;
  /** The partner's value in the campaign, including the event being evaluated. */
  value(stats: PartnerStats): bigint;
  /** What the event itself added to the value: `value(stats) − contribution` is the value before it. */
  contribution(event: SchemeEvent, currency: string): bigint;
  /** The threshold in words after "for reaching" / "за": "10 sales" / "10 продаж". */
  goal(threshold: bigint, currency: string, locale: Locale): string;
  /** A threshold of 0 is reached on the first event of `eventType`: "the first sale" / "первую продажу". */
  first: Readonly<Record<Locale, string>>;
}

/** Russian picks one of three noun forms by the number: 1 лид, 2 лида, 5 лидов, 21 лид, 11 лидов. */
function russianPlural(n: bigint, one: string, few: string, many: string): string {
  const lastTwo = n % 100n;
  const last = n % 10n;
  if (last === 1n && lastTwo !== 11n) return one;
  if (last >= 2n && last <= 4n && (lastTwo < 12n || lastTwo > 14n)) return few;
  return many;
}

/** "10 leads" / "10 лидов": the English singular and plural, the Russian forms after "за" (accusative). */
function counted(en: [string, string], ru: [string, string, string]) {
  return (n: bigint, _currency: string, locale: Locale): string =>
    locale === 'en' ? `${n} ${n === 1n ? en[0] : en[1]}` : `${n} ${russianPlural(n, ...ru)}`;
}

const count = (stats: PartnerStats, type: string): bigint => BigInt(stats.count[type] ?? 0);

const SALE_FIRST = { en: 'the first sale', ru: 'первую продажу' } as const;

const METRICS: Readonly<Record<Metric, MetricRule>> = {
  SALES_COUNT: {
    eventType: 'SALE',
    value: (stats) => count(stats, 'SALE'),
    contribution: () => 1n,
    goal: counted(['sale', 'sales'], ['продажу', 'продажи', 'продаж']),
    first: SALE_FIRST,
  },
  SALES_AMOUNT: {
    eventType: 'SALE',
    value: (stats) => stats.amount.SALE ?? 0n,
    // ctx.stats sums amounts in the campaign currency only: no conversion, so no contribution either.
    contribution: (event, currency) => (event.amount !== null && event.currency === currency ? event.amount : 0n),
    goal: (threshold, currency, locale) =>
      locale === 'en'
        ? `sales of ${formatMoney(threshold, currency, 'en')}`
        : `продажи на ${formatMoney(threshold, currency, 'ru')}`,
    first: SALE_FIRST,
  },
  NEW_CUSTOMERS: {
    eventType: 'SALE',
    value: (stats) => BigInt(stats.newCustomers),
    contribution: (event) => (event.firstPurchase ? 1n : 0n),
    goal: counted(['new customer', 'new customers'], ['нового клиента', 'новых клиентов', 'новых клиентов']),
    first: SALE_FIRST,
  },
  LEADS: {
    eventType: 'LEAD',
    value: (stats) => count(stats, 'LEAD'),
    contribution: () => 1n,
    goal: counted(['lead', 'leads'], ['лид', 'лида', 'лидов']),
    first: { en: 'the first lead', ru: 'первый лид' },
  },
  EVENTS_HOSTED: {
    eventType: 'EVENT_HOSTED',
    value: (stats) => count(stats, 'EVENT_HOSTED'),
    contribution: () => 1n,
    goal: counted(
      ['event hosted', 'events hosted'],
      ['проведённое мероприятие', 'проведённых мероприятия', 'проведённых мероприятий'],
    ),
    first: { en: 'the first event hosted', ru: 'первое проведённое мероприятие' },
  },
  TRAININGS_COMPLETED: {
    eventType: 'TRAINING_COMPLETED',
    value: (stats) => count(stats, 'TRAINING_COMPLETED'),
    contribution: () => 1n,
    goal: counted(
      ['training completed', 'trainings completed'],
      ['пройденный тренинг', 'пройденных тренинга', 'пройденных тренингов'],
    ),
    first: { en: 'the first training completed', ru: 'первый пройденный тренинг' },
  },
};

/** How a perk type reads inside an explanation: "(closed event)" / "(закрытое мероприятие)". */
const TYPE_WORDS: Readonly<Record<PerkType, Readonly<Record<Locale, string>>>> = {
  TRAINING_ACCESS: { en: 'training access', ru: 'доступ к обучению' },
  CLOSED_EVENT: { en: 'closed event', ru: 'закрытое мероприятие' },
  EXCLUSIVE_PRODUCT: { en: 'exclusive product', ru: 'эксклюзивный продукт' },
  STATUS: { en: 'status', ru: 'статус' },
};

const argDefinitions = {
  awards: {
    type: 'object',
    list: true,
    required: true,
    minItems: 1,
    maxItems: 20,
    label: { en: 'Perks', ru: 'Привилегии' },
    help: {
      en: 'Each perk is given once per partner, on the event that brings the partner to its threshold in the campaign.',
      ru: 'Каждая привилегия выдаётся партнёру один раз — на событии, с которым партнёр достигает её порога в кампании.',
    },
    fields: {
      code: {
        type: 'string',
        required: true,
        label: { en: 'Perk code', ru: 'Код привилегии' },
        help: {
          en: 'Identifies the perk in the ledger, e.g. VIP-EVENT-2026. Each partner gets a code at most once.',
          ru: 'Обозначает привилегию в журнале начислений, например VIP-EVENT-2026. Каждый партнёр получает код не более одного раза.',
        },
      },
      name: {
        type: 'string',
        required: true,
        label: { en: 'Name', ru: 'Название' },
        help: {
          en: 'What the partner reads, e.g. "Closed dealer event 2026".',
          ru: 'Что видит партнёр, например «Закрытое мероприятие для дилеров 2026».',
        },
      },
      type: {
        type: 'enum',
        required: true,
        label: { en: 'Perk type', ru: 'Вид привилегии' },
        options: [
          { value: 'TRAINING_ACCESS', label: { en: 'Training access', ru: 'Доступ к обучению' } },
          { value: 'CLOSED_EVENT', label: { en: 'Closed event', ru: 'Закрытое мероприятие' } },
          { value: 'EXCLUSIVE_PRODUCT', label: { en: 'Exclusive product', ru: 'Эксклюзивный продукт' } },
          { value: 'STATUS', label: { en: 'Status', ru: 'Статус' } },
        ],
      },
      metric: {
        type: 'enum',
        required: true,
        label: { en: 'Metric', ru: 'Показатель' },
        options: [
          { value: 'SALES_COUNT', label: { en: 'Number of sales', ru: 'Число продаж' } },
          { value: 'SALES_AMOUNT', label: { en: 'Sales volume', ru: 'Объём продаж' } },
          { value: 'NEW_CUSTOMERS', label: { en: 'New customers', ru: 'Новые клиенты' } },
          { value: 'LEADS', label: { en: 'Leads', ru: 'Лиды' } },
          { value: 'EVENTS_HOSTED', label: { en: 'Events hosted', ru: 'Проведённые мероприятия' } },
          { value: 'TRAININGS_COMPLETED', label: { en: 'Trainings completed', ru: 'Пройденные тренинги' } },
        ],
      },
      threshold: {
        type: 'decimal',
        required: true,
        min: 0,
        label: { en: 'Threshold', ru: 'Порог' },
        help: {
          en: 'The value in the campaign that earns the perk: minor units of the campaign currency for the sales volume, a count otherwise. 0 gives the perk on the first event of the metric.',
          ru: 'Значение показателя за кампанию, дающее привилегию: для объёма продаж — в копейках (центах) валюты кампании, иначе — количество. 0 — привилегия на первом событии показателя.',
        },
      },
    },
  },
} as const satisfies ArgDefinitions;

/**
 * Every metric is a whole number (a count, or minor units), so "value ≥ threshold" is exactly
 * "value ≥ the threshold rounded up": 2.5 sales are reached with the 3rd. Exact, on bigints.
 */
function ceiling(threshold: string): bigint {
  const decimal = parseDecimal(threshold);
  if (!decimal || decimal.units < 0n) throw new RangeError(`not a threshold: ${threshold}`);
  const scale = 10n ** BigInt(decimal.scale);
  return (decimal.units + scale - 1n) / scale;
}

export const scheme = defineRewardScheme({
  code: 'perks',
  version: '1.0.0',
  name: { en: 'Perks for reaching a threshold', ru: 'Привилегии за достижение порога' },
  description: {
    en: 'Gives non-material rewards — training access, closed events, exclusive products, status — once per partner, on the event that brings the partner to a threshold of sales, sales volume, new customers, leads, events hosted or trainings completed in the campaign.',
    ru: 'Выдаёт нематериальные вознаграждения — доступ к обучению, закрытые мероприятия, эксклюзивные продукты, статус — один раз каждому партнёру, на событии, с которым партнёр достигает порога продаж, объёма продаж, новых клиентов, лидов, проведённых мероприятий или пройденных тренингов за кампанию.',
  },
  eventTypes: ['SALE', 'LEAD', 'EVENT_HOSTED', 'TRAINING_COMPLETED'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const fed = args.awards.filter((award) => METRICS[award.metric].eventType === event.type);
    if (fed.length === 0) return [];
    const currency = ctx.campaign.currency;
    const partnerId = event.partner.id;
    const stats = await ctx.stats(partnerId);
    // Events of this type before this one: a threshold of 0 is reached on the first.
    const fedBefore = count(stats, event.type) - 1n;
    const drafts: RewardDraft[] = [];
    const proposed = new Set<string>();
    for (const award of fed) {
      const code = award.code.trim();
      // A blank code cannot name a perk (the args cannot refuse it), and a code is given once:
      // of two awards with the same code, the first in the list that is reached is the one.
      if (code === '' || proposed.has(code)) continue;
      const rule = METRICS[award.metric];
      const threshold = ceiling(award.threshold);
      const now = rule.value(stats);
      const before = now - rule.contribution(event, currency);
      // Crossed with this event: before < threshold ≤ now. A threshold of 0 is "reached" before
      // anything happened, so it is given on the first event that feeds the metric instead.
      const crossed = threshold === 0n ? fedBefore <= 0n : before < threshold && threshold <= now;
      if (!crossed) continue;
      proposed.add(code);
      const name = award.name.trim() || code;
      const reaching = (locale: Locale) =>
        threshold === 0n
          ? rule.first[locale]
          : `${locale === 'en' ? 'reaching ' : ''}${rule.goal(threshold, currency, locale)}`;
      drafts.push({
        partnerId,
        kind: 'PERK',
        amount: 1n,
        unit: code,
        key: `perk:${code}:${partnerId}`,
        explanation: {
          en: `Perk: ${name} (${TYPE_WORDS[award.type].en}) for ${reaching('en')}`,
          ru: `Привилегия: ${name} (${TYPE_WORDS[award.type].ru}) за ${reaching('ru')}`,
        },
        details: {
          code,
          name,
          type: award.type,
          metric: award.metric,
          threshold: award.threshold,
          // Money as an integer string (minor units), counts as numbers.
          value: award.metric === 'SALES_AMOUNT' ? now.toString() : Number(now),
        },
      });
    }
    return drafts;
  },
});

export default scheme;
