/**
 * ad-placement: pays the partner for ad traffic — a fixed amount per click and per thousand
 * impressions — with an optional cap per partner per local day.
 *
 * The reward is computed from the day's counts, never from a running total the scheme
 * keeps: the partner's entitlement for the day is a function of how many clicks and
 * impressions the day holds, and each event is paid the difference it makes to that
 * entitlement. So the amounts are exact (no rounding), replays give the same entries, and
 * the rewards of a day always add up to the capped entitlement for its counts.
 */
import { defineRewardScheme, formatMoney, type ArgDefinitions, type Locale, type RewardDraft } from '@cofactor/schema';

const IMPRESSIONS_PER_UNIT = 1000n;

const argDefinitions = {
  perClick: {
    type: 'money',
    label: { en: 'Per click', ru: 'За клик' },
    help: {
      en: 'Paid for each click, in the campaign currency, in minor units.',
      ru: 'Выплачивается за каждый клик, в валюте кампании, в копейках (центах).',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
  perThousandImpressions: {
    type: 'money',
    label: { en: 'Per 1,000 impressions', ru: 'За 1000 показов' },
    help: {
      en: 'Paid on the impression that completes each thousand of the day, in minor units.',
      ru: 'Выплачивается на показе, завершающем каждую тысячу за день, в копейках (центах).',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
  dailyCap: {
    type: 'money',
    label: { en: 'Daily cap per partner', ru: 'Дневной лимит на партнёра' },
    help: {
      en: "The most a partner earns from this scheme in one day of the program's time zone, in minor units. No cap when empty.",
      ru: 'Максимум, который партнёр получает по этой схеме за один день (по часовому поясу программы), в копейках (центах). Без лимита, если не задан.',
    },
    min: 1,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

/** The words around the figures in an explanation. */
const WORDS: Readonly<Record<Locale, { click: string; thousand: string; ref: string; capped(cap: string): string }>> = {
  en: { click: 'Click', thousand: '1,000 impressions', ref: 'ref', capped: (cap) => `, limited by the daily cap of ${cap}` },
  ru: { click: 'Клик', thousand: '1\u00a0000 показов', ref: '№', capped: (cap) => `, ограничено дневным лимитом ${cap}` },
};

export const scheme = defineRewardScheme({
  code: 'ad-placement',
  version: '1.0.0',
  name: { en: 'Ad placement', ru: 'Размещение рекламы' },
  description: {
    en: 'Pays the partner a fixed amount per click and per 1,000 impressions, in the campaign currency, with an optional cap per partner per day.',
    ru: 'Платит партнёру фиксированную сумму за каждый клик и за каждые 1000 показов, в валюте кампании, с необязательным дневным лимитом на партнёра.',
  },
  eventTypes: ['CLICK', 'IMPRESSION'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const currency = ctx.campaign.currency;
    const day = await ctx.stats(event.partner.id, 'DAY');
    // The day's stats include this event, so its own type counts at least 1.
    const isClick = event.type === 'CLICK';
    const clicks = BigInt(Math.max(day.count.CLICK ?? 0, isClick ? 1 : 0));
    const impressions = BigInt(Math.max(day.count.IMPRESSION ?? 0, isClick ? 0 : 1));
    const uncapped = (c: bigint, i: bigint) => c * args.perClick + (i / IMPRESSIONS_PER_UNIT) * args.perThousandImpressions;
    const capped = (c: bigint, i: bigint) => {
      const entitlement = uncapped(c, i);
      return args.dailyCap !== undefined && entitlement > args.dailyCap ? args.dailyCap : entitlement;
    };
    const [clicksBefore, impressionsBefore] = isClick ? [clicks - 1n, impressions] : [clicks, impressions - 1n];
    const amount = capped(clicks, impressions) - capped(clicksBefore, impressionsBefore);
    if (amount === 0n) return [];
    const due = uncapped(clicks, impressions) - uncapped(clicksBefore, impressionsBefore);
    const cut = amount < due;
    const explain = (locale: Locale) => {
      const words = WORDS[locale];
      const what = isClick ? words.click : words.thousand;
      const limit = cut ? words.capped(formatMoney(args.dailyCap!, currency, locale)) : '';
      return `${what} (${words.ref} ${event.externalId}): ${formatMoney(amount, currency, locale)}${limit}`;
    };
    return [
      {
        partnerId: event.partner.id,
        kind: 'MONEY',
        amount,
        unit: currency,
        key: `ad:${event.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          type: event.type,
          clicksToday: Number(clicks),
          impressionsToday: Number(impressions),
          perClick: args.perClick.toString(),
          perThousandImpressions: args.perThousandImpressions.toString(),
          ...(args.dailyCap === undefined ? {} : { dailyCap: args.dailyCap.toString() }),
          ...(cut ? { uncapped: due.toString() } : {}),
        },
      },
    ];
  },
});

export default scheme;
