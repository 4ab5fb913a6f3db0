import { currencyExponent, isCurrencyCode } from '@cofactor/schema';
import type { Sql, SqlClient } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { MAX_EXTERNAL_ID_LENGTH, MAX_TEXT_LENGTH, checkIdempotencyKey, checkMoney, checkOptionalText, checkText } from '../validation.js';

export const PAYOUT_STATUSES = ['CREATED', 'PAID', 'FAILED'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export interface PayoutBatchRow {
  id: string;
  programId: string;
  currency: string;
  minimumAmount: string;
  idempotencyKey: string | null;
  createdBy: string;
  createdAt: Date;
}

export interface PayoutRow {
  id: string;
  batchId: string;
  programId: string;
  partnerId: string;
  currency: string;
  amount: string;
  entries: number;
  status: PayoutStatus;
  reference: string | null;
  failureReason: string | null;
  settledBy: string | null;
  settledAt: Date | null;
  createdAt: Date;
}

const BATCH_COLUMNS = `b.id, b.program_id as "programId", b.currency, b.minimum_amount::text as "minimumAmount",
  b.idempotency_key as "idempotencyKey", b.created_by as "createdBy", b.created_at as "createdAt"`;
const PAYOUT_COLUMNS = `p.id, p.batch_id as "batchId", p.program_id as "programId", p.partner_id as "partnerId", p.currency,
  p.amount::text as amount, p.entries, p.status, p.reference, p.failure_reason as "failureReason", p.settled_by as "settledBy",
  p.settled_at as "settledAt", p.created_at as "createdAt"`;

/**
 * Payouts (ledger/README.md, rule 10). A batch gathers, per partner, the APPROVED money
 * entries of one currency that no live payout holds — compensating entries too, so a
 * reversal of a paid reward lowers the next payout — and pays a partner whose sum reaches
 * the minimum. Creating batches is serialised per program and currency, and an entry joins
 * only one live payout, so running it again never pays twice.
 */
export class PayoutService {
  constructor(private readonly sql: Sql) {}

  async createBatch(
    programId: string,
    createdBy: string,
    currency: string,
    minimumAmount: bigint,
    idempotencyKey: string | null,
  ): Promise<PayoutBatchRow> {
    const issues: InputIssue[] = [];
    if (!isCurrencyCode(currency)) issues.push({ path: 'currency', message: 'must be an ISO 4217 code such as RUB' });
    checkMoney(minimumAmount, 'minimumAmount', issues);
    checkIdempotencyKey(idempotencyKey, 'idempotencyKey', issues);
    if (issues.length) throw errors.badInput(issues);
    return this.sql.transaction(async (client) => {
      await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`payouts:${programId}:${currency}`]);
      if (idempotencyKey !== null) {
        const { rows } = await client.query<PayoutBatchRow>(`select ${BATCH_COLUMNS} from payout_batch b where b.program_id = $1 and b.idempotency_key = $2`, [
          programId,
          idempotencyKey,
        ]);
        if (rows[0]) {
          // A retry of a batch that was created: the same batch, nothing new.
          if (rows[0].currency !== currency) throw errors.conflict(`idempotency key ${idempotencyKey} was used for a ${rows[0].currency} batch`, 'idempotencyKey');
          return rows[0];
        }
      }
      const { rows } = await client.query<PayoutBatchRow>(
        `insert into payout_batch as b (program_id, currency, minimum_amount, idempotency_key, created_by) values ($1, $2, $3, $4, $5)
         returning ${BATCH_COLUMNS}`,
        [programId, currency, minimumAmount.toString(), idempotencyKey, createdBy],
      );
      const batch = rows[0];
      // The row locks make a rejection of these entries wait until the batch is committed, and
      // the batch holds exactly the entries read here, whatever is approved meanwhile.
      const { rows: open } = await client.query<{ id: string; partnerId: string; amount: string }>(
        `select r.id, r.partner_id as "partnerId", r.amount::text as amount from reward r
          where r.program_id = $1 and r.kind = 'MONEY' and r.unit = $2 and r.status = 'APPROVED'
            and not exists (select 1 from payout_item i join payout p on p.id = i.payout_id where i.reward_id = r.id and p.status <> 'FAILED')
          order by r.id for update of r`,
        [programId, currency],
      );
      // Summed as bigint here and stored as numeric: a partner's sum has no bound (payout.amount, Migration20261204113000).
      const owed = new Map<string, { amount: bigint; rewardIds: string[] }>();
      for (const row of open) {
        const partner = owed.get(row.partnerId) ?? { amount: 0n, rewardIds: [] };
        partner.amount += BigInt(row.amount);
        partner.rewardIds.push(row.id);
        owed.set(row.partnerId, partner);
      }
      const floor = minimumAmount > 1n ? minimumAmount : 1n;
      const paying = [...owed].filter(([, partner]) => partner.amount >= floor).sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
      if (paying.length === 0) return batch;
      const { rows: created } = await client.query<{ id: string; partnerId: string }>(
        `insert into payout (batch_id, program_id, partner_id, currency, amount, entries)
         select $1, $2, p.partner_id, $3, p.amount, p.entries from json_to_recordset($4::json) as p(partner_id bigint, amount numeric, entries int)
         returning id, partner_id as "partnerId"`,
        [batch.id, programId, currency, JSON.stringify(paying.map(([partnerId, p]) => ({ partner_id: partnerId, amount: p.amount.toString(), entries: p.rewardIds.length })))],
      );
      const payoutIds = created.flatMap((payout) => owed.get(payout.partnerId)!.rewardIds.map(() => payout.id));
      const rewardIds = created.flatMap((payout) => owed.get(payout.partnerId)!.rewardIds);
      await client.query('insert into payout_item (payout_id, reward_id) select * from unnest($1::bigint[], $2::bigint[])', [payoutIds, rewardIds]);
      return batch;
    });
  }

  /** CREATED → PAID: its entries become PAID. Marking a PAID payout again changes nothing. */
  async markPaid(programId: string, settledBy: string, payoutId: string, reference: string | null): Promise<PayoutRow> {
    const issues: InputIssue[] = [];
    if (!checkOptionalText(reference, 'reference', MAX_EXTERNAL_ID_LENGTH, issues)) throw errors.badInput(issues);
    return this.sql.transaction(async (client) => {
      const payout = await this.locked(client, programId, payoutId);
      if (payout.status === 'PAID') return payout;
      if (payout.status === 'FAILED') throw errors.conflict(`payout ${payoutId} has FAILED; its entries go into the next batch`, 'id');
      const now = new Date();
      await client.query(
        `with moved as (
           update reward r set status = 'PAID' from payout_item i where i.payout_id = $1 and r.id = i.reward_id and r.status = 'APPROVED' returning r.id
         )
         insert into reward_status_change (reward_id, from_status, to_status, changed_by, payout_id, changed_at)
         select id, 'APPROVED', 'PAID', $2, $1, $3 from moved`,
        [payoutId, settledBy, now],
      );
      return this.settle(client, payoutId, 'PAID', settledBy, now, { reference });
    });
  }

  /** CREATED → FAILED: its entries stay APPROVED and go into the next batch. Failing a FAILED payout again changes nothing. */
  async fail(programId: string, settledBy: string, payoutId: string, reason: string): Promise<PayoutRow> {
    const issues: InputIssue[] = [];
    if (!checkText(reason, 'reason', MAX_TEXT_LENGTH, issues)) throw errors.badInput(issues);
    return this.sql.transaction(async (client) => {
      const payout = await this.locked(client, programId, payoutId);
      if (payout.status === 'FAILED') return payout;
      if (payout.status === 'PAID') throw errors.conflict(`payout ${payoutId} is PAID and cannot fail`, 'id');
      return this.settle(client, payoutId, 'FAILED', settledBy, new Date(), { failureReason: reason.trim() });
    });
  }

  async batch(programId: string, id: string): Promise<PayoutBatchRow | null> {
    const [row] = await this.sql.query<PayoutBatchRow>(`select ${BATCH_COLUMNS} from payout_batch b where b.program_id = $1 and b.id = $2`, [programId, id]);
    return row ?? null;
  }

  /** Payouts of batches, by batch id, in partner order. */
  async ofBatches(batchIds: readonly string[]): Promise<Map<string, PayoutRow[]>> {
    const rows = await this.sql.query<PayoutRow>(`select ${PAYOUT_COLUMNS} from payout p where p.batch_id = any($1::bigint[]) order by p.batch_id, p.partner_id`, [
      batchIds,
    ]);
    const result = new Map<string, PayoutRow[]>(batchIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.batchId)!.push(row);
    return result;
  }

  /** Newest first, keyset-paginated on id. */
  async list(programId: string, filter: { partnerId?: string | null; status?: string | null }, beforeId: string | null, limit: number): Promise<PayoutRow[]> {
    return this.sql.query<PayoutRow>(
      `select ${PAYOUT_COLUMNS} from payout p
        where p.program_id = $1 and ($2::bigint is null or p.id < $2) and ($3::bigint is null or p.partner_id = $3)
          and ($4::text is null or p.status = $4)
        order by p.id desc limit $5`,
      [programId, beforeId, filter.partnerId ?? null, filter.status ?? null, limit],
    );
  }

  /** The entry ids each payout holds. */
  async items(payoutIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.sql.query<{ payoutId: string; rewardId: string }>(
      'select payout_id as "payoutId", reward_id as "rewardId" from payout_item where payout_id = any($1::bigint[]) order by payout_id, reward_id',
      [payoutIds],
    );
    const result = new Map<string, string[]>(payoutIds.map((id) => [id, []]));
    for (const row of rows) result.get(row.payoutId)!.push(row.rewardId);
    return result;
  }

  /**
   * The batch as CSV for a bank or accounting import: one row per payout, amounts both in
   * minor units and as a decimal. Text cells that a spreadsheet would run as a formula are
   * prefixed with an apostrophe.
   */
  async csv(programId: string, batchId: string): Promise<string> {
    const rows = await this.sql.query<PayoutRow & { externalId: string | null; name: string; email: string | null }>(
      `select ${PAYOUT_COLUMNS}, pa.external_id as "externalId", pa.name, pa.email
         from payout p join partner pa on pa.id = p.partner_id where p.program_id = $1 and p.batch_id = $2 order by p.partner_id`,
      [programId, batchId],
    );
    const header = ['payout_id', 'partner_id', 'partner_external_id', 'partner_name', 'partner_email', 'currency', 'amount_minor', 'amount', 'entries', 'status', 'reference'];
    const lines = rows.map((row) =>
      [
        row.id,
        row.partnerId,
        row.externalId ?? '',
        row.name,
        row.email ?? '',
        row.currency,
        row.amount,
        decimalAmount(BigInt(row.amount), currencyExponent(row.currency)),
        String(row.entries),
        row.status,
        row.reference ?? '',
      ]
        .map(csvCell)
        .join(','),
    );
    return [header.join(','), ...lines].join('\r\n') + '\r\n';
  }

  private async locked(client: SqlClient, programId: string, payoutId: string): Promise<PayoutRow> {
    const { rows } = await client.query<PayoutRow>(`select ${PAYOUT_COLUMNS} from payout p where p.program_id = $1 and p.id = $2 for update`, [programId, payoutId]);
    if (!rows[0]) throw errors.notFound('payout', payoutId);
    return rows[0];
  }

  private async settle(
    client: SqlClient,
    payoutId: string,
    status: PayoutStatus,
    settledBy: string,
    at: Date,
    fields: { reference?: string | null; failureReason?: string },
  ): Promise<PayoutRow> {
    const { rows } = await client.query<PayoutRow>(
      `update payout p set status = $2, settled_by = $3, settled_at = $4, reference = coalesce($5, p.reference), failure_reason = $6
        where p.id = $1 returning ${PAYOUT_COLUMNS}`,
      [payoutId, status, settledBy, at, fields.reference?.trim() ?? null, fields.failureReason ?? null],
    );
    return rows[0];
  }
}

/** 6000 kopecks → "60.00": every minor digit kept, as payment files expect. */
function decimalAmount(amount: bigint, exponent: number): string {
  const digits = amount.toString().padStart(exponent + 1, '0');
  return exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** RFC 4180 quoting, and no cell that a spreadsheet would evaluate. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
