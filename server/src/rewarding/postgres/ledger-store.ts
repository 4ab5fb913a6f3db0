import type { SqlClient } from '../../db/sql.js';
import type { LedgerEntry } from '../../ledger/entry.js';
import { SPENDABLE_POINTS, type LedgerService, type RewardRow } from '../../ledger/ledger.service.js';
import type { CampaignLimits, CapWindow } from '../../ledger/limits.js';
import type { ReversibleEntry } from '../../ledger/reversals.js';
import type { LedgerStore } from '../store.js';

/** The reward ledger in PostgreSQL, inside one transaction; `LedgerService.append` is its writer. */
export class PostgresLedgerStore implements LedgerStore {
  constructor(
    private readonly client: SqlClient,
    private readonly writer: LedgerService,
  ) {}

  append(programId: string, entries: LedgerEntry[], createdAt: Date): Promise<RewardRow[]> {
    return this.writer.append(this.client, programId, entries, createdAt);
  }

  async campaignLimits(programId: string, campaignIds: string[]): Promise<CampaignLimits[]> {
    const { rows } = await this.client.query<Omit<CampaignLimits, 'budget' | 'partnerCap'> & { budget: string | null; partnerCap: string | null }>(
      `select id, currency, budget::text, partner_cap::text as "partnerCap", cap_period as "capPeriod" from campaign
        where program_id = $1 and id = any($2::bigint[]) and (budget is not null or partner_cap is not null) order by id`,
      [programId, campaignIds],
    );
    return rows.map((row) => ({ ...row, budget: row.budget === null ? null : BigInt(row.budget), partnerCap: row.partnerCap === null ? null : BigInt(row.partnerCap) }));
  }

  async existingKeys(programId: string, keys: string[]): Promise<Set<string>> {
    const { rows } = await this.client.query<{ key: string }>('select idempotency_key as key from reward where program_id = $1 and idempotency_key = any($2::text[])', [
      programId,
      keys,
    ]);
    return new Set(rows.map((row) => row.key));
  }

  async lock(keys: string[]): Promise<void> {
    await this.client.query(
      `select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest($1::text[]) with ordinality as l(k, position) order by position`,
      [keys],
    );
  }

  /** From granted_money, kept by triggers on the ledger per partner and local month. */
  async grantedByCampaign(campaignIds: string[]): Promise<Map<string, bigint>> {
    const { rows } = await this.client.query<{ campaignId: string; granted: string }>(
      `select c.id as "campaignId", coalesce(sum(g.amount), 0)::text as granted
         from unnest($1::bigint[]) as c(id) left join granted_money g on g.campaign_id = c.id group by c.id`,
      [campaignIds],
    );
    return new Map(rows.map((row) => [row.campaignId, BigInt(row.granted)]));
  }

  async grantedByPartner(campaignId: string, partnerIds: string[], window: CapWindow): Promise<Map<string, bigint>> {
    const { rows } = await this.client.query<{ partnerId: string; granted: string }>(
      `select partner_id as "partnerId", sum(amount)::text as granted from granted_money
        where campaign_id = $1 and partner_id = any($2::bigint[]) and ($3::date is null or (month >= $3 and month < $4))
        group by partner_id`,
      [campaignId, partnerIds, window.fromMonth, window.toMonth],
    );
    return new Map(rows.map((row) => [row.partnerId, BigInt(row.granted)]));
  }

  async reversibleEntries(programId: string, saleIds: string[]): Promise<ReversibleEntry[]> {
    const { rows } = await this.client.query<ReversibleEntry>(
      `select id, partner_id as "partnerId", campaign_id as "campaignId", scheme_instance_id as "schemeInstanceId", event_id as "eventId",
              kind, amount::text as amount, unit, status, idempotency_key as "idempotencyKey", explanation_en as "explanationEn",
              explanation_ru as "explanationRu", hold_until as "holdUntil"
         from reward
        where program_id = $1 and event_id = any($2::bigint[]) and corrects_id is null and kind in ('MONEY', 'POINTS')
          and reversal = 'PROPORTIONAL' and status in ('PENDING', 'APPROVED', 'PAID') and amount > 0
        order by id for update`,
      [programId, saleIds],
    );
    return rows;
  }

  async refundsOf(programId: string, saleIds: string[]): Promise<{ id: string; saleId: string; amount: string }[]> {
    const { rows } = await this.client.query<{ id: string; saleId: string; amount: string }>(
      `select id, refund_of_id as "saleId", amount::text as amount from event where program_id = $1 and refund_of_id = any($2::bigint[])`,
      [programId, saleIds],
    );
    return rows;
  }

  async takenBack(programId: string, entryIds: string[]): Promise<Map<string, bigint>> {
    const { rows } = await this.client.query<{ id: string; taken: string }>(
      `select corrects_id as id, (-sum(amount))::text as taken from reward where program_id = $1 and corrects_id = any($2::bigint[]) group by corrects_id`,
      [programId, entryIds],
    );
    return new Map(rows.map((row) => [row.id, BigInt(row.taken)]));
  }

  async lockPartner(programId: string, partnerId: string): Promise<string | null> {
    const { rows } = await this.client.query<{ status: string }>('select status from partner where program_id = $1 and id = $2 for update', [programId, partnerId]);
    return rows[0]?.status ?? null;
  }

  async rewardByKey(programId: string, idempotencyKey: string): Promise<RewardRow | null> {
    const { rows } = await this.client.query<{ id: string }>('select id from reward where program_id = $1 and idempotency_key = $2', [programId, idempotencyKey]);
    if (!rows[0]) return null;
    const [reward] = await this.writer.byIds(this.client, programId, [rows[0].id]);
    return reward;
  }

  async pointsBalance(programId: string, partnerId: string): Promise<bigint> {
    const { rows } = await this.client.query<{ balance: string }>(
      `select coalesce(sum(amount), 0)::text as balance from reward where program_id = $1 and partner_id = $2 and ${SPENDABLE_POINTS}`,
      [programId, partnerId],
    );
    return BigInt(rows[0].balance);
  }
}
