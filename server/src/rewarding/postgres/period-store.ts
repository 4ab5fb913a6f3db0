import type { SqlClient } from '../../db/sql.js';
import type { PeriodCloseRow } from '../../periods/period-close.entity.js';
import type { PeriodStore } from '../store.js';

export class PostgresPeriodStore implements PeriodStore {
  constructor(private readonly client: SqlClient) {}

  async lockClose(campaignId: string, periodKey: string): Promise<void> {
    await this.client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`close:${campaignId}:${periodKey}`]);
  }

  async recordClose(close: Omit<PeriodCloseRow, 'id'>): Promise<PeriodCloseRow> {
    const { rows } = await this.client.query<PeriodCloseRow>(
      `insert into period_close (campaign_id, period_key, starts_at, ends_at, closed_by, forced, rewards_created, closed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       returning id, campaign_id as "campaignId", period_key as "periodKey", starts_at as "startsAt", ends_at as "endsAt",
                 closed_by as "closedBy", forced, rewards_created as "rewardsCreated", closed_at as "closedAt"`,
      [close.campaignId, close.periodKey, close.startsAt, close.endsAt, close.closedBy, close.forced, close.rewardsCreated, close.closedAt],
    );
    return rows[0];
  }
}
