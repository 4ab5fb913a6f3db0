/**
 * fixed-goal: pays a fixed amount once a partner's counter reaches a target within the
 * campaign — N new customers, N leads or N events hosted.
 *
 * "Once" is kept by the engine, not by this scheme: every event of the metric's type at or
 * past the target proposes the same draft with the key `goal:<partner>:<metric>:<target>`,
 * and the engine refuses a second entry with a key it already holds. Comparing with `>=`
 * rather than `==` still pays a partner whose crossing event was never evaluated by this
 * scheme, e.g. when the scheme was added to a running campaign.
 */
import {
  COUNT_UNIT,
  defineRewardScheme,
  formatMoney,
  type ArgDefinitions,
  type Locale,
  type PartnerStats,
  type ProgressTarget,
  type RewardDraft,
  type SchemeEvent,
} from '@cofactor/schema';

type Metric = 'NEW_CUSTOMERS' | 'LEADS' | 'EVENTS_HOSTED';

interface MetricRule {
  /** The only event type that can move the counter, so the only one worth evaluating. */
  eventType: string;
  counter(stats: PartnerStats): number;
  /** The goal in words, e.g. "10 leads" / "10 лидов". */
  goal(target: number, locale: Locale): string;
  /** What the event is called in the explanation: "order A-17", "lead L-9". */
  source: Record<Locale, string>;
  /** What the counter counts, as a progress target's label. */
  counted: Record<Locale, string>;
}

const METRICS: Readonly<Record<Metric, MetricRule>> = {
  NEW_CUSTOMERS: {
    eventType: 'SALE',
    counter: (stats) => stats.newCustomers,
    goal: (n, locale) =>
      locale === 'en'
        ? `${n} new ${n === 1 ? 'customer' : 'customers'}`
        : `${n} ${russianPlural(n, 'новый клиент', 'новых клиента', 'новых клиентов')}`,
    source: { en: 'order', ru: 'заказ' },
    counted: { en: 'New customers in the campaign', ru: 'Новые клиенты за кампанию' },
  },
  LEADS: {
    eventType: 'LEAD',
    counter: (stats) => stats.count.LEAD ?? 0,
    goal: (n, locale) =>
      locale === 'en' ? `${n} ${n === 1 ? 'lead' : 'leads'}` : `${n} ${russianPlural(n, 'лид', 'лида', 'лидов')}`,
    source: { en: 'lead', ru: 'лид' },
    counted: { en: 'Leads in the campaign', ru: 'Лиды за кампанию' },
  },
  EVENTS_HOSTED: {
    eventType: 'EVENT_HOSTED',
    counter: (stats) => stats.count.EVENT_HOSTED ?? 0,
    goal: (n, locale) =>
      locale === 'en'
        ? `${n} ${n === 1 ? 'event' : 'events'} hosted`
        : `${n} ${russianPlural(n, 'проведённое мероприятие', 'проведённых мероприятия', 'проведённых мероприятий')}`,
    source: { en: 'event', ru: 'мероприятие' },
    counted: { en: 'Events hosted in the campaign', ru: 'Проведённые мероприятия за кампанию' },
  },
};

/** Russian picks one of three noun forms by the number: 1 лид, 2 лида, 5 лидов, 21 лид, 11 лидов. */
function russianPlural(n: number, one: string, few: string, many: string): string {
  const lastTwo = n % 100;
  const last = n % 10;
  if (last === 1 && lastTwo !== 11) return one;
  if (last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) return few;
  return many;
}

const argDefinitions = {
  metric: {
    type: 'enum',
    label: { en: 'Goal metric', ru: 'Показатель цели' },
    required: true,
    options: [
      { value: 'NEW_CUSTOMERS', label: { en: 'New customers', ru: 'Новые клиенты' } },
      { value: 'LEADS', label: { en: 'Leads', ru: 'Лиды' } },
      { value: 'EVENTS_HOSTED', label: { en: 'Events hosted', ru: 'Проведённые мероприятия' } },
    ],
  },
  target: {
    type: 'int',
    label: { en: 'Target', ru: 'Цель' },
    help: {
      en: 'How many the partner needs within the campaign period.',
      ru: 'Сколько нужно партнёру за период кампании.',
    },
    required: true,
    min: 1,
  },
  amount: {
    type: 'money',
    label: { en: 'Bonus', ru: 'Бонус' },
    help: {
      en: 'Paid once per partner, in the campaign currency, in minor units.',
      ru: 'Выплачивается один раз каждому партнёру, в валюте кампании, в копейках (центах).',
    },
    required: true,
    min: 1,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

export const scheme = defineRewardScheme({
  code: 'fixed-goal',
  version: '1.2.0',
  name: { en: 'Fixed bonus for a goal', ru: 'Фиксированный бонус за цель' },
  description: {
    en: 'Pays a fixed bonus once, when a partner reaches a number of new customers, leads or events hosted within the campaign.',
    ru: 'Однократно платит фиксированный бонус, когда партнёр достигает числа новых клиентов, лидов или проведённых мероприятий за кампанию.',
  },
  eventTypes: ['SALE', 'LEAD', 'EVENT_HOSTED'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const rule = METRICS[args.metric];
    if (!movesCounter(event, args.metric, rule)) return [];
    const reached = rule.counter(await ctx.stats(event.partner.id));
    if (reached < args.target) return [];
    const explain = (locale: Locale, prefix: string) =>
      `${prefix}: ${rule.goal(args.target, locale)} (${rule.source[locale]} ${event.externalId})`;
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount: args.amount,
        unit: ctx.campaign.currency,
        key: `goal:${event.partner.id}:${args.metric}:${args.target}`,
        explanation: { en: explain('en', 'Goal reached'), ru: explain('ru', 'Цель достигнута') },
        details: { metric: args.metric, target: args.target, reached },
        // The goal was reached by a count; refunding one sale's money does not undo it.
        reversal: 'NONE',
      },
    ];
  },

  /** The one goal, counted by the same counter over the same campaign stats `evaluate` pays by. */
  async progress(partner, args, ctx): Promise<ProgressTarget[]> {
    const rule = METRICS[args.metric];
    const bonus = (locale: Locale) => formatMoney(args.amount, ctx.campaign.currency, locale);
    return [
      {
        key: 'goal',
        label: { ...rule.counted },
        current: BigInt(rule.counter(await ctx.stats(partner.id))),
        threshold: BigInt(args.target),
        unit: COUNT_UNIT,
        reward: { en: `Bonus ${bonus('en')}`, ru: `Бонус ${bonus('ru')}` },
        endsAt: ctx.campaign.endsAt,
      },
    ];
  },
});

/** Only an event that can move the counter is worth a stats look-up. */
function movesCounter(event: SchemeEvent, metric: Metric, rule: MetricRule): boolean {
  if (event.type !== rule.eventType) return false;
  return metric !== 'NEW_CUSTOMERS' || event.firstPurchase;
}

export default scheme;
