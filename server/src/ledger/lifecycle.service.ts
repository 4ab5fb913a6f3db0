import type { Sql, SqlClient } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_TEXT_LENGTH, checkText } from '../validation.js';
import { isId } from '../graphql/ids.js';
import type { LedgerService, RewardRow } from './ledger.service.js';
import type { RewardStatus } from './reward.entity.js';

export interface StatusChange {
  fromStatus: RewardStatus;
  toStatus: RewardStatus;
  /** The API key that made the change; null for the scheduled approval of due rewards. */
  changedBy: string | null;
  reason: string | null;
  payoutId: string | null;
  changedAt: Date;
}

/** Entries per statement when approving due rewards, so a large backlog never holds one giant lock set. */
const APPROVAL_CHUNK = 5000;
const MAX_IDS = 1000;

/**
 * The moves of an entry's lifecycle that people and the scheduler make (ledger/README.md,
 * rule 7): approval and rejection. A compensating entry moves with its original, in the
 * same statement, and every move is logged with who made it. Each call locks the originals
 * it moves, which is the same lock the reversal of a refund takes, so a refund and an
 * approval of the same entry happen one after the other.
 */
export class LifecycleService {
  constructor(
    private readonly sql: Sql,
    private readonly ledger: LedgerService,
  ) {}

  /**
   * PENDING → APPROVED for every entry whose hold days are over (in one program, or in all
   * when `programId` is null, as the scheduled job does). Returns how many entries moved.
   */
  async approveDue(programId: string | null, changedBy: string | null, now: Date = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await this.sql.transaction(async (client) => {
        // The due entries are found through the index of PENDING entries by due time, and
        // locked in id order, the order every other writer of these rows locks them in.
        const { rows } = await client.query<{ id: string }>(
          `select id from reward where id in (
             select id from reward where status = 'PENDING' and hold_until <= $2 and corrects_id is null
                and ($1::bigint is null or program_id = $1) order by hold_until limit $3)
           order by id for update`,
          [programId, now, APPROVAL_CHUNK],
        );
        if (rows.length === 0) return { originals: 0, entries: 0 };
        const entries = await this.move(client, rows.map((row) => row.id), ['PENDING'], 'APPROVED', changedBy, 'hold days over', now);
        return { originals: rows.length, entries: entries.length };
      }, { retries: 3 });
      total += moved.entries;
      if (moved.originals < APPROVAL_CHUNK) return total;
    }
  }

  /** PENDING → APPROVED by hand, before or after the hold days. Entries already APPROVED are left as they are. */
  async approve(programId: string, changedBy: string, ids: readonly string[]): Promise<RewardRow[]> {
    return this.byHand(programId, ids, ['PENDING'], 'APPROVED', changedBy, null);
  }

  /** PENDING or APPROVED → REJECTED by hand, with the reason the partner will read. Entries already REJECTED are left as they are. */
  async reject(programId: string, changedBy: string, ids: readonly string[], reason: string): Promise<RewardRow[]> {
    const issues: InputIssue[] = [];
    if (!checkText(reason, 'reason', MAX_TEXT_LENGTH, issues)) throw errors.badInput(issues);
    return this.byHand(programId, ids, ['PENDING', 'APPROVED'], 'REJECTED', changedBy, reason.trim());
  }

  /** The status changes of each entry, oldest first. */
  async histories(rewardIds: readonly string[]): Promise<Map<string, StatusChange[]>> {
    const rows = await this.sql.query<StatusChange & { rewardId: string }>(
      `select reward_id as "rewardId", from_status as "fromStatus", to_status as "toStatus", changed_by as "changedBy", reason,
              payout_id as "payoutId", changed_at as "changedAt"
         from reward_status_change where reward_id = any($1::bigint[]) order by reward_id, id`,
      [rewardIds],
    );
    const result = new Map<string, StatusChange[]>(rewardIds.map((id) => [id, []]));
    for (const { rewardId, ...change } of rows) result.get(rewardId)!.push(change);
    return result;
  }

  /** All or nothing: every id must name an entry that can make the move, or nothing moves. */
  private async byHand(
    programId: string,
    ids: readonly string[],
    from: RewardStatus[],
    to: RewardStatus,
    changedBy: string,
    reason: string | null,
  ): Promise<RewardRow[]> {
    if (ids.length === 0 || ids.length > MAX_IDS) throw errors.badInput([{ path: 'ids', message: `give 1 to ${MAX_IDS} reward ids` }]);
    const bad = ids.flatMap((id, index) => (isId(id) ? [] : [{ path: `ids[${index}]`, message: `"${id}" is not an id` }]));
    if (bad.length) throw errors.badInput(bad);
    const unique = [...new Set(ids)];
    return this.sql.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; status: RewardStatus; correctsId: string | null; live: boolean }>(
        `select r.id, r.status, r.corrects_id as "correctsId",
                exists (select 1 from payout_item i join payout p on p.id = i.payout_id
                         where p.status <> 'FAILED' and (i.reward_id = r.id or i.reward_id in (select c.id from reward c where c.corrects_id = r.id))) as live
           from reward r where r.program_id = $1 and r.id = any($2::bigint[]) order by r.id for update of r`,
        [programId, unique],
      );
      const found = new Map(rows.map((row) => [row.id, row]));
      const issues: InputIssue[] = [];
      ids.forEach((id, index) => {
        const row = found.get(id);
        const path = `ids[${index}]`;
        if (!row) issues.push({ path, message: `no reward ${id} in this program` });
        else if (row.correctsId) issues.push({ path, message: `reward ${id} takes back part of reward ${row.correctsId} and moves with it` });
        else if (row.status !== to && !from.includes(row.status)) {
          issues.push({ path, message: `reward ${id} is ${row.status}; only ${from.join(' or ')} rewards can become ${to}` });
        } else if (to === 'REJECTED' && row.status !== to && row.live) {
          issues.push({ path, message: `reward ${id} is in a payout; fail that payout before rejecting it` });
        }
      });
      if (issues.length) throw errors.conflict(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues[0].path);
      const moving = rows.filter((row) => row.status !== to).map((row) => row.id);
      if (moving.length) await this.move(client, moving, from, to, changedBy, reason, new Date());
      return this.ledger.byIds(client, programId, unique);
    }, { retries: 3 });
  }

  /**
   * Moves locked originals and their compensating entries from `from` to `to` and logs each
   * move. A separate statement from the lock, so it also sees compensating entries that a
   * refund committed while the lock was awaited.
   */
  private async move(
    client: SqlClient,
    originalIds: string[],
    from: RewardStatus[],
    to: RewardStatus,
    changedBy: string | null,
    reason: string | null,
    at: Date,
  ): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>(
      `with old as (
         select id, status from reward where id = any($1::bigint[]) and status = any($2::text[])
         union all
         select id, status from reward where corrects_id = any($1::bigint[]) and status = any($2::text[])
       ), moved as (
         update reward r set status = $3 from old where r.id = old.id returning r.id, old.status as "fromStatus"
       ), logged as (
         insert into reward_status_change (reward_id, from_status, to_status, changed_by, reason, changed_at)
         select id, "fromStatus", $3, $4, $5, $6 from moved
       )
       select id from moved`,
      [originalIds, from, to, changedBy, reason, at],
    );
    return rows.map((row) => row.id);
  }
}
