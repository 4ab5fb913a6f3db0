import type { SchemeEvent } from '@cofactor/schema';
import type { PeriodCloseRow } from '../../periods/period-close.entity.js';
import type { PeriodStore, RewardingStorage, RewardingStore, SchemeLookups, SchemeStore, StoredCampaigns } from '../store.js';
import { MemoryEventStore } from './event-store.js';
import { MemoryLedgerStore } from './ledger-store.js';
import { MemoryLookups } from './lookups.js';
import { ProgramState, type MemoryEvent, type ProgramSeed } from './state.js';

/** Campaigns from memory (the ACTIVE ones or one by id, in id order, with their instances and, when targeted, the region tree) and partners as they were. */
class MemorySchemeStore implements SchemeStore {
  constructor(private readonly state: ProgramState) {}

  async timeZone(): Promise<string> {
    return this.state.timeZone;
  }

  async campaigns(_programId: string, which: { active: true } | { id: string }): Promise<StoredCampaigns> {
    const chosen = [...this.state.campaigns.values()]
      .filter((campaign) => ('id' in which ? campaign.id === which.id : campaign.status === 'ACTIVE'))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    if (chosen.length === 0) return { campaigns: [], instances: [], regions: [] };
    return {
      campaigns: chosen.map(({ id, name, currency, startsAt, endsAt, holdDays, targeting }) => ({ id, name, currency, startsAt, endsAt, holdDays, targeting })),
      instances: chosen.flatMap((campaign) => campaign.instances),
      regions: chosen.some((campaign) => campaign.targeting.regionIds.length) ? this.state.regions : [],
    };
  }

  async eventsAsOf(_programId: string, events: SchemeEvent[], clock: Date): Promise<SchemeEvent[]> {
    return events.map((event) => ({ ...event, partner: this.state.partnerAt(event.partner.id, event.occurredAt, clock) ?? event.partner }));
  }

  lookups(_programId: string, events: SchemeEvent[], clock: Date, timeZone: string): SchemeLookups {
    return new MemoryLookups(this.state, events, clock, timeZone);
  }
}

class MemoryPeriodStore implements PeriodStore {
  constructor(private readonly state: ProgramState) {}

  async lockClose(): Promise<void> {}

  async recordClose(close: Omit<PeriodCloseRow, 'id'>): Promise<PeriodCloseRow> {
    return this.state.addClose(close);
  }
}

/**
 * The rewarding pipeline's store kept in memory: one program's rows, seeded from a snapshot,
 * for work that must not touch the real tables (simulations, previews). Units of work run one
 * at a time, which is what the PostgreSQL store's locks amount to for a single caller, and a
 * unit that fails leaves nothing behind.
 */
export class MemoryRewardingStorage implements RewardingStorage {
  readonly state: ProgramState;
  private readonly store: RewardingStore;
  private queue: Promise<unknown> = Promise.resolve();

  /** `keepExplanations: false` keeps appended entries without their texts (see MemoryLedgerStore). */
  constructor(seed: ProgramSeed, options: { keepExplanations?: boolean } = {}) {
    this.state = new ProgramState(seed);
    this.store = {
      events: new MemoryEventStore(this.state),
      schemes: new MemorySchemeStore(this.state),
      ledger: new MemoryLedgerStore(this.state, options.keepExplanations ?? true),
      periods: new MemoryPeriodStore(this.state),
    };
  }

  /**
   * Stores an event as another caller recorded it, outside any unit of work: a replay's
   * stored events that it does not replay itself, at the point where they were stored.
   */
  storeEvent(event: MemoryEvent): void {
    this.state.addEvent(event);
    const customer = event.firstPurchase && event.customerId ? this.state.customersById.get(event.customerId) : undefined;
    if (customer && customer.firstPurchaseAt === null) this.state.claimFirstPurchase(customer, event.occurredAt, event.partnerId);
    this.state.journal.commit();
  }

  transaction<T>(work: (store: RewardingStore) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    const run = this.queue.then(() => this.attempt(work, options.retries ?? 0));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async attempt<T>(work: (store: RewardingStore) => Promise<T>, retries: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await work(this.store);
        this.state.journal.commit();
        return result;
      } catch (error) {
        this.state.rollback();
        const code = (error as { code?: string }).code;
        if (attempt >= retries || (code !== '40P01' && code !== '40001')) throw error;
      }
    }
  }
}
