/**
 * multi-level: pays the sponsors above the selling partner a percent of each sale, one rate
 * per level of the referral hierarchy (level 1 = the sponsor, 2 = the sponsor's sponsor, …).
 *
 * An optional cap limits what one sale pays up the whole chain. Levels are paid nearest
 * first; the level that would cross the cap gets only what is left of it, and the levels
 * above get nothing. Each level is rounded once on its own (half to even); the cap then
 * cuts in whole minor units, so it never adds a second rounding.
 *
 * An optional monthly qualification (the usual MLM personal-volume rule) pays a sponsor only
 * in a month where its own net sales reach a minimum: the sponsor's stats in the sale's local
 * month (`ctx.stats(sponsor, 'MONTH')`), as recorded up to and including the sale.
 */
import {
  defineRewardScheme,
  formatMoney,
  netSales,
  formatPercent,
  percentOf,
  type ArgDefinitions,
  type Locale,
  type RewardDraft,
} from '@cofactor/schema';

const argDefinitions = {
  levels: {
    type: 'percent',
    list: true,
    label: { en: 'Percent per level', ru: 'Процент по уровням' },
    help: {
      en: 'The first rate is for the sponsor, the second for the sponsor’s sponsor, and so on.',
      ru: 'Первая ставка — для спонсора, вторая — для спонсора спонсора и так далее.',
    },
    required: true,
    minItems: 1,
    maxItems: 10,
    min: 0,
    max: 100,
    ui: 'percent',
  },
  capPerEvent: {
    type: 'money',
    label: { en: 'Cap per sale', ru: 'Лимит на продажу' },
    help: {
      en: 'The most one sale pays up the whole chain, in minor units; nearer levels are paid first.',
      ru: 'Сколько одна продажа может принести всей цепочке вместе, в копейках (центах); ближние уровни получают первыми.',
    },
    min: 0,
    ui: 'currency-amount',
  },
  minMonthlyPersonalSales: {
    type: 'money',
    label: { en: 'Monthly personal sales to qualify', ru: 'Личные продажи за месяц для квалификации' },
    help: {
      en: 'A sponsor earns on a downline sale only if its own net sales in that sale’s month (program time zone) reach this, in minor units.',
      ru: 'Спонсор получает вознаграждение с продажи структуры, только если его собственные чистые продажи в месяце этой продажи (по времени программы) достигли этой суммы, в копейках (центах).',
    },
    min: 0,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

/** The words around the figures in an explanation. */
const WORDS: Readonly<
  Record<
    Locale,
    {
      ofSale: string;
      order: string;
      level(depth: number, name: string): string;
      capped(cap: string): string;
      qualified(own: string, minimum: string): string;
    }
  >
> = {
  en: {
    ofSale: 'of sale',
    order: 'order',
    level: (depth, name) => `level ${depth} of ${name}'s downline`,
    capped: (cap) => `, limited by the cap of ${cap} per sale`,
    qualified: (own, minimum) => `; own sales that month ${own}, qualified at ${minimum}`,
  },
  ru: {
    ofSale: 'от продажи',
    order: 'заказ',
    level: (depth, name) => `уровень ${depth} в структуре ${name}`,
    capped: (cap) => `, ограничено лимитом ${cap} на продажу`,
    qualified: (own, minimum) => `; личные продажи за тот месяц ${own}, квалификация от ${minimum}`,
  },
};

export const scheme = defineRewardScheme({
  code: 'multi-level',
  version: '1.1.0',
  name: { en: 'Multi-level sales reward', ru: 'Многоуровневое вознаграждение с продаж' },
  description: {
    en: 'Pays the sponsors above the selling partner a percent of each sale, a rate per level, with an optional cap per sale and an optional monthly personal-sales qualification.',
    ru: 'Платит спонсорам над продавшим партнёром процент от каждой продажи, своя ставка на каждом уровне, с необязательным лимитом на продажу и необязательной квалификацией по личным продажам за месяц.',
  },
  eventTypes: ['SALE'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const currency = ctx.campaign.currency;
    // No implicit conversion: a sale in another currency pays nothing here.
    if (event.amount === null || event.amount <= 0n || event.currency !== currency) return [];
    const base = event.amount;
    let capLeft = args.capPerEvent; // undefined: no cap
    const minimum = args.minMonthlyPersonalSales; // undefined: every sponsor qualifies
    const drafts: RewardDraft[] = [];
    for (const { depth, partner } of await ctx.upline(event.partner.id, args.levels.length)) {
      const percent = args.levels[depth - 1];
      const due = percentOf(base, percent);
      // Nothing to pay at this level (a 0 % rate, the cap used up): skip it before asking for
      // the sponsor's stats, each of which is a lock and a sum (plugins/README.md).
      if (due === 0n || capLeft === 0n) continue;
      const qualification = minimum === undefined ? undefined : { own: netSales(await ctx.stats(partner.id, 'MONTH')), minimum };
      // An unqualified sponsor gets nothing and leaves the cap to the levels above.
      if (qualification && qualification.own < qualification.minimum) continue;
      const amount = capLeft !== undefined && capLeft < due ? capLeft : due;
      if (capLeft !== undefined) capLeft -= amount;
      const cap = amount < due ? args.capPerEvent : undefined;
      const explain = (locale: Locale) => {
        const words = WORDS[locale];
        const sale = `${formatPercent(percent, locale)} ${words.ofSale} ${formatMoney(base, currency, locale)} (${words.order} ${event.externalId})`;
        const limit = cap === undefined ? '' : words.capped(formatMoney(cap, currency, locale));
        const qualified = qualification ? words.qualified(formatMoney(qualification.own, currency, locale), formatMoney(qualification.minimum, currency, locale)) : '';
        return `${sale}, ${words.level(depth, partner.name)}${limit}${qualified}`;
      };
      drafts.push({
        partnerId: partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `sale:${event.id}:level:${depth}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          base: base.toString(),
          percent,
          level: depth,
          ...(cap === undefined ? {} : { capPerEvent: cap.toString(), uncapped: due.toString() }),
          ...(qualification ? { monthlyPersonalSales: qualification.own.toString(), minMonthlyPersonalSales: qualification.minimum.toString() } : {}),
        },
      });
    }
    return drafts;
  },
});

export default scheme;
