/**
 * recruit-bonus: "bring a partner" — pays the sponsor a fixed amount for each partner they
 * recruit, once per recruit, when the recruit joins, is approved, makes a first sale or
 * reaches a sales amount.
 *
 * The events are the recruit's (the engine attributes PARTNER_JOINED, PARTNER_APPROVED and
 * SALE to the recruit); the reward goes one level up, to the sponsor `ctx.upline` finds.
 * Once per recruit is the ledger's job: every trigger proposes the same key
 * `recruit:<recruit id>`, so a second proposal for the same recruit is never written.
 */
import {
  defineRewardScheme,
  formatMoney,
  type ArgDefinitions,
  type ArgValues,
  type Locale,
  type RewardDraft,
  type SchemeContext,
  type SchemeEvent,
} from '@cofactor/schema';

const argDefinitions = {
  trigger: {
    type: 'enum',
    label: { en: 'Pay when the recruit', ru: 'Платить, когда приглашённый' },
    help: {
      en: 'The moment the sponsor earns the bonus; it is paid once per recruit.',
      ru: 'Момент, когда спонсор получает бонус; он выплачивается один раз за приглашённого.',
    },
    required: true,
    options: [
      { value: 'JOINED', label: { en: 'joins', ru: 'регистрируется' } },
      { value: 'APPROVED', label: { en: 'is approved', ru: 'одобрен' } },
      { value: 'FIRST_SALE', label: { en: 'makes a first sale', ru: 'совершает первую продажу' } },
      { value: 'SALES_THRESHOLD', label: { en: 'reaches a sales amount', ru: 'достигает суммы продаж' } },
    ],
  },
  amount: {
    type: 'money',
    label: { en: 'Bonus per recruit', ru: 'Бонус за приглашённого' },
    help: {
      en: 'Paid to the sponsor, in the campaign currency, in minor units.',
      ru: 'Выплачивается спонсору, в валюте кампании, в копейках (центах).',
    },
    required: true,
    min: 1,
    ui: 'currency-amount',
  },
  threshold: {
    type: 'money',
    label: { en: 'Sales amount to reach', ru: 'Сумма продаж для бонуса' },
    help: {
      en: "For \"reaches a sales amount\": the recruit's sales in the campaign, in minor units of the campaign currency.",
      ru: 'Для «достигает суммы продаж»: продажи приглашённого за кампанию, в копейках (центах) валюты кампании.',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

type Trigger = ArgValues<typeof argDefinitions>['trigger'];

/** What happened, in the words of each locale; `order` is the sale's reference when a sale triggered it. */
const WORDS: Readonly<
  Record<Locale, { bonus: string; order: string; happened: Record<Trigger, (name: string, reached: string) => string> }>
> = {
  en: {
    bonus: 'Recruit bonus',
    order: 'order',
    happened: {
      JOINED: (name) => `${name} joined your team`,
      APPROVED: (name) => `${name} was approved as a partner`,
      FIRST_SALE: (name) => `${name} made a first sale`,
      SALES_THRESHOLD: (name, reached) => `${name} reached ${reached} of sales`,
    },
  },
  ru: {
    // A dash after the name keeps the Russian free of gendered verb endings.
    bonus: 'Бонус за приглашение',
    order: 'заказ',
    happened: {
      JOINED: (name) => `${name} — новый партнёр в вашей команде`,
      APPROVED: (name) => `${name} — участие в программе одобрено`,
      FIRST_SALE: (name) => `${name} — первая продажа`,
      SALES_THRESHOLD: (name, reached) => `${name} — продажи достигли ${reached}`,
    },
  },
};

export const scheme = defineRewardScheme({
  code: 'recruit-bonus',
  version: '1.0.0',
  name: { en: 'Recruit bonus', ru: 'Бонус за приглашение партнёра' },
  description: {
    en: "Pays the sponsor a fixed amount for each partner they recruit, once per recruit: when the recruit joins, is approved, makes a first sale or reaches a sales amount in the campaign.",
    ru: 'Платит спонсору фиксированную сумму за каждого приглашённого партнёра, один раз за приглашённого: при регистрации, одобрении, первой продаже или при достижении суммы продаж в кампании.',
  },
  eventTypes: ['PARTNER_JOINED', 'PARTNER_APPROVED', 'SALE'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const currency = ctx.campaign.currency;
    const recruit = event.partner;
    const moment = await triggerMoment(event, args.trigger, args.threshold, ctx);
    if (!moment) return [];
    const sponsor = (await ctx.upline(recruit.id, 1))[0]?.partner;
    if (!sponsor) return [];
    // A threshold of 0 is reached by the first sale in the campaign currency, and reads so.
    const wording = args.trigger === 'SALES_THRESHOLD' && args.threshold === 0n ? 'FIRST_SALE' : args.trigger;
    const explain = (locale: Locale) => {
      const words = WORDS[locale];
      const what = words.happened[wording](recruit.name, formatMoney(args.threshold, currency, locale));
      const order = event.type === 'SALE' ? ` (${words.order} ${event.externalId})` : '';
      return `${words.bonus}: ${what}${order}: ${formatMoney(args.amount, currency, locale)}`;
    };
    return [
      {
        partnerId: sponsor.id,
        kind: 'MONEY',
        amount: args.amount,
        unit: currency,
        key: `recruit:${recruit.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          trigger: args.trigger,
          recruitId: recruit.id,
          amount: args.amount.toString(),
          ...(moment.sales === undefined ? {} : { threshold: args.threshold.toString(), sales: moment.sales.toString() }),
        },
      },
    ];
  },
});

/**
 * Whether `event` is the trigger's moment for its partner (null when it is not); for
 * SALES_THRESHOLD, with the recruit's sales in the campaign including this sale.
 */
async function triggerMoment(
  event: SchemeEvent,
  trigger: Trigger,
  threshold: bigint,
  ctx: SchemeContext,
): Promise<{ sales?: bigint } | null> {
  switch (trigger) {
    case 'JOINED':
      return event.type === 'PARTNER_JOINED' ? {} : null;
    case 'APPROVED':
      return event.type === 'PARTNER_APPROVED' ? {} : null;
    case 'FIRST_SALE':
      return event.type === 'SALE' && (await ctx.stats(event.partner.id)).count.SALE === 1 ? {} : null;
    case 'SALES_THRESHOLD': {
      // Only a sale in the campaign currency moves the total the threshold is measured on.
      if (event.type !== 'SALE' || event.amount === null || event.amount <= 0n || event.currency !== ctx.campaign.currency) return null;
      const after = (await ctx.stats(event.partner.id)).amount.SALE ?? 0n;
      const before = after - event.amount;
      // A total reaches the threshold once it is also positive, so a threshold of 0 is
      // reached by the first sale rather than, vacuously, before any.
      const reached = (total: bigint) => total > 0n && total >= threshold;
      return reached(after) && !reached(before) ? { sales: after } : null;
    }
  }
}

export default scheme;
