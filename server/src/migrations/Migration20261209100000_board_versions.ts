import { Migration } from '@mikro-orm/migrations';

/**
 * Boards are ranked in each server process's memory, from a copy of each board bucket's totals
 * that the process keeps up to date by versions instead of reading every total per request.
 *
 * Each fold takes the next number of the `board_version` sequence, stamps the totals it writes
 * with it and sets it as the version of every bucket it changed. Folds run one at a time (the
 * 'board-fold' lock), so a bucket's version only grows, and a process holding the bucket at
 * version V reads only the totals stamped above V to reach the current one. A rebuild, which
 * may also remove totals, sets a new version as `reset_version` too: a copy older than that is
 * read again whole. `board_size` rows are never deleted, so the sum of a range of buckets'
 * versions (a campaign's days) changes whenever any of them does.
 *
 * The value index goes: nothing walks the totals in value order any more, and without it the
 * fold's updates touch one index fewer.
 */
const BUCKETS = `(values ('DAY', d.day), ('WEEK', date_trunc('week', d.day::timestamp)::date), ('MONTH', date_trunc('month', d.day::timestamp)::date),
                  ('QUARTER', date_trunc('quarter', d.day::timestamp)::date), ('ALL', date '1970-01-01')) as g(grain, bucket)`;

export class Migration20261209100000_board_versions extends Migration {
  override name = 'Migration20261209100000_board_versions';

  override up(): void | Promise<void> {
    this.addSql(`alter table "board_size" add column "version" bigint not null default 1, add column "reset_version" bigint not null default 1;`);
    this.addSql(`alter table "board_total" add column "version" bigint not null default 0;`);
    this.addSql(`drop index "board_total_value_index";`);
    this.addSql(`create index "board_total_version_index" on "board_total" ("program_id", "metric", "unit", "campaign_id", "grain", "bucket", "version");`);
    this.addSql(`drop function "board_values"(bigint, text, text, bigint, text, date, date);`);
    this.addSql(`drop function "board_member_values"(bigint, text, text, bigint, text, date, date, bigint[]);`);
    // A region's board reads its members' ids: from the index alone, not from a heap page per
    // member (a region's partners are spread over the whole table).
    this.addSql(`create index "partner_region_id_id_index" on "partner" ("region_id", "id");`);
    this.addSql(`drop index "partner_region_id_index";`);
    // Which partners a slice holds (a region with its sub-regions, a kind, a campaign's targets)
    // changes only when partners, regions or campaigns do: a statement that changes them raises
    // this one version, so a process keeps each slice's members until it moves. A statement,
    // not a row: a bulk insert of partners raises it once.
    this.addSql(`create table "board_membership" ("id" int primary key check ("id" = 1), "version" bigint not null);`);
    this.addSql(`insert into "board_membership" values (1, 1);`);
    this.addSql(`create function "board_membership_changed"() returns trigger language plpgsql as $$
      begin
        update board_membership set version = version + 1;
        return null;
      end $$;`);
    this.addSql(`create trigger "partner_board_membership" after insert or delete or update of program_id, region_id, kind, segment, level on "partner" for each statement execute function "board_membership_changed"();`);
    this.addSql(`create trigger "region_board_membership" after insert or delete or update of program_id, code, parent_id on "region" for each statement execute function "board_membership_changed"();`);
    this.addSql(`create trigger "campaign_board_membership" after insert or delete or update of program_id, targeting on "campaign" for each statement execute function "board_membership_changed"();`);
    this.addSql(`create sequence "board_version" start with 2;`);
    // As before, plus the fold's version on the totals and buckets it writes.
    this.addSql(`create or replace function "board_fold"(max_rows int) returns int language plpgsql as $$
      declare
        folded int;
        fold_version bigint := nextval('board_version');
      begin
        with taken as (delete from board_delta where ctid = any(array(select ctid from board_delta limit max_rows)) returning *),
             d as (select program_id, metric, unit, campaign_id, day, partner_id, sum(value) as value, max(created_at) as changed_at from taken group by 1, 2, 3, 4, 5, 6),
             upserted as (
               insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, changed_at, version)
               select d.program_id, d.metric, d.unit, d.campaign_id, g.grain, g.bucket, d.partner_id, sum(d.value), max(d.changed_at), fold_version
                 from d cross join lateral ${BUCKETS}
                group by 1, 2, 3, 4, 5, 6, 7 order by 7, 6, 1, 2, 3, 4, 5
               on conflict (program_id, metric, unit, campaign_id, grain, bucket, partner_id)
               do update set value = board_total.value + excluded.value, changed_at = greatest(board_total.changed_at, excluded.changed_at), version = excluded.version
               -- A row no transaction had touched before (xmax 0) is a partner new to its board.
               returning program_id, metric, unit, campaign_id, grain, bucket, changed_at, xmax = 0 as added),
             sized as (
               insert into board_size (program_id, metric, unit, campaign_id, grain, bucket, partners, changed_at, version, reset_version)
               select program_id, metric, unit, campaign_id, grain, bucket, count(*) filter (where added), max(changed_at), fold_version, 0 from upserted
                group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
               on conflict (program_id, metric, unit, campaign_id, grain, bucket)
               do update set partners = board_size.partners + excluded.partners, changed_at = greatest(board_size.changed_at, excluded.changed_at), version = excluded.version)
        select count(*) into folded from taken;
        return folded;
      end $$;`);
  }
}
