/**
 * cpa: pays the partner a fixed amount per action — a signup, a subscription, an install or
 * a lead — in the campaign currency.
 *
 * The amount depends only on the action's type, never on an amount the event carries, so
 * there is nothing to convert or round. The first entry for a type applies; types without
 * an entry pay nothing.
 */
import {
  defineRewardScheme,
  formatMoney,
  type ArgDefinitions,
  type Locale,
  type LocalizedText,
  type RewardDraft,
} from '@cofactor/schema';

const ACTION_TYPES = ['SIGNUP', 'SUBSCRIPTION', 'INSTALL', 'LEAD'] as const;
type ActionType = (typeof ACTION_TYPES)[number];

const ACTION_LABELS: Readonly<Record<ActionType, LocalizedText>> = {
  SIGNUP: { en: 'Signup', ru: 'Регистрация' },
  SUBSCRIPTION: { en: 'Subscription', ru: 'Подписка' },
  INSTALL: { en: 'Install', ru: 'Установка' },
  LEAD: { en: 'Lead', ru: 'Лид' },
};

const argDefinitions = {
  actions: {
    type: 'object',
    list: true,
    label: { en: 'Payout per action', ru: 'Выплата за действие' },
    help: {
      en: 'A fixed amount for each action type; the first entry for a type applies, unlisted types pay nothing.',
      ru: 'Фиксированная сумма за каждый тип действия; действует первая запись для типа, неуказанные типы не оплачиваются.',
    },
    required: true,
    minItems: 1,
    maxItems: 4,
    fields: {
      type: {
        type: 'enum',
        label: { en: 'Action', ru: 'Действие' },
        required: true,
        options: ACTION_TYPES.map((type) => ({ value: type, label: ACTION_LABELS[type] })),
      },
      amount: {
        type: 'money',
        label: { en: 'Amount', ru: 'Сумма' },
        help: {
          en: 'Paid per action, in the campaign currency, in minor units.',
          ru: 'Выплачивается за каждое действие, в валюте кампании, в копейках (центах).',
        },
        required: true,
        min: 1,
        ui: 'currency-amount',
      },
    },
  },
} as const satisfies ArgDefinitions;

/** How the event's external id is introduced: "(ref SU-1)" / "(№ SU-1)". */
const REFERENCE: Readonly<Record<Locale, string>> = { en: 'ref', ru: '№' };

export const scheme = defineRewardScheme({
  code: 'cpa',
  version: '1.0.0',
  name: { en: 'Cost per action', ru: 'Оплата за действие (CPA)' },
  description: {
    en: 'Pays the partner a fixed amount for each signup, subscription, install or lead, by action type, in the campaign currency.',
    ru: 'Платит партнёру фиксированную сумму за каждую регистрацию, подписку, установку или лид, по типу действия, в валюте кампании.',
  },
  eventTypes: ACTION_TYPES,
  args: argDefinitions,

  evaluate(event, args, ctx): RewardDraft[] {
    const action = args.actions.find((entry) => entry.type === event.type);
    if (!action) return [];
    const currency = ctx.campaign.currency;
    const explain = (locale: Locale) =>
      `${ACTION_LABELS[action.type][locale]} (${REFERENCE[locale]} ${event.externalId}): ${formatMoney(action.amount, currency, locale)}`;
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount: action.amount,
        unit: currency,
        key: `action:${event.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: { type: action.type, amount: action.amount.toString() },
      },
    ];
  },
});

export default scheme;
