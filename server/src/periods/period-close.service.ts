import type { MikroORM } from '@mikro-orm/postgresql';
import { Campaign } from '../campaigns/campaign.entity.js';
import type { Sql } from '../db/sql.js';
import type { RewardsEngine } from '../engine/rewards-engine.js';
import { errors } from '../graphql/errors.js';
import type { LedgerService, RewardRow } from '../ledger/ledger.service.js';
import { Program } from '../programs/program.entity.js';
import { parsePeriodKey } from './period.js';

export interface PeriodCloseRow {
  id: string;
  campaignId: string;
  periodKey: string;
  startsAt: Date;
  endsAt: Date;
  closedBy: string;
  forced: boolean;
  rewardsCreated: number;
  closedAt: Date;
}

/**
 * Closing a period runs the campaign's period-based schemes (volume bonuses, contests, KPIs)
 * over the period's events and records what they pay. It is idempotent: rewards carry keys
 * that name the period, so a second close — after late events, or by a retry — writes only
 * what the first did not. A period that has not ended is closed only when forced.
 */
export class PeriodCloseService {
  constructor(
    private readonly orm: MikroORM,
    private readonly sql: Sql,
    private readonly engine: RewardsEngine,
    private readonly ledger: LedgerService,
    private readonly onRewardsCommitted: (rewards: RewardRow[]) => void,
  ) {}

  async close(programId: string, closedBy: string, campaignId: string, key: string, force: boolean): Promise<PeriodCloseRow> {
    const em = this.orm.em.fork();
    const campaign = await em.findOne(Campaign, { id: campaignId, programId });
    if (!campaign) throw errors.notFound('campaign', campaignId);
    if (campaign.status === 'DRAFT') throw errors.conflict(`campaign ${campaignId} is a DRAFT: it has no periods to close`);
    const program = await em.findOneOrFail(Program, { id: programId });
    const period = parsePeriodKey(key, program.timeZone);
    if (!period) throw errors.badInput([{ path: 'period', message: 'must be a month like 2026-03 or a quarter like 2026-Q1' }]);
    if (period.endsAt <= campaign.startsAt || (campaign.endsAt && period.startsAt >= campaign.endsAt)) {
      throw errors.badInput([{ path: 'period', message: `${key} lies outside the campaign's dates` }]);
    }
    const clock = new Date();
    if (period.endsAt > clock && !force) {
      throw errors.conflict(`${key} has not ended yet (it ends at ${period.endsAt.toISOString()}); pass force: true to close it early`, 'period');
    }
    const result = await this.sql.transaction(
      async (client) => {
        // Two closes of the same period run one after the other, each seeing the other's rewards.
        await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`close:${campaignId}:${key}`]);
        const entries = await this.engine.closePeriod(client, programId, campaignId, period, clock);
        const rewards = await this.ledger.append(client, programId, entries, clock);
        const { rows } = await client.query<PeriodCloseRow>(
          `insert into period_close (campaign_id, period_key, starts_at, ends_at, closed_by, forced, rewards_created, closed_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning id, campaign_id as "campaignId", period_key as "periodKey", starts_at as "startsAt", ends_at as "endsAt",
                     closed_by as "closedBy", forced, rewards_created as "rewardsCreated", closed_at as "closedAt"`,
          [campaignId, key, period.startsAt, period.endsAt, closedBy, period.endsAt > clock, rewards.length, clock],
        );
        return { close: rows[0], rewards };
      },
      { retries: 3 },
    );
    if (result.rewards.length) this.onRewardsCommitted(result.rewards);
    return result.close;
  }
}
