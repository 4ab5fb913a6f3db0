/**
 * seasonal-promo: a stacking scheme. Inside given dates and regions, it boosts the rewards
 * the campaign's earlier scheme instances give for an event — a multiplier, and optionally
 * a fixed amount — each boost a ledger entry of its own next to the reward it boosts.
 *
 * It never changes the drafts it is given (the contract forbids it, and each entry keeps
 * its own explanation); it only adds. The engine passes it only what the instances before
 * it produced for the same event, so where the promo sits in the campaign's scheme order
 * decides what it boosts.
 */
import {
  defineRewardScheme,
  describePoints,
  formatMoney,
  multiplyBy,
  type ArgDefinitions,
  type Locale,
  type RewardDraft,
} from '@cofactor/schema';

const argDefinitions = {
  startsAt: {
    type: 'string',
    label: { en: 'Starts at', ru: 'Начало' },
    help: {
      en: 'An ISO 8601 instant with its offset, e.g. 2026-12-01T00:00:00+03:00. Events at or after it are boosted.',
      ru: 'Момент в формате ISO 8601 со смещением, например 2026-12-01T00:00:00+03:00. Усиливаются события начиная с него.',
    },
    required: true,
  },
  endsAt: {
    type: 'string',
    label: { en: 'Ends at (exclusive)', ru: 'Окончание (не включая)' },
    help: {
      en: 'An ISO 8601 instant with its offset, e.g. 2027-01-01T00:00:00+03:00. Events before it are boosted.',
      ru: 'Момент в формате ISO 8601 со смещением, например 2027-01-01T00:00:00+03:00. Усиливаются события до него.',
    },
    required: true,
  },
  regionIds: {
    type: 'string',
    list: true,
    label: { en: 'Regions', ru: 'Регионы' },
    help: {
      en: "The event's partner must be in one of these regions (exactly, not a sub-region). Empty: everywhere.",
      ru: 'Партнёр события должен быть в одном из этих регионов (именно в нём, не в подрегионе). Пусто — везде.',
    },
    default: [],
  },
  kinds: {
    type: 'enum',
    list: true,
    label: { en: 'Rewards to boost', ru: 'Какие вознаграждения усиливать' },
    minItems: 1,
    options: [
      { value: 'MONEY', label: { en: 'Money', ru: 'Деньги' } },
      { value: 'POINTS', label: { en: 'Points', ru: 'Баллы' } },
    ],
    default: ['MONEY'],
  },
  multiplier: {
    type: 'decimal',
    label: { en: 'Multiplier', ru: 'Множитель' },
    help: {
      en: 'Each boosted reward earns (multiplier − 1) × its amount on top, e.g. 1.5 adds half.',
      ru: 'Каждое усиленное вознаграждение получает сверху (множитель − 1) × его сумму, например 1,5 добавляет половину.',
    },
    default: '1',
    min: 1,
    max: 10,
  },
  addAmount: {
    type: 'money',
    label: { en: 'Fixed extra per money reward', ru: 'Фиксированная доплата к денежному вознаграждению' },
    help: {
      en: 'Added once to each boosted money reward, in minor units of the campaign currency.',
      ru: 'Добавляется один раз к каждому усиленному денежному вознаграждению, в копейках (центах) валюты кампании.',
    },
    default: '0',
    min: 0,
    ui: 'currency-amount',
  },
} as const satisfies ArgDefinitions;

/**
 * An ISO 8601 instant with an explicit offset: date, hours and minutes, optional seconds and
 * milliseconds. A time without an offset would depend on the server's time zone, so it is
 * not accepted.
 */
const INSTANT = /^([1-9]\d{3})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch, or null for anything that is not a real instant in that form. */
function parseInstant(text: string): number | null {
  const match = INSTANT.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const millis = Number((match[7] ?? '').padEnd(3, '0'));
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const daysInMonth = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const valid =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth[month - 1] &&
    hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
  if (!valid) return null;
  const offset = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}

/** "×1.5" / "×1,5", "+RUB 100.00" / "+100,00 ₽": what the promo does, as a partner reads it. */
function terms(multiplier: string, added: bigint, currency: string, locale: Locale): string {
  const parts: string[] = [];
  if (multiplier !== '1') parts.push(`×${locale === 'ru' ? multiplier.replace('.', ',') : multiplier}`);
  if (added > 0n) parts.push(`+${formatMoney(added, currency, locale)}`);
  return parts.join(' ');
}

/** "+RUB 300.00", "+1.5 points" / "+1,5 балла". */
function describeExtra(kind: RewardDraft['kind'], amount: bigint, unit: string, locale: Locale): string {
  return `+${kind === 'MONEY' ? formatMoney(amount, unit, locale) : describePoints(amount, locale)}`;
}

const WORDS: Readonly<Record<Locale, { promo: string; on(explanation: string): string }>> = {
  en: { promo: 'Seasonal promo', on: (explanation) => `on ${explanation}` },
  ru: { promo: 'Сезонная акция', on: (explanation) => `к начислению «${explanation}»` },
};

export const scheme = defineRewardScheme({
  code: 'seasonal-promo',
  version: '1.0.0',
  name: { en: 'Seasonal promotion', ru: 'Сезонная акция' },
  description: {
    en: "Boosts the rewards of the campaign's earlier schemes inside given dates and regions: multiplies them, and can add a fixed amount to each money reward. Each boost is its own entry.",
    ru: 'Усиливает вознаграждения предыдущих схем кампании в заданные даты и в заданных регионах: умножает их и может добавить фиксированную сумму к каждому денежному вознаграждению. Каждая надбавка — отдельная запись.',
  },
  eventTypes: [],
  args: argDefinitions,

  stack(drafts, event, args, ctx): RewardDraft[] {
    const [startsAt, endsAt] = [parseInstant(args.startsAt), parseInstant(args.endsAt)];
    // Args cannot check a date's format, so an unreadable date means the promo never applies.
    if (startsAt === null || endsAt === null) return [];
    const at = event.occurredAt.getTime();
    if (at < startsAt || at >= endsAt) return [];
    const regionId = event.partner.regionId;
    if (args.regionIds.length > 0 && (regionId === null || !args.regionIds.includes(regionId))) return [];

    const currency = ctx.campaign.currency;
    const seen = new Map<string, number>();
    const boosts: RewardDraft[] = [];
    for (const draft of drafts) {
      // Two earlier instances can propose the same key (two instances of one scheme); the
      // boost of each later one is told apart by its position among them.
      const occurrence = (seen.get(draft.key) ?? 0) + 1;
      seen.set(draft.key, occurrence);
      if (!(args.kinds as readonly string[]).includes(draft.kind) || draft.amount <= 0n) continue;
      // The fixed amount is in the campaign currency: never added to money in another one.
      const added = draft.kind === 'MONEY' && draft.unit === currency ? args.addAmount : 0n;
      // multiplyBy rounds once, half to even; the fixed amount is whole, so the boost has one rounding.
      const extra = multiplyBy(draft.amount, args.multiplier) - draft.amount + added;
      if (extra <= 0n) continue;
      const explain = (locale: Locale) =>
        `${WORDS[locale].promo} ${terms(args.multiplier, added, currency, locale)} ${WORDS[locale].on(draft.explanation[locale])}: ${describeExtra(draft.kind, extra, draft.unit, locale)}`;
      boosts.push({
        partnerId: draft.partnerId,
        kind: draft.kind,
        amount: extra,
        unit: draft.unit,
        key: occurrence === 1 ? `promo:${draft.key}` : `promo#${occurrence}:${draft.key}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: { boosts: draft.key, multiplier: args.multiplier, addAmount: added.toString(), base: draft.amount.toString() },
      });
    }
    return boosts;
  },
});

export default scheme;
