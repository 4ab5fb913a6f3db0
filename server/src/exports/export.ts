import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Sql, SqlClient } from '../db/sql.js';
import { csvLine, csvText, csvValue } from './csv.js';

/** Rows fetched from the cursor at a time: what the exporter holds in memory, whatever the export's size. */
export const EXPORT_BATCH_ROWS = 5000;

export const EXPORT_KINDS = ['events', 'rewards', 'payouts'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * How a column is written. `text` is what people and senders typed (names, ids they chose,
 * free text): the only cells guarded against formula injection. `value` is what Cofactor
 * formats (ids and amounts as digits, counts, codes of its own); `time` an ISO 8601 UTC time;
 * `json` an object, as JSON text in CSV.
 */
type ColumnKind = 'text' | 'value' | 'time' | 'json';
type Columns = Record<string, ColumnKind>;

interface ExportDefinition {
  /** `from … where …` over the program ($1) and the half-open span [$2, $3) of its time: occurred_at for events, created_at otherwise. */
  from: string;
  /** The primary key: rows go out in its order. */
  key: string;
  /** The select list, each aliased to its column name. */
  select: string;
  columns: Columns;
}

const DEFINITIONS: Record<ExportKind, ExportDefinition> = {
  events: {
    from: `from event e left join customer c on c.id = e.customer_id left join coupon cp on cp.id = e.coupon_id left join event s on s.id = e.refund_of_id
           where e.program_id = $1 and e.occurred_at >= $2 and e.occurred_at < $3`,
    key: 'e.id',
    select: `e.id::text as "id", e.external_id as "externalId", e.type as "type", e.partner_id::text as "partnerId", c.external_id as "customerId",
             cp.code as "couponCode", e.amount::text as "amount", e.currency as "currency", e.occurred_at as "occurredAt", s.external_id as "refundOf",
             e.first_purchase as "firstPurchase", e.attributes as "attributes", e.recorded_at as "recordedAt"`,
    columns: {
      id: 'value', externalId: 'text', type: 'text', partnerId: 'value', customerId: 'text', couponCode: 'text', amount: 'value', currency: 'value',
      occurredAt: 'time', refundOf: 'text', firstPurchase: 'value', attributes: 'json', recordedAt: 'time',
    },
  },
  rewards: {
    from: `from reward r left join event e on e.id = r.event_id where r.program_id = $1 and r.created_at >= $2 and r.created_at < $3`,
    key: 'r.id',
    select: `r.id::text as "id", r.created_at as "createdAt", r.partner_id::text as "partnerId", r.campaign_id::text as "campaignId", r.kind as "kind",
             r.amount::text as "amount", r.unit as "unit", r.status as "status", r.event_id::text as "eventId", e.external_id as "eventExternalId",
             r.corrects_id::text as "correctsId", r.period_key as "periodKey", r.hold_until as "holdUntil", r.explanation_en as "explanation"`,
    columns: {
      id: 'value', createdAt: 'time', partnerId: 'value', campaignId: 'value', kind: 'value', amount: 'value', unit: 'text', status: 'value',
      eventId: 'value', eventExternalId: 'text', correctsId: 'value', periodKey: 'value', holdUntil: 'time', explanation: 'text',
    },
  },
  payouts: {
    from: `from payout p where p.program_id = $1 and p.created_at >= $2 and p.created_at < $3`,
    key: 'p.id',
    select: `p.id::text as "id", p.batch_id::text as "batchId", p.created_at as "createdAt", p.partner_id::text as "partnerId", p.currency as "currency",
             p.amount::text as "amount", p.entries as "entries", p.status as "status", p.reference as "reference", p.failure_reason as "failureReason",
             p.settled_at as "settledAt"`,
    columns: {
      id: 'value', batchId: 'value', createdAt: 'time', partnerId: 'value', currency: 'value', amount: 'value', entries: 'value', status: 'value',
      reference: 'text', failureReason: 'text', settledAt: 'time',
    },
  },
};

export interface ExportRequest {
  programId: string;
  kind: ExportKind;
  format: ExportFormat;
  from: Date;
  to: Date;
}

/**
 * Writes one export to `out`, oldest row (lowest id) first, reading it through a cursor
 * EXPORT_BATCH_ROWS rows at a time in one read-only snapshot, so the count, the rows and
 * memory stay steady while the program keeps recording. Returns the rows written.
 */
export async function writeExport(sql: Sql, request: ExportRequest, out: Writable, onProgress: (done: number, total: number) => void): Promise<number> {
  const definition = DEFINITIONS[request.kind];
  const params = [request.programId, request.from, request.to];
  return sql.transaction(async (client) => {
    await client.query('set transaction isolation level repeatable read, read only');
    const [{ total }] = (await client.query<{ total: number }>(`select count(*)::int as total ${definition.from}`, params)).rows;
    await client.query(`declare export_rows no scroll cursor for select ${definition.select} ${definition.from} order by ${definition.key}`, params);
    if (request.format === 'csv') await write(out, csvLine(Object.keys(definition.columns)));
    let done = 0;
    onProgress(done, total);
    for (let rows = await fetchBatch(client); rows.length; rows = await fetchBatch(client)) {
      await write(out, rows.map((row) => (request.format === 'csv' ? csvRecord(row, definition.columns) : jsonRecord(row, definition.columns))).join(''));
      done += rows.length;
      onProgress(done, total);
    }
    return done;
  });
}

async function fetchBatch(client: SqlClient): Promise<Record<string, unknown>[]> {
  return (await client.query(`fetch forward ${EXPORT_BATCH_ROWS} from export_rows`)).rows;
}

/** Waits while the stream's buffer is full, so a slow disk or pipe holds the cursor back rather than filling memory. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

function csvRecord(row: Record<string, unknown>, columns: Columns): string {
  return csvLine(
    Object.entries(columns).map(([name, kind]) => {
      const value = row[name];
      if (value === null || value === undefined) return '';
      if (kind === 'text') return csvText(String(value));
      if (kind === 'time') return (value as Date).toISOString();
      return csvValue(kind === 'json' ? JSON.stringify(value) : String(value));
    }),
  );
}

/** One JSON object a line; ids and amounts are digit strings, exact at any size, as `simulate --json` writes them. */
function jsonRecord(row: Record<string, unknown>, columns: Columns): string {
  return `${JSON.stringify(Object.fromEntries(Object.keys(columns).map((name) => [name, row[name] ?? null])))}\n`;
}
