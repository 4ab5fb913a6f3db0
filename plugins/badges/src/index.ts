/**
 * badges: achievements shown on the partner (the API lists a partner's BADGE entries as
 * `Partner.badges`). Each configured badge has a code (the reward's unit), a name the partner
 * sees and a rule:
 *
 * - FIRST_SALE: the partner's first SALE in the campaign (`ctx.stats` counts 1 SALE).
 * - SALES_COUNT / SALES_AMOUNT: the SALE with which the partner's number of sales / sales
 *   amount in the campaign currency reaches `threshold` (before < threshold ≤ now, exactly).
 * - RECRUITS: given to the sponsor when a recruit joins or is approved and the sponsor then
 *   has at least `threshold` ACTIVE direct recruits (`ctx.downline`, as it is now).
 * - TOP_IN_REGION: at the close of each month or quarter (`period`), the top `places` of each
 *   region by net sales volume; ties share a place ("1224", as in `contest`).
 *
 * Per-event badges are given once per partner (key `badge:<code>:<partner id>`); period badges
 * once per partner and period (key `badge:<code>:<period key>:<partner id>`). The ledger
 * refuses a key it already holds, so a badge proposed again is never given twice. A badge is
 * a count of 1: nothing is computed, so nothing is rounded.
 *
 * Progress reports every badge (key `badge:<code>`) with the figure its rule reads and the
 * threshold it compares with: per-event badges over the campaign so far (an earned one is
 * simply reached), top badges over the open period against the volume at the last place.
 */
import {
  COUNT_UNIT,
  netSales,
  defineRewardScheme,
  periodJudgedAt,
  formatDecimal,
  formatMoney,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type CampaignSnapshot,
  type Decimal,
  type Locale,
  type Participant,
  type PartnerSnapshot,
  type PartnerStats,
  type Period,
  type ProgressContext,
  type ProgressTarget,
  type RewardDraft,
  type SchemeContext,
  type SchemeEvent,
  compareIds,
  rankByCompetition,
  type RankEntry,
  type Ranked,
  periodArg,
} from '@cofactor/schema';

const argDefinitions = {
  badges: {
    type: 'object',
    list: true,
    required: true,
    minItems: 1,
    maxItems: 20,
    label: { en: 'Badges', ru: 'Значки' },
    help: {
      en: 'Each badge is given by its rule; give each badge its own code.',
      ru: 'Каждый значок выдаётся по своему правилу; у каждого значка свой код.',
    },
    fields: {
      code: {
        type: 'string',
        required: true,
        label: { en: 'Badge code', ru: 'Код значка' },
        help: {
          en: 'The badge’s identity, e.g. FIRST-SALE: letters, digits and dashes.',
          ru: 'Идентификатор значка, например FIRST-SALE: буквы, цифры и дефисы.',
        },
      },
      name: {
        type: 'string',
        required: true,
        label: { en: 'Name', ru: 'Название' },
        help: { en: 'What the partner sees, e.g. First sale.', ru: 'Что видит партнёр, например «Первая продажа».' },
      },
      rule: {
        type: 'enum',
        required: true,
        label: { en: 'Given for', ru: 'Выдаётся за' },
        options: [
          { value: 'FIRST_SALE', label: { en: 'The first sale in the campaign', ru: 'Первую продажу в кампании' } },
          { value: 'SALES_COUNT', label: { en: 'A number of sales', ru: 'Число продаж' } },
          { value: 'SALES_AMOUNT', label: { en: 'A sales amount', ru: 'Сумму продаж' } },
          { value: 'RECRUITS', label: { en: 'A number of active direct recruits', ru: 'Число активных приглашённых партнёров' } },
          { value: 'TOP_IN_REGION', label: { en: 'A top place in the region for the period', ru: 'Место в топе региона за период' } },
        ],
      },
      threshold: {
        type: 'decimal',
        label: { en: 'Threshold', ru: 'Порог' },
        help: {
          en: 'Number of sales, sales amount in minor units of the campaign currency, or number of active direct recruits to reach.',
          ru: 'Число продаж, сумма продаж в копейках (центах) валюты кампании или число активных приглашённых партнёров, которого нужно достичь.',
        },
        default: '1',
        min: 0,
      },
      places: {
        type: 'int',
        label: { en: 'Places', ru: 'Мест' },
        help: {
          en: 'For a top place: how many places of each region get the badge. Partners tied for a place share it.',
          ru: 'Для места в топе: сколько мест в каждом регионе получают значок. Разделившие место получают его все.',
        },
        default: 3,
        min: 1,
        max: 100,
      },
    },
  },
  period: periodArg,
} as const satisfies ArgDefinitions;

type Args = ArgValues<typeof argDefinitions>;
type Badge = Args['badges'][number];
type Rule = Badge['rule'];

const RULES: readonly Rule[] = argDefinitions.badges.fields.rule.options.map((option) => option.value);

/** A badge with its code trimmed, its name (or code) to show, and its threshold parsed. */
interface Configured {
  badge: Badge;
  code: string;
  name: string;
  threshold: Decimal;
}

/** The badges of a rule, in their order; a badge with a blank code cannot be given and is skipped. */
function configured(badges: readonly Badge[], rules: readonly Rule[]): Configured[] {
  return badges
    .filter((badge) => rules.includes(badge.rule))
    .map((badge) => {
      const code = badge.code.trim();
      return { badge, code, name: badge.name.trim() || code, threshold: parseDecimal(badge.threshold)! };
    })
    .filter(({ code }) => code !== '');
}

/**
 * Whether a count or amount has reached the threshold, exactly. A total reaches a threshold
 * only once it is also positive, so a threshold of 0 is reached by the first sale (or recruit)
 * rather than, vacuously, before any.
 */
function reached(value: bigint, threshold: Decimal): boolean {
  return value > 0n && value * 10n ** BigInt(threshold.scale) >= threshold.units;
}

/**
 * The smallest whole number (count, or minor units) that reaches the threshold: what an
 * explanation shows, so "2.5" sales reads as 3 and a threshold of 0 as 1.
 */
function needed(threshold: Decimal): bigint {
  const scale = 10n ** BigInt(threshold.scale);
  const ceiling = (threshold.units + scale - 1n) / scale;
  return ceiling > 0n ? ceiling : 1n;
}

/** Russian picks one of three noun forms by the number: 1 продажа, 2 продажи, 5 продаж, 11 продаж. */
function russianPlural(n: bigint, one: string, few: string, many: string): string {
  const lastTwo = n % 100n;
  const last = n % 10n;
  if (last === 1n && lastTwo !== 11n) return one;
  if (last >= 2n && last <= 4n && (lastTwo < 12n || lastTwo > 14n)) return few;
  return many;
}

function counted(n: bigint, locale: Locale, en: [string, string], ru: [string, string, string]): string {
  return locale === 'en' ? `${n} ${n === 1n ? en[0] : en[1]}` : `${n} ${russianPlural(n, ...ru)}`;
}

const SALES: { en: [string, string]; ru: [string, string, string] } = {
  en: ['sale', 'sales'],
  ru: ['продажа', 'продажи', 'продаж'],
};
const RECRUITS: { en: [string, string]; ru: [string, string, string] } = {
  en: ['active direct recruit', 'active direct recruits'],
  ru: ['активный приглашённый партнёр', 'активных приглашённых партнёра', 'активных приглашённых партнёров'],
};

interface Words {
  badge: string;
  order: string;
  firstSale: string;
  threshold: string;
  sales: string;
  joined: string;
  approved: string;
  /** What each rule's progress target measures. */
  measured: Readonly<Record<Exclude<Rule, 'TOP_IN_REGION'>, string>>;
  volume: string;
}

const WORDS: Readonly<Record<Locale, Words>> = {
  en: {
    badge: 'Badge',
    order: 'order',
    firstSale: 'first sale',
    threshold: 'threshold',
    sales: 'sales',
    joined: 'joined',
    approved: 'approved',
    measured: {
      FIRST_SALE: 'Sales in the campaign',
      SALES_COUNT: 'Sales in the campaign',
      SALES_AMOUNT: 'Sales amount in the campaign',
      RECRUITS: 'Active direct recruits',
    },
    volume: 'Sales volume',
  },
  ru: {
    badge: 'Значок',
    order: 'заказ',
    firstSale: 'первая продажа',
    threshold: 'порог',
    sales: 'продажи',
    joined: 'регистрация',
    approved: 'одобрение',
    measured: {
      FIRST_SALE: 'Продажи в кампании',
      SALES_COUNT: 'Продажи в кампании',
      SALES_AMOUNT: 'Сумма продаж в кампании',
      RECRUITS: 'Активные приглашённые партнёры',
    },
    volume: 'Объём продаж',
  },
};

/** "Badge: Ten sales (10 sales, threshold 10, order A-17)". */
function explain(name: string, figures: (locale: Locale) => string[]): RewardDraft['explanation'] {
  const text = (locale: Locale) => `${WORDS[locale].badge}: ${name} (${figures(locale).join(', ')})`;
  return { en: text('en'), ru: text('ru') };
}

function badgeDraft(partnerId: string, item: Configured, key: string, explanation: RewardDraft['explanation'], details: RewardDraft['details']): RewardDraft {
  return {
    partnerId,
    kind: 'BADGE',
    amount: 1n,
    unit: item.code,
    key,
    explanation,
    details: { code: item.code, name: item.name, rule: item.badge.rule, ...details },
  };
}

/** Drops a second draft with the same key (two badges sharing a code): the first one stands. */
function uniqueByKey(drafts: RewardDraft[]): RewardDraft[] {
  const seen = new Set<string>();
  return drafts.filter((draft) => !seen.has(draft.key) && seen.add(draft.key));
}

/** Badges for the partner's own SALE: first sale, sales count and sales amount. */
async function saleBadges(event: SchemeEvent, badges: readonly Badge[], ctx: SchemeContext): Promise<RewardDraft[]> {
  const rules = configured(badges, ['FIRST_SALE', 'SALES_COUNT', 'SALES_AMOUNT']);
  if (rules.length === 0) return [];
  const partner = event.partner;
  const currency = ctx.campaign.currency;
  const stats = await ctx.stats(partner.id);
  const count = BigInt(stats.count.SALE ?? 0);
  // Only a sale in the campaign currency moves the amount the threshold is measured on.
  const inCurrency = event.amount !== null && event.amount > 0n && event.currency === currency;
  const amountNow = stats.amount.SALE ?? 0n;
  const amountBefore = inCurrency ? amountNow - event.amount! : amountNow;
  const order = (locale: Locale) => `${WORDS[locale].order} ${event.externalId}`;

  const drafts: RewardDraft[] = [];
  for (const item of rules) {
    const key = `badge:${item.code}:${partner.id}`;
    const threshold = formatDecimal(item.threshold);
    switch (item.badge.rule) {
      case 'FIRST_SALE':
        if (count !== 1n) break;
        drafts.push(
          badgeDraft(partner.id, item, key, explain(item.name, (l) => [WORDS[l].firstSale, order(l)]), {
            eventId: event.id,
            order: event.externalId,
          }),
        );
        break;
      case 'SALES_COUNT':
        if (!reached(count, item.threshold) || reached(count - 1n, item.threshold)) break;
        drafts.push(
          badgeDraft(
            partner.id,
            item,
            key,
            explain(item.name, (l) => [
              counted(count, l, SALES.en, SALES.ru),
              `${WORDS[l].threshold} ${needed(item.threshold)}`,
              order(l),
            ]),
            { threshold, sales: Number(count), eventId: event.id, order: event.externalId },
          ),
        );
        break;
      case 'SALES_AMOUNT':
        if (!inCurrency || !reached(amountNow, item.threshold) || reached(amountBefore, item.threshold)) break;
        drafts.push(
          badgeDraft(
            partner.id,
            item,
            key,
            explain(item.name, (l) => [
              `${WORDS[l].sales} ${formatMoney(amountNow, currency, l)}`,
              `${WORDS[l].threshold} ${formatMoney(needed(item.threshold), currency, l)}`,
              order(l),
            ]),
            { threshold, amount: amountNow.toString(), currency, eventId: event.id, order: event.externalId },
          ),
        );
        break;
    }
  }
  return drafts;
}

/** Badges for the sponsor of a partner who joined or was approved: active direct recruits. */
async function recruitBadges(event: SchemeEvent, badges: readonly Badge[], ctx: SchemeContext): Promise<RewardDraft[]> {
  const rules = configured(badges, ['RECRUITS']);
  if (rules.length === 0) return [];
  const recruit = event.partner;
  const sponsor = (await ctx.upline(recruit.id, 1))[0]?.partner;
  if (!sponsor) return [];
  // ACTIVE direct recruits as they are now: a PENDING recruit counts once approved.
  const recruits = BigInt((await ctx.downline(sponsor.id, 1)).byDepth[0] ?? 0);
  const what = (locale: Locale) => `${recruit.name}: ${event.type === 'PARTNER_APPROVED' ? WORDS[locale].approved : WORDS[locale].joined}`;
  return rules
    .filter((item) => reached(recruits, item.threshold))
    .map((item) =>
      badgeDraft(
        sponsor.id,
        item,
        `badge:${item.code}:${sponsor.id}`,
        explain(item.name, (l) => [
          counted(recruits, l, RECRUITS.en, RECRUITS.ru),
          `${WORDS[l].threshold} ${needed(item.threshold)}`,
          what(l),
        ]),
        { threshold: formatDecimal(item.threshold), recruits: Number(recruits), recruitId: recruit.id, eventId: event.id },
      ),
    );
}

/** The group of partners without a region. */
const NO_REGION = 'none';


/** Regions by id; partners without a region last. */
function compareGroups(a: string, b: string): number {
  if (a === NO_REGION || b === NO_REGION) return (a === NO_REGION ? 1 : 0) - (b === NO_REGION ? 1 : 0);
  return compareIds(a, b);
}


/** Net sales volume of the period: sales less refunds and chargebacks, in the campaign currency. */
function volume(stats: PartnerStats): bigint {
  return netSales(stats);
}

function regionOf(partner: PartnerSnapshot): string {
  return partner.regionId ?? NO_REGION;
}

/** The participants who take part in a top, by region: only a positive volume, so a partner who sold nothing is never on top. */
function byRegion(participants: readonly Participant[]): Map<string, RankEntry[]> {
  const groups = new Map<string, RankEntry[]>();
  for (const { partner, stats } of participants) {
    const value = volume(stats);
    if (value <= 0n) continue;
    const members = groups.get(regionOf(partner)) ?? [];
    members.push({ partner, value });
    groups.set(regionOf(partner), members);
  }
  return groups;
}

/** "top 3 in region 7 for 2026-03" / "топ-3 в регионе 7 за 2026-03". */
function describeTop(places: number, group: string, periodKey: string, locale: Locale): string {
  if (locale === 'en') return `top ${places} ${group === NO_REGION ? 'among partners without a region' : `in region ${group}`} for ${periodKey}`;
  return `топ-${places} ${group === NO_REGION ? 'среди партнёров без региона' : `в регионе ${group}`} за ${periodKey}`;
}

/** "place 2 (shared by 2)" / "2-е место (делят 2 участника)". */
function describePlace({ place, sharedBy }: Ranked, locale: Locale): string {
  const base = locale === 'en' ? `place ${place}` : `${place}-е место`;
  if (sharedBy === 1) return base;
  return locale === 'en'
    ? `${base}, shared by ${sharedBy}`
    : `${base}, делят ${sharedBy} ${russianPlural(BigInt(sharedBy), 'участник', 'участника', 'участников')}`;
}

/** A badge's target: the badge's name is what reaching it gives. */
function badgeTarget(item: Configured, label: ProgressTarget['label'], figures: Pick<ProgressTarget, 'current' | 'threshold' | 'unit' | 'endsAt'>): ProgressTarget {
  return { key: `badge:${item.code}`, label, reward: { en: item.name, ru: item.name }, ...figures, current: figures.current < 0n ? 0n : figures.current };
}

/** What the per-event rules read: campaign stats (every SALE counted, the SALE amount in the campaign currency) and ACTIVE direct recruits as they are now. */
interface EventFigures {
  sales: bigint;
  amount: bigint;
  recruits: bigint;
}

/** A per-event badge's target; `needed` is the threshold `reached` compares with, as a whole number. */
function eventTarget(item: Configured, rule: Exclude<Rule, 'TOP_IN_REGION'>, figures: EventFigures, campaign: CampaignSnapshot): ProgressTarget {
  const label = { en: WORDS.en.measured[rule], ru: WORDS.ru.measured[rule] };
  const endsAt = campaign.endsAt;
  if (rule === 'FIRST_SALE') return badgeTarget(item, label, { current: figures.sales, threshold: 1n, unit: COUNT_UNIT, endsAt });
  if (rule === 'SALES_COUNT') return badgeTarget(item, label, { current: figures.sales, threshold: needed(item.threshold), unit: COUNT_UNIT, endsAt });
  if (rule === 'SALES_AMOUNT') return badgeTarget(item, label, { current: figures.amount, threshold: needed(item.threshold), unit: campaign.currency, endsAt });
  return badgeTarget(item, label, { current: figures.recruits, threshold: needed(item.threshold), unit: COUNT_UNIT, endsAt });
}

/**
 * A top badge's target over the open period, ranked as its close ranks: the partner's volume
 * against the volume at place `places` of its region now (its own when it is there), or 1 (the
 * least volume that takes part) while fewer are ranked. Reached exactly when the partner would
 * be placed within `places`, a tie for the last place included.
 */
function topTarget(item: Configured, top: RegionRanking, endsAt: Date, currency: string): ProgressTarget {
  const label = (locale: Locale) => `${WORDS[locale].volume}, ${describeTop(item.badge.places, top.region, top.period.key, locale)}`;
  const threshold = top.ranked[item.badge.places - 1]?.value ?? 1n;
  return badgeTarget(item, { en: label('en'), ru: label('ru') }, { current: top.own, threshold, unit: currency, endsAt });
}

/** The partner's region ranked over the open period so far, and the partner's own volume in it. */
interface RegionRanking {
  period: Period;
  region: string;
  ranked: Ranked[];
  own: bigint;
}

/** Ranks the partner's region as the close will, the partner counted with its own stats so far. */
async function rankRegion(partner: PartnerSnapshot, period: Period, ctx: ProgressContext): Promise<RegionRanking> {
  const [participants, stats] = await Promise.all([ctx.participants(period), ctx.periodStats(partner.id, period)]);
  const field = [...participants.filter((participant) => participant.partner.id !== partner.id), { partner, stats }];
  const region = regionOf(partner);
  return { period, region, ranked: rankByCompetition(byRegion(field).get(region) ?? []), own: volume(stats) };
}

/** Every badge with the partner's figure and its threshold, in the badges' order; a code shared by two badges is the first's. */
async function badgeProgress(partner: PartnerSnapshot, args: Args, ctx: ProgressContext): Promise<ProgressTarget[]> {
  const items = configured(args.badges, RULES);
  const uses = (rule: Rule) => items.some((item) => item.badge.rule === rule);
  const period = ctx.period(args.period);
  const endsAt = periodJudgedAt(ctx.campaign, period);
  // Started together, the look-ups are answered by batched queries; each only when a badge reads it.
  const [stats, downline, top] = await Promise.all([
    uses('FIRST_SALE') || uses('SALES_COUNT') || uses('SALES_AMOUNT') ? ctx.stats(partner.id) : null,
    uses('RECRUITS') ? ctx.downline(partner.id, 1) : null,
    uses('TOP_IN_REGION') && endsAt !== null ? rankRegion(partner, period, ctx) : null,
  ]);
  const figures: EventFigures = { sales: BigInt(stats?.count.SALE ?? 0), amount: stats?.amount.SALE ?? 0n, recruits: BigInt(downline?.byDepth[0] ?? 0) };
  const seen = new Set<string>();
  const targets: ProgressTarget[] = [];
  for (const item of items) {
    if (seen.has(item.code)) continue;
    seen.add(item.code);
    const rule = item.badge.rule;
    if (rule !== 'TOP_IN_REGION') targets.push(eventTarget(item, rule, figures, ctx.campaign));
    // No close in the campaign's dates pays the open period's top.
    else if (top !== null && endsAt !== null) targets.push(topTarget(item, top, endsAt, ctx.campaign.currency));
  }
  return targets;
}

export const scheme = defineRewardScheme({
  code: 'badges',
  version: '1.2.0',
  name: { en: 'Badges', ru: 'Значки' },
  description: {
    en: 'Gives partners achievement badges, shown on their profile: for the first sale, a number or amount of sales, a number of active direct recruits, or a top place in their region for a month or quarter.',
    ru: 'Выдаёт партнёрам значки достижений, видные в их профиле: за первую продажу, число или сумму продаж, число активных приглашённых партнёров или место в топе своего региона за месяц или квартал.',
  },
  eventTypes: ['SALE', 'PARTNER_JOINED', 'PARTNER_APPROVED'],
  args: argDefinitions,

  async evaluate(event, args, ctx): Promise<RewardDraft[]> {
    if (event.type === 'SALE') return uniqueByKey(await saleBadges(event, args.badges, ctx));
    if (event.type === 'PARTNER_JOINED' || event.type === 'PARTNER_APPROVED') return uniqueByKey(await recruitBadges(event, args.badges, ctx));
    return [];
  },

  async closePeriod(period, args, ctx): Promise<RewardDraft[]> {
    if (period.unit !== args.period) return [];
    const rules = configured(args.badges, ['TOP_IN_REGION']);
    if (rules.length === 0) return [];
    const currency = ctx.campaign.currency;

    const groups = byRegion(await ctx.participants());

    const drafts: RewardDraft[] = [];
    for (const item of rules) {
      const places = item.badge.places;
      for (const group of [...groups.keys()].sort(compareGroups)) {
        for (const placed of rankByCompetition(groups.get(group)!)) {
          // Places only grow down the ranking: past the last place, nobody else gets the badge.
          if (placed.place > places) break;
          drafts.push(
            badgeDraft(
              placed.partner.id,
              item,
              `badge:${item.code}:${period.key}:${placed.partner.id}`,
              {
                en: `${WORDS.en.badge}: ${item.name} (${describeTop(places, group, period.key, 'en')}: ${describePlace(placed, 'en')}, sales volume ${formatMoney(placed.value, currency, 'en')})`,
                ru: `${WORDS.ru.badge}: ${item.name} (${describeTop(places, group, period.key, 'ru')}: ${describePlace(placed, 'ru')}, объём продаж ${formatMoney(placed.value, currency, 'ru')})`,
              },
              {
                period: period.key,
                places,
                place: placed.place,
                sharedBy: placed.sharedBy,
                region: group === NO_REGION ? null : group,
                value: placed.value.toString(),
              },
            ),
          );
        }
      }
    }
    return uniqueByKey(drafts);
  },

  progress: badgeProgress,
});

export default scheme;
