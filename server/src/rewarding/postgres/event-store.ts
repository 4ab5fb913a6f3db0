import type { SqlClient } from '../../db/sql.js';
import { SNAPSHOT_COLUMNS, type SnapshotRow } from '../../partners/partner-snapshot.js';
import type { EventContent } from '../resends.js';
import type { AttributionRow, CustomerRow, EventStore, FirstPurchaseClaim, NewEvent, StoredSale } from '../store.js';

/** Events, customers and attribution in PostgreSQL, inside one transaction. */
export class PostgresEventStore implements EventStore {
  constructor(private readonly client: SqlClient) {}

  async attributionRows(programId: string, named: { ids: string[]; codes: string[]; coupons: string[] }): Promise<AttributionRow[]> {
    const { rows } = await this.client.query<AttributionRow>(
      `select ${SNAPSHOT_COLUMNS}, null::bigint as "couponId", null::text as "couponCode"
         from partner p where p.program_id = $1 and (p.id = any($2::bigint[]) or p.referral_code = any($3::text[]))
       union all
       select ${SNAPSHOT_COLUMNS}, c.id, c.code
         from coupon c join partner p on p.id = c.partner_id where c.program_id = $1 and c.code = any($4::text[])`,
      [programId, named.ids, named.codes, named.coupons],
    );
    return rows;
  }

  async partners(programId: string, ids: string[]): Promise<SnapshotRow[]> {
    const { rows } = await this.client.query<SnapshotRow>(`select ${SNAPSHOT_COLUMNS} from partner p where p.program_id = $1 and p.id = any($2::bigint[])`, [
      programId,
      ids,
    ]);
    return rows;
  }

  async lockSales(programId: string, externalIds: string[]): Promise<StoredSale[]> {
    const { rows } = await this.client.query<StoredSale>(
      `select id, external_id as "externalId", type, partner_id as "partnerId", amount::text as amount, currency
         from event where program_id = $1 and external_id = any($2::text[]) order by id for update`,
      [programId, externalIds],
    );
    return rows;
  }

  async refundedSums(programId: string, saleIds: string[]): Promise<Map<string, bigint>> {
    const { rows } = await this.client.query<{ externalId: string; refunded: string }>(
      `select s.external_id as "externalId", sum(r.amount)::text as refunded
         from event r join event s on s.id = r.refund_of_id
        where r.program_id = $1 and r.refund_of_id = any($2::bigint[]) group by s.external_id`,
      [programId, saleIds],
    );
    return new Map(rows.map((row) => [row.externalId, BigInt(row.refunded)]));
  }

  async storedExternalIds(programId: string, externalIds: string[]): Promise<Set<string>> {
    const { rows } = await this.client.query<{ externalId: string }>(
      'select external_id as "externalId" from event where program_id = $1 and external_id = any($2::text[])',
      [programId, externalIds],
    );
    return new Set(rows.map((row) => row.externalId));
  }

  async ensureCustomers(programId: string, externalIds: string[]): Promise<CustomerRow[]> {
    await this.client.query(
      `insert into customer (program_id, external_id) select $1, unnest($2::text[]) on conflict (program_id, external_id) do nothing`,
      [programId, externalIds],
    );
    const { rows } = await this.client.query<CustomerRow>(
      `select id, external_id as "externalId", first_purchase_at is not null as purchased
         from customer where program_id = $1 and external_id = any($2::text[])`,
      [programId, externalIds],
    );
    return rows;
  }

  async claimFirstPurchases(claims: FirstPurchaseClaim[]): Promise<string[]> {
    const ids = claims.map((claim) => claim.customerId);
    const { rows } = await this.client.query<{ id: string }>(
      `with locked as (
         select id from customer where id = any($1::bigint[]) and first_purchase_at is null order by id for update
       )
       update customer c set first_purchase_at = v.at, first_partner_id = v.partner_id
         from locked join unnest($1::bigint[], $2::timestamptz[], $3::bigint[]) as v(id, at, partner_id) on v.id = locked.id
        where c.id = locked.id
       returning c.id`,
      [ids, claims.map((claim) => claim.at), claims.map((claim) => claim.partnerId)],
    );
    return rows.map((row) => row.id);
  }

  async insertEvents(programId: string, events: NewEvent[]): Promise<Map<string, string>> {
    if (events.length === 0) return new Map();
    // One JSON document, each event an array in the insert's column order (the ledger's rows travel the same way; see toRowsJson there).
    const rowsJson = JSON.stringify(
      events.map((event) => [
        event.externalId,
        event.type,
        event.partnerId,
        event.customerId,
        event.couponId,
        event.amount?.toString() ?? null,
        event.currency,
        event.firstPurchase,
        event.occurredAt,
        event.attributes,
        event.refundOfId,
        event.batchPosition,
      ]),
    );
    const { rows } = await this.client.query<{ id: string; externalId: string }>(
      `insert into event (program_id, external_id, type, partner_id, customer_id, coupon_id, amount, currency, first_purchase, occurred_at, attributes, refund_of_id, batch_position)
       select $1, e->>0, e->>1, (e->>2)::bigint, (e->>3)::bigint, (e->>4)::bigint, (e->>5)::bigint, e->>6, (e->>7)::boolean, (e->>8)::timestamptz, e->9,
              (e->>10)::bigint, (e->>11)::int
         from jsonb_array_elements($2::jsonb) as e
       on conflict (program_id, external_id) do nothing
       returning id, external_id as "externalId"`,
      [programId, rowsJson],
    );
    return new Map(rows.map((row) => [row.externalId, row.id]));
  }

  async recordedContents(programId: string, externalIds: string[]): Promise<Map<string, EventContent>> {
    if (externalIds.length === 0) return new Map();
    const { rows } = await this.client.query<EventContent & { externalId: string }>(
      `select e.external_id as "externalId", e.type, e.partner_id::text as "partnerId", c.code as "couponCode", cu.external_id as "customerId",
              e.amount::text as amount, e.currency, e.occurred_at as "occurredAt", s.external_id as "refundOf", e.attributes
         from event e
         left join coupon c on c.id = e.coupon_id
         left join customer cu on cu.id = e.customer_id
         left join event s on s.id = e.refund_of_id
        where e.program_id = $1 and e.external_id = any($2::text[])`,
      [programId, externalIds],
    );
    return new Map(rows.map(({ externalId, ...content }) => [externalId, content]));
  }
}
