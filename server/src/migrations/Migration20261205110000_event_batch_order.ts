import { Migration } from '@mikro-orm/migrations';

/**
 * A recorded batch as it was processed: which events came in one call and in what order the
 * caller sent them. Ids do not say it: a batch inserts its sales and other events first and its
 * refunds after them, each part in external-id order, and concurrent batches take ids in turns.
 * Schemes saw the caller's order (stats up to and including each event, first purchases, budgets
 * taken in turn), so a replay needs it to reproduce the ledger.
 *
 * `batch_id` is the recording transaction's id (one call is one transaction); `batch_position`
 * the event's place in its call. Events recorded before them keep the batches a replay found so
 * far — runs of consecutive ids recorded at one instant — in id order; their batch ids are
 * negative, so none equals a transaction's.
 */
export class Migration20261205110000_event_batch_order extends Migration {
  override name = 'Migration20261205110000_event_batch_order';

  override up(): void | Promise<void> {
    this.addSql(`alter table "event" add column "batch_id" bigint null, add column "batch_position" int not null default 0;`);
    this.addSql(`with marked as (
        select id, program_id, case when lag(date_trunc('milliseconds', recorded_at)) over w = date_trunc('milliseconds', recorded_at) then 0 else 1 end as starts
          from "event" window w as (partition by program_id order by id)),
      runs as (select id, program_id, sum(starts) over (partition by program_id order by id) as run from marked),
      batches as (select id, -(min(id) over (partition by program_id, run)) as batch_id,
                         (row_number() over (partition by program_id, run order by id) - 1)::int as position from runs)
      update "event" e set "batch_id" = b.batch_id, "batch_position" = b.position from batches b where b.id = e.id;`);
    this.addSql(`alter table "event" alter column "batch_id" set default pg_current_xact_id()::text::bigint, alter column "batch_id" set not null;`);
  }
}
