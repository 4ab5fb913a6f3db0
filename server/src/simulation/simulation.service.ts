import type { Period } from '@cofactor/schema';
import type { CampaignDefinition, CampaignInput, CampaignService } from '../campaigns/campaign.service.js';
import type { CofactorConfig } from '../config.js';
import type { Sql } from '../db/sql.js';
import { GraphQLError } from 'graphql';
import { errors, type InputIssue } from '../graphql/errors.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { parsePeriodKey, periodOf, shiftPeriodKey } from '../periods/period.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import { toSnapshot } from '../partners/partner-snapshot.js';
import { inCampaign, runnable, targets } from '../rewarding/campaigns.js';
import type { EventInput, RecordEventsResult } from '../rewarding/event.js';
import type { MemoryCampaign } from '../rewarding/memory/state.js';
import { MemoryRewardingStorage } from '../rewarding/memory/storage.js';
import { Rewarding } from '../rewarding/rewarding.js';
import { validateEvents } from '../rewarding/validate.js';
import { replay, type ReplayOptions } from './replay.js';
import { loadDryRun, loadPreview, loadReplay, readOnly, type EventNames, type ReplaySnapshot } from './snapshot.js';
import * as summary from './summary.js';

/** The longest span one simulation replays, in days; the most events one preview evaluates. */
export const MAX_SPAN_DAYS = 366;
export const MAX_PREVIEW_EVENTS = 100;
/** The id a campaign that is not stored yet runs under. */
const NEW_CAMPAIGN_ID = '0';
const DAY_MS = 24 * 3600 * 1000;

export interface SimulationInput {
  /** The stored campaign to start from; its rewards keep their keys. */
  campaignId?: string | null;
  /** A new campaign, or the changes to `campaignId`'s. */
  campaign?: CampaignInput | null;
  from: Date;
  to: Date;
  compareWith?: string | null;
}

export interface SimulationResult {
  campaignId: string | null;
  from: Date;
  to: Date;
  eventsReplayed: number;
  periodsClosed: string[];
  currency: string;
  totals: summary.AmountTotal[];
  netSales: bigint;
  costOfSalesPercent: string | null;
  budget: summary.BudgetUsage | null;
  partnerCap: summary.CapUsage | null;
  byRegion: summary.GroupTotal[];
  byPartnerKind: summary.GroupTotal[];
  byLevel: summary.GroupTotal[];
  byScheme: summary.GroupTotal[];
  partnerChanges: summary.PartnerChange[];
  comparison: { campaignId: string; actual: summary.AmountTotal[]; difference: summary.AmountTotal[] } | null;
  /** Every entry the replay wrote, in order: for callers in the process (the API's lists are bounded and leave it out). */
  entries: RewardRow[];
}

/** Records one batch of a dry run: what `recordEvents` would answer, kept only in the dry run's memory. */
export type DryRun = (inputs: EventInput[]) => Promise<RecordEventsResult>;

/** One entry a previewed event would write. */
export type PreviewReward = RewardRow & { eventExternalId: string | null; partnerName: string; schemeKey: string };

export function toMemoryCampaign(definition: CampaignDefinition, id: string): MemoryCampaign {
  const { campaign, schemes } = definition;
  return {
    id,
    name: campaign.name,
    currency: campaign.currency,
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
    holdDays: campaign.holdDays,
    targeting: campaign.targeting,
    // It runs as if active, whatever the stored campaign's status.
    status: 'ACTIVE',
    budget: campaign.budget === null ? null : BigInt(campaign.budget),
    partnerCap: campaign.partnerCap === null ? null : BigInt(campaign.partnerCap),
    capPeriod: campaign.capPeriod,
    instances: schemes.map((scheme) => ({ id: scheme.instanceId ?? NEW_CAMPAIGN_ID, campaignId: id, key: scheme.key, schemeCode: scheme.code, args: scheme.args })),
  };
}

/**
 * What a campaign definition would pay: for a few hypothetical events now (`preview`), or
 * for the program's stored events of a past span (`simulate`); and what importing a file of
 * events would record and pay (`dryRun`). All run the one rewarding pipeline against a store
 * in memory seeded from a read-only snapshot; nothing is written.
 */
export class SimulationService {
  constructor(
    private readonly sql: Sql,
    private readonly campaigns: CampaignService,
    private readonly registry: SchemeRegistry,
    private readonly config: CofactorConfig,
  ) {}

  async preview(programId: string, campaignId: string | null, input: CampaignInput, events: EventInput[]): Promise<PreviewReward[]> {
    if (events.length > MAX_PREVIEW_EVENTS) throw errors.badInput([{ path: 'events', message: `at most ${MAX_PREVIEW_EVENTS} events per preview, got ${events.length}` }]);
    validateEvents(events, this.config, new Date());
    const campaign = toMemoryCampaign(await this.definition(programId, campaignId, input, 'campaign'), campaignId ?? NEW_CAMPAIGN_ID);
    const storage = new MemoryRewardingStorage(await loadPreview(this.sql, programId, campaign, events));
    const rewarding = new Rewarding(storage, this.registry, () => {}, this.config);
    const clock = new Date();
    const { rewards } = await storage.transaction((store) => rewarding.ingest(store, programId, events, clock));
    return rewards.map((reward) => ({
      ...reward,
      eventExternalId: reward.eventId ? (storage.state.eventsById.get(reward.eventId)?.externalId ?? null) : null,
      partnerName: storage.state.partners.get(reward.partnerId)?.name ?? '',
      schemeKey: summary.schemeKeyOf(reward),
    }));
  }

  /**
   * A dry run of recording, batch after batch, events that name `names` (an import's file):
   * `recordEvents` against one store in memory, seeded once from a read-only snapshot of what
   * they reach, so each batch sees the batches before it as the real import's would, and no
   * table is written or locked meanwhile. Each batch runs at its own clock, as the real import's
   * do. Refuses (TooManyEvents) to load more than `maxEvents` stored events.
   */
  async dryRun(programId: string, names: EventNames, maxEvents: number): Promise<DryRun> {
    // Only counts are reported, so entries need no texts.
    const storage = new MemoryRewardingStorage(await loadDryRun(this.sql, programId, names, maxEvents), { keepExplanations: false });
    const rewarding = new Rewarding(storage, this.registry, () => {}, this.config);
    return (inputs) => rewarding.recordEvents(programId, inputs);
  }

  /** Everything `simulate` refuses before it loads a single event: the span, the campaign definition, compareWith. */
  async check(programId: string, input: SimulationInput): Promise<MemoryCampaign> {
    checkSpan(input.from, input.to);
    const campaignId = input.campaignId ?? null;
    const definition = await this.definition(programId, campaignId, input.campaign ?? {}, 'input.campaign');
    if (definition.schemes.length === 0) throw errors.badInput([{ path: 'input.campaign.schemes', message: 'a simulation needs at least one scheme' }]);
    if (input.compareWith) await this.requireCampaign(programId, input.compareWith);
    return toMemoryCampaign(definition, campaignId ?? NEW_CAMPAIGN_ID);
  }

  async simulate(programId: string, input: SimulationInput, options: ReplayOptions = {}): Promise<SimulationResult> {
    const campaign = await this.check(programId, input);
    const compareWith = input.compareWith ?? null;
    const timeZone = (await this.sql.query<{ timeZone: string }>('select time_zone as "timeZone" from program where id = $1', [programId]))[0].timeZone;
    const periods = this.periodsToClose(campaign, input.from, input.to, timeZone);
    const snapshot = await loadReplay(this.sql, {
      programId,
      campaign,
      from: input.from,
      to: input.to,
      compareWith,
      periodKeys: periods.map((period) => period.key),
      maxEvents: this.config.simulationMaxEvents,
    });
    // A replay reports sums, so its entries need no texts: they are most of its memory.
    const storage = new MemoryRewardingStorage(snapshot.seed, { keepExplanations: false });
    const usedBefore = storage.state.granted.total(campaign.id);
    const simulated: RewardRow[] = [];
    const rewarding = new Rewarding(storage, this.registry, (rewards) => simulated.push(...rewards), this.config);
    const plan = { programId, campaignId: campaign.id, replayed: snapshot.replayed, later: snapshot.later, periods };
    const periodsClosed = await replay(storage, rewarding, plan, options);
    return this.result(input, campaign, storage, snapshot, { simulated, usedBefore, periods, periodsClosed });
  }

  /** The campaign definition, checked as createCampaign and updateCampaign check theirs, with issue paths under `path`. */
  private async definition(programId: string, campaignId: string | null, input: CampaignInput, path: string): Promise<CampaignDefinition> {
    try {
      return await this.campaigns.definition(programId, campaignId, input);
    } catch (error) {
      const issues = error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT' ? (error.extensions.issues as InputIssue[]) : null;
      if (!issues) throw error;
      throw errors.badInput(issues.map((issue) => ({ ...issue, path: issue.path.replace(/^input/, path) })));
    }
  }

  private async requireCampaign(programId: string, id: string): Promise<void> {
    const rows = await readOnly(this.sql, (client) => client.query('select 1 from campaign where id = $1 and program_id = $2', [id, programId]));
    if (rows.rows.length === 0) throw errors.notFound('campaign', id);
  }

  /** Every month and quarter that ends inside the span and overlaps the campaign, when one of its schemes closes periods. */
  private periodsToClose(campaign: MemoryCampaign, from: Date, to: Date, timeZone: string): Period[] {
    if (!campaign.instances.some((instance) => this.registry.get(instance.schemeCode)?.closePeriod)) return [];
    const periods: Period[] = [];
    for (const unit of ['MONTH', 'QUARTER'] as const) {
      for (let period = periodOf(from, unit, timeZone); period.startsAt < to; period = parsePeriodKey(shiftPeriodKey(period.key, 1), timeZone)!) {
        const overlaps = period.endsAt > campaign.startsAt && (campaign.endsAt === null || period.startsAt < campaign.endsAt);
        if (period.endsAt > from && period.endsAt <= to && overlaps) periods.push(period);
      }
    }
    return periods.sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime() || (a.unit === 'MONTH' ? -1 : 1));
  }

  private result(
    input: SimulationInput,
    campaign: MemoryCampaign,
    storage: MemoryRewardingStorage,
    snapshot: ReplaySnapshot,
    run: { simulated: RewardRow[]; usedBefore: bigint; periods: Period[]; periodsClosed: string[] },
  ): SimulationResult {
    const { simulated } = run;
    const { partners, eventsById } = storage.state;
    const periodEnds = new Map(run.periods.map((period) => [period.key, period.endsAt]));
    const occurredAt = (reward: RewardRow) => (reward.eventId ? eventsById.get(reward.eventId)!.occurredAt : periodEnds.get(reward.periodKey!)!);
    // The groups of each partner as the replay left it (a level a close granted counts).
    const groupsOf = (partnerId: string): summary.PartnerGroups => {
      const partner = partners.get(partnerId);
      return { region: partner?.regionId ?? 'none', kind: partner?.kind ?? 'none', level: String(partner?.level ?? 'none') };
    };
    const netSales = this.netSales(campaign, storage, snapshot);
    const sums = summary.summarize(simulated, campaign, run.usedBefore, groupsOf, occurredAt);
    const actual = input.compareWith ? summary.moneyByPartner(snapshot.actual, campaign.currency) : new Map<string, bigint>();
    return {
      campaignId: input.campaignId ?? null,
      from: input.from,
      to: input.to,
      eventsReplayed: snapshot.replayed.length,
      periodsClosed: run.periodsClosed,
      currency: campaign.currency,
      totals: sums.totals,
      netSales,
      costOfSalesPercent: summary.percentOfSales([...sums.money.values()].reduce((sum, amount) => sum + amount, 0n), netSales),
      budget: sums.budget,
      partnerCap: sums.partnerCap,
      byRegion: sums.byRegion,
      byPartnerKind: sums.byPartnerKind,
      byLevel: sums.byLevel,
      byScheme: sums.byScheme,
      partnerChanges: summary.partnerChanges(sums.money, actual, partners),
      comparison: input.compareWith ? comparison(input.compareWith, sums.totals, snapshot.actual) : null,
      entries: simulated,
    };
  }

  /** Sales less refunds and chargebacks, in the campaign's currency, of the replayed events the campaign covers (its dates and targeting). */
  private netSales(campaign: MemoryCampaign, storage: MemoryRewardingStorage, snapshot: ReplaySnapshot): bigint {
    const [runnableCampaign] = runnable({ campaigns: [campaign], instances: campaign.instances, regions: storage.state.regions }, this.registry);
    const targeted = new Map<string, boolean>();
    const isTargeted = (partnerId: string) => {
      let answer = targeted.get(partnerId);
      if (answer === undefined) {
        const partner = storage.state.partners.get(partnerId);
        targeted.set(partnerId, (answer = partner !== undefined && targets(runnableCampaign, toSnapshot(partner))));
      }
      return answer;
    };
    let net = 0n;
    for (const { row } of snapshot.replayed) {
      if (row.amount === null || row.currency !== campaign.currency || !inCampaign(runnableCampaign.snapshot, row.occurredAt)) continue;
      if (!isTargeted(row.partnerId)) continue;
      if (row.type === 'SALE') net += row.amount;
      else if (row.type === 'REFUND' || row.type === 'CHARGEBACK') net -= row.amount;
    }
    return net;
  }
}

function comparison(campaignId: string, simulatedTotals: summary.AmountTotal[], actual: RewardRow[]) {
  const actualTotals = summary.totals(actual);
  const units = new Map<string, summary.AmountTotal>();
  for (const [sign, list] of [[1n, simulatedTotals], [-1n, actualTotals]] as const) {
    for (const total of list) {
      const key = `${total.kind}|${total.unit}`;
      const difference = units.get(key) ?? { kind: total.kind, unit: total.unit, granted: 0n, capped: 0n, entries: 0 };
      difference.granted += sign * total.granted;
      difference.capped += sign * total.capped;
      difference.entries += Number(sign) * total.entries;
      units.set(key, difference);
    }
  }
  return { campaignId, actual: actualTotals, difference: [...units.values()].sort((a, b) => (a.kind + a.unit < b.kind + b.unit ? -1 : 1)) };
}

function checkSpan(from: Date, to: Date): void {
  if (to <= from) throw errors.badInput([{ path: 'input.to', message: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY_MS) {
    throw errors.badInput([{ path: 'input.to', message: `a simulation spans at most ${MAX_SPAN_DAYS} days (MAX_SPAN_DAYS)` }]);
  }
}
