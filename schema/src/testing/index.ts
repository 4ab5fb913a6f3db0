/**
 * The conformance kit for reward-scheme plugins (`@cofactor/schema/testing`).
 *
 * Like @apollo/server-integration-testsuite, one call registers a whole jest suite that
 * holds a scheme to the contract the engine relies on: a well-formed definition, args that
 * validate with paths, and an `evaluate` that is deterministic, reads nothing outside `ctx`
 * and returns well-formed drafts. Next to it are the in-memory helpers a plugin's own tests
 * need: a test context and partner/event factories.
 *
 * The jest globals (`describe`, `it`, `expect`) are used only when the suite is registered,
 * so importing this module outside jest is harmless.
 *
 * ```ts
 * describeRewardSchemeConformance(scheme, {
 *   validArgs: [{ percent: '5' }],
 *   samples: [{ event: testEvent({ amount: 1_200_000n }) }],
 * });
 * ```
 */
import { parseArgs, type ArgDefinition, type ArgDefinitions, type ArgIssue, type JsonObject, type JsonValue } from '../args.js';
import { validateDrafts } from '../drafts.js';
import { progressProblems } from '../progress.js';
import { compareIds } from '../ranking.js';
import { formatDecimal, parseDecimal } from '../money.js';
import {
  EVENT_TYPE_PATTERN,
  SCHEME_CODE_PATTERN,
  SCHEME_VERSION_PATTERN,
  type CampaignSnapshot,
  type DownlineSummary,
  type Participant,
  type PartnerSnapshot,
  type PartnerStats,
  type Period,
  type PeriodContext,
  type ProgressContext,
  type ProgressTarget,
  type RewardDraft,
  type RewardScheme,
  type SchemeContext,
  type SchemeEvent,
  type UplineMember,
  parseSchemeArgs,
} from '../scheme.js';
import { periodAt, statsWindowSpan, type StatsSpan } from '../stats-window.js';

/** The clock of a test context unless a test sets its own. */
export const TEST_NOW = new Date('2026-06-01T12:00:00.000Z');

export interface TestContextOptions {
  /** Merged over a RUB campaign that started on 2026-01-01 and has no end. */
  campaign?: Partial<CampaignSnapshot>;
  /**
   * Every partner the scheme may look up. `upline` walks their `sponsorId` chain and throws
   * when it meets a partner not listed here or a cycle: both are mistakes in the test data.
   */
  partners?: readonly PartnerSnapshot[];
  /**
   * Stats per partner id; whatever is left out is empty (no counts, no amounts, 0 new customers).
   * With `batch`, what was stored before the batch: the batch's own events are added to it.
   */
  stats?: Readonly<Record<string, Partial<PartnerStats>>>;
  /** Stats per partner id for `stats(id, 'DAY')`; empty when left out. With `batch`, as `stats`. */
  dayStats?: Readonly<Record<string, Partial<PartnerStats>>>;
  /**
   * Events stored before the batch (or before the evaluated event), in any order: each counts,
   * on top of the given `stats` and `dayStats`, in every window its date falls in, as the
   * engine counts stored events. The windows are around the batch's evaluated event, or `now`
   * without a batch. The way to test 'MONTH', 'QUARTER' and rolling windows.
   */
  storedEvents?: readonly SchemeEvent[];
  now?: Date;
  /**
   * The batch being recorded and which of its events is being evaluated. As in the engine,
   * `stats(id, window)` then adds to the given stats every event of the batch attributed to `id`
   * up to and including that one, in batch order, if dated within the window around the
   * evaluated event (`statsWindowSpan`: the campaign's dates, or the local day, month or
   * quarter, or the rolling days, all within the campaign): `createTestBatch` makes one
   * context per event.
   */
  batch?: { events: readonly SchemeEvent[]; index: number };
  /** The program's time zone, whose calendar days, months and quarters the windows are; default UTC. */
  timeZone?: string;
}

/** A SchemeContext backed by memory, strict about test data that could not exist in a real program. */
export function createTestContext(options: TestContextOptions = {}): SchemeContext {
  const campaign: CampaignSnapshot = Object.freeze({
    id: 'campaign-1',
    name: 'Test campaign',
    currency: 'RUB',
    startsAt: new Date('2026-01-01T00:00:00.000Z'),
    endsAt: null,
    ...options.campaign,
  });
  const partners = new Map<string, PartnerSnapshot>();
  for (const partner of options.partners ?? []) {
    if (partners.has(partner.id)) throw new Error(`test partner ${partner.id} is listed twice`);
    partners.set(partner.id, Object.freeze({ ...partner }));
  }
  const now = options.now ?? TEST_NOW;
  const known = (id: string): PartnerSnapshot => {
    const partner = partners.get(id);
    if (!partner) throw new Error(`partner ${id} is not among the test context's partners`);
    return partner;
  };

  return {
    campaign,
    async partner(id) {
      return partners.get(id) ?? null;
    },
    async upline(partnerId, levels) {
      const members: UplineMember[] = [];
      const seen = new Set([partnerId]);
      let sponsorId = known(partnerId).sponsorId;
      while (sponsorId !== null && members.length < levels) {
        // The real hierarchy refuses cycles, so a cycle here is a mistake in the test data.
        if (seen.has(sponsorId)) throw new Error(`test partners form a sponsor cycle through ${sponsorId}`);
        seen.add(sponsorId);
        const sponsor = known(sponsorId);
        members.push({ depth: members.length + 1, partner: sponsor });
        sponsorId = sponsor.sponsorId;
      }
      return members;
    },
    async downline(partnerId, depth): Promise<DownlineSummary> {
      known(partnerId);
      const byDepth: number[] = [];
      const byLevel: Record<number, number> = {};
      let frontier = [partnerId];
      for (let level = 1; level <= depth && frontier.length > 0; level++) {
        frontier = [...partners.values()].filter((p) => p.sponsorId !== null && frontier.includes(p.sponsorId)).map((p) => p.id);
        if (frontier.length === 0) break;
        byDepth.push(frontier.length);
        for (const id of frontier) byLevel[known(id).level] = (byLevel[known(id).level] ?? 0) + 1;
      }
      return Object.freeze({ total: byDepth.reduce((sum, n) => sum + n, 0), byDepth, byLevel: Object.freeze(byLevel) });
    },
    async stats(partnerId, window = 'CAMPAIGN') {
      const at = options.batch ? options.batch.events[options.batch.index].occurredAt : now;
      // Throws, as the engine does, on a window the contract does not know.
      const span = statsWindowSpan(campaign, window, at, options.timeZone ?? 'UTC');
      const given = (window === 'CAMPAIGN' ? options.stats : window === 'DAY' ? options.dayStats : undefined)?.[partnerId] ?? {};
      const count: Record<string, number> = { ...given.count };
      const amount: Record<string, bigint> = { ...given.amount };
      let newCustomers = given.newCustomers ?? 0;
      const batch = options.batch ? options.batch.events.slice(0, options.batch.index + 1) : [];
      for (const [events, stored] of [[options.storedEvents ?? [], true], [batch, false]] as const) {
        for (const event of events) {
          if (event.partner.id !== partnerId || !inSpan(span, event.occurredAt)) continue;
          count[event.type] = (count[event.type] ?? 0) + 1;
          // The engine's stored sums hold every counted type, 0 when no amount is in the campaign's currency.
          if (stored) amount[event.type] ??= 0n;
          if (event.amount !== null && event.currency === campaign.currency) amount[event.type] = (amount[event.type] ?? 0n) + event.amount;
          if (event.firstPurchase) newCustomers += 1;
        }
      }
      return Object.freeze({ count: Object.freeze(count), amount: Object.freeze(amount), newCustomers });
    },
    now() {
      return new Date(now.getTime());
    },
  };
}

/**
 * The contexts the engine gives the events of one batch, one per event in batch order: each
 * one's `stats` counts the given (stored) stats plus the batch's events up to and including
 * its own. Evaluate `events[i]` with `contexts[i]`.
 */
export function createTestBatch(events: readonly SchemeEvent[], options: Omit<TestContextOptions, 'batch'> = {}): SchemeContext[] {
  const listed = new Map((options.partners ?? []).map((partner) => [partner.id, partner]));
  for (const { partner } of events) if (!listed.has(partner.id)) listed.set(partner.id, partner);
  return events.map((_, index) => createTestContext({ ...options, partners: [...listed.values()], batch: { events, index } }));
}

function inSpan(span: StatsSpan, at: Date): boolean {
  return at >= span.startsAt && (span.endsAt === null || at < span.endsAt);
}

/** A partner with sensible defaults: an ambassador named Anna with no sponsor. */
export function testPartner(overrides: Partial<PartnerSnapshot> = {}): PartnerSnapshot {
  const id = overrides.id ?? 'partner-1';
  return {
    id,
    name: 'Anna',
    kind: 'AMBASSADOR',
    regionId: null,
    segment: null,
    level: 1,
    status: 'ACTIVE',
    referralCode: `REF-${id.toUpperCase()}`,
    sponsorId: null,
    ...overrides,
  };
}

/** An event with sensible defaults: order A-17, a 12 000,00 ₽ sale by `testPartner()`. */
export function testEvent(overrides: Partial<SchemeEvent> = {}): SchemeEvent {
  return {
    id: 'event-1',
    externalId: 'A-17',
    type: 'SALE',
    partner: testPartner(),
    customerId: 'customer-1',
    firstPurchase: false,
    couponCode: null,
    amount: 1_200_000n,
    currency: 'RUB',
    occurredAt: new Date('2026-06-01T10:00:00.000Z'),
    attributes: {},
    ...overrides,
  };
}

/** A month ('2026-03') or quarter ('2026-Q1') with UTC boundaries, for tests. */
export function testPeriod(key: string): Period {
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (month) {
    const [year, index] = [Number(month[1]), Number(month[2]) - 1];
    return { key, unit: 'MONTH', startsAt: new Date(Date.UTC(year, index, 1)), endsAt: new Date(Date.UTC(year, index + 1, 1)) };
  }
  if (quarter) {
    const [year, first] = [Number(quarter[1]), (Number(quarter[2]) - 1) * 3];
    return { key, unit: 'QUARTER', startsAt: new Date(Date.UTC(year, first, 1)), endsAt: new Date(Date.UTC(year, first + 3, 1)) };
  }
  throw new Error(`"${key}" is neither a month like 2026-03 nor a quarter like 2026-Q1`);
}

export interface TestPeriodContextOptions extends Omit<TestContextOptions, 'stats' | 'dayStats' | 'storedEvents'> {
  period: Period;
  /** The participants of the close, each with whatever stats the test gives (the rest empty). */
  participants: readonly { partner: PartnerSnapshot; stats?: Partial<PartnerStats> }[];
}

/**
 * A PeriodContext backed by memory. Participants' partners are known to `partner`, `upline`
 * and `downline`. `participants()` returns the given participants whatever its options: the
 * test states what the server would have found.
 */
export function createTestPeriodContext(options: TestPeriodContextOptions): PeriodContext {
  const listed = new Map((options.partners ?? []).map((partner) => [partner.id, partner]));
  for (const { partner } of options.participants) if (!listed.has(partner.id)) listed.set(partner.id, partner);
  const base = createTestContext({ ...options, partners: [...listed.values()] });
  const participants: Participant[] = options.participants
    .map(({ partner, stats }) => ({
      partner: Object.freeze({ ...partner }),
      stats: Object.freeze({
        count: Object.freeze({ ...stats?.count }),
        amount: Object.freeze({ ...stats?.amount }),
        newCustomers: stats?.newCustomers ?? 0,
      }),
    }))
    .sort((a, b) => (a.partner.id < b.partner.id ? -1 : a.partner.id > b.partner.id ? 1 : 0));
  return {
    campaign: base.campaign,
    period: Object.freeze({ ...options.period }),
    participants: async () => participants,
    partner: base.partner,
    upline: base.upline,
    downline: base.downline,
    now: base.now,
  };
}

export interface TestProgressContextOptions extends Omit<TestContextOptions, 'batch'> {
  /**
   * Stats per partner id that `periodStats` and `participants` give for any period, on top of
   * the stored events dated in it. A partner with neither is not a participant.
   */
  periodStats?: Readonly<Record<string, Partial<PartnerStats>>>;
}

/**
 * A ProgressContext backed by memory, read at `now`: `stats` windows are around `now`,
 * `period(unit)` is the month or quarter of `now` in the time zone, and a period's stats are the
 * given `periodStats` plus the `storedEvents` dated in it (and in the campaign). `participants`
 * are the listed ACTIVE partners with any of those, ordered by id; its `everyone` adds the rest.
 */
export function createTestProgressContext(options: TestProgressContextOptions = {}): ProgressContext {
  const base = createTestContext(options);
  const timeZone = options.timeZone ?? 'UTC';
  const campaign = base.campaign;
  const periodStats = (partnerId: string, period: Period, periods = 1): PartnerStats => {
    let from = period.startsAt;
    for (let back = 1; back < periods; back++) from = periodAt(period.unit, new Date(from.getTime() - 1), timeZone).startsAt;
    const span: StatsSpan = { startsAt: from > campaign.startsAt ? from : campaign.startsAt, endsAt: campaign.endsAt && campaign.endsAt < period.endsAt ? campaign.endsAt : period.endsAt };
    const given = options.periodStats?.[partnerId] ?? {};
    const count: Record<string, number> = { ...given.count };
    const amount: Record<string, bigint> = { ...given.amount };
    let newCustomers = given.newCustomers ?? 0;
    for (const event of options.storedEvents ?? []) {
      if (event.partner.id !== partnerId || !inSpan(span, event.occurredAt)) continue;
      count[event.type] = (count[event.type] ?? 0) + 1;
      amount[event.type] ??= 0n;
      if (event.amount !== null && event.currency === campaign.currency) amount[event.type] += event.amount;
      if (event.firstPurchase) newCustomers += 1;
    }
    return Object.freeze({ count: Object.freeze(count), amount: Object.freeze(amount), newCustomers });
  };
  const active = (options.partners ?? []).filter((partner) => partner.status === 'ACTIVE');
  return {
    ...base,
    period: (unit) => periodAt(unit, base.now(), timeZone),
    periodStats: async (partnerId, period, periodOptions) => periodStats(partnerId, period, periodOptions?.periods),
    async participants(period, participantOptions = {}) {
      return active
        .map((partner) => ({ partner, stats: periodStats(partner.id, period, participantOptions.periods) }))
        .filter(({ partner, stats }) => participantOptions.everyone || options.periodStats?.[partner.id] !== undefined || Object.keys(stats.count).length > 0)
        .sort((a, b) => compareIds(a.partner.id, b.partner.id));
    },
  };
}

export interface ConformanceSample {
  /** Shown in the test names; defaults to the event's type and external id. */
  name?: string;
  event: SchemeEvent;
  /** Raw JSON args as a campaign stores them; defaults to the first of `validArgs`. */
  args?: JsonObject;
  /**
   * Defaults to `createTestContext({ partners: [event.partner] })`. It must answer from
   * memory: while `evaluate` runs, timers and the network throw.
   */
  context?: SchemeContext;
}

export interface PeriodSample {
  /** Shown in the test names; defaults to the period key. */
  name?: string;
  period: Period;
  /** Raw JSON args as a campaign stores them; defaults to the first of `validArgs`. */
  args?: JsonObject;
  /** The participants and look-ups of the close; see `createTestPeriodContext`. */
  context: PeriodContext;
}

export interface StackSample {
  /** Shown in the test names; defaults to the event's type and external id. */
  name?: string;
  /** The drafts of the instances before the stacking one, as the engine would pass them. */
  drafts: readonly RewardDraft[];
  event: SchemeEvent;
  /** Raw JSON args as a campaign stores them; defaults to the first of `validArgs`. */
  args?: JsonObject;
  context?: SchemeContext;
}

export interface ProgressSample {
  /** Shown in the test names; defaults to the partner's id. */
  name?: string;
  partner: PartnerSnapshot;
  /** Raw JSON args as a campaign stores them; defaults to the first of `validArgs`. */
  args?: JsonObject;
  /** What the partner has done so far; see `createTestProgressContext`. */
  context: ProgressContext;
}

export interface InvalidArgs {
  /** Shown in the test name; defaults to the args. */
  name?: string;
  args: JsonObject;
  path: string;
}

export interface ConformanceOptions {
  /** Raw JSON args that must be accepted; the first is the base the rejection cases alter. */
  validArgs: readonly [JsonObject, ...JsonObject[]];
  /**
   * Args each valid on its own that the scheme's `validateArgs` must refuse, with the path of
   * the issue (`args.steps[1].from`); required when the scheme has `validateArgs`.
   */
  invalidArgs?: readonly InvalidArgs[];
  /** Events to evaluate (required when the scheme has `evaluate`); together they must produce a draft. */
  samples?: readonly ConformanceSample[];
  /** Periods to close (required when the scheme has `closePeriod`); together they must produce a draft. */
  periodSamples?: readonly PeriodSample[];
  /** Partners to report progress for (required when the scheme has `progress`); together they must give a target. */
  progressSamples?: readonly ProgressSample[];
  /** Drafts to stack on (required when the scheme has `stack`); together they must produce a draft. */
  stackSamples?: readonly StackSample[];
}

const NUMERIC_TYPES = new Set(['int', 'money', 'percent', 'decimal']);
/** percent and decimal args keep at most 6 decimal places (see parseArgs), so 10^-6 is their step. */
const DECIMAL_STEP_SCALE = 6;
/** Not a name any scheme declares: the unknown-arg case adds it. */
const UNDECLARED_ARG = 'notDeclaredByThisScheme';

/**
 * Registers a jest `describe` block that checks `scheme` against the plugin contract.
 * Call it at the top level of the plugin's test file.
 */
export function describeRewardSchemeConformance<A extends ArgDefinitions>(
  scheme: RewardScheme<A>,
  options: ConformanceOptions,
): void {
  const [baseArgs] = options.validArgs;
  const allArgs = walkArgs(scheme.args, 'args');

  describe(`reward scheme "${scheme.code}" conforms to the plugin contract`, () => {
    describe('definition', () => {
      it('has a kebab-case code', () => {
        expect(scheme.code).toMatch(SCHEME_CODE_PATTERN);
      });

      it('has a semantic version', () => {
        expect(scheme.version).toMatch(SCHEME_VERSION_PATTERN);
      });

      it('has a name and a description in en and ru', () => {
        expect(localizedProblems(scheme.name, 'name')).toEqual([]);
        expect(localizedProblems(scheme.description, 'description')).toEqual([]);
      });

      it('computes rewards per event, on top of other schemes, or per period', () => {
        expect([scheme.evaluate, scheme.stack, scheme.closePeriod].some((hook) => typeof hook === 'function')).toBe(true);
      });

      it('reacts to event types (each UPPER_SNAKE, listed once) exactly when it evaluates events', () => {
        expect(scheme.eventTypes.length > 0).toBe(typeof scheme.evaluate === 'function');
        for (const type of scheme.eventTypes) expect(type).toMatch(EVENT_TYPE_PATTERN);
        expect(new Set(scheme.eventTypes).size).toBe(scheme.eventTypes.length);
      });

      it('labels every arg and every option in en and ru', () => {
        const problems = allArgs.flatMap(({ path, definition }) => [
          ...localizedProblems(definition.label, `${path} label`),
          ...(definition.options ?? []).flatMap((option) =>
            localizedProblems(option.label, `${path} option ${option.value} label`),
          ),
        ]);
        expect(problems).toEqual([]);
      });

      it('declares well-formed args', () => {
        expect(allArgs.flatMap(({ path, definition }) => definitionProblems(definition, path))).toEqual([]);
      });
    });

    describe('args', () => {
      for (const { name, path, definition } of allArgs) {
        const fallback = definition.default;
        if (fallback === undefined) continue;
        it(`accepts the default of ${path}`, () => {
          expect(issuesOf(parseArgs({ [name]: definition }, { [name]: fallback }))).toEqual([]);
        });
      }

      options.validArgs.forEach((raw, index) => {
        it(`accepts validArgs[${index}]`, () => {
          expect(issuesOf(parseSchemeArgs(scheme, raw))).toEqual([]);
        });
      });

      for (const [name, definition] of Object.entries(scheme.args)) {
        if (!definition.required) continue;
        it(`rejects args without the required ${name}, at args.${name}`, () => {
          const raw = { ...baseArgs };
          delete raw[name];
          expect(issuesOf(parseSchemeArgs(scheme, raw)).map((issue) => issue.path)).toContain(`args.${name}`);
        });
      }

      for (const outside of outOfRangeCases(scheme.args, options.validArgs)) {
        it(`rejects ${outside.path} = ${JSON.stringify(outside.value)}, just past ${outside.bound}`, () => {
          expect(issuesOf(parseSchemeArgs(scheme, outside.raw)).map((issue) => issue.path)).toContain(outside.path);
        });
      }

      it('rejects an arg it does not declare, at its path', () => {
        const raw = { ...baseArgs, [UNDECLARED_ARG]: true };
        expect(issuesOf(parseSchemeArgs(scheme, raw)).map((issue) => issue.path)).toContain(`args.${UNDECLARED_ARG}`);
      });

      if (scheme.validateArgs) {
        it('is given invalidArgs for its rules across args', () => {
          expect(options.invalidArgs?.length ?? 0).toBeGreaterThan(0);
        });
      }

      for (const invalid of options.invalidArgs ?? []) {
        it(`rejects ${invalid.name ?? JSON.stringify(invalid.args)}, at ${invalid.path}`, () => {
          expect(issuesOf(parseSchemeArgs(scheme, invalid.args)).map((issue) => issue.path)).toContain(invalid.path);
        });
      }
    });

    if (scheme.evaluate) describe('evaluate', () => {
      const run = (sample: ConformanceSample) => evaluateSample(scheme, sample, baseArgs);
      const samples = options.samples ?? [];

      it('is given samples to evaluate', () => {
        expect(samples.length).toBeGreaterThan(0);
      });

      for (const sample of samples) {
        const label = sample.name ?? `${sample.event.type} ${sample.event.externalId}`;

        it(`is given a sample of a type it declares: ${label}`, () => {
          expect(scheme.eventTypes).toContain(sample.event.type);
        });

        it(`gives the same drafts twice, leaves its inputs alone and reads nothing outside ctx: ${label}`, async () => {
          const first = await run(sample);
          const second = await run(sample);
          expect(second).toStrictEqual(first);
        });

        it(`returns well-formed drafts with unique keys: ${label}`, async () => {
          expect(validateDrafts(await run(sample))).toEqual([]);
        });
      }

      it('produces at least one draft from the samples, so the draft checks are not vacuous', async () => {
        let drafts = 0;
        for (const sample of samples) drafts += (await run(sample)).length;
        expect(drafts).toBeGreaterThan(0);
      });
    });

    if (scheme.catalog) describe('catalog', () => {
      it('lists items with unique codes, names, UPPER_SNAKE kinds and positive costs for every valid args', () => {
        for (const raw of options.validArgs) {
          const parsed = parseSchemeArgs(scheme, raw);
          if (!parsed.ok) throw new Error('validArgs must parse');
          const items = scheme.catalog!(parsed.values);
          expect(new Set(items.map((item) => item.code)).size).toBe(items.length);
          for (const item of items) {
            expect(item.code).not.toBe('');
            expect(item.name).not.toBe('');
            expect(item.kind).toMatch(EVENT_TYPE_PATTERN);
            expect(typeof item.cost).toBe('bigint');
            expect(item.cost > 0n).toBe(true);
          }
        }
      });
    });

    if (scheme.stack) describe('stack', () => {
      const run = (sample: StackSample) => stackSample(scheme, sample, baseArgs);
      const samples = options.stackSamples ?? [];

      it('is given drafts to stack on', () => {
        expect(samples.length).toBeGreaterThan(0);
      });

      for (const sample of samples) {
        const label = sample.name ?? `${sample.event.type} ${sample.event.externalId}`;

        it(`gives the same drafts twice, leaves the given drafts alone and reads nothing outside ctx: ${label}`, async () => {
          const first = await run(sample);
          const second = await run(sample);
          expect(second).toStrictEqual(first);
        });

        it(`returns well-formed drafts with unique keys: ${label}`, async () => {
          expect(validateDrafts(await run(sample))).toEqual([]);
        });
      }

      it('produces at least one draft from the samples, so the draft checks are not vacuous', async () => {
        let drafts = 0;
        for (const sample of samples) drafts += (await run(sample)).length;
        expect(drafts).toBeGreaterThan(0);
      });
    });

    if (scheme.progress) describe('progress', () => {
      const run = (sample: ProgressSample) => progressSample(scheme, sample, baseArgs);
      const samples = options.progressSamples ?? [];

      it('is given partners to report progress for', () => {
        expect(samples.length).toBeGreaterThan(0);
      });

      for (const sample of samples) {
        const label = sample.name ?? sample.partner.id;

        it(`gives the same targets twice, leaves its inputs alone and reads nothing outside ctx: ${label}`, async () => {
          const first = await run(sample);
          const second = await run(sample);
          expect(second).toStrictEqual(first);
        });

        it(`returns well-formed targets with unique keys: ${label}`, async () => {
          expect(progressProblems(await run(sample))).toEqual([]);
        });
      }

      it('reports at least one target for the partners, so the target checks are not vacuous', async () => {
        let targets = 0;
        for (const sample of samples) targets += (await run(sample)).length;
        expect(targets).toBeGreaterThan(0);
      });
    });

    if (scheme.closePeriod) describe('closePeriod', () => {
      const run = (sample: PeriodSample) => closeSample(scheme, sample, baseArgs);
      const samples = options.periodSamples ?? [];

      it('is given periods to close', () => {
        expect(samples.length).toBeGreaterThan(0);
      });

      for (const sample of samples) {
        const label = sample.name ?? sample.period.key;

        it(`gives the same drafts twice, leaves its inputs alone and reads nothing outside ctx: ${label}`, async () => {
          const first = await run(sample);
          const second = await run(sample);
          expect(second).toStrictEqual(first);
        });

        it(`returns well-formed drafts with unique keys that name the period: ${label}`, async () => {
          const drafts = await run(sample);
          expect(validateDrafts(drafts)).toEqual([]);
          for (const draft of drafts) expect(draft.key).toContain(sample.period.key);
        });
      }

      it('produces at least one draft from the periods, so the draft checks are not vacuous', async () => {
        let drafts = 0;
        for (const sample of samples) drafts += (await run(sample)).length;
        expect(drafts).toBeGreaterThan(0);
      });
    });
  });
}

interface ArgAtPath {
  name: string;
  path: string;
  definition: ArgDefinition;
}

/** Every arg definition, nested fields included, with a path like `args.tiers.from`. */
function walkArgs(definitions: ArgDefinitions, prefix: string): ArgAtPath[] {
  return Object.entries(definitions).flatMap(([name, definition]) => {
    const path = `${prefix}.${name}`;
    return [{ name, path, definition }, ...walkArgs(definition.fields ?? {}, path)];
  });
}

function localizedProblems(text: { en?: unknown; ru?: unknown } | undefined, what: string): string[] {
  return (['en', 'ru'] as const)
    .filter((locale) => typeof text?.[locale] !== 'string' || (text[locale] as string).trim() === '')
    .map((locale) => `${what} has no ${locale} text`);
}

function definitionProblems(definition: ArgDefinition, path: string): string[] {
  const problems: string[] = [];
  for (const side of ['min', 'max'] as const) {
    const bound = definition[side];
    if (bound === undefined) continue;
    if (!NUMERIC_TYPES.has(definition.type)) problems.push(`${path}: ${side} applies only to int, money, percent and decimal`);
    else if (!parseDecimal(String(bound))) problems.push(`${path}: ${side} ${bound} is not a decimal number`);
  }
  if (definition.required && definition.default !== undefined) problems.push(`${path}: a required arg has no default`);
  if (!definition.list && (definition.minItems !== undefined || definition.maxItems !== undefined)) {
    problems.push(`${path}: minItems and maxItems apply only to lists`);
  }
  if (definition.type === 'enum' && !definition.options?.length) problems.push(`${path}: an enum needs options`);
  if (definition.type === 'object' && !definition.fields) problems.push(`${path}: an object needs fields`);
  return problems;
}

function issuesOf(result: { ok: true } | { ok: false; issues: ArgIssue[] }): ArgIssue[] {
  return result.ok ? [] : result.issues;
}

interface OutOfRangeCase {
  path: string;
  bound: string;
  value: JsonValue;
  raw: JsonObject;
}

/**
 * For every bounded numeric arg, the valid args with that one value moved just past a bound.
 * Nested fields are reached through the first valid args that hold their object.
 */
function outOfRangeCases(definitions: ArgDefinitions, validArgs: readonly JsonObject[]): OutOfRangeCase[] {
  const cases = new Map<string, OutOfRangeCase>();
  for (const raw of validArgs) {
    for (const found of casesIn(definitions, raw, 'args')) {
      const id = `${found.path} ${found.bound}`;
      if (!cases.has(id)) cases.set(id, found);
    }
  }
  return [...cases.values()];
}

function casesIn(definitions: ArgDefinitions, base: JsonObject, prefix: string): OutOfRangeCase[] {
  const cases: OutOfRangeCase[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    const path = `${prefix}.${name}`;
    const current = base[name];
    const withValue = (value: JsonValue): JsonObject => ({ ...base, [name]: value });
    const items = Array.isArray(current) ? current : [];
    if (NUMERIC_TYPES.has(definition.type)) {
      for (const side of ['min', 'max'] as const) {
        const value = justPast(definition, side);
        if (value === undefined) continue;
        const bound = `${side} ${definition[side]}`;
        if (!definition.list) {
          cases.push({ path, bound, value, raw: withValue(value) });
          continue;
        }
        // Keep the list long enough for minItems, so the only fault is the first item.
        const rest = items.length > 0 ? items.slice(1) : Array<JsonValue>(Math.max((definition.minItems ?? 1) - 1, 0)).fill(value);
        cases.push({ path: `${path}[0]`, bound, value, raw: withValue([value, ...rest]) });
      }
    } else if (definition.type === 'object' && definition.fields) {
      const object = definition.list ? items[0] : current;
      if (!isJsonObject(object)) continue;
      const objectPath = definition.list ? `${path}[0]` : path;
      for (const nested of casesIn(definition.fields, object, objectPath)) {
        cases.push({ ...nested, raw: withValue(definition.list ? [nested.raw, ...items.slice(1)] : nested.raw) });
      }
    }
  }
  return cases;
}

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The nearest value the arg's type can hold beyond `side`, in the arg's JSON form. */
function justPast(definition: ArgDefinition, side: 'min' | 'max'): JsonValue | undefined {
  const bound = definition[side] === undefined ? null : parseDecimal(String(definition[side]));
  if (!bound) return undefined;
  const scale = definition.type === 'int' || definition.type === 'money' ? 0 : DECIMAL_STEP_SCALE;
  // bound × 10^scale as an exact fraction; step one unit past it on the grid of the type.
  const numerator = bound.units * 10n ** BigInt(scale);
  const denominator = 10n ** BigInt(bound.scale);
  const units = side === 'min' ? -floorDivide(-numerator, denominator) - 1n : floorDivide(numerator, denominator) + 1n;
  if (definition.type === 'int') return Number(units);
  if (definition.type === 'money') return units.toString();
  return formatDecimal({ units, scale });
}

function floorDivide(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return numerator % denominator !== 0n && numerator < 0n ? quotient - 1n : quotient;
}

/** Evaluates one sample on fresh, frozen copies of its inputs, with the ambient clock and network off. */
async function evaluateSample<A extends ArgDefinitions>(
  scheme: RewardScheme<A>,
  sample: ConformanceSample,
  baseArgs: JsonObject,
): Promise<RewardDraft[]> {
  const parsed = parseSchemeArgs(scheme, sample.args ?? baseArgs);
  if (!parsed.ok) {
    throw new Error(`the sample's args do not parse: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
  const event = deepFreeze(copyEvent(sample.event));
  const context = sample.context ?? createTestContext({ partners: [sample.event.partner] });
  return withoutAmbientInputs(() => scheme.evaluate!(event, deepFreeze(parsed.values), context));
}

/** Stacks on frozen copies of the given drafts, with the ambient clock and network off. */
async function stackSample<A extends ArgDefinitions>(
  scheme: RewardScheme<A>,
  sample: StackSample,
  baseArgs: JsonObject,
): Promise<RewardDraft[]> {
  const parsed = parseSchemeArgs(scheme, sample.args ?? baseArgs);
  if (!parsed.ok) {
    throw new Error(`the sample's args do not parse: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
  const drafts = deepFreeze(sample.drafts.map((draft) => ({ ...draft, explanation: { ...draft.explanation }, details: draft.details && { ...draft.details } })));
  const event = deepFreeze(copyEvent(sample.event));
  const context = sample.context ?? createTestContext({ partners: [sample.event.partner] });
  return withoutAmbientInputs(() => scheme.stack!(drafts, event, deepFreeze(parsed.values), context));
}

/** Closes one period on frozen args, with the ambient clock and network off. */
async function closeSample<A extends ArgDefinitions>(
  scheme: RewardScheme<A>,
  sample: PeriodSample,
  baseArgs: JsonObject,
): Promise<RewardDraft[]> {
  const parsed = parseSchemeArgs(scheme, sample.args ?? baseArgs);
  if (!parsed.ok) {
    throw new Error(`the sample's args do not parse: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
  const period = deepFreeze({ ...sample.period, startsAt: new Date(sample.period.startsAt.getTime()), endsAt: new Date(sample.period.endsAt.getTime()) });
  return withoutAmbientInputs(() => scheme.closePeriod!(period, deepFreeze(parsed.values), sample.context));
}

/** Reports a frozen copy of the sample's partner's progress, with the ambient clock and network off. */
async function progressSample<A extends ArgDefinitions>(scheme: RewardScheme<A>, sample: ProgressSample, baseArgs: JsonObject): Promise<ProgressTarget[]> {
  const parsed = parseSchemeArgs(scheme, sample.args ?? baseArgs);
  if (!parsed.ok) {
    throw new Error(`the sample's args do not parse: ${parsed.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
  return withoutAmbientInputs(() => scheme.progress!(deepFreeze({ ...sample.partner }), deepFreeze(parsed.values), sample.context));
}

/**
 * A copy made in this realm: structuredClone under jest returns objects of the outer realm,
 * whose Dates fail `instanceof Date` in the scheme.
 */
function copyEvent(event: SchemeEvent): SchemeEvent {
  return {
    ...event,
    partner: { ...event.partner },
    occurredAt: new Date(event.occurredAt.getTime()),
    attributes: JSON.parse(JSON.stringify(event.attributes)) as SchemeEvent['attributes'],
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/**
 * Runs `evaluate` with the clock, randomness, timers and network replaced by functions that
 * throw and record the call, so a scheme that swallows the error still fails. Replay and
 * simulation are only honest when time and data come through ctx.
 */
async function withoutAmbientInputs<T>(evaluate: () => T | Promise<T>): Promise<T> {
  const violations: string[] = [];
  const forbidden =
    (what: string) =>
    (): never => {
      violations.push(what);
      throw new Error(`${what} was called inside evaluate; read time and data through ctx`);
    };
  const RealDate = globalThis.Date;
  const saved = {
    fetch: globalThis.fetch,
    now: RealDate.now,
    random: Math.random,
    setTimeout: globalThis.setTimeout,
    setImmediate: globalThis.setImmediate,
  };
  globalThis.fetch = forbidden('fetch') as typeof fetch;
  RealDate.now = forbidden('Date.now()');
  Math.random = forbidden('Math.random()');
  globalThis.setTimeout = forbidden('setTimeout') as unknown as typeof setTimeout;
  globalThis.setImmediate = forbidden('setImmediate') as unknown as typeof setImmediate;
  // `new Date()` reads the clock too; `new Date(value)` does not.
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args, newTarget) =>
      args.length === 0 ? forbidden('new Date()')() : Reflect.construct(target, args, newTarget),
    apply: forbidden('Date()'),
  });
  try {
    const drafts = await evaluate();
    if (violations.length > 0) throw new Error(`evaluate read outside ctx: ${violations.join(', ')}`);
    return drafts;
  } finally {
    globalThis.Date = RealDate;
    RealDate.now = saved.now;
    globalThis.fetch = saved.fetch;
    Math.random = saved.random;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.setImmediate = saved.setImmediate;
  }
}
