/**
 * contest: at the close of each month or quarter, prizes for the top places by a metric of
 * the period — sales volume, sales, new customers, leads or events hosted — across all
 * participants, or ranked separately per region or per partner kind.
 *
 * Tie rule, standard competition ranking ("1224"): a participant's place is 1 + the number
 * of participants in its group with a strictly greater metric. Participants with equal
 * metrics share a place and each receives that place's prize; the places after a tie are
 * skipped (two share place 1, the next is place 3 and gets the third prize). So a tie pays
 * more than one prize of its place, never a prize meant for a lower place. Within a tie the
 * drafts are ordered by partner id.
 *
 * Only a metric strictly above `minimum` (default 0) takes part, so a participant who did
 * nothing the contest measures never wins a place. Prizes are fixed amounts: nothing is
 * computed, so nothing is rounded.
 *
 * Progress reports each prize place (key `place:<n>`): the partner's metric in the open period
 * so far against the metric that holds that place in its group now.
 */
import {
  COUNT_UNIT,
  netSales,
  POINTS_UNIT,
  defineRewardScheme,
  periodJudgedAt,
  formatMoney,
  formatPoints,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type Decimal,
  type Locale,
  type Participant,
  type PartnerSnapshot,
  type PartnerStats,
  type ProgressContext,
  type ProgressTarget,
  type RewardDraft,
  compareIds,
  rankByCompetition,
  type RankEntry,
  type Ranked,
  periodArg,
} from '@cofactor/schema';

type Metric = 'SALES_AMOUNT' | 'SALES_COUNT' | 'NEW_CUSTOMERS' | 'LEADS' | 'EVENTS_HOSTED';
type GroupBy = 'NONE' | 'REGION' | 'KIND';

/** Russian picks one of three noun forms by the number: 1 лид, 2 лида, 5 лидов, 21 лид, 11 лидов. */
function russianPlural(n: number, one: string, few: string, many: string): string {
  const lastTwo = n % 100;
  const last = n % 10;
  if (last === 1 && lastTwo !== 11) return one;
  if (last >= 2 && last <= 4 && (lastTwo < 12 || lastTwo > 14)) return few;
  return many;
}

/** "12 sales" / "12 продаж": a count with its noun in either language. */
function counted(n: number, locale: Locale, en: [string, string], ru: [string, string, string]): string {
  return locale === 'en' ? `${n} ${n === 1 ? en[0] : en[1]}` : `${n} ${russianPlural(n, ...ru)}`;
}

interface MetricRule {
  /** What is ranked, e.g. "Sales volume", for progress targets. */
  name: Readonly<Record<Locale, string>>;
  /** Money in the campaign currency, or a count. */
  money: boolean;
  /** The metric of one participant's period stats; money in minor units of the campaign currency. */
  value(stats: PartnerStats): bigint;
  /** The metric with its value, for explanations: "sales volume RUB 500,000.00", "12 sales". */
  describe(value: bigint, locale: Locale, currency: string): string;
}

const METRICS: Readonly<Record<Metric, MetricRule>> = {
  SALES_AMOUNT: {
    name: { en: 'Sales volume', ru: 'Объём продаж' },
    money: true,
    value: netSales,
    describe: (value, locale, currency) => `${locale === 'en' ? 'sales volume' : 'объём продаж'} ${formatMoney(value, currency, locale)}`,
  },
  SALES_COUNT: {
    name: { en: 'Sales', ru: 'Продажи' },
    money: false,
    value: (stats) => BigInt(stats.count.SALE ?? 0),
    describe: (value, locale) => counted(Number(value), locale, ['sale', 'sales'], ['продажа', 'продажи', 'продаж']),
  },
  NEW_CUSTOMERS: {
    name: { en: 'New customers', ru: 'Новые клиенты' },
    money: false,
    value: (stats) => BigInt(stats.newCustomers),
    describe: (value, locale) =>
      counted(Number(value), locale, ['new customer', 'new customers'], ['новый клиент', 'новых клиента', 'новых клиентов']),
  },
  LEADS: {
    name: { en: 'Leads', ru: 'Лиды' },
    money: false,
    value: (stats) => BigInt(stats.count.LEAD ?? 0),
    describe: (value, locale) => counted(Number(value), locale, ['lead', 'leads'], ['лид', 'лида', 'лидов']),
  },
  EVENTS_HOSTED: {
    name: { en: 'Events hosted', ru: 'Проведённые мероприятия' },
    money: false,
    value: (stats) => BigInt(stats.count.EVENT_HOSTED ?? 0),
    describe: (value, locale) =>
      counted(Number(value), locale, ['event hosted', 'events hosted'], [
        'проведённое мероприятие',
        'проведённых мероприятия',
        'проведённых мероприятий',
      ]),
  },
};

/** The group of partners without a region when ranking per region. */
const NO_REGION = 'none';
/** The one group when ranking everyone together. */
const EVERYONE = 'all';
/** The perk code of a PERK prize that names none. */
const DEFAULT_PERK = 'PRIZE';

function groupOf(partner: PartnerSnapshot, groupBy: GroupBy): string {
  if (groupBy === 'REGION') return partner.regionId ?? NO_REGION;
  if (groupBy === 'KIND') return partner.kind;
  return EVERYONE;
}


function compareGroups(a: string, b: string): number {
  if (a === NO_REGION || b === NO_REGION) return (a === NO_REGION ? 1 : 0) - (b === NO_REGION ? 1 : 0);
  return compareIds(a, b);
}


/** value > minimum, exactly. */
function above(value: bigint, minimum: Decimal): boolean {
  return value * 10n ** BigInt(minimum.scale) > minimum.units;
}

/** The least whole value `above` the minimum: minimum + 1 for a whole minimum, 3 for 2.5. */
function leastAbove(minimum: Decimal): bigint {
  return minimum.units / 10n ** BigInt(minimum.scale) + 1n;
}

const argDefinitions = {
  period: periodArg,
  metric: {
    type: 'enum',
    label: { en: 'Ranked by', ru: 'Показатель рейтинга' },
    required: true,
    options: [
      { value: 'SALES_AMOUNT', label: { en: 'Sales volume (sales less refunds)', ru: 'Объём продаж (продажи за вычетом возвратов)' } },
      { value: 'SALES_COUNT', label: { en: 'Number of sales', ru: 'Число продаж' } },
      { value: 'NEW_CUSTOMERS', label: { en: 'New customers', ru: 'Новые клиенты' } },
      { value: 'LEADS', label: { en: 'Leads', ru: 'Лиды' } },
      { value: 'EVENTS_HOSTED', label: { en: 'Events hosted', ru: 'Проведённые мероприятия' } },
    ],
  },
  groupBy: {
    type: 'enum',
    label: { en: 'Ranked separately per', ru: 'Отдельный рейтинг для каждого' },
    help: {
      en: 'Each group has its own places and prizes. Partners without a region form a group of their own.',
      ru: 'У каждой группы свои места и призы. Партнёры без региона составляют отдельную группу.',
    },
    default: 'NONE',
    options: [
      { value: 'NONE', label: { en: 'Nothing: one ranking', ru: 'Нет: один общий рейтинг' } },
      { value: 'REGION', label: { en: 'Region', ru: 'Региона' } },
      { value: 'KIND', label: { en: 'Partner kind', ru: 'Типа партнёра' } },
    ],
  },
  prizes: {
    type: 'object',
    list: true,
    required: true,
    minItems: 1,
    maxItems: 20,
    label: { en: 'Prizes by place', ru: 'Призы по местам' },
    help: {
      en: 'The first prize for place 1, the second for place 2, and so on. Partners tied for a place each receive its prize.',
      ru: 'Первый приз за 1-е место, второй за 2-е и так далее. Каждый из разделивших место получает его приз.',
    },
    fields: {
      kind: {
        type: 'enum',
        label: { en: 'Prize kind', ru: 'Вид приза' },
        default: 'MONEY',
        options: [
          { value: 'MONEY', label: { en: 'Money', ru: 'Деньги' } },
          { value: 'POINTS', label: { en: 'Points', ru: 'Баллы' } },
          { value: 'PERK', label: { en: 'Perk', ru: 'Привилегия' } },
        ],
      },
      amount: {
        type: 'money',
        label: { en: 'Amount', ru: 'Сумма' },
        help: {
          en: 'Money: minor units of the campaign currency. Points: hundredths of a point (150 = 1.5 points). Not used for a perk. 0 pays nothing for the place.',
          ru: 'Деньги: в копейках (центах) валюты кампании. Баллы: в сотых долях балла (150 = 1,5 балла). Для привилегии не используется. 0 — место без приза.',
        },
        default: '0',
        min: 0,
        ui: 'currency-amount',
      },
      perk: {
        type: 'string',
        label: { en: 'Perk code', ru: 'Код привилегии' },
        help: {
          en: 'For a perk prize, e.g. CLOSED-EVENT. Without one the perk is PRIZE.',
          ru: 'Для приза-привилегии, например CLOSED-EVENT. Если не задан — PRIZE.',
        },
      },
    },
  },
  minimum: {
    type: 'decimal',
    label: { en: 'Minimum to take part', ru: 'Минимум для участия' },
    help: {
      en: 'Only a metric strictly above this wins a place (sales volume in minor units). At 0, a partner with nothing to count never wins.',
      ru: 'Место получает только показатель строго выше этого значения (объём продаж — в копейках). При 0 партнёр без результата не побеждает.',
    },
    default: '0',
    min: 0,
  },
} as const satisfies ArgDefinitions;

type Args = ArgValues<typeof argDefinitions>;
type Prize = Args['prizes'][number];

/** The participants who take part, by group: only a metric strictly above the minimum. */
function rankable(participants: readonly Participant[], args: Args): Map<string, RankEntry[]> {
  const metric = METRICS[args.metric];
  const minimum = parseDecimal(args.minimum)!;
  const groups = new Map<string, RankEntry[]>();
  for (const { partner, stats } of participants) {
    const value = metric.value(stats);
    if (!above(value, minimum)) continue;
    const group = groupOf(partner, args.groupBy);
    const members = groups.get(group) ?? [];
    members.push({ partner, value });
    groups.set(group, members);
  }
  return groups;
}

/** What a prize pays: kind, amount and unit of the draft. */
function payout(prize: Prize, currency: string): Pick<RewardDraft, 'kind' | 'amount' | 'unit'> {
  if (prize.kind === 'PERK') return { kind: 'PERK', amount: 1n, unit: prize.perk?.trim() || DEFAULT_PERK };
  return { kind: prize.kind, amount: prize.amount, unit: prize.kind === 'POINTS' ? POINTS_UNIT : currency };
}

function describePrize({ kind, amount, unit }: Pick<RewardDraft, 'kind' | 'amount' | 'unit'>, locale: Locale): string {
  if (kind === 'MONEY') return formatMoney(amount, unit, locale);
  if (kind === 'PERK') return `${locale === 'en' ? 'perk' : 'привилегия'} ${unit}`;
  const points = formatPoints(amount, locale);
  if (locale === 'en') return `${points} ${amount === 100n ? 'point' : 'points'}`;
  // A fractional number of points takes the genitive singular: 1,5 балла.
  return `${points} ${amount % 100n === 0n ? russianPlural(Number(amount / 100n), 'балл', 'балла', 'баллов') : 'балла'}`;
}

/** "place 2 (region 7)", "place 1 among DEALER partners (shared by 2)"; ru "2-е место (регион 7)". */
function describePlace({ place, sharedBy }: Pick<Ranked, 'place' | 'sharedBy'>, group: string, groupBy: GroupBy, locale: Locale): string {
  const notes: string[] = [];
  if (groupBy === 'REGION') {
    if (locale === 'en') notes.push(group === NO_REGION ? 'no region' : `region ${group}`);
    else notes.push(group === NO_REGION ? 'без региона' : `регион ${group}`);
  }
  if (sharedBy > 1) {
    notes.push(
      locale === 'en' ? `shared by ${sharedBy}` : `делят ${sharedBy} ${russianPlural(sharedBy, 'участник', 'участника', 'участников')}`,
    );
  }
  const among = groupBy === 'KIND' ? (locale === 'en' ? ` among ${group} partners` : ` среди партнёров ${group}`) : '';
  const base = locale === 'en' ? `place ${place}` : `${place}-е место`;
  return `${base}${among}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

const WORDS: Readonly<Record<Locale, { during: string; prize: string; noPrize: string }>> = {
  en: { during: 'in', prize: 'Prize', noPrize: 'No prize' },
  ru: { during: 'за', prize: 'Приз', noPrize: 'Без приза' },
};

/**
 * One target per prize place, over the open period as its close will rank it: the partner's
 * metric so far against the metric at that place of its group now (the partner's own when it
 * holds the place), or the least metric that takes part while the place is empty. Reached
 * exactly when the partner would be placed there or better (a tie takes the place), so the
 * first place reached is the one whose prize the close pays; a place whose prize is 0 is
 * listed too, as "No prize", since holding it pays nothing.
 */
async function contestProgress(partner: PartnerSnapshot, args: Args, ctx: ProgressContext): Promise<ProgressTarget[]> {
  const period = ctx.period(args.period);
  const endsAt = periodJudgedAt(ctx.campaign, period);
  if (endsAt === null) return [];
  const metric = METRICS[args.metric];
  const currency = ctx.campaign.currency;
  const [participants, stats] = await Promise.all([ctx.participants(period), ctx.periodStats(partner.id, period)]);
  // The partner counts with its own stats so far, whether or not it is a participant yet.
  const field = [...participants.filter((participant) => participant.partner.id !== partner.id), { partner, stats }];
  const group = groupOf(partner, args.groupBy);
  const ranked = rankByCompetition(rankable(field, args).get(group) ?? []);
  const current = metric.value(stats);
  const empty = leastAbove(parseDecimal(args.minimum)!);

  return args.prizes.map((prize, index): ProgressTarget => {
    const place = index + 1;
    const paid = payout(prize, currency);
    const label = (locale: Locale) => `${metric.name[locale]} ${WORDS[locale].during} ${period.key}: ${describePlace({ place, sharedBy: 1 }, group, args.groupBy, locale)}`;
    const reward = (locale: Locale) => (paid.amount === 0n ? WORDS[locale].noPrize : `${WORDS[locale].prize}: ${describePrize(paid, locale)}`);
    return {
      key: `place:${place}`,
      label: { en: label('en'), ru: label('ru') },
      current: current < 0n ? 0n : current,
      threshold: ranked[index]?.value ?? empty,
      unit: metric.money ? currency : COUNT_UNIT,
      reward: { en: reward('en'), ru: reward('ru') },
      endsAt,
    };
  });
}

export const scheme = defineRewardScheme({
  code: 'contest',
  version: '1.2.0',
  name: { en: 'Contest with prizes', ru: 'Конкурс с призами' },
  description: {
    en: 'At the close of each month or quarter, gives prizes to the top places by a metric, overall or per region or partner kind. Ties share a place and its prize.',
    ru: 'При закрытии месяца или квартала вручает призы лучшим по показателю — в общем рейтинге или отдельно по регионам или типам партнёров. Разделившие место получают его приз.',
  },
  eventTypes: [],
  args: argDefinitions,

  async closePeriod(period, args, ctx): Promise<RewardDraft[]> {
    if (period.unit !== args.period) return [];
    const metric = METRICS[args.metric];
    const currency = ctx.campaign.currency;
    const groups = rankable(await ctx.participants(), args);

    const drafts: RewardDraft[] = [];
    for (const group of [...groups.keys()].sort(compareGroups)) {
      for (const placed of rankByCompetition(groups.get(group)!)) {
        const prize = args.prizes[placed.place - 1];
        // Places only grow down the ranking: past the last prize, nobody else wins one.
        if (!prize) break;
        const paid = payout(prize, currency);
        if (paid.amount === 0n) continue;
        const explain = (locale: Locale) =>
          `${locale === 'en' ? 'Contest' : 'Конкурс'} ${period.key}, ${metric.describe(placed.value, locale, currency)}: ` +
          `${describePlace(placed, group, args.groupBy, locale)}: ${describePrize(paid, locale)}`;
        drafts.push({
          partnerId: placed.partner.id,
          ...paid,
          key: `contest:${period.key}:${group}:${placed.partner.id}`,
          explanation: { en: explain('en'), ru: explain('ru') },
          details: {
            period: period.key,
            metric: args.metric,
            value: placed.value.toString(),
            place: placed.place,
            sharedBy: placed.sharedBy,
            group,
          },
        });
      }
    }
    return drafts;
  },

  progress: contestProgress,
});

export default scheme;
