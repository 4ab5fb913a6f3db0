import { Migration } from '@mikro-orm/migrations';

/**
 * Boards are ranked in each server process's memory, from a copy of each board bucket's totals
 * that the process keeps up to date by versions instead of reading every total per request.
 *
 * Each fold that changes a bucket raises its `board_size.version` by one and stamps the totals
 * it wrote with that version, so a process holding the bucket at version V reads only the
 * totals stamped above V to reach the current one. A rebuild, which may also remove totals,
 * raises the version and sets `reset_version` to it: a copy older than that is read again whole.
 * Versions never go down and `board_size` rows are never deleted, so the sum of a range of
 * buckets' versions (a campaign's days) changes whenever any of them does.
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
    // As before, plus versions. Only a fold (under the 'board-fold' lock) and a rebuild (which
    // takes it too) write totals, so whether a partner is new to a bucket (`added`) is known
    // before the upsert, and the bucket's size and version are raised before its totals are stamped.
    this.addSql(`create or replace function "board_fold"(max_rows int) returns int language plpgsql as $$
      declare folded int;
      begin
        with taken as (delete from board_delta where ctid = any(array(select ctid from board_delta limit max_rows)) returning *),
             d as (select program_id, metric, unit, campaign_id, day, partner_id, sum(value) as value, max(created_at) as changed_at from taken group by 1, 2, 3, 4, 5, 6),
             r as (select d.program_id, d.metric, d.unit, d.campaign_id, g.grain, g.bucket, d.partner_id, sum(d.value) as value, max(d.changed_at) as changed_at
                     from d cross join lateral ${BUCKETS} group by 1, 2, 3, 4, 5, 6, 7),
             ra as (select r.*, t.partner_id is null as added from r left join board_total t using (program_id, metric, unit, campaign_id, grain, bucket, partner_id)),
             sized as (
               insert into board_size (program_id, metric, unit, campaign_id, grain, bucket, partners, changed_at, version, reset_version)
               select program_id, metric, unit, campaign_id, grain, bucket, count(*) filter (where added), max(changed_at), 1, 0 from ra
                group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
               on conflict (program_id, metric, unit, campaign_id, grain, bucket)
               do update set partners = board_size.partners + excluded.partners, changed_at = greatest(board_size.changed_at, excluded.changed_at), version = board_size.version + 1
               returning program_id, metric, unit, campaign_id, grain, bucket, version),
             upserted as (
               insert into board_total (program_id, metric, unit, campaign_id, grain, bucket, partner_id, value, changed_at, version)
               select ra.program_id, ra.metric, ra.unit, ra.campaign_id, ra.grain, ra.bucket, ra.partner_id, ra.value, ra.changed_at, s.version
                 from ra join sized s using (program_id, metric, unit, campaign_id, grain, bucket)
                order by 7, 6, 1, 2, 3, 4, 5
               on conflict (program_id, metric, unit, campaign_id, grain, bucket, partner_id)
               do update set value = board_total.value + excluded.value, changed_at = greatest(board_total.changed_at, excluded.changed_at), version = excluded.version)
        select count(*) into folded from taken;
        return folded;
      end $$;`);
  }
}
