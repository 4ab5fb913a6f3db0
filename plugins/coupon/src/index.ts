/**
 * coupon: pays the partner a percent of each sale made with the partner's coupon code, and
 * records next to the reward the discount the customer got with that code.
 *
 * The engine attributes a sale to the coupon's partner when the sale names the code, so a
 * sale with a code already belongs to the code's owner. Sales without a code pay nothing
 * here. The customer discount is a record for audits and for the partner, not a second
 * entry: it is computed from the sale amount as reported, rounded on its own, half to even.
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
  percent: {
    type: 'percent',
    label: { en: 'Partner reward, percent of the sale', ru: 'Вознаграждение партнёра, процент от продажи' },
    required: true,
    min: 0,
    max: 100,
    ui: 'percent',
  },
  customerDiscountPercent: {
    type: 'percent',
    label: { en: 'Customer discount with the code', ru: 'Скидка клиента по купону' },
    help: {
      en: 'The discount the code gives the customer; recorded with each reward, it does not change the reward.',
      ru: 'Скидка, которую купон даёт клиенту; записывается с каждым вознаграждением и не меняет его.',
    },
    default: '0',
    min: 0,
    max: 100,
    ui: 'percent',
  },
} as const satisfies ArgDefinitions;

/** The words around the figures in an explanation. */
const WORDS: Readonly<Record<Locale, { ofSale: string; withCoupon: string; order: string; customerGot(off: string, amount: string): string }>> = {
  en: {
    ofSale: 'of sale',
    withCoupon: 'with coupon',
    order: 'order',
    customerGot: (off, amount) => `; the customer got ${off} off = ${amount}`,
  },
  ru: {
    ofSale: 'от продажи',
    withCoupon: 'по купону',
    order: 'заказ',
    customerGot: (off, amount) => `; клиент получил скидку ${off} = ${amount}`,
  },
};

export const scheme = defineRewardScheme({
  code: 'coupon',
  version: '1.0.0',
  name: { en: 'Coupon sales reward', ru: 'Вознаграждение за продажи по купону' },
  description: {
    en: "Pays the partner a percent of each sale made with the partner's coupon code, in the campaign currency, and records the discount the customer got.",
    ru: 'Платит партнёру процент от каждой продажи по его купону, в валюте кампании, и записывает скидку, которую получил клиент.',
  },
  eventTypes: ['SALE'],
  args: argDefinitions,

  evaluate(event, args, ctx): RewardDraft[] {
    const currency = ctx.campaign.currency;
    if (event.couponCode === null) return [];
    // No implicit conversion: a sale in another currency pays nothing here.
    if (event.amount === null || event.amount <= 0n || event.currency !== currency) return [];
    const base = event.amount;
    const couponCode = event.couponCode;
    const amount = percentOf(base, args.percent);
    if (amount === 0n) return [];
    const customerDiscount = percentOf(base, args.customerDiscountPercent);
    const explain = (locale: Locale) => {
      const words = WORDS[locale];
      const reward = `${formatPercent(args.percent, locale)} ${words.ofSale} ${formatMoney(base, currency, locale)} ${words.withCoupon} ${couponCode} (${words.order} ${event.externalId})`;
      // Args arrive canonical (parseArgs), so "no discount" is exactly "0" and is left unsaid.
      const discount =
        args.customerDiscountPercent === '0'
          ? ''
          : words.customerGot(formatPercent(args.customerDiscountPercent, locale), formatMoney(customerDiscount, currency, locale));
      return reward + discount;
    };
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `coupon-sale:${event.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          base: base.toString(),
          percent: args.percent,
          couponCode,
          customerDiscountPercent: args.customerDiscountPercent,
          customerDiscount: customerDiscount.toString(),
        },
      },
    ];
  },
});

export default scheme;
