import {
  ledgerKey,
  periodAt,
  progressProblems,
  validateDrafts,
  type JsonObject,
  type Period,
  type PartnerSnapshot,
  type PeriodContext,
  type ProgressContext,
  type ProgressTarget,
  type RewardDraft,
  type SchemeContext,
  type SchemeEvent,
} from '@cofactor/schema';
import type { LedgerEntry } from '../ledger/entry.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import { closesAt, inCampaign, runnable, targets, type RunnableCampaign, type RunnableInstance } from './campaigns.js';
import type { SchemeLookups, SchemeStore } from './store.js';

const DAY_MS = 24 * 3600 * 1000;

/** What one scheme instance proposed for one event or period: its checked drafts, not yet entries. */
interface Proposal {
  campaign: RunnableCampaign;
  instance: RunnableInstance;
  /** Where the drafts came from: an event, or a period a campaign closes. */
  eventId: string | null;
  periodKey: string | null;
  drafts: RewardDraft[];
}

/**
 * Step 4, evaluate schemes: for each event, every ACTIVE campaign whose period and targeting
 * match runs its scheme instances in order; at a period close, one campaign's period schemes
 * run. Drafts are checked and turned into ledger entries with idempotency keys
 * `<campaign>:<instance key>:<draft key>`. Nothing is written here.
 */
export class SchemeEvaluator {
  constructor(private readonly registry: SchemeRegistry) {}

  async evaluate(store: SchemeStore, programId: string, events: SchemeEvent[], clock: Date): Promise<LedgerEntry[]> {
    if (events.length === 0) return [];
    const campaigns = runnable(await store.campaigns(programId, { active: true }), this.registry);
    if (campaigns.length === 0) return [];
    const lookups = store.lookups(programId, events, clock, await store.timeZone(programId));
    const runs: (Proposal[] | Promise<Proposal[]>)[] = [];
    events.forEach((event, index) => {
      for (const campaign of campaigns) {
        if (!inCampaign(campaign.snapshot, event.occurredAt) || !targets(campaign, event.partner)) continue;
        runs.push(runChain(campaign, event, lookups.forEvent(campaign.snapshot, index)));
      }
    });
    // Chains run concurrently, so their look-ups batch; entries come out by event, then campaign.
    return toEntries(lookups, clock, (await Promise.all(runs)).flat());
  }

  /**
   * Runs every scheme instance of one campaign that closes periods, for `period` (clipped to
   * the campaign's dates), and returns their entries. Keys name the period, so closing again
   * only adds what was not there.
   */
  async closePeriod(store: SchemeStore, programId: string, campaignId: string, period: Period, clock: Date): Promise<LedgerEntry[]> {
    const [campaign] = runnable(await store.campaigns(programId, { id: campaignId }), this.registry);
    if (!campaign) return [];
    const lookups = store.lookups(programId, [], clock, await store.timeZone(programId));
    // The close reads the program as it was at the period's last instant.
    const at = closesAt(campaign.snapshot, period);
    const ctx: PeriodContext = {
      campaign: campaign.snapshot,
      period,
      participants: (options) => lookups.participants(campaign.snapshot, period, (partner) => targets(campaign, partner), options),
      partner: (id) => lookups.partner(id, at),
      upline: (partnerId, levels) => lookups.upline(partnerId, levels, at),
      downline: (partnerId, depth) => lookups.downline(partnerId, depth, at),
      now: () => new Date(clock),
    };
    const runs = campaign.instances
      .filter((instance) => instance.scheme.closePeriod)
      .map(async (instance): Promise<Proposal> => {
        let produced: RewardDraft[];
        try {
          produced = await instance.scheme.closePeriod!(period, instance.args as never, ctx);
        } catch (error) {
          throw failed(instance, period.key, 'period', error);
        }
        return { campaign, instance, eventId: null, periodKey: period.key, drafts: valid(instance, period.key, 'period', produced) };
      });
    return toEntries(lookups, clock, await Promise.all(runs));
  }

  /**
   * What each scheme instance with a `progress` hook reports for the partner at the clock, in
   * the program's ACTIVE campaigns (or the one asked for) that target it as it is now, by
   * campaign, then instance order. Nothing is written.
   */
  async progress(store: SchemeStore, programId: string, partnerId: string, which: { active: true } | { id: string }, clock: Date): Promise<InstanceProgress[]> {
    const campaigns = runnable(await store.campaigns(programId, which), this.registry);
    if (!campaigns.some((campaign) => campaign.instances.some((instance) => instance.scheme.progress))) return [];
    const timeZone = await store.timeZone(programId);
    const lookups = store.lookups(programId, [], clock, timeZone);
    const partner = await lookups.partner(partnerId, clock);
    if (!partner) return [];
    const runs = campaigns
      .filter((campaign) => targets(campaign, partner))
      .flatMap((campaign) => {
        const ctx: ProgressContext = {
          ...lookups.atClock(campaign.snapshot),
          period: (unit) => periodAt(unit, clock, timeZone),
          periodStats: (id, period, options) => lookups.periodStats(campaign.snapshot, id, period, options?.periods),
          participants: (period, options) => lookups.participants(campaign.snapshot, period, (candidate) => targets(campaign, candidate), options),
        };
        return campaign.instances.filter((instance) => instance.scheme.progress).map((instance) => instanceProgress(campaign, instance, partner, ctx));
      });
    return (await Promise.all(runs)).filter((progress) => progress.targets.length > 0);
  }
}

/** One instance's progress for the partner, held to the contract like its drafts. */
async function instanceProgress(campaign: RunnableCampaign, instance: RunnableInstance, partner: PartnerSnapshot, ctx: ProgressContext): Promise<InstanceProgress> {
  let targets: ProgressTarget[];
  try {
    targets = await instance.scheme.progress!(partner, instance.args as never, ctx);
  } catch (error) {
    throw failed(instance, partner.id, 'progress of partner', error);
  }
  const problems = progressProblems(targets);
  if (problems.length > 0) {
    throw new Error(`scheme ${instance.scheme.code} failed on progress of partner ${partner.id}: it returned an invalid target (${problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ')})`);
  }
  return { campaignId: campaign.snapshot.id, campaignName: campaign.snapshot.name, schemeCode: instance.scheme.code, targets };
}

/** The targets one scheme instance of a campaign reports for a partner. */
export interface InstanceProgress {
  campaignId: string;
  campaignName: string;
  schemeCode: string;
  targets: ProgressTarget[];
}

/** One campaign's chain of instances under way for one event: the drafts so far and what each instance proposed. */
interface Chain {
  campaign: RunnableCampaign;
  event: SchemeEvent;
  ctx: SchemeContext;
  drafts: RewardDraft[];
  proposals: Proposal[];
}

/**
 * One campaign's instances for one event, in their order: evaluating instances add their
 * drafts, stacking instances see everything added before them and add their own. Hooks that
 * answer at once are run and checked at once; from the first hook that answers with a promise,
 * the rest of the chain runs in `finishChain`, so a chain of synchronous hooks makes no promise.
 */
function runChain(campaign: RunnableCampaign, event: SchemeEvent, ctx: SchemeContext): Proposal[] | Promise<Proposal[]> {
  const chain: Chain = { campaign, event, ctx, drafts: [], proposals: [] };
  for (let index = 0; index < campaign.instances.length; index++) {
    const produced = produce(chain, campaign.instances[index]);
    if (produced instanceof Promise) return finishChain(chain, index, produced);
    if (produced) accept(chain, campaign.instances[index], produced);
  }
  return chain.proposals;
}

/** The rest of a chain from instance `index`, whose hook answered with `pending`. */
async function finishChain(chain: Chain, index: number, pending: Promise<RewardDraft[]>): Promise<Proposal[]> {
  const { instances } = chain.campaign;
  let produced: RewardDraft[] | Promise<RewardDraft[]> | null = pending;
  for (;;) {
    const instance = instances[index];
    if (produced instanceof Promise) {
      try {
        produced = await produced;
      } catch (error) {
        throw failed(instance, chain.event.externalId, 'event', error);
      }
    }
    if (produced) accept(chain, instance, produced);
    if (++index >= instances.length) return chain.proposals;
    produced = produce(chain, instances[index]);
  }
}

/** Runs one instance's hook for the chain's event: its evaluation, or its stacking on the drafts so far; null when it has nothing to do. */
function produce(chain: Chain, instance: RunnableInstance): RewardDraft[] | Promise<RewardDraft[]> | null {
  const { scheme } = instance;
  const { event, ctx, drafts } = chain;
  try {
    if (scheme.evaluate && scheme.eventTypes.includes(event.type)) return scheme.evaluate(event, instance.args as never, ctx);
    if (scheme.stack && drafts.length > 0) return scheme.stack(Object.freeze([...drafts]), event, instance.args as never, ctx);
    return null;
  } catch (error) {
    throw failed(instance, event.externalId, 'event', error);
  }
}

/** Holds an instance's drafts to the contract and adds them to the chain. */
function accept(chain: Chain, instance: RunnableInstance, produced: RewardDraft[]): void {
  const added = valid(instance, chain.event.externalId, 'event', produced);
  if (added.length === 0) return;
  for (const draft of added) chain.drafts.push(draft);
  chain.proposals.push({ campaign: chain.campaign, instance, eventId: chain.event.id, periodKey: null, drafts: added });
}

/**
 * Turns checked drafts for partners who may earn into ledger entries, in the order proposed.
 * Whether a partner may earn is asked once per partner for all of them, not per draft.
 */
async function toEntries(lookups: SchemeLookups, clock: Date, proposals: Proposal[]): Promise<LedgerEntry[]> {
  const drafted = new Set<string>();
  for (const proposal of proposals) for (const draft of proposal.drafts) drafted.add(draft.partnerId);
  const partnerIds = [...drafted];
  const answers = await Promise.all(partnerIds.map((id) => lookups.canEarn(id)));
  const earning = new Set<string>();
  for (let index = 0; index < partnerIds.length; index++) if (answers[index]) earning.add(partnerIds[index]);
  const holds = new Map<string, Date>();
  const entries: LedgerEntry[] = [];
  for (const { campaign, instance, eventId, periodKey, drafts } of proposals) {
    const campaignId = campaign.snapshot.id;
    let holdUntil = holds.get(campaignId);
    if (!holdUntil) holds.set(campaignId, (holdUntil = new Date(clock.getTime() + campaign.holdDays * DAY_MS)));
    for (const draft of drafts) {
      if (!earning.has(draft.partnerId) || draft.amount === 0n) continue;
      entries.push({
        partnerId: draft.partnerId,
        campaignId,
        schemeInstanceId: instance.id,
        eventId,
        periodKey,
        status: 'PENDING',
        kind: draft.kind,
        amount: draft.amount,
        unit: draft.unit,
        idempotencyKey: ledgerKey(campaignId, instance.key, draft.key),
        explanationEn: draft.explanation.en,
        explanationRu: draft.explanation.ru,
        details: (draft.details ?? {}) as JsonObject,
        holdUntil,
        correctsId: null,
        reversal: draft.reversal ?? 'PROPORTIONAL',
      });
    }
  }
  return entries;
}

/** How many of a scheme's draft problems the error names; the first is what a scheme author fixes first. */
const MAX_PROBLEMS_SHOWN = 3;
/** A partner id as the server hands them out: a positive integer in decimal. */
const PARTNER_ID = /^[1-9]\d*$/;
const DRAFT_RULES = { isPartnerId: (id: string) => PARTNER_ID.test(id) };

function failed(instance: RunnableInstance, name: string, what: string, error: unknown): Error {
  return new Error(`scheme ${instance.scheme.code} failed on ${what} ${name}: ${(error as Error).message}`, { cause: error });
}

function valid(instance: RunnableInstance, name: string, what: string, drafts: RewardDraft[]): RewardDraft[] {
  const problems = validateDrafts(drafts, DRAFT_RULES);
  if (problems.length > 0) {
    throw new Error(`scheme ${instance.scheme.code} failed on ${what} ${name}: it returned an invalid draft (${problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ')}${problems.length > MAX_PROBLEMS_SHOWN ? `; ${problems.length - MAX_PROBLEMS_SHOWN} more` : ''})`);
  }
  return drafts;
}
