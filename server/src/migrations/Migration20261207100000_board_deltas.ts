import { Migration } from '@mikro-orm/migrations';

/**
 * Board totals move out of the ingestion transaction. Upserting five period rows per metric
 * for every event and reward (28 per sale in the ingestion bench) quadrupled PostgreSQL's
 * work per event, and held row locks on the upline's hot totals until commit. Now the
 * triggers only append one row per partner, local day, metric and unit to `board_delta`, a
 * table without indexes, and `board_fold()` later moves committed deltas into `board_total`
 * in bulk, where one partner's many deltas become one upsert per period.
 *
 * A board is `board_total` plus the deltas not yet folded (`board_values()`), so it is exact
 * the moment the recording transaction commits, whenever the fold runs. The fold deletes the
 * deltas it adds to the totals in one transaction, so a reader sees each delta once: before
 * the fold as a delta, after it inside a total.
 *
 * Rewards also count per campaign: a reward of campaign X is added both to the totals of
 * every campaign (`campaign_id` 0, what boards without a campaign read) and to those of X, so
 * a campaign's board ranks the money and points that campaign paid.
 */
const BUCKETS = `(values ('DAY', d.day), ('WEEK', date_trunc('week', d.day::timestamp)::date), ('MONTH', date_trunc('month', d.day::timestamp)::date),
                  ('QUARTER', date_trunc('quarter', d.day::timestamp)::date), ('ALL', date '1970-01-01')) as g(grain, bucket)`;

export class Migration20261207100000_board_deltas extends Migration {
  override name = 'Migration20261207100000_board_deltas';

  override up(): void | Promise<void> {
    this.addSql(`alter table "board_total" add column "campaign_id" bigint not null default 0;`);
    this.addSql(`alter table "board_total" drop constraint "board_total_pkey", add primary key ("program_id", "metric", "unit", "campaign_id", "grain", "bucket", "partner_id");`);
    // A board's top is a walk down this index, not a sort of all its partners. It makes the
    // fold's updates of values index updates, which the fold, off the ingestion path, can afford.
    this.addSql(`create index "board_total_value_index" on "board_total" ("program_id", "metric", "unit", "campaign_id", "grain", "bucket", "value" desc, "partner_id");`);
    // How many partners each board bucket's totals hold and when one last changed, kept by the
    // fold: finding them per read would visit every row of a 100,000-partner board.
    this.addSql(`create table "board_size" ("program_id" bigint not null, "metric" text collate "C" not null, "unit" text collate "C" not null, "campaign_id" bigint not null, "grain" text collate "C" not null, "bucket" date not null, "partners" int not null, "changed_at" timestamptz not null, primary key ("program_id", "metric", "unit", "campaign_id", "grain", "bucket"));`);
    this.addSql(`insert into "board_size" select program_id, metric, unit, campaign_id, grain, bucket, count(*), max(changed_at) from board_total group by 1, 2, 3, 4, 5, 6;`);
    // Deltas live a fraction of a second; frequent vacuums keep the table, which every board
    // read scans, a few pages long.
    this.addSql(`create table "board_delta" ("program_id" bigint not null, "metric" text collate "C" not null, "unit" text collate "C" not null, "campaign_id" bigint not null default 0, "day" date not null, "partner_id" bigint not null, "value" numeric(38, 0) not null, "created_at" timestamptz not null default now()) with (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000);`);
    this.addSql(`create or replace function "board_total_events"() returns trigger language plpgsql as $$
      begin
        insert into board_delta (program_id, metric, unit, day, partner_id, value)
        select t.program_id, m.metric, m.unit, t.day, t.partner_id, sum(m.value)
          from (select e.program_id, e.partner_id, e.type, e.currency, e.amount, e.first_purchase, (e.occurred_at at time zone p.time_zone)::date as day
                  from inserted e join program p on p.id = e.program_id) t
          cross join lateral (values
            ('NET_SALES', coalesce(t.currency, ''), case t.type when 'SALE' then t.amount when 'REFUND' then -t.amount when 'CHARGEBACK' then -t.amount end),
            ('NEW_CUSTOMERS', '', case when t.first_purchase then 1 end),
            ('EVENTS', t.type, 1)) as m(metric, unit, value)
         where m.value is not null
         group by 1, 2, 3, 4, 5;
        insert into board_delta (program_id, metric, unit, day, partner_id, value)
        select e.program_id, 'RECRUITS', '', (e.occurred_at at time zone p.time_zone)::date, r.sponsor_id, count(*)
          from inserted e join partner r on r.id = e.partner_id join program p on p.id = e.program_id
         where e.type = 'PARTNER_JOINED' and r.sponsor_id is not null
         group by 1, 2, 3, 4, 5;
        perform pg_notify('cofactor_board', program_id::text) from inserted group by program_id;
        return null;
      end $$;`);
    this.addSql(`create or replace function "board_total_rewards"() returns trigger language plpgsql as $$
      begin
        insert into board_delta (program_id, metric, unit, campaign_id, day, partner_id, value)
        select r.program_id, case r.kind when 'MONEY' then 'REWARD_MONEY' else 'POINTS' end, r.unit, c.campaign_id, (r.created_at at time zone p.time_zone)::date, r.partner_id, sum(r.amount)
          from inserted r join program p on p.id = r.program_id
          cross join lateral (values (0), (r.campaign_id)) as c(campaign_id)
         where (r.kind = 'MONEY' or (r.kind = 'POINTS' and (r.amount > 0 or r.corrects_id is not null))) and c.campaign_id is not null
         group by 1, 2, 3, 4, 5, 6;
        perform pg_notify('cofactor_board', program_id::text) from inserted group by program_id;
        return null;
      end $$;`);
    // Folds at most `max_rows` committed deltas; returns how many it folded (fewer: none are left).
    // Callers hold the 'board-fold' advisory lock, so two folds never race for the same totals;
    // the upserts still lock rows partner first, the order every writer of totals keeps.
    this.addSql(`create function "board_fold"(max_rows int) returns int language plpgsql as $$
      declare folded int;
      begin
        with taken as (delete from board_delta where ctid = any(array(select ctid from board_delta limit max_rows)) returning *),
             d as (select program_id, metric, unit, campaign_id, day, partner_id, sum(value) as value, max(created_at) as changed_at from taken group by 1, 2, 3, 4, 5, 6),
             upserted as (
               insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, changed_at)
               select d.program_id, d.metric, d.unit, d.campaign_id, g.grain, g.bucket, d.partner_id, sum(d.value), max(d.changed_at)
                 from d cross join lateral ${BUCKETS}
                group by 1, 2, 3, 4, 5, 6, 7 order by 7, 6, 1, 2, 3, 4, 5
               on conflict (program_id, metric, unit, campaign_id, grain, bucket, partner_id)
               do update set value = board_total.value + excluded.value, changed_at = greatest(board_total.changed_at, excluded.changed_at)
               -- A row no transaction had touched before (xmax 0) is a partner new to its board.
               returning program_id, metric, unit, campaign_id, grain, bucket, changed_at, xmax = 0 as added),
             sized as (
               insert into board_size (program_id, metric, unit, campaign_id, grain, bucket, partners, changed_at)
               select program_id, metric, unit, campaign_id, grain, bucket, count(*) filter (where added), max(changed_at) from upserted
                group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
               on conflict (program_id, metric, unit, campaign_id, grain, bucket)
               do update set partners = board_size.partners + excluded.partners, changed_at = greatest(board_size.changed_at, excluded.changed_at))
        select count(*) into folded from taken;
        return folded;
      end $$;`);
    // One board's values of all partners: its totals of grain `p_grain` with buckets in
    // [p_from, p_to), plus the deltas of days in that range. For boards of a large slice (a kind,
    // a segment, a level), where reading the whole board beats looking up each member.
    this.addSql(`create function "board_values"(p_program bigint, p_metric text, p_unit text, p_campaign bigint, p_grain text, p_from date, p_to date)
      returns table (partner_id bigint, value numeric, changed_at timestamptz) language sql stable as $$
        select partner_id, sum(value), max(changed_at)
          from (select partner_id, value, changed_at from board_total
                 where program_id = p_program and metric = p_metric and unit = p_unit and campaign_id = p_campaign
                   and grain = p_grain and bucket >= p_from and bucket < p_to
                union all
                select partner_id, value, created_at from board_delta
                 where program_id = p_program and metric = p_metric and unit = p_unit and campaign_id = p_campaign
                   and day >= p_from and day < p_to) as v
         group by partner_id
      $$;`);
    // The values of these partners on one board: their totals of grain `p_grain` with buckets in
    // [p_from, p_to) (one bucket for a day, week, month or quarter; the DAY buckets of a
    // campaign's dates), looked up partner by partner, plus their deltas of days in that range.
    // For boards of a small slice of the partners (a region's): reading only theirs beats
    // reading the whole board.
    this.addSql(`create function "board_member_values"(p_program bigint, p_metric text, p_unit text, p_campaign bigint, p_grain text, p_from date, p_to date, p_members bigint[])
      returns table (partner_id bigint, value numeric, changed_at timestamptz) language sql stable as $$
        select coalesce(t.partner_id, d.partner_id), coalesce(t.value, 0) + coalesce(d.value, 0), greatest(t.changed_at, d.changed_at)
          from (select m.id as partner_id, s.value, s.changed_at
                  from unnest(p_members) as m(id)
                  cross join lateral (select sum(value) as value, max(changed_at) as changed_at from board_total
                                       where program_id = p_program and metric = p_metric and unit = p_unit and campaign_id = p_campaign
                                         and grain = p_grain and bucket >= p_from and bucket < p_to and partner_id = m.id) as s
                 where s.value is not null) as t
          full join (select partner_id, sum(value) as value, max(created_at) as changed_at from board_delta
                      where program_id = p_program and metric = p_metric and unit = p_unit and campaign_id = p_campaign
                        and day >= p_from and day < p_to and partner_id = any(p_members)
                      group by partner_id) as d on d.partner_id = t.partner_id
      $$;`);
  }
}
