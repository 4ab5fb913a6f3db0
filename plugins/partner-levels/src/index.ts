/**
 * partner-levels: partner levels (e.g. Bronze / Silver / Gold) with upgrade and downgrade rules
 * evaluated at each period close, and optional reward multipliers per level.
 *
 * At the close of a month or quarter, each ACTIVE targeted partner is measured over a rolling
 * window of the last N periods (net sales = SALE − REFUND − CHARGEBACK, new customers) and by its direct
 * recruits' levels. Its qualified level is the highest listed level whose requirements are all
 * met, or the lowest listed level (the floor) when none is. A qualified level above the
 * partner's level is an upgrade; below it, a downgrade (unless downgrades are off). Either is a
 * LEVEL draft: the engine sets the partner's level when it writes the entry.
 *
 * As a stacking scheme, it adds (multiplier − 1) × each earlier money or points reward of a
 * partner whose level has a multiplier above 1, each boost an entry of its own.
 *
 * Progress reports the requirements of the next level above the partner's, one target each,
 * on the figures the close of the open period will measure.
 */
import {
  COUNT_UNIT,
  netSales,
  compareDecimals,
  defineRewardScheme,
  periodJudgedAt,
  describePoints,
  formatMoney,
  multiplyBy,
  parseDecimal,
  type ArgDefinitions,
  type ArgValues,
  type Locale,
  type PartnerSnapshot,
  type PeriodUnit,
  type ProgressContext,
  type ProgressTarget,
  type RewardDraft,
  periodArg,
} from '@cofactor/schema';

const argDefinitions = {
  period: periodArg,
  rollingPeriods: {
    type: 'int',
    label: { en: 'Rolling window, periods', ru: 'Скользящее окно, периодов' },
    help: {
      en: 'The requirements look at the last N periods ending with the one being closed (within the campaign’s dates).',
      ru: 'Требования проверяются за последние N периодов, включая закрываемый (в пределах дат кампании).',
    },
    default: 3,
    min: 1,
    max: 12,
  },
  levels: {
    type: 'object',
    list: true,
    required: true,
    minItems: 1,
    maxItems: 10,
    label: { en: 'Levels', ru: 'Уровни' },
    help: {
      en: 'Each level once. A partner gets the highest level whose requirements are all met; the lowest listed level is the floor.',
      ru: 'Каждый уровень один раз. Партнёр получает наивысший уровень, все требования которого выполнены; самый низкий из перечисленных — минимальный.',
    },
    fields: {
      level: {
        type: 'int',
        label: { en: 'Level', ru: 'Уровень' },
        help: { en: 'The partner level number, 1 and up.', ru: 'Номер уровня партнёра, от 1.' },
        required: true,
        min: 1,
      },
      name: {
        type: 'string',
        label: { en: 'Name', ru: 'Название' },
        help: { en: 'What partners read, e.g. Silver.', ru: 'Что видят партнёры, например Silver.' },
        required: true,
      },
      minVolume: {
        type: 'money',
        label: { en: 'Minimum net sales in the window', ru: 'Минимальный объём продаж за окно' },
        help: {
          en: 'SALE minus REFUND and CHARGEBACK amounts over the rolling window, in minor units of the campaign currency. 0: no requirement.',
          ru: 'Сумма продаж за вычетом возвратов за скользящее окно, в копейках (центах) валюты кампании. 0 — без требования.',
        },
        default: '0',
        min: 0,
        ui: 'currency-amount',
      },
      minNewCustomers: {
        type: 'int',
        label: { en: 'Minimum new customers in the window', ru: 'Минимум новых клиентов за окно' },
        default: 0,
        min: 0,
      },
      minRecruits: {
        type: 'int',
        label: { en: 'Minimum direct recruits', ru: 'Минимум лично приглашённых партнёров' },
        help: {
          en: 'ACTIVE partners the partner sponsored directly, at level recruitsAtLevel or above, as they are at the close.',
          ru: 'ACTIVE-партнёры, лично приглашённые партнёром, с уровнем не ниже recruitsAtLevel, на момент закрытия.',
        },
        default: 0,
        min: 0,
      },
      recruitsAtLevel: {
        type: 'int',
        label: { en: 'Recruits’ minimum level', ru: 'Минимальный уровень приглашённых' },
        help: {
          en: 'Only recruits at this level or above count: "3 Silver recruits" is minRecruits 3, recruitsAtLevel 2.',
          ru: 'Учитываются только приглашённые с этим уровнем или выше: «3 приглашённых уровня Silver» — minRecruits 3, recruitsAtLevel 2.',
        },
        default: 1,
        min: 1,
      },
      multiplier: {
        type: 'decimal',
        label: { en: 'Reward multiplier', ru: 'Множитель вознаграждений' },
        help: {
          en: 'Partners at this level earn (multiplier − 1) × each money or points reward of the earlier schemes on top, e.g. 1.2 adds a fifth.',
          ru: 'Партнёры этого уровня получают сверху (множитель − 1) × каждое денежное или бальное вознаграждение предыдущих схем, например 1,2 добавляет пятую часть.',
        },
        default: '1',
        min: 1,
        max: 10,
      },
    },
  },
  downgrade: {
    type: 'boolean',
    label: { en: 'Downgrade', ru: 'Понижать уровень' },
    help: {
      en: 'Lower the level of partners who no longer meet their level’s requirements. Off: levels only go up.',
      ru: 'Понижать уровень партнёров, которые больше не выполняют требования своего уровня. Выключено — уровни только растут.',
    },
    default: true,
  },
} as const satisfies ArgDefinitions;

type LevelRule = ArgValues<typeof argDefinitions>['levels'][number];

/** What the rules look at for one partner. */
interface Figures {
  volume: bigint;
  newCustomers: number;
  /** Direct ACTIVE recruits per partner level. */
  recruitsByLevel: Readonly<Record<number, number>>;
}

/** Direct recruits at `atLevel` or above. */
function recruitsAt(byLevel: Readonly<Record<number, number>>, atLevel: number): number {
  let count = 0;
  for (const [level, n] of Object.entries(byLevel)) if (Number(level) >= atLevel) count += n;
  return count;
}

/** One requirement of a level: what the level asks for and the partner's figure for it. */
interface Requirement {
  /** The last part of its progress target's key: `level:3:sales`. */
  key: 'sales' | 'new-customers' | 'recruits';
  /** Money (the campaign currency) or a count. */
  money: boolean;
  required(rule: LevelRule): bigint;
  actual(figures: Figures, rule: LevelRule): bigint;
}

/** What `meets` checks and `progress` reports, in the order explanations quote them. */
const REQUIREMENTS: readonly Requirement[] = [
  { key: 'sales', money: true, required: (rule) => rule.minVolume, actual: (figures) => figures.volume },
  { key: 'new-customers', money: false, required: (rule) => BigInt(rule.minNewCustomers), actual: (figures) => BigInt(figures.newCustomers) },
  {
    key: 'recruits',
    money: false,
    required: (rule) => BigInt(rule.minRecruits),
    actual: (figures, rule) => BigInt(recruitsAt(figures.recruitsByLevel, rule.recruitsAtLevel)),
  },
];

/** Every requirement met, compared exactly. A requirement of 0 is no requirement (even with net refunds). */
function meets(rule: LevelRule, figures: Figures): boolean {
  return REQUIREMENTS.every((requirement) => {
    const required = requirement.required(rule);
    return required === 0n || requirement.actual(figures, rule) >= required;
  });
}

/** 1 месяц, 2 месяца, 5 месяцев. */
function russianPlural(n: number, one: string, few: string, many: string): string {
  const lastTwo = n % 100;
  const last = n % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return many;
  if (last === 1) return one;
  if (last >= 2 && last <= 4) return few;
  return many;
}

interface Words {
  up(name: string, level: number, period: string): string;
  down(name: string, level: number, period: string): string;
  window(unit: PeriodUnit, n: number): string;
  sales(amount: string): string;
  newCustomers(n: number): string;
  recruits(n: number, atLevel: number): string;
  requires(name: string, level: number, requirements: string): string;
  requiredSales(amount: string): string;
  boost(name: string, multiplier: string, explanation: string, extra: string): string;
  /** What a progress target measures, e.g. "Net sales over the last 3 months". */
  measured(key: Requirement['key'], window: string, atLevel: number): string;
  /** A level listed more than once: which of its entries a target belongs to. */
  option(n: number): string;
  level(name: string, level: number): string;
}

const WORDS: Readonly<Record<Locale, Words>> = {
  en: {
    up: (name, level, period) => `Level up to ${name} (level ${level}) for ${period}`,
    down: (name, level, period) => `Level down to ${name} (level ${level}) for ${period}`,
    window: (unit, n) => {
      const word = unit === 'MONTH' ? 'month' : 'quarter';
      return n === 1 ? `over the last ${word}` : `over the last ${n} ${word}s`;
    },
    sales: (amount) => `sales ${amount}`,
    newCustomers: (n) => `${n} new ${n === 1 ? 'customer' : 'customers'}`,
    recruits: (n, atLevel) => `${n} ${n === 1 ? 'recruit' : 'recruits'}${atLevel > 1 ? ` at level ${atLevel} or above` : ''}`,
    requires: (name, level, requirements) => `${name} (level ${level}) requires ${requirements}`,
    requiredSales: (amount) => `sales ${amount}`,
    boost: (name, multiplier, explanation, extra) => `${name} level ×${multiplier} on ${explanation}: ${extra}`,
    measured: (key, window, atLevel) => {
      if (key === 'sales') return `Net sales ${window}`;
      if (key === 'new-customers') return `New customers ${window}`;
      return atLevel > 1 ? `Direct recruits at level ${atLevel} or above` : 'Direct recruits';
    },
    option: (n) => `option ${n}`,
    level: (name, level) => `Level ${level} (${name})`,
  },
  ru: {
    up: (name, level, period) => `Повышение уровня до ${name} (уровень ${level}) за ${period}`,
    down: (name, level, period) => `Понижение уровня до ${name} (уровень ${level}) за ${period}`,
    window: (unit, n) => {
      if (n === 1) return unit === 'MONTH' ? 'за последний месяц' : 'за последний квартал';
      const word = unit === 'MONTH' ? russianPlural(n, 'месяц', 'месяца', 'месяцев') : russianPlural(n, 'квартал', 'квартала', 'кварталов');
      return `за последние ${n} ${word}`;
    },
    sales: (amount) => `продажи ${amount}`,
    newCustomers: (n) => `${n} ${russianPlural(n, 'новый клиент', 'новых клиента', 'новых клиентов')}`,
    recruits: (n, atLevel) =>
      `${n} ${russianPlural(n, 'приглашённый партнёр', 'приглашённых партнёра', 'приглашённых партнёров')}${atLevel > 1 ? ` уровня ${atLevel} и выше` : ''}`,
    requires: (name, level, requirements) => `для ${name} (уровень ${level}) требуется: ${requirements}`,
    requiredSales: (amount) => `продажи ${amount}`,
    boost: (name, multiplier, explanation, extra) => `Уровень ${name} ×${multiplier} к начислению «${explanation}»: ${extra}`,
    measured: (key, window, atLevel) => {
      if (key === 'sales') return `Продажи за вычетом возвратов ${window}`;
      if (key === 'new-customers') return `Новые клиенты ${window}`;
      return atLevel > 1 ? `Лично приглашённые партнёры уровня ${atLevel} и выше` : 'Лично приглашённые партнёры';
    },
    option: (n) => `вариант ${n}`,
    level: (name, level) => `Уровень ${level} (${name})`,
  },
};

const ONE = { units: 1n, scale: 0 };

/** The first listed rule of each level: its name and multiplier are the level's. */
function rulesByLevel(levels: readonly LevelRule[]): Map<number, LevelRule> {
  const byLevel = new Map<number, LevelRule>();
  for (const rule of levels) if (!byLevel.has(rule.level)) byLevel.set(rule.level, rule);
  return byLevel;
}

/**
 * The targets of the level just above the partner's, read over the open period as its close
 * will read them: one per requirement the level sets, so all of one entry's targets reached is
 * the upgrade. A level listed more than once qualifies by either entry; each has its targets.
 */
async function levelProgress(partner: PartnerSnapshot, args: ArgValues<typeof argDefinitions>, ctx: ProgressContext): Promise<ProgressTarget[]> {
  const above = args.levels.filter((rule) => rule.level > partner.level);
  if (above.length === 0) return [];
  const next = Math.min(...above.map((rule) => rule.level));
  const period = ctx.period(args.period);
  const endsAt = periodJudgedAt(ctx.campaign, period);
  if (endsAt === null) return [];
  // Started together, the look-ups are answered by one batched query.
  const [stats, downline] = await Promise.all([
    ctx.periodStats(partner.id, period, { periods: args.rollingPeriods }),
    ctx.downline(partner.id, 1),
  ]);
  const figures: Figures = { volume: netSales(stats), newCustomers: stats.newCustomers, recruitsByLevel: downline.byLevel };
  const name = rulesByLevel(args.levels).get(next)!.name;
  const entries = args.levels.filter((rule) => rule.level === next);
  const currency = ctx.campaign.currency;

  return entries.flatMap((rule, index) =>
    REQUIREMENTS.filter((requirement) => requirement.required(rule) > 0n).map((requirement): ProgressTarget => {
      const actual = requirement.actual(figures, rule);
      const label = (locale: Locale) => {
        const words = WORDS[locale];
        const text = words.measured(requirement.key, words.window(period.unit, args.rollingPeriods), rule.recruitsAtLevel);
        return entries.length > 1 ? `${text} (${words.option(index + 1)})` : text;
      };
      return {
        key: `level:${next}${index > 0 ? `#${index + 1}` : ''}:${requirement.key}`,
        label: { en: label('en'), ru: label('ru') },
        // Net sales below zero count as 0: no requirement is below it.
        current: actual < 0n ? 0n : actual,
        threshold: requirement.required(rule),
        unit: requirement.money ? currency : COUNT_UNIT,
        reward: { en: WORDS.en.level(name, next), ru: WORDS.ru.level(name, next) },
        endsAt,
      };
    }),
  );
}

export const scheme = defineRewardScheme({
  code: 'partner-levels',
  version: '1.2.0',
  name: { en: 'Partner levels', ru: 'Уровни партнёров' },
  description: {
    en: 'Partner levels (e.g. Bronze / Silver / Gold): at each period close, upgrades and downgrades partners by their sales, new customers and recruits over a rolling window, and multiplies the earlier schemes’ rewards of partners at a level with a multiplier.',
    ru: 'Уровни партнёров (например, Bronze / Silver / Gold): при каждом закрытии периода повышает и понижает уровень партнёров по продажам, новым клиентам и приглашённым партнёрам за скользящее окно и умножает вознаграждения предыдущих схем для партнёров уровня с множителем.',
  },
  eventTypes: [],
  args: argDefinitions,

  async closePeriod(period, args, ctx): Promise<RewardDraft[]> {
    if (period.unit !== args.period) return [];
    const currency = ctx.campaign.currency;
    // Lowest level first; the sort is stable, so a level listed twice keeps its order.
    const ladder = [...args.levels].sort((a, b) => a.level - b.level);
    const named = rulesByLevel(args.levels);
    const participants = await ctx.participants({ periods: args.rollingPeriods, everyone: true });
    // Started together, the look-ups are answered by one batched query.
    const downlines = await Promise.all(participants.map(({ partner }) => ctx.downline(partner.id, 1)));

    const drafts: RewardDraft[] = [];
    participants.forEach(({ partner, stats }, index) => {
      const figures: Figures = {
        volume: netSales(stats),
        newCustomers: stats.newCustomers,
        recruitsByLevel: downlines[index].byLevel,
      };
      let qualified = ladder[0].level;
      for (let i = ladder.length - 1; i >= 0; i--) {
        if (meets(ladder[i], figures)) {
          qualified = ladder[i].level;
          break;
        }
      }
      const current = partner.level;
      const up = qualified > current;
      if (!up && !(qualified < current && args.downgrade)) return;

      const target = named.get(qualified)!;
      // The level whose figures the explanation shows: the one reached, or, going down, the
      // next level above the new one (its requirements are the ones not met).
      const missed = up ? undefined : ladder.find((rule) => rule.level > qualified);
      const reference = missed ? named.get(missed.level)! : target;
      const recruits = recruitsAt(figures.recruitsByLevel, reference.recruitsAtLevel);

      const explain = (locale: Locale) => {
        const words = WORDS[locale];
        const money = (amount: bigint) => formatMoney(amount, currency, locale);
        const parts = [`${words.sales(money(figures.volume))} ${words.window(period.unit, args.rollingPeriods)}`];
        if (reference.minNewCustomers > 0) parts.push(words.newCustomers(figures.newCustomers));
        if (reference.minRecruits > 0) parts.push(words.recruits(recruits, reference.recruitsAtLevel));
        const title = (up ? words.up : words.down)(target.name, qualified, period.key);
        let text = `${title}: ${parts.join(', ')}`;
        if (missed) {
          const requirements: string[] = [];
          if (reference.minVolume > 0n) requirements.push(words.requiredSales(money(reference.minVolume)));
          if (reference.minNewCustomers > 0) requirements.push(words.newCustomers(reference.minNewCustomers));
          if (reference.minRecruits > 0) requirements.push(words.recruits(reference.minRecruits, reference.recruitsAtLevel));
          text += `; ${words.requires(reference.name, reference.level, requirements.join(', '))}`;
        }
        return text;
      };

      drafts.push({
        partnerId: partner.id,
        kind: 'LEVEL',
        amount: BigInt(qualified),
        unit: 'LEVEL',
        key: `level:${period.key}:${partner.id}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: {
          period: period.key,
          from: current,
          to: qualified,
          volume: figures.volume.toString(),
          newCustomers: figures.newCustomers,
          recruits,
          recruitsAtLevel: reference.recruitsAtLevel,
          rollingPeriods: args.rollingPeriods,
        },
      });
    });
    return drafts;
  },

  progress: levelProgress,

  async stack(drafts, _event, args, ctx): Promise<RewardDraft[]> {
    const boosting = [...rulesByLevel(args.levels).values()].filter((rule) => compareDecimals(parseDecimal(rule.multiplier)!, ONE) > 0);
    if (boosting.length === 0) return [];
    const multipliers = new Map(boosting.map((rule) => [rule.level, rule]));

    const eligible = (draft: RewardDraft) => draft.kind === 'MONEY' || draft.kind === 'POINTS';
    const ids = [...new Set(drafts.filter(eligible).map((draft) => draft.partnerId))];
    const found = await Promise.all(ids.map((id) => ctx.partner(id)));
    const partners = new Map<string, PartnerSnapshot | null>(ids.map((id, index) => [id, found[index]]));

    const seen = new Map<string, number>();
    const boosts: RewardDraft[] = [];
    for (const draft of drafts) {
      // Two earlier instances of one scheme can propose the same key; the boost of each later
      // one is told apart by its position among them.
      const occurrence = (seen.get(draft.key) ?? 0) + 1;
      seen.set(draft.key, occurrence);
      if (!eligible(draft)) continue;
      const level = partners.get(draft.partnerId)?.level;
      const rule = level === undefined ? undefined : multipliers.get(level);
      if (!rule) continue;
      // multiplyBy rounds once, half to even.
      const extra = multiplyBy(draft.amount, rule.multiplier) - draft.amount;
      if (extra <= 0n) continue;
      const explain = (locale: Locale) => {
        const amount = draft.kind === 'MONEY' ? formatMoney(extra, draft.unit, locale) : describePoints(extra, locale);
        const multiplier = locale === 'ru' ? rule.multiplier.replace('.', ',') : rule.multiplier;
        return WORDS[locale].boost(rule.name, multiplier, draft.explanation[locale], `+${amount}`);
      };
      boosts.push({
        partnerId: draft.partnerId,
        kind: draft.kind,
        amount: extra,
        unit: draft.unit,
        key: occurrence === 1 ? `level-bonus:${draft.key}` : `level-bonus#${occurrence}:${draft.key}`,
        explanation: { en: explain('en'), ru: explain('ru') },
        details: { boosts: draft.key, level: rule.level, multiplier: rule.multiplier, base: draft.amount.toString() },
      });
    }
    return boosts;
  },
});

export default scheme;
