import type { LedgerEntry } from '../../ledger/entry.js';
import { checkEntryAmounts, firstPerKey, type RewardRow } from '../../ledger/ledger.service.js';
import type { CampaignLimits, CapWindow } from '../../ledger/limits.js';
import type { ReversibleEntry } from '../../ledger/reversals.js';
import { parsePeriodKey } from '../../periods/period.js';
import type { LedgerStore } from '../store.js';
import { byId } from './event-store.js';
import type { ProgramState } from './state.js';

const GRANTED = ['PENDING', 'APPROVED', 'PAID'];

/** The reward ledger in memory; the same answers as PostgresLedgerStore, and locks are no-ops (one unit of work runs at a time). */
export class MemoryLedgerStore implements LedgerStore {
  /** With `keepExplanations` false an entry is kept without its two texts: a replay of a quarter keeps millions of entries and reads none of them. */
  constructor(
    private readonly state: ProgramState,
    private readonly keepExplanations = true,
  ) {}

  /** As LedgerService.append: the first of each key, in key order, new keys only; a LEVEL entry changes the partner's level. */
  async append(programId: string, unsorted: LedgerEntry[], createdAt: Date): Promise<RewardRow[]> {
    if (unsorted.length === 0) return [];
    const entries = firstPerKey(unsorted).sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
    checkEntryAmounts(entries);
    const appended: RewardRow[] = [];
    for (const entry of entries) {
      if (this.state.rewardsByKey.has(entry.idempotencyKey)) continue;
      const reward = this.toRow(programId, entry, createdAt);
      this.state.addReward(reward);
      appended.push(reward);
    }
    for (const reward of appended) {
      if (reward.kind !== 'LEVEL') continue;
      // As changeLevels in the ledger: a period's level holds from the period's end, an event's from now.
      const validFrom = reward.periodKey ? (parsePeriodKey(reward.periodKey, this.state.timeZone)?.endsAt ?? null) : null;
      this.state.changeLevel(reward.partnerId, Number(reward.amount), validFrom, createdAt);
    }
    return appended;
  }

  /** The row as the ledger stores it, every field set in one literal (one object shape for millions of rows). */
  private toRow(programId: string, entry: LedgerEntry, createdAt: Date): RewardRow {
    const keep = this.keepExplanations;
    return {
      id: this.state.newRewardId(),
      programId,
      partnerId: entry.partnerId,
      campaignId: entry.campaignId,
      schemeInstanceId: entry.schemeInstanceId,
      eventId: entry.eventId,
      periodKey: entry.periodKey,
      status: entry.status,
      kind: entry.kind,
      amount: entry.amount.toString(),
      unit: entry.unit,
      idempotencyKey: entry.idempotencyKey,
      explanationEn: keep ? entry.explanationEn : '',
      explanationRu: keep ? entry.explanationRu : '',
      details: entry.details,
      holdUntil: entry.holdUntil,
      correctsId: entry.correctsId,
      reversal: entry.reversal,
      createdAt,
    };
  }

  async campaignLimits(_programId: string, campaignIds: string[]): Promise<CampaignLimits[]> {
    return campaignIds
      .flatMap((id) => {
        const campaign = this.state.campaigns.get(id);
        return campaign && (campaign.budget !== null || campaign.partnerCap !== null) ? [campaign] : [];
      })
      .sort(byId)
      .map((campaign) => ({ id: campaign.id, currency: campaign.currency, budget: campaign.budget, partnerCap: campaign.partnerCap, capPeriod: campaign.capPeriod }));
  }

  async existingKeys(_programId: string, keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.state.rewardsByKey.has(key)));
  }

  async lock(): Promise<void> {}

  async grantedByCampaign(campaignIds: string[]): Promise<Map<string, bigint>> {
    return new Map(campaignIds.map((id) => [id, this.state.granted.total(id)]));
  }

  async grantedByPartner(campaignId: string, partnerIds: string[], window: CapWindow): Promise<Map<string, bigint>> {
    const sums = new Map<string, bigint>();
    for (const partnerId of partnerIds) {
      const sum = this.state.granted.forPartner(campaignId, partnerId, window.fromMonth, window.toMonth);
      if (sum !== null) sums.set(partnerId, sum);
    }
    return sums;
  }

  async reversibleEntries(_programId: string, saleIds: string[]): Promise<ReversibleEntry[]> {
    return saleIds
      .flatMap((saleId) => this.state.rewardsByEvent.get(saleId) ?? [])
      .filter(
        (reward) =>
          reward.correctsId === null &&
          (reward.kind === 'MONEY' || reward.kind === 'POINTS') &&
          reward.reversal === 'PROPORTIONAL' &&
          GRANTED.includes(reward.status) &&
          BigInt(reward.amount) > 0n,
      )
      .sort(byId)
      .map((reward) => ({
        id: reward.id,
        partnerId: reward.partnerId,
        campaignId: reward.campaignId,
        schemeInstanceId: reward.schemeInstanceId,
        eventId: reward.eventId!,
        kind: reward.kind,
        amount: reward.amount,
        unit: reward.unit,
        status: reward.status,
        idempotencyKey: reward.idempotencyKey,
        explanationEn: reward.explanationEn,
        explanationRu: reward.explanationRu,
        holdUntil: reward.holdUntil,
      }));
  }

  async refundsOf(_programId: string, saleIds: string[]): Promise<{ id: string; saleId: string; amount: string }[]> {
    return saleIds.flatMap((saleId) =>
      (this.state.refundsBySale.get(saleId) ?? []).map((refund) => ({ id: refund.id, saleId, amount: (refund.amount ?? 0n).toString() })),
    );
  }

  async takenBack(_programId: string, entryIds: string[]): Promise<Map<string, bigint>> {
    const taken = new Map<string, bigint>();
    for (const id of entryIds) {
      const corrections = this.state.rewardsByCorrected.get(id);
      if (corrections) taken.set(id, -corrections.reduce((sum, reward) => sum + BigInt(reward.amount), 0n));
    }
    return taken;
  }

  async lockPartner(_programId: string, partnerId: string): Promise<string | null> {
    return this.state.partners.get(partnerId)?.status ?? null;
  }

  async rewardByKey(_programId: string, idempotencyKey: string): Promise<RewardRow | null> {
    return this.state.rewardsByKey.get(idempotencyKey) ?? null;
  }

  async pointsBalance(_programId: string, partnerId: string): Promise<bigint> {
    return this.state.rewards
      .filter((reward) => reward.partnerId === partnerId && reward.kind === 'POINTS' && reward.status !== 'REJECTED' && reward.status !== 'CAPPED')
      .reduce((sum, reward) => sum + BigInt(reward.amount), 0n);
  }
}
