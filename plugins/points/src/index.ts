/**
 * points: credits the selling partner points for each sale, at an earn rate tiered by the
 * partner's cumulative volume in the campaign — the seeds' table: 0–1000 → 1 point per sale,
 * 1001–5000 → 1.5, 5001+ → 2 — and offers a catalog of items the points can be redeemed for.
 *
 * Cumulative volume is the number of the partner's sales in the campaign (`SALES_COUNT`) or
 * their amount in minor units of the campaign currency (`SALES_AMOUNT`), as `ctx.stats`
 * counts it: up to and including the sale being evaluated, so the sale that brings the volume
 * to 1001 is the first to earn 1.5. The tier with the greatest `from` not above the volume
 * applies. Points are kept in hundredths (1.5 points = 150), rounded once, half to even.
 * Only sales in the campaign's currency earn: amounts are never converted.
 *
 * Redemption itself is the server's (`redeemPoints`): this scheme only lists the catalog.
 */
import {
  POINTS_UNIT,
  POINT_SCALE,
  compareDecimals,
  defineRewardScheme,
  describePoints,
  formatMoney,
  multiplyBy,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type CatalogItem,
  type Decimal,
  type JsonValue,
  type Locale,
  type RewardDraft,
} from '@cofactor/schema';

export const MEASURES = ['SALES_COUNT', 'SALES_AMOUNT'] as const;
export type Measure = (typeof MEASURES)[number];

export const CATALOG_KINDS = ['DISCOUNT', 'GIFT_CERTIFICATE', 'TRAINING', 'MERCHANDISE'] as const;

/** The seeds' table: 0–1000 → 1 point per sale, 1001–5000 → 1.5, 5001 and more → 2. */
const SEEDS_TIERS: JsonValue = [
  { from: '0', points: '1' },
  { from: '1001', points: '1.5' },
  { from: '5001', points: '2' },
];

const NO_ITEMS: JsonValue = [];

const argDefinitions = {
  measure: {
    type: 'enum',
    label: { en: 'Cumulative volume', ru: 'Накопленный объём' },
    help: {
      en: "What the tiers' \"from\" counts: the partner's sales in the campaign, or their amount in minor units of the campaign currency. The current sale is included.",
      ru: 'Что считает «от» в ступенях: число продаж партнёра в кампании или их сумму в копейках (центах) валюты кампании. Текущая продажа учитывается.',
    },
    default: 'SALES_COUNT',
    options: [
      { value: 'SALES_COUNT', label: { en: 'Number of sales', ru: 'Количество продаж' } },
      { value: 'SALES_AMOUNT', label: { en: 'Sales amount (minor units)', ru: 'Сумма продаж (в копейках)' } },
    ],
  },
  tiers: {
    type: 'object',
    list: true,
    label: { en: 'Earn rates by volume', ru: 'Начисление по объёму' },
    help: {
      en: 'Points per sale from a cumulative volume on; the tier with the greatest "from" not above the volume applies. Any order.',
      ru: 'Баллы за продажу начиная с накопленного объёма; действует ступень с наибольшим «от», не превышающим объём. Порядок любой.',
    },
    default: SEEDS_TIERS,
    minItems: 1,
    maxItems: 20,
    fields: {
      from: {
        type: 'decimal',
        label: { en: 'From cumulative volume', ru: 'От накопленного объёма' },
        help: {
          en: 'A number of sales, or an amount in minor units, depending on the measure.',
          ru: 'Число продаж или сумма в копейках (центах) — в зависимости от способа подсчёта.',
        },
        required: true,
        min: 0,
      },
      points: {
        type: 'decimal',
        label: { en: 'Points per sale', ru: 'Баллов за продажу' },
        help: {
          en: 'Credited in hundredths of a point, rounded half to even ("1.5" = 1.5 points).',
          ru: 'Начисляются в сотых долях балла с округлением до чётного («1.5» = 1,5 балла).',
        },
        required: true,
        min: 0,
        max: 1000000,
      },
    },
  },
  catalog: {
    type: 'object',
    list: true,
    label: { en: 'Redemption catalog', ru: 'Каталог обмена баллов' },
    help: {
      en: 'What partners can spend their points on. Codes should be unique; a repeated code keeps its first item.',
      ru: 'На что партнёры могут потратить баллы. Коды должны быть уникальны; при повторе действует первый товар с этим кодом.',
    },
    default: NO_ITEMS,
    fields: {
      code: {
        type: 'string',
        label: { en: 'Code', ru: 'Код' },
        help: { en: 'What a redemption names, e.g. DISCOUNT-10.', ru: 'Код, по которому партнёр обменивает баллы, например DISCOUNT-10.' },
        required: true,
      },
      name: {
        type: 'string',
        label: { en: 'Name', ru: 'Название' },
        required: true,
      },
      kind: {
        type: 'enum',
        label: { en: 'Kind', ru: 'Вид' },
        required: true,
        options: [
          { value: 'DISCOUNT', label: { en: 'Discount', ru: 'Скидка' } },
          { value: 'GIFT_CERTIFICATE', label: { en: 'Gift certificate', ru: 'Подарочный сертификат' } },
          { value: 'TRAINING', label: { en: 'Training', ru: 'Обучение' } },
          { value: 'MERCHANDISE', label: { en: 'Merchandise', ru: 'Мерч' } },
        ],
      },
      cost: {
        type: 'decimal',
        label: { en: 'Cost in points', ru: 'Стоимость в баллах' },
        help: {
          en: 'Kept in hundredths of a point, rounded half to even ("12.5" = 1 250 hundredths).',
          ru: 'Хранится в сотых долях балла с округлением до чётного («12.5» = 1 250 сотых).',
        },
        required: true,
        min: '0.01',
      },
    },
  },
} as const satisfies ArgDefinitions;

type Args = ArgValues<typeof argDefinitions>;
type Tier = Args['tiers'][number];

interface Chosen {
  tier: Tier;
  from: Decimal;
}

/** The tier with the greatest `from` ≤ volume, compared exactly; among equal `from`s the first listed. */
export function chooseTier(tiers: readonly Tier[], volume: Decimal): Chosen | null {
  let chosen: Chosen | null = null;
  for (const tier of tiers) {
    const from = parseDecimal(tier.from);
    if (!from) throw new RangeError(`tier "from" is not a decimal: ${tier.from}`);
    if (compareDecimals(from, volume) > 0) continue;
    if (!chosen || compareDecimals(from, chosen.from) > 0) chosen = { tier, from };
  }
  return chosen;
}

/** Groups an integer's digits: "1,001" (en), "1 001" with a no-break space (ru), as formatMoney does. */
function formatCount(value: bigint, locale: Locale): string {
  const digits = value.toString();
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, locale === 'en' ? ',' : '\u00a0');
}

const WORDS: Readonly<Record<Locale, { forSale: string; order: string }>> = {
  en: { forSale: 'for sale', order: 'order' },
  ru: { forSale: 'за продажу', order: 'заказ' },
};

/** "your sale no. 1,001 in this campaign" / "your sales reached RUB 10,010.00". */
function describeVolume(measure: Measure, volume: bigint, currency: string, locale: Locale): string {
  if (measure === 'SALES_COUNT') {
    return locale === 'en'
      ? `your sale no. ${formatCount(volume, 'en')} in this campaign`
      : `ваша продажа №\u00a0${formatCount(volume, 'ru')} в этой кампании`;
  }
  const reached = formatMoney(volume, currency, locale);
  return locale === 'en' ? `your sales reached ${reached}` : `ваши продажи достигли ${reached}`;
}

export const scheme = defineRewardScheme({
  code: 'points',
  version: '1.0.0',
  name: { en: 'Points per sale', ru: 'Баллы за продажи' },
  description: {
    en: "Credits the selling partner points for each sale in the campaign currency, at a rate tiered by the partner's cumulative volume in the campaign (by default the seeds' table: up to 1000 sales 1 point per sale, 1001–5000 1.5, from 5001 on 2), and offers a catalog of discounts, gift certificates, trainings and merchandise to redeem them for.",
    ru: 'Начисляет продавшему партнёру баллы за каждую продажу в валюте кампании по ставке, зависящей от накопленного объёма партнёра в кампании (по умолчанию: до 1000 продаж — 1 балл за продажу, 1001–5000 — 1,5, от 5001 — 2), и предлагает каталог скидок, подарочных сертификатов, обучений и мерча, на которые баллы можно обменять.',
  },
  eventTypes: ['SALE'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    const currency = ctx.campaign.currency;
    // No implicit conversion, and a sale of nothing is not a sale.
    if (event.type !== 'SALE' || event.amount === null || event.amount <= 0n || event.currency !== currency) return [];
    const stats = await ctx.stats(event.partner.id);
    // Includes this sale: ctx.stats counts up to and including the event being evaluated.
    const volume = args.measure === 'SALES_COUNT' ? BigInt(stats.count.SALE ?? 0) : (stats.amount.SALE ?? 0n);
    const chosen = chooseTier(args.tiers, { units: volume, scale: 0 });
    if (!chosen) return [];
    // Hundredths of a point: points × 100, exact, rounded once, half to even.
    const amount = multiplyBy(POINT_SCALE, chosen.tier.points);
    if (amount <= 0n) return [];
    const sale = event.amount;
    const explain = (locale: Locale) => {
      const words = WORDS[locale];
      return (
        `${describePoints(amount, locale)} ${words.forSale} ${formatMoney(sale, currency, locale)} ` +
        `(${words.order} ${event.externalId}): ${describeVolume(args.measure, volume, currency, locale)}`
      );
    };
    return [
      {
        partnerId: event.partner.id,
        kind: 'POINTS',
        amount,
        unit: POINTS_UNIT,
        key: `points:${event.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          measure: args.measure,
          volume: volume.toString(),
          tierFrom: chosen.tier.from,
          points: chosen.tier.points,
        },
      },
    ];
  },

  catalog(args): CatalogItem[] {
    const items: CatalogItem[] = [];
    const seen = new Set<string>();
    for (const item of args.catalog) {
      // A code is what a redemption names: it must be unique, so the first item with it wins.
      if (item.code.trim() === '' || seen.has(item.code)) continue;
      seen.add(item.code);
      items.push({
        code: item.code,
        name: item.name.trim() === '' ? item.code : item.name,
        kind: item.kind,
        // Hundredths of a point, rounded once, half to even: "12.5" → 1250, "0.015" → 2.
        cost: multiplyBy(POINT_SCALE, item.cost),
      });
    }
    return items;
  },
});

export default scheme;
