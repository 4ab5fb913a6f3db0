import {
  ledgerKey,
  validateDrafts,
  type JsonObject,
  type Period,
  type PeriodContext,
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
    const runs: Promise<Proposal[]>[] = [];
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
        const drafts = await checked(instance, period.key, 'period', () => instance.scheme.closePeriod!(period, instance.args as never, ctx));
        return { campaign, instance, eventId: null, periodKey: period.key, drafts };
      });
    return toEntries(lookups, clock, await Promise.all(runs));
  }
}

/**
 * One campaign's instances for one event, in their order: evaluating instances add their
 * drafts, stacking instances see everything added before them and add their own.
 */
async function runChain(campaign: RunnableCampaign, event: SchemeEvent, ctx: SchemeContext): Promise<Proposal[]> {
  const drafts: RewardDraft[] = [];
  const proposals: Proposal[] = [];
  for (const instance of campaign.instances) {
    const { scheme } = instance;
    const produce =
      scheme.evaluate && scheme.eventTypes.includes(event.type)
        ? () => scheme.evaluate!(event, instance.args as never, ctx)
        : scheme.stack && drafts.length > 0
          ? () => scheme.stack!(Object.freeze([...drafts]), event, instance.args as never, ctx)
          : null;
    if (!produce) continue;
    const result = checked(instance, event.externalId, 'event', produce);
    const added = result instanceof Promise ? await result : result;
    if (added.length === 0) continue;
    for (const draft of added) drafts.push(draft);
    proposals.push({ campaign, instance, eventId: event.id, periodKey: null, drafts: added });
  }
  return proposals;
}

/**
 * Turns checked drafts for partners who may earn into ledger entries, in the order proposed.
 * Whether a partner may earn is asked once per partner for all of them, not per draft.
 */
async function toEntries(lookups: SchemeLookups, clock: Date, proposals: Proposal[]): Promise<LedgerEntry[]> {
  const partnerIds = [...new Set(proposals.flatMap((proposal) => proposal.drafts.map((draft) => draft.partnerId)))];
  const answers = await Promise.all(partnerIds.map((id) => lookups.canEarn(id)));
  const earning = new Set(partnerIds.filter((_, index) => answers[index]));
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

/**
 * Runs one scheme hook and holds its drafts to the contract (`validateDrafts`, the one the
 * conformance kit applies too); a malformed draft fails the whole batch, naming the scheme and
 * what it was running for (`<what> <name>`: an event's external id, a period's key). A hook
 * that answers at once is checked at once, without a promise of its own.
 */
function checked(instance: RunnableInstance, name: string, what: 'event' | 'period', produce: () => Promise<RewardDraft[]> | RewardDraft[]): RewardDraft[] | Promise<RewardDraft[]> {
  let produced: Promise<RewardDraft[]> | RewardDraft[];
  try {
    produced = produce();
  } catch (error) {
    throw failed(instance, name, what, error);
  }
  if (!(produced instanceof Promise)) return valid(instance, name, what, produced);
  return produced.then(
    (drafts) => valid(instance, name, what, drafts),
    (error: unknown) => {
      throw failed(instance, name, what, error);
    },
  );
}

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
