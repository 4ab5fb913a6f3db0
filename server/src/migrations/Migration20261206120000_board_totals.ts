import { Migration } from '@mikro-orm/migrations';

/**
 * Leaderboards are read from totals per partner, metric, unit and period bucket, kept by
 * statement-level triggers on "event" and "reward" in the statement that writes the rows, so a
 * board is never a scan of events or rewards and the rewarding code knows nothing of boards.
 *
 * A row's `grain` is DAY, WEEK, MONTH, QUARTER (its `bucket` is the first local day of the
 * period, in the program's time zone) or ALL (bucket 1970-01-01). Metrics and units:
 * - NET_SALES in a currency: SALE amounts less REFUND and CHARGEBACK amounts (as `netSales`);
 * - NEW_CUSTOMERS (first purchases), RECRUITS (partners a sponsor brought; counted on
 *   the sponsor from the recruit's PARTNER_JOINED), unit '';
 * - EVENTS with the event type as unit: the count of any event type (SALE, LEAD, EVENT_HOSTED, ...);
 * - REWARD_MONEY in a currency: money entries as written, corrections (negative) included;
 * - POINTS: points earned (positive entries and their corrections; spending is not earning).
 * Each statement also notifies `cofactor_board` with the program's id: delivered at commit,
 * once per program per transaction, so live boards are read again after the data is visible.
 */
const BUCKETS = `(values ('DAY', date_trunc('day', t.local)::date), ('WEEK', date_trunc('week', t.local)::date),
                  ('MONTH', date_trunc('month', t.local)::date), ('QUARTER', date_trunc('quarter', t.local)::date),
                  ('ALL', date '1970-01-01')) as g(grain, bucket)`;

/*
 * Each upsert writes its rows in one order, partner first: two transactions touching the same
 * totals lock them in the same order and so never deadlock, and comparing the partner id
 * first settles most comparisons at once (sorting by the text columns first took four times
 * as long for a batch's 12,500 rows).
 */
const UPSERT = `on conflict (program_id, metric, unit, grain, bucket, partner_id)
        do update set value = board_total.value + excluded.value, changed_at = excluded.changed_at`;

export class Migration20261206120000_board_totals extends Migration {
  override name = 'Migration20261206120000_board_totals';

  override up(): void | Promise<void> {
    this.addSql(`create table "board_total" ("program_id" bigint not null, "metric" text collate "C" not null, "unit" text collate "C" not null, "grain" text collate "C" not null, "bucket" date not null, "partner_id" bigint not null, "value" numeric(38, 0) not null, "changed_at" timestamptz not null default now(), primary key ("program_id", "metric", "unit", "grain", "bucket", "partner_id")) with (fillfactor = 50);`);
    // A board reads its period's rows by the primary key: ranking needs them all (the count,
    // ranks of tied values), and a few thousand rows sort in a millisecond. No index holds the
    // value, so the trigger's updates are heap-only and leave the index as it is; the half-empty
    // pages leave room for those new row versions next to the old ones. The key's words compare
    // byte by byte (collation C), which made the trigger's upserts measurably cheaper.
    // A value is numeric, as the ledger's sums are: a partner's sales at the largest amount an
    // event may carry add up past bigint, and an overflow here would refuse the events.
    // What partners see of each other on boards (admins see everything): names in full, short
    // ("Ivan P.") or only the alias each partner chose (none: no name), and values or ranks only.
    this.addSql(`alter table "program" add column "board_names" text not null default 'ALIAS', add column "board_values" boolean not null default true;`);
    this.addSql(`alter table "program" add constraint "program_board_names_check" check ("board_names" in ('FULL', 'SHORT', 'ALIAS'));`);
    this.addSql(`alter table "partner" add column "board_alias" text null;`);
    // A published board: a link that reads that one board and nothing else, for a screen in a
    // shop; its secret is kept only as a hash, as an API key's, and a revoked link reads nothing.
    this.addSql(`create table "board_link" ("id" bigserial primary key, "program_id" bigint not null, "name" text not null, "input" jsonb not null, "prefix" text not null, "secret_hash" text not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null);`);
    this.addSql(`alter table "board_link" add constraint "board_link_prefix_unique" unique ("prefix"), add constraint "board_link_program_fk" foreign key ("program_id") references "program" ("id");`);
    this.addSql(`create function "board_total_events"() returns trigger language plpgsql as $$
      begin
        insert into board_total (program_id, metric, unit, grain, bucket, partner_id, value, changed_at)
        select t.program_id, m.metric, m.unit, g.grain, g.bucket, t.partner_id, sum(m.value), now()
          from (select e.*, e.occurred_at at time zone p.time_zone as local from inserted e join program p on p.id = e.program_id) t
          cross join lateral (values
            ('NET_SALES', coalesce(t.currency, ''), case t.type when 'SALE' then t.amount when 'REFUND' then -t.amount when 'CHARGEBACK' then -t.amount end),
            ('NEW_CUSTOMERS', '', case when t.first_purchase then 1 end),
            ('EVENTS', t.type, 1)) as m(metric, unit, value)
          cross join lateral ${BUCKETS}
         where m.value is not null
         group by 1, 2, 3, 4, 5, 6 order by 6, 5, 1, 2, 3, 4
        ${UPSERT};
        insert into board_total (program_id, metric, unit, grain, bucket, partner_id, value, changed_at)
        select t.program_id, 'RECRUITS', '', g.grain, g.bucket, t.sponsor_id, count(*), now()
          from (select e.program_id, r.sponsor_id, e.occurred_at at time zone p.time_zone as local
                  from inserted e join partner r on r.id = e.partner_id join program p on p.id = e.program_id
                 where e.type = 'PARTNER_JOINED' and r.sponsor_id is not null) t
          cross join lateral ${BUCKETS}
         group by 1, 2, 3, 4, 5, 6 order by 6, 5, 1, 2, 3, 4
        ${UPSERT};
        perform pg_notify('cofactor_board', program_id::text) from inserted group by program_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "event_board_totals" after insert on "event" referencing new table as inserted for each statement execute function "board_total_events"();`);
    this.addSql(`create function "board_total_rewards"() returns trigger language plpgsql as $$
      begin
        insert into board_total (program_id, metric, unit, grain, bucket, partner_id, value, changed_at)
        select t.program_id, case t.kind when 'MONEY' then 'REWARD_MONEY' else 'POINTS' end, t.unit, g.grain, g.bucket, t.partner_id, sum(t.amount), now()
          from (select r.*, r.created_at at time zone p.time_zone as local from inserted r join program p on p.id = r.program_id
                 where r.kind = 'MONEY' or (r.kind = 'POINTS' and (r.amount > 0 or r.corrects_id is not null))) t
          cross join lateral ${BUCKETS}
         group by 1, 2, 3, 4, 5, 6 order by 6, 5, 1, 2, 3, 4
        ${UPSERT};
        perform pg_notify('cofactor_board', program_id::text) from inserted group by program_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_board_totals" after insert on "reward" referencing new table as inserted for each statement execute function "board_total_rewards"();`);
  }
}
