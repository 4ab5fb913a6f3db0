import type { Sql } from '../db/sql.js';
import { errors } from '../graphql/errors.js';
import { MAX_TEXT_LENGTH } from '../validation.js';
import type { LedgerService, RewardRow } from '../ledger/ledger.service.js';
import { FULFILMENT_STATES, type FulfilmentState } from './perk-fulfilment.entity.js';

export interface FulfilmentChange {
  state: FulfilmentState;
  note: string | null;
  changedBy: string;
  changedAt: Date;
}

/** A perk is GRANTED when it is awarded; an admin records when it was DELIVERED (or undoes that). */
export class PerkService {
  constructor(
    private readonly sql: Sql,
    private readonly ledger: LedgerService,
  ) {}

  /** The fulfilment history of each reward, oldest first. */
  async histories(rewardIds: readonly string[]): Promise<Map<string, FulfilmentChange[]>> {
    const rows = await this.sql.query<FulfilmentChange & { rewardId: string }>(
      `select reward_id as "rewardId", state, note, changed_by as "changedBy", changed_at as "changedAt"
         from perk_fulfilment where reward_id = any($1::bigint[]) order by reward_id, id`,
      [rewardIds],
    );
    const result = new Map<string, FulfilmentChange[]>(rewardIds.map((id) => [id, []]));
    for (const { rewardId, ...change } of rows) result.get(rewardId)!.push(change);
    return result;
  }

  async update(programId: string, changedBy: string, rewardId: string, state: string, note: string | null): Promise<RewardRow> {
    if (!(FULFILMENT_STATES as readonly string[]).includes(state)) {
      throw errors.badInput([{ path: 'state', message: `must be one of ${FULFILMENT_STATES.join(', ')}` }]);
    }
    if (note !== null && note.length > MAX_TEXT_LENGTH) throw errors.badInput([{ path: 'note', message: `must be at most ${MAX_TEXT_LENGTH} characters` }]);
    return this.sql.transaction(async (client) => {
      const [reward] = await this.ledger.byIds(client, programId, [rewardId]);
      if (!reward) throw errors.notFound('reward', rewardId);
      if (reward.kind !== 'PERK') throw errors.conflict(`reward ${rewardId} is ${reward.kind}, not a PERK: it has no fulfilment`, 'rewardId');
      if (reward.status === 'REJECTED' || reward.status === 'CAPPED') {
        throw errors.conflict(`reward ${rewardId} is ${reward.status}: there is nothing to deliver`, 'rewardId');
      }
      await client.query('insert into perk_fulfilment (reward_id, state, note, changed_by) values ($1, $2, $3, $4)', [
        rewardId,
        state,
        note,
        changedBy,
      ]);
      return reward;
    });
  }
}
