import type { MikroORM } from '@mikro-orm/postgresql';
import { Campaign } from '../campaigns/campaign.entity.js';
import { errors } from '../graphql/errors.js';
import { Program } from '../programs/program.entity.js';
import type { Rewarding } from '../rewarding/rewarding.js';
import type { PeriodCloseRow } from './period-close.entity.js';
import { parsePeriodKey } from './period.js';

/**
 * Closing a period runs the campaign's period-based schemes (volume bonuses, contests, KPIs)
 * over the period's events and records what they pay, through the rewarding pipeline. It is
 * idempotent: rewards carry keys that name the period, so a second close — after late
 * events, or by a retry — writes only what the first did not. A period that has not ended is
 * closed only when forced.
 */
export class PeriodCloseService {
  constructor(
    private readonly orm: MikroORM,
    private readonly rewarding: Rewarding,
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
    return this.rewarding.closePeriod(programId, campaignId, period, closedBy, clock);
  }
}
