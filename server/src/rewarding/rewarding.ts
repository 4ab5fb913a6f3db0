import { POINTS_UNIT, describePoints, ledgerKey, redemptionKey, type CatalogItem, type Period } from '@cofactor/schema';
import { errors } from '../graphql/errors.js';
import type { LedgerEntry } from '../ledger/entry.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { applyLimits } from '../ledger/limits.js';
import { compensations } from '../ledger/reversals.js';
import type { PeriodCloseRow } from '../periods/period-close.entity.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import { attribute } from './attribute.js';
import { SchemeEvaluator, type InstanceProgress } from './evaluate.js';
import type { EventInput, EventLimits, RecordEventsResult } from './event.js';
import { storeEvents } from './store-events.js';
import type { RewardingStorage, RewardingStore } from './store.js';
import { validateEvents } from './validate.js';

/** Tells subscribers about rewards; the composition root decides how. Called only after the rewards are committed. */
export type PublishRewards = (rewards: RewardRow[]) => void;

/** What a batch recorded inside a caller's unit of work; its rewards are published once that commits. */
export type Ingested = Omit<RecordEventsResult, 'rewardsCreated'> & { rewards: RewardRow[] };

/** A points redemption: what the partner takes, from which scheme instance, under which of the caller's idempotency keys. */
export interface RedemptionRequest {
  campaignId: string;
  partnerId: string;
  instanceId: string;
  instanceKey: string;
  item: CatalogItem;
  idempotencyKey: string;
}

/**
 * The one rewarding pipeline: validate → attribute → store events → evaluate schemes →
 * apply budgets and caps → append to the ledger → compensate refunds → (update aggregates)
 * → publish after commit. Recording events, the partner events the server records itself,
 * period closes and points redemptions all run through it; none repeats a step.
 */
export class Rewarding {
  private readonly evaluator: SchemeEvaluator;

  constructor(
    private readonly storage: RewardingStorage,
    registry: SchemeRegistry,
    private readonly onRewardsCommitted: PublishRewards,
    private readonly limits: EventLimits,
  ) {
    this.evaluator = new SchemeEvaluator(registry);
  }

  /**
   * Records a batch sent by a caller: one call is one unit of work, all-or-nothing. Stored
   * events are deduplicated by `(program, externalId)`.
   */
  async recordEvents(programId: string, inputs: EventInput[]): Promise<RecordEventsResult> {
    validateEvents(inputs, this.limits, new Date());
    const result = await this.storage.transaction((store) => this.ingest(store, programId, inputs, new Date()), { retries: 3 });
    this.publish(result.rewards);
    const { rewards, ...counts } = result;
    return { ...counts, rewardsCreated: rewards.length };
  }

  /**
   * Attributes, stores and evaluates events inside the caller's unit of work (the server's
   * own events, such as PARTNER_JOINED, are valid by construction), and returns the new
   * rewards for the caller to `publish` after its commit.
   */
  async ingest(store: RewardingStore, programId: string, inputs: EventInput[], clock: Date): Promise<Ingested> {
    const resolved = await attribute(store.events, programId, inputs, clock);
    const stored = await storeEvents(store.events, programId, resolved);
    // Schemes and targeting see each event's partner as it was when the event occurred.
    const events = await store.schemes.eventsAsOf(programId, stored.events, clock);
    const rewards = await this.grant(store, programId, await this.evaluator.evaluate(store.schemes, programId, events, clock), clock);
    rewards.push(...(await store.ledger.append(programId, await compensations(store.ledger, programId, stored.refunds, clock), clock)));
    const { duplicateExternalIds } = stored;
    return { accepted: stored.events.length, duplicates: duplicateExternalIds.length, duplicateExternalIds, rewards };
  }

  /**
   * Runs a campaign's period schemes for `period` and records the close. Idempotent: rewards
   * carry keys that name the period, so a second close writes only what the first did not.
   */
  async closePeriod(programId: string, campaignId: string, period: Period, closedBy: string, clock: Date): Promise<PeriodCloseRow> {
    const result = await this.storage.transaction(
      async (store) => {
        // Two closes of the same period run one after the other, each seeing the other's rewards.
        await store.periods.lockClose(campaignId, period.key);
        const entries = await this.evaluator.closePeriod(store.schemes, programId, campaignId, period, clock);
        const rewards = await this.grant(store, programId, entries, clock);
        const close = await store.periods.recordClose({
          campaignId,
          periodKey: period.key,
          startsAt: period.startsAt,
          endsAt: period.endsAt,
          closedBy,
          forced: period.endsAt > clock,
          rewardsCreated: rewards.length,
          closedAt: clock,
        });
        return { close, rewards };
      },
      { retries: 3 },
    );
    this.publish(result.rewards);
    return result.close;
  }

  /**
   * A redemption is one more entry — negative, APPROVED at once — written under a lock on the
   * partner, so concurrent redemptions can never take the balance below zero, and keyed by the
   * caller's idempotency key, so a retry never charges twice. Returns the entry and the balance after it.
   */
  async redeemPoints(programId: string, request: RedemptionRequest): Promise<{ reward: RewardRow; balance: bigint }> {
    const { campaignId, partnerId, item } = request;
    const key = ledgerKey(campaignId, request.instanceKey, redemptionKey(partnerId, request.idempotencyKey));
    const result = await this.storage.transaction(async (store) => {
      const status = await store.ledger.lockPartner(programId, partnerId);
      if (status === null) throw errors.notFound('partner', partnerId);
      const done = await store.ledger.rewardByKey(programId, key);
      // A retry of a redemption that went through: the same answer, no second charge.
      if (done) return { reward: done, balance: await store.ledger.pointsBalance(programId, partnerId), fresh: false };
      if (status !== 'ACTIVE') throw errors.conflict(`partner ${partnerId} is ${status} and cannot redeem points`);
      const balance = await store.ledger.pointsBalance(programId, partnerId);
      if (balance < item.cost) {
        throw errors.conflict(`a balance of ${describePoints(balance, 'en')} does not cover ${item.name} (${describePoints(item.cost, 'en')})`, 'itemCode');
      }
      const clock = new Date();
      const [reward] = await store.ledger.append(programId, [redemption(request, key, balance, clock)], clock);
      return { reward, balance: balance - item.cost, fresh: true };
    });
    if (result.fresh) this.publish([result.reward]);
    return { reward: result.reward, balance: result.balance };
  }

  /**
   * The targets the partner is working towards now in the program's ACTIVE campaigns (or the one
   * campaign asked for) and how far it is, as each scheme's `progress` reports them. Reads only.
   */
  progress(programId: string, partnerId: string, which: { active: true } | { id: string }): Promise<InstanceProgress[]> {
    const clock = new Date();
    return this.storage.transaction((store) => this.evaluator.progress(store.schemes, programId, partnerId, which, clock));
  }

  /** Tells subscribers about rewards; call only after the unit of work that wrote them committed. */
  publish(rewards: RewardRow[]): void {
    if (rewards.length) this.onRewardsCommitted(rewards);
  }

  /** Steps 5 and 6: holds entries to budgets and caps, then appends them. */
  private async grant(store: RewardingStore, programId: string, entries: LedgerEntry[], clock: Date): Promise<RewardRow[]> {
    if (entries.length === 0) return [];
    const limited = await applyLimits(store.ledger, programId, await store.schemes.timeZone(programId), entries, clock);
    return store.ledger.append(programId, limited, clock);
  }
}

function redemption(request: RedemptionRequest, key: string, balance: bigint, clock: Date): LedgerEntry {
  const { item } = request;
  return {
    partnerId: request.partnerId,
    campaignId: request.campaignId,
    schemeInstanceId: request.instanceId,
    eventId: null,
    periodKey: null,
    status: 'APPROVED',
    kind: 'POINTS',
    amount: -item.cost,
    unit: POINTS_UNIT,
    idempotencyKey: key,
    explanationEn: `Redeemed ${describePoints(item.cost, 'en')} for ${item.name}`,
    explanationRu: `Обмен на «${item.name}»: списано ${describePoints(item.cost, 'ru')}`,
    details: { item: item.code, kind: item.kind, cost: item.cost.toString(), balanceBefore: balance.toString() },
    holdUntil: clock,
    correctsId: null,
    reversal: 'NONE',
  };
}
