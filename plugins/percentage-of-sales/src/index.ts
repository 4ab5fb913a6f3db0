/**
 * percentage-of-sales: pays the selling partner a percent of each sale.
 *
 * The rate is chosen by precedence: a rate for the partner's kind (`kindRates`) beats a
 * volume tier (`tiers`, by the sale's own amount), which beats the base `percent`. Only
 * sales in the campaign's currency pay: amounts are never converted.
 */
import {
  PARTNER_KINDS,
  defineRewardScheme,
  formatMoney,
  formatPercent,
  percentOf,
  type ArgDefinitions,
  type ArgValues,
  type Locale,
  type LocalizedText,
  type PartnerKind,
  type RewardDraft,
} from '@cofactor/schema';

const KIND_LABELS: Readonly<Record<PartnerKind, LocalizedText>> = {
  AMBASSADOR: { en: 'Ambassador', ru: 'Амбассадор' },
  COFACTOR: { en: 'Co-factor', ru: 'Кофактор' },
  INFLUENCER: { en: 'Influencer', ru: 'Инфлюенсер' },
  CONTENT_PARTNER: { en: 'Content partner', ru: 'Контент-партнёр' },
  RESELLER: { en: 'Reseller', ru: 'Реселлер' },
  AFFILIATE: { en: 'Affiliate', ru: 'Аффилиат' },
  DEALER: { en: 'Dealer', ru: 'Дилер' },
  SERVICE_CENTER: { en: 'Service centre', ru: 'Сервисный центр' },
};

/** Which arg gave the rate, kept in the draft's details for audits. */
type RateRule = 'kindRates' | 'tiers' | 'percent';

interface Rate {
  percent: string;
  rule: RateRule;
  /** What a partner reads after the order, e.g. ", volume tier from RUB 100,000.00". */
  note: Record<Locale, string>;
}

/** The percent of a tier or of a partner kind: the same rules as the base percent. */
const percentField = {
  type: 'percent',
  label: { en: 'Percent', ru: 'Процент' },
  required: true,
  min: 0,
  max: 100,
  ui: 'percent',
} as const;

const argDefinitions = {
  percent: {
    type: 'percent',
    label: { en: 'Percent of the sale', ru: 'Процент от продажи' },
    help: {
      en: 'Applies when neither a kind rate nor a volume tier does.',
      ru: 'Действует, когда не подходит ни ставка для типа партнёра, ни ступень объёма.',
    },
    required: true,
    min: 0,
    max: 100,
    ui: 'percent',
  },
  tiers: {
    type: 'object',
    list: true,
    label: { en: 'Volume tiers', ru: 'Ступени объёма' },
    help: {
      en: 'A sale of at least "from" is paid the tier percent; the highest tier reached applies.',
      ru: 'Продажа на сумму от «от» оплачивается по проценту ступени; действует самая высокая достигнутая ступень.',
    },
    fields: {
      from: {
        type: 'money',
        label: { en: 'From sale amount', ru: 'От суммы продажи' },
        required: true,
        min: 0,
        ui: 'currency-amount',
      },
      percent: percentField,
    },
  },
  kindRates: {
    type: 'object',
    list: true,
    label: { en: 'Rates by partner kind', ru: 'Ставки по типу партнёра' },
    help: {
      en: 'Replaces tiers and the base percent for partners of that kind; the first entry for a kind applies.',
      ru: 'Заменяет ступени и базовый процент для партнёров этого типа; действует первая запись для типа.',
    },
    fields: {
      kind: {
        type: 'enum',
        label: { en: 'Partner kind', ru: 'Тип партнёра' },
        required: true,
        options: PARTNER_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] })),
        ui: 'partner-kind',
      },
      percent: percentField,
    },
  },
} as const satisfies ArgDefinitions;

type Args = ArgValues<typeof argDefinitions>;
type Tier = NonNullable<Args['tiers']>[number];

export const scheme = defineRewardScheme({
  code: 'percentage-of-sales',
  version: '1.0.0',
  name: { en: 'Percentage of sales', ru: 'Процент от продаж' },
  description: {
    en: 'Pays the selling partner a percent of each sale in the campaign currency. A rate for the partner kind beats a volume tier, which beats the base percent.',
    ru: 'Платит продавшему партнёру процент от каждой продажи в валюте кампании. Ставка для типа партнёра важнее ступени объёма, ступень важнее базового процента.',
  },
  eventTypes: ['SALE'],
  args: argDefinitions,

  evaluate(event, args, ctx): RewardDraft[] {
    const currency = ctx.campaign.currency;
    if (event.amount === null || event.amount <= 0n || event.currency !== currency) return [];
    const base = event.amount;
    const rate = chooseRate(args, event.partner.kind, base, currency);
    const amount = percentOf(base, rate.percent);
    if (amount === 0n) return [];
    const explain = (locale: Locale, sale: string, order: string) =>
      `${formatPercent(rate.percent, locale)} ${sale} ${formatMoney(base, currency, locale)} (${order} ${event.externalId})${rate.note[locale]}`;
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `sale:${event.id}`,
        explanation: { en: explain('en', 'of sale', 'order'), ru: explain('ru', 'от продажи', 'заказ') },
        details: { base: base.toString(), percent: rate.percent, rule: rate.rule },
      },
    ];
  },
});

function chooseRate(args: Args, kind: string, base: bigint, currency: string): Rate {
  const kindRate = args.kindRates?.find((entry) => entry.kind === kind);
  if (kindRate) {
    const label = KIND_LABELS[kindRate.kind];
    return {
      percent: kindRate.percent,
      rule: 'kindRates',
      note: { en: `, rate for ${label.en} partners`, ru: `, ставка для типа «${label.ru}»` },
    };
  }
  // The highest `from` not above the sale wins, whatever the order of the list.
  let tier: Tier | undefined;
  for (const entry of args.tiers ?? []) {
    if (entry.from <= base && (!tier || entry.from > tier.from)) tier = entry;
  }
  if (tier) {
    return {
      percent: tier.percent,
      rule: 'tiers',
      note: {
        en: `, volume tier from ${formatMoney(tier.from, currency, 'en')}`,
        ru: `, ступень объёма от ${formatMoney(tier.from, currency, 'ru')}`,
      },
    };
  }
  return { percent: args.percent, rule: 'percent', note: { en: '', ru: '' } };
}

export default scheme;
