/**
 * first-purchase: pays the partner a bonus for each new customer's first purchase through
 * them — a fixed `amount` plus a `percent` of the sale.
 *
 * "First" is decided by the engine, not here: it sets `firstPurchase` on the customer's
 * first SALE ever in the program, so at most one event per customer can pay. The key
 * `first-purchase:<customer>` backs that up in the ledger. Only sales in the campaign's
 * currency pay: amounts are never converted.
 */
import {
  defineRewardScheme,
  formatMoney,
  formatPercent,
  percentOf,
  type ArgDefinitions,
  type Locale,
  type RewardDraft,
} from '@cofactor/schema';

const argDefinitions = {
  amount: {
    type: 'money',
    label: { en: 'Fixed bonus', ru: 'Фиксированный бонус' },
    help: {
      en: 'Paid for each new customer, in the campaign currency, in minor units; added to the percent.',
      ru: 'Выплачивается за каждого нового клиента, в валюте кампании, в копейках (центах); складывается с процентом.',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
  percent: {
    type: 'percent',
    label: { en: 'Percent of the first purchase', ru: 'Процент от первой покупки' },
    help: {
      en: 'A share of the first purchase, added to the fixed bonus.',
      ru: 'Доля первой покупки, добавляется к фиксированному бонусу.',
    },
    default: '0',
    min: 0,
    max: 100,
    ui: 'percent',
  },
  minimumSale: {
    type: 'money',
    label: { en: 'Minimum first purchase', ru: 'Минимальная первая покупка' },
    help: {
      en: 'A first purchase below this amount, in minor units, pays nothing.',
      ru: 'Первая покупка меньше этой суммы, в копейках (центах), не оплачивается.',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

/** The words around the figures in an explanation. */
const WORDS: Readonly<Record<Locale, { ofSale: string; forSale: string; order: string; firstPurchase: string }>> = {
  en: { ofSale: 'of sale', forSale: 'for sale', order: 'order', firstPurchase: 'first purchase of a new customer' },
  ru: { ofSale: 'от продажи', forSale: 'за продажу', order: 'заказ', firstPurchase: 'первая покупка нового клиента' },
};

export const scheme = defineRewardScheme({
  code: 'first-purchase',
  version: '1.0.0',
  name: { en: 'First purchase bonus', ru: 'Бонус за первую покупку' },
  description: {
    en: "Pays the partner a bonus for each new customer's first purchase: a fixed amount plus a percent of the sale, in the campaign currency, once per customer.",
    ru: 'Платит партнёру бонус за первую покупку каждого нового клиента: фиксированную сумму плюс процент от продажи, в валюте кампании, один раз за клиента.',
  },
  eventTypes: ['SALE'],
  args: argDefinitions,

  evaluate(event, args, ctx): RewardDraft[] {
    const currency = ctx.campaign.currency;
    if (!event.firstPurchase || event.customerId === null) return [];
    // No implicit conversion, and a sale of nothing is not a purchase.
    if (event.amount === null || event.amount <= 0n || event.currency !== currency) return [];
    const base = event.amount;
    if (base < args.minimumSale) return [];
    // The fixed part is whole minor units, so percentOf's rounding is the entry's only one.
    const amount = args.amount + percentOf(base, args.percent);
    if (amount === 0n) return [];
    // Args arrive canonical (parseArgs), so a zero percent is exactly "0".
    const hasPercent = args.percent !== '0';
    const explain = (locale: Locale) => {
      const words = WORDS[locale];
      const fixed = formatMoney(args.amount, currency, locale);
      const sale = formatMoney(base, currency, locale);
      const share = `${formatPercent(args.percent, locale)} ${words.ofSale} ${sale}`;
      const terms = !hasPercent ? `${fixed} ${words.forSale} ${sale}` : args.amount > 0n ? `${fixed} + ${share}` : share;
      return `${terms} (${words.order} ${event.externalId}), ${words.firstPurchase}`;
    };
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `first-purchase:${event.customerId}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: { customerId: event.customerId, base: base.toString(), amount: args.amount.toString(), percent: args.percent },
      },
    ];
  },
});

export default scheme;
