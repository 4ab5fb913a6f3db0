import { PreparedStatement, type Sql, type SqlClient } from '../db/sql.js';
import type { LedgerEntry } from './entry.js';
import { errors } from '../graphql/errors.js';
import { CURRENT_LEVEL, recordLevels } from '../partners/partner-history.js';
import { parsePeriodKey } from '../periods/period.js';

/** A stored entry: the entry as it was appended, with its id, program and time; amount as text, as SQL returns a bigint. */
export interface RewardRow extends Omit<LedgerEntry, 'amount'> {
  id: string;
  programId: string;
  amount: string;
  createdAt: Date;
}

const REWARD_COLUMNS = `r.id, r.program_id as "programId", r.partner_id as "partnerId", r.campaign_id as "campaignId",
  r.scheme_instance_id as "schemeInstanceId", r.event_id as "eventId", r.period_key as "periodKey", r.kind, r.amount::text as amount, r.unit, r.status,
  r.idempotency_key as "idempotencyKey", r.explanation_en as "explanationEn", r.explanation_ru as "explanationRu",
  r.details, r.hold_until as "holdUntil", r.corrects_id as "correctsId", r.reversal, r.created_at as "createdAt"`;

/**
 * What partners are owed and hold (`summaries`): read by every cabinet. `$3` (a currency or
 * null) only filters; the partners' ids pick the index.
 */
const LEDGER_SUMMARIES = new PreparedStatement(
  'ledger-summaries',
  `with held as (
     select i.reward_id from payout p join payout_item i on i.payout_id = p.id
      where p.partner_id = any($2::bigint[]) and p.program_id = $1 and p.status = 'CREATED')
   select r.partner_id::text as "partnerId", r.kind, r.unit as currency,
          coalesce(sum(amount) filter (where status = 'PENDING'), 0)::text as pending,
          coalesce(sum(amount) filter (where status = 'APPROVED'), 0)::text as approved,
          coalesce(sum(amount) filter (where status = 'APPROVED' and r.id in (select reward_id from held)), 0)::text as "inPayout",
          coalesce(sum(amount) filter (where status = 'PAID'), 0)::text as paid,
          coalesce(-sum(amount) filter (where corrects_id is not null and status <> 'REJECTED'), 0)::text as reversed,
          coalesce(sum(amount) filter (where status = 'REJECTED' and corrects_id is null), 0)::text as rejected,
          coalesce(sum(amount) filter (where status = 'CAPPED'), 0)::text as capped,
          -- for POINTS: what SPENDABLE_POINTS counts
          coalesce(sum(amount) filter (where status not in ('REJECTED', 'CAPPED')), 0)::text as spendable
     from reward r
    where r.program_id = $1 and r.partner_id = any($2::bigint[])
      and (r.kind = 'MONEY' and ($3::text is null or r.unit = $3) or r.kind = 'POINTS' and $3::text is null)
    group by r.partner_id, r.kind, r.unit order by r.partner_id, r.kind, r.unit`,
);

/** Entries that count towards a points balance: everything granted (compensating entries included), not rejected or capped. */
export const SPENDABLE_POINTS = `kind = 'POINTS' and status not in ('REJECTED', 'CAPPED')`;

export interface RewardFilter {
  partnerId?: string | null;
  campaignId?: string | null;
  status?: string | null;
  kind?: string | null;
  unit?: string | null;
}

/** Every figure 0: a currency the partner has no money rewards in. */
const ZERO_STATEMENT: StatementFigures = { pending: 0n, approved: 0n, inPayout: 0n, available: 0n, paid: 0n, reversed: 0n, rejected: 0n, capped: 0n };

export type PartnerStatement = StatementFigures & { partnerId: string; currency: string };

/** What a partner is owed in one currency, each figure a sum of entries (ledger/README.md, rule 11). */
export interface StatementFigures {
  /** Held for the campaign's hold days (net of refunds of those rewards). */
  pending: bigint;
  /** Approved and not yet paid, including what is in a payout on its way. */
  approved: bigint;
  /** Approved entries held by payouts that are not yet paid. */
  inPayout: bigint;
  /** What the next payout batch would pay: approved minus in payout. Negative when refunds of paid rewards exceed new approvals; it carries over. */
  available: bigint;
  paid: bigint;
  /** Taken back by refunds and chargebacks (a positive figure). */
  reversed: bigint;
  rejected: bigint;
  /** Not granted because a budget or a cap was reached. */
  capped: bigint;
}

/**
 * The most one entry holds either way: the amount column's bigint. Inputs are bounded far
 * below it (event amounts by COFACTOR_MAX_AMOUNT, scheme money args by MAX_MONEY_SETTING,
 * shipped rates by 100 %), but a scheme may still multiply, e.g. a bonus on a period's volume.
 */
export const MAX_ENTRY_AMOUNT = 2n ** 63n - 1n;

/** Refuses a batch holding an entry the ledger cannot store, with a CONFLICT that names it, instead of PostgreSQL's overflow. */
export function checkEntryAmounts(entries: readonly LedgerEntry[]): void {
  const outside = entries.find((entry) => entry.amount > MAX_ENTRY_AMOUNT || entry.amount < -MAX_ENTRY_AMOUNT);
  if (outside) {
    throw errors.conflict(
      `reward ${outside.idempotencyKey} would be ${outside.amount} ${outside.unit}, more than one ledger entry holds (±${MAX_ENTRY_AMOUNT}); nothing was recorded`,
    );
  }
}

/**
 * The first entry of each idempotency key, in the order given. One batch can propose the same
 * reward twice (two events that both pass a goal); the ledger keeps the first proposal, so
 * everything that looks at entries before they are written (limits, the rows published after
 * commit) must see that one and only it.
 */
export function firstPerKey(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    if (seen.has(entry.idempotencyKey)) return false;
    seen.add(entry.idempotencyKey);
    return true;
  });
}

/**
 * The only writer of the reward ledger. Entries are inserted, never updated in amount or
 * deleted (a database trigger refuses both). Each entry's idempotency key is unique per
 * program, so inserting the same entry twice — a resent batch, a retried request, two
 * nodes racing — leaves exactly one row.
 */
export class LedgerService {
  constructor(private readonly sql: Sql) {}

  /**
   * Bulk-inserts entries in one statement; returns only the rows that were new. Entries go
   * in idempotency-key order, so two batches racing on the same keys wait for each other in
   * the same order instead of deadlocking.
   */
  async append(client: SqlClient, programId: string, unsorted: LedgerEntry[], createdAt: Date): Promise<RewardRow[]> {
    if (unsorted.length === 0) return [];
    const entries = firstPerKey(unsorted).sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
    checkEntryAmounts(entries);
    // Only the new ids come back; the rest of each row is already in hand.
    const { rows } = await client.query<{ id: string; idempotencyKey: string }>(
      `insert into reward as r (program_id, partner_id, campaign_id, scheme_instance_id, event_id, period_key, status, kind, amount, unit,
                                idempotency_key, explanation_en, explanation_ru, details, hold_until, corrects_id, reversal, created_at)
       select $1, (e->>0)::bigint, (e->>1)::bigint, (e->>2)::bigint, (e->>3)::bigint, e->>4, e->>5, e->>6, (e->>7)::bigint, e->>8, e->>9, e->>10, e->>11,
              e->12, (e->>13)::timestamptz, (e->>14)::bigint, e->>15, $3
         from jsonb_array_elements($2::jsonb) as e
       on conflict (program_id, idempotency_key) do nothing
       returning r.id, r.idempotency_key as "idempotencyKey"`,
      [programId, toRowsJson(entries), createdAt],
    );
    const byKey = new Map(entries.map((entry) => [entry.idempotencyKey, entry]));
    const appended = rows.map(({ id, idempotencyKey }) => toRewardRow(id, programId, byKey.get(idempotencyKey)!, createdAt));
    await changeLevels(client, programId, appended);
    return appended;
  }

  /** Entries by id, in id order; inside the caller's transaction, or on their own when `client` is null. */
  async byIds(client: SqlClient | null, programId: string, ids: string[]): Promise<RewardRow[]> {
    const text = `select ${REWARD_COLUMNS} from reward r where r.program_id = $1 and r.id = any($2::bigint[]) order by r.id`;
    return client ? (await client.query<RewardRow>(text, [programId, ids])).rows : this.sql.query<RewardRow>(text, [programId, ids]);
  }

  /** Newest first, keyset-paginated on id. */
  async list(programId: string, filter: RewardFilter, beforeId: string | null, limit: number): Promise<RewardRow[]> {
    return this.sql.query<RewardRow>(
      `select ${REWARD_COLUMNS} from reward r
        where r.program_id = $1 and ($2::bigint is null or r.id < $2)
          and ($3::bigint is null or r.partner_id = $3) and ($4::bigint is null or r.campaign_id = $4)
          and ($5::text is null or r.status = $5) and ($6::text is null or r.kind = $6) and ($8::text is null or r.unit = $8)
        order by r.id desc limit $7`,
      [programId, beforeId, filter.partnerId ?? null, filter.campaignId ?? null, filter.status ?? null, filter.kind ?? null, limit, filter.unit ?? null],
    );
  }

  /** A partner's statement in one currency; all zero before its first money reward in it. */
  async statement(programId: string, partnerId: string, currency: string): Promise<StatementFigures> {
    const [found] = await this.statements(programId, [partnerId], currency);
    if (!found) return { ...ZERO_STATEMENT };
    const { partnerId: _partner, currency: _currency, ...figures } = found;
    return figures;
  }

  /** The statements of partners, one per partner and currency it has money rewards in (in `currency` only, when given), in partner and currency order. */
  async statements(programId: string, partnerIds: readonly string[], currency: string | null = null): Promise<PartnerStatement[]> {
    return (await this.summaries(programId, partnerIds, currency)).statements;
  }

  /**
   * What partners are owed and hold, in one pass over their entries however many partners:
   * their statements (in `currency` only, when given) and, without a currency, their spendable
   * points. What the unpaid payouts hold is found once, from those partners' CREATED payouts,
   * instead of a look-up per approved entry.
   */
  async summaries(programId: string, partnerIds: readonly string[], currency: string | null = null): Promise<{ statements: PartnerStatement[]; points: Map<string, bigint> }> {
    const rows = await this.sql.query<Record<keyof Omit<StatementFigures, 'available'> | 'partnerId' | 'kind' | 'currency' | 'spendable', string>>(LEDGER_SUMMARIES, [
      programId,
      partnerIds,
      currency,
    ]);
    const statements: PartnerStatement[] = [];
    const points = new Map<string, bigint>();
    for (const { partnerId, kind, currency: unit, spendable, ...sums } of rows) {
      if (kind === 'POINTS') {
        points.set(partnerId, (points.get(partnerId) ?? 0n) + BigInt(spendable));
        continue;
      }
      const figures = Object.fromEntries(Object.entries(sums).map(([key, value]) => [key, BigInt(value)])) as Omit<StatementFigures, 'available'>;
      statements.push({ ...figures, available: figures.approved - figures.inPayout, partnerId, currency: unit });
    }
    return { statements, points };
  }
}

/**
 * One JSON document for the whole batch, each entry an array in the insert's column order. Per
 * batch of 4,000 entries, measured against the alternatives: objects with column names
 * (json_to_recordset) are a third larger, slower to build here, and parsed slower there than
 * jsonb arrays; an array per column (unnest) is slower still to build, as pg escapes each element.
 * A batch's entries share a few hold dates, each written once as text: JSON.stringify calling
 * every Date's toJSON took half the time of the whole document.
 */
function toRowsJson(entries: LedgerEntry[]): string {
  const texts = new Map<Date, string>();
  const text = (date: Date): string => {
    let iso = texts.get(date);
    if (iso === undefined) texts.set(date, (iso = date.toISOString()));
    return iso;
  };
  return JSON.stringify(
    entries.map((entry) => [
      entry.partnerId,
      entry.campaignId,
      entry.schemeInstanceId,
      entry.eventId,
      entry.periodKey,
      entry.status,
      entry.kind,
      entry.amount.toString(),
      entry.unit,
      entry.idempotencyKey,
      entry.explanationEn,
      entry.explanationRu,
      entry.details,
      text(entry.holdUntil),
      entry.correctsId,
      entry.reversal,
    ]),
  );
}

function toRewardRow(id: string, programId: string, entry: LedgerEntry, createdAt: Date): RewardRow {
  return {
    id,
    programId,
    partnerId: entry.partnerId,
    campaignId: entry.campaignId,
    schemeInstanceId: entry.schemeInstanceId,
    eventId: entry.eventId,
    periodKey: entry.periodKey,
    kind: entry.kind,
    amount: entry.amount.toString(),
    unit: entry.unit,
    status: entry.status,
    idempotencyKey: entry.idempotencyKey,
    explanationEn: entry.explanationEn,
    explanationRu: entry.explanationRu,
    details: entry.details,
    holdUntil: entry.holdUntil,
    correctsId: entry.correctsId,
    reversal: entry.reversal,
    createdAt,
  };
}

/**
 * A LEVEL entry records a level change; appending it is what changes the partner's level. The
 * change enters the partner's history valid from the end of the period the entry closes (a level
 * earned in March holds from April on; from now if the period was closed before its end), or from
 * now for an event's entry; the partner's level is then its latest in that history (see CURRENT_LEVEL).
 */
async function changeLevels(client: SqlClient, programId: string, appended: RewardRow[]): Promise<void> {
  const changes = appended.filter((reward) => reward.kind === 'LEVEL');
  if (changes.length === 0) return;
  const timeZone = changes.some((reward) => reward.periodKey)
    ? (await client.query<{ timeZone: string }>('select time_zone as "timeZone" from program where id = $1', [programId])).rows[0].timeZone
    : 'UTC';
  await recordLevels(
    client,
    changes.map((reward) => ({
      partnerId: reward.partnerId,
      level: Number(reward.amount),
      validFrom: reward.periodKey ? (parsePeriodKey(reward.periodKey, timeZone)?.endsAt ?? null) : null,
    })),
  );
  await client.query(
    `update partner set level = ${CURRENT_LEVEL}, updated_at = now() where partner.program_id = $1 and partner.id = any($2::bigint[])`,
    [programId, [...new Set(changes.map((reward) => reward.partnerId))]],
  );
}
