import type { Sql, SqlClient } from '../../db/sql.js';
import type { LedgerService } from '../../ledger/ledger.service.js';
import type { RewardingStorage, RewardingStore } from '../store.js';
import { PostgresEventStore } from './event-store.js';
import { PostgresLedgerStore } from './ledger-store.js';
import { PostgresPeriodStore } from './period-store.js';
import { PostgresSchemeStore } from './scheme-store.js';

/** The rewarding pipeline's store for real work: one PostgreSQL transaction per unit of work. */
export class PostgresRewardingStorage implements RewardingStorage {
  private readonly timeZones = new Map<string, string>();

  constructor(
    private readonly sql: Sql,
    private readonly ledger: LedgerService,
  ) {}

  transaction<T>(work: (store: RewardingStore) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    return this.sql.transaction((client) => work(this.within(client)), options);
  }

  /** The store of a transaction the caller opened, for work that writes its own rows with the pipeline's. */
  within(client: SqlClient): RewardingStore {
    return {
      events: new PostgresEventStore(client),
      schemes: new PostgresSchemeStore(client, this.timeZones),
      ledger: new PostgresLedgerStore(client, this.ledger),
      periods: new PostgresPeriodStore(client),
    };
  }
}
