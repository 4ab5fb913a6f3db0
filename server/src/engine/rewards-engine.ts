import {
  REWARD_KINDS,
  REWARD_REVERSALS,
  isCurrencyCode,
  parseArgs,
  type CampaignSnapshot,
  type JsonObject,
  type PartnerSnapshot,
  type Period,
  type PeriodContext,
  type RewardDraft,
  type RewardReversal,
  type RewardScheme,
  type SchemeEvent,
} from '@cofactor/schema';
import type { Targeting } from '../campaigns/campaign.entity.js';
import type { RewardStatus } from '../ledger/reward.entity.js';
import type { SqlClient } from '../db/sql.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import { applyLimits } from '../ledger/limits.js';
import { BatchContext } from './batch-context.js';

interface RunnableInstance {
  id: string;
  key: string;
  scheme: RewardScheme;
  args: unknown;
}

interface RunnableCampaign {
  snapshot: CampaignSnapshot;
  holdDays: number;
  targeting: Targeting;
  /** The targeted regions and every region below them. */
  regionIds: Set<string> | null;
  instances: RunnableInstance[];
}

/** A draft the engine has accepted, ready for the ledger. */
export interface LedgerEntry {
  partnerId: string;
  campaignId: string;
  schemeInstanceId: string;
  eventId: string | null;
  /** The period of a period reward ('2026-03'); null for an event's reward. */
  periodKey: string | null;
  /** Scheme rewards start PENDING; a points redemption is APPROVED at once. */
  status: RewardStatus;
  kind: string;
  amount: bigint;
  unit: string;
  idempotencyKey: string;
  explanationEn: string;
  explanationRu: string;
  details: JsonObject;
  holdUntil: Date;
  /** For a compensating entry, the entry it takes back part of. */
  correctsId: string | null;
  reversal: RewardReversal;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Step 2 and 3 of DESIGN's engine: for each event, every ACTIVE campaign whose period and
 * targeting match runs its scheme instances in order; their drafts are checked, turned
 * into ledger entries with idempotency keys `<campaign>:<instance key>:<draft key>`, and
 * held to the campaigns' budgets and caps. The engine writes nothing itself.
 */
export class RewardsEngine {
  /** Program time zones, which do not change once a program exists. */
  private readonly timeZones = new Map<string, string>();

  constructor(private readonly registry: SchemeRegistry) {}

  private async timeZoneOf(client: SqlClient, programId: string): Promise<string> {
    let timeZone = this.timeZones.get(programId);
    if (!timeZone) {
      const { rows } = await client.query<{ timeZone: string }>('select time_zone as "timeZone" from program where id = $1', [programId]);
      timeZone = rows[0].timeZone;
      this.timeZones.set(programId, timeZone);
    }
    return timeZone;
  }

  async evaluate(client: SqlClient, programId: string, events: SchemeEvent[], clock: Date): Promise<LedgerEntry[]> {
    if (events.length === 0) return [];
    const campaigns = await this.loadCampaigns(client, programId, { active: true });
    if (campaigns.length === 0) return [];
    const context = new BatchContext(client, programId, events, clock, await this.timeZoneOf(client, programId));
    const runs: Promise<LedgerEntry[]>[] = [];
    events.forEach((event, index) => {
      for (const campaign of campaigns) {
        if (!inCampaign(campaign.snapshot, event.occurredAt) || !this.targets(campaign, event.partner)) continue;
        runs.push(this.runChain(campaign, event, context, context.forEvent(campaign.snapshot, index), clock));
      }
    });
    // Chains run concurrently, so their look-ups batch; entries come out by event, then campaign.
    const entries = (await Promise.all(runs)).flat();
    return applyLimits(client, programId, await this.timeZoneOf(client, programId), entries, clock);
  }

  /**
   * One campaign's instances for one event, in their order: evaluating instances add their
   * drafts, stacking instances see everything added before them and add their own.
   */
  private async runChain(
    campaign: RunnableCampaign,
    event: SchemeEvent,
    context: BatchContext,
    ctx: ReturnType<BatchContext['forEvent']>,
    clock: Date,
  ): Promise<LedgerEntry[]> {
    const drafts: RewardDraft[] = [];
    const entries: LedgerEntry[] = [];
    for (const instance of campaign.instances) {
      const { scheme } = instance;
      const produce =
        scheme.evaluate && scheme.eventTypes.includes(event.type)
          ? () => scheme.evaluate!(event, instance.args as never, ctx)
          : scheme.stack && drafts.length > 0
            ? () => scheme.stack!(Object.freeze([...drafts]), event, instance.args as never, ctx)
            : null;
      if (!produce) continue;
      const added = await this.checked(instance, event, produce);
      drafts.push(...added);
      entries.push(...(await this.toEntries(instance, campaign, context, clock, { eventId: event.id, periodKey: null }, () => added)));
    }
    return entries;
  }

  private async checked(instance: RunnableInstance, event: SchemeEvent, produce: () => Promise<RewardDraft[]> | RewardDraft[]) {
    try {
      const drafts = await produce();
      for (const draft of drafts) checkDraft(instance.scheme, draft);
      return drafts;
    } catch (error) {
      throw new Error(`scheme ${instance.scheme.code} failed on event ${event.externalId}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Runs every scheme instance of one campaign that closes periods, for `period` (clipped to
   * the campaign's dates), and returns their entries. Keys name the period, so closing again
   * only adds what was not there.
   */
  async closePeriod(client: SqlClient, programId: string, campaignId: string, period: Period, clock: Date): Promise<LedgerEntry[]> {
    const [campaign] = await this.loadCampaigns(client, programId, { id: campaignId });
    if (!campaign) return [];
    const context = new BatchContext(client, programId, [], clock, await this.timeZoneOf(client, programId));
    const ctx: PeriodContext = {
      campaign: campaign.snapshot,
      period,
      participants: (options) =>
        context.participants(campaign.snapshot, period, (partner) => this.targets(campaign, partner), options),
      partner: (id) => context.partner(id),
      upline: (partnerId, levels) => context.upline(partnerId, levels),
      downline: (partnerId, depth) => context.downline(partnerId, depth),
      now: () => new Date(clock),
    };
    const runs = campaign.instances
      .filter((instance) => instance.scheme.closePeriod)
      .map((instance) =>
        this.toEntries(instance, campaign, context, clock, { eventId: null, periodKey: period.key }, () =>
          instance.scheme.closePeriod!(period, instance.args as never, ctx),
        ),
      );
    const entries = (await Promise.all(runs)).flat();
    return applyLimits(client, programId, await this.timeZoneOf(client, programId), entries, clock);
  }

  /** Checks a scheme's drafts and turns those for partners who may earn into ledger entries. */
  private async toEntries(
    instance: RunnableInstance,
    campaign: RunnableCampaign,
    context: BatchContext,
    clock: Date,
    source: { eventId: string | null; periodKey: string | null },
    produce: () => Promise<RewardDraft[]> | RewardDraft[],
  ): Promise<LedgerEntry[]> {
    const drafts = await produce();
    const holdUntil = new Date(clock.getTime() + campaign.holdDays * DAY_MS);
    const earning = await Promise.all(drafts.map((draft) => checkDraft(instance.scheme, draft) && context.canEarn(draft.partnerId)));
    return drafts
      .filter((draft, index) => earning[index] && draft.amount !== 0n)
      .map((draft) => ({
        partnerId: draft.partnerId,
        campaignId: campaign.snapshot.id,
        schemeInstanceId: instance.id,
        ...source,
        status: 'PENDING' as const,
        kind: draft.kind,
        amount: draft.amount,
        unit: draft.unit,
        idempotencyKey: `${campaign.snapshot.id}:${instance.key}:${draft.key}`,
        explanationEn: draft.explanation.en,
        explanationRu: draft.explanation.ru,
        details: (draft.details ?? {}) as JsonObject,
        holdUntil,
        correctsId: null,
        reversal: draft.reversal ?? 'PROPORTIONAL',
      }));
  }

  /** Whether the campaign's targeting (regions with their sub-regions, kinds, segments, levels) takes in the partner. */
  private targets(campaign: RunnableCampaign, partner: PartnerSnapshot): boolean {
    const { targeting } = campaign;
    if (campaign.regionIds && !(partner.regionId && campaign.regionIds.has(partner.regionId))) return false;
    if (targeting.partnerKinds.length && !targeting.partnerKinds.includes(partner.kind)) return false;
    if (targeting.segments.length && !(partner.segment && targeting.segments.includes(partner.segment))) return false;
    if (targeting.levels.length && !targeting.levels.includes(partner.level)) return false;
    return true;
  }

  /** The ACTIVE campaigns of a program, or one campaign by id (whatever its status), ready to run. */
  private async loadCampaigns(client: SqlClient, programId: string, which: { active: true } | { id: string }): Promise<RunnableCampaign[]> {
    const { rows: campaigns } = await client.query<{
      id: string;
      name: string;
      currency: string;
      startsAt: Date;
      endsAt: Date | null;
      holdDays: number;
      targeting: Targeting;
    }>(
      `select id, name, currency, starts_at as "startsAt", ends_at as "endsAt", hold_days as "holdDays", targeting
         from campaign where program_id = $1 and (case when $2::bigint is null then status = 'ACTIVE' else id = $2 end) order by id`,
      [programId, 'id' in which ? which.id : null],
    );
    if (campaigns.length === 0) return [];
    const { rows: instances } = await client.query<{ id: string; campaignId: string; key: string; schemeCode: string; args: JsonObject }>(
      `select id, campaign_id as "campaignId", key, scheme_code as "schemeCode", args
         from scheme_instance where campaign_id = any($1::bigint[]) and retired_at is null order by campaign_id, position`,
      [campaigns.map((campaign) => campaign.id)],
    );
    const regionTree = campaigns.some((campaign) => campaign.targeting.regionIds.length)
      ? (await client.query<{ id: string; parentId: string | null }>('select id, parent_id as "parentId" from region where program_id = $1', [programId])).rows
      : [];
    return campaigns.map((campaign) => ({
      snapshot: { id: campaign.id, name: campaign.name, currency: campaign.currency, startsAt: campaign.startsAt, endsAt: campaign.endsAt },
      holdDays: campaign.holdDays,
      targeting: campaign.targeting,
      regionIds: campaign.targeting.regionIds.length ? withSubregions(campaign.targeting.regionIds, regionTree) : null,
      instances: instances
        .filter((instance) => instance.campaignId === campaign.id)
        .map((instance) => {
          const scheme = this.registry.get(instance.schemeCode);
          if (!scheme) throw new Error(`campaign ${campaign.id} runs scheme ${instance.schemeCode}, which is not installed`);
          const parsed = parseArgs(scheme.args, instance.args);
          if (!parsed.ok) throw new Error(`stored args of scheme instance ${instance.id} no longer parse: ${parsed.issues[0].message}`);
          return { id: instance.id, key: instance.key, scheme, args: parsed.values };
        }),
    }));
  }
}

function inCampaign(campaign: CampaignSnapshot, at: Date): boolean {
  return at >= campaign.startsAt && (campaign.endsAt === null || at < campaign.endsAt);
}

function withSubregions(roots: string[], tree: { id: string; parentId: string | null }[]): Set<string> {
  const result = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const region of tree) {
      if (region.parentId && result.has(region.parentId) && !result.has(region.id)) {
        result.add(region.id);
        grew = true;
      }
    }
  }
  return result;
}

function checkDraft(scheme: RewardScheme, draft: RewardDraft): true {
  const problem =
    !(REWARD_KINDS as readonly string[]).includes(draft.kind) ? `kind ${String(draft.kind)}` :
    typeof draft.amount !== 'bigint' ? 'amount is not a bigint' :
    draft.kind === 'MONEY' && !isCurrencyCode(draft.unit) ? `MONEY unit ${draft.unit} is not a currency` :
    draft.kind === 'LEVEL' && (draft.unit !== 'LEVEL' || draft.amount < 1n) ? 'a LEVEL entry needs unit LEVEL and a level of at least 1' :
    !draft.key ? 'no key' :
    draft.reversal !== undefined && !(REWARD_REVERSALS as readonly string[]).includes(draft.reversal) ? `reversal ${String(draft.reversal)}` :
    !draft.explanation?.en || !draft.explanation?.ru ? 'no explanation in en and ru' :
    !/^[1-9]\d*$/.test(draft.partnerId) ? `partnerId ${draft.partnerId}` : null;
  if (problem) throw new Error(`scheme ${scheme.code} returned an invalid draft (${problem})`);
  return true;
}
