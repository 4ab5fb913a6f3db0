/**
 * The statements a board is read with. A board is ranked in memory (`ranked-board.ts`) from the
 * totals of its range, which each process keeps a copy of by versions (`board-cache.ts`), and
 * the deltas not yet folded into them, read per request: one state statement serves every
 * board of a range (each region's, kind's or campaign's board narrows it to its members).
 *
 * Parameters of `BOARD_STATE_SQL`: $1 program, $2 totals metric, $3 unit (null: the program's
 * currency), $4 period, $5 a day inside it, $6 the campaign whose dates the period CAMPAIGN is
 * (or null), $7 the campaign the totals are read for (0: all campaigns).
 */

/** The period's buckets: totals of `grain` from `from_day` (a bucket) to `to_day`, the previous period's from `previous_day`. */
const PERIOD_CTE = `
  span as (
    select coalesce($3::text, p.default_currency) as unit,
           case $4 when 'CAMPAIGN' then 'DAY' else $4 end as grain,
           case $4 when 'ALL' then '-infinity'::date
                   when 'CAMPAIGN' then (c.starts_at at time zone p.time_zone)::date
                   else date_trunc(lower($4), coalesce($5::date::timestamp, now() at time zone p.time_zone))::date end as from_day,
           case $4 when 'ALL' then 'infinity'::date
                   -- A campaign ends at an instant it excludes: the day of the instant before it is its last.
                   when 'CAMPAIGN' then coalesce(((c.ends_at - interval '1 microsecond') at time zone p.time_zone)::date + 1, 'infinity'::date) end as to_day,
           case $4 when 'QUARTER' then interval '3 months' when 'MONTH' then interval '1 month' when 'WEEK' then interval '7 days' else interval '1 day' end as length
      from program p left join campaign c on c.id = $6 and c.program_id = p.id
     where p.id = $1),
  period as (
    select unit, grain, from_day, case when $4 = 'ALL' then date '1970-01-01' else from_day end as bucket,
           case when $4 in ('ALL', 'CAMPAIGN') then to_day else (from_day + length)::date end as to_day,
           case when $4 not in ('ALL', 'CAMPAIGN') then (from_day - length)::date end as previous_day
      from span)`;

/**
 * What a read of a board range needs besides the totals, in one statement (one snapshot): the
 * program's visibility settings; the current and previous period's bucket ranges with the
 * latest version of their buckets (a number of the folds' sequence, so it grows whenever a fold
 * or rebuild changes any of them), how many buckets hold totals and the latest reset; the
 * unfolded deltas in those ranges, per partner; and the version of slices' membership, which
 * says whether the members a process holds are current.
 */
export const BOARD_STATE_SQL = `
with ${PERIOD_CTE},
  ranges as (
    select 'current' as which, grain, bucket as bucket_from, case when $4 = 'CAMPAIGN' then to_day else bucket + 1 end as bucket_to, from_day as day_from, to_day as day_to from period
    union all
    select 'previous', grain, previous_day, previous_day + 1, previous_day, from_day from period where previous_day is not null),
  versions as (
    select r.which, r.grain, r.bucket_from, r.bucket_to, coalesce(max(s.version), 0) as version, count(s.version)::int as buckets, coalesce(max(s.reset_version), 0) as reset
      from ranges r
      left join board_size s on (s.program_id, s.metric, s.unit, s.campaign_id, s.grain) = ($1, $2, (select unit from period), $7, r.grain)
            and s.bucket >= r.bucket_from and s.bucket < r.bucket_to
     group by 1, 2, 3, 4),
  deltas as (
    select r.which, d.partner_id, sum(d.value) as value, max(d.created_at) as changed_at
      from ranges r
      join board_delta d on (d.program_id, d.metric, d.unit, d.campaign_id) = ($1, $2, (select unit from period), $7) and d.day >= r.day_from and d.day < r.day_to
     group by 1, 2)
select (select unit from period) as unit, p.board_names as names, p.board_values as "values",
       (select json_agg(json_build_object('which', which, 'grain', grain, 'from', bucket_from, 'to', bucket_to, 'version', version::text, 'buckets', buckets, 'reset', reset::text))
          from versions) as ranges,
       (select coalesce(json_agg(json_build_array(which, partner_id::text, value::text, extract(epoch from changed_at) * 1000)), '[]') from deltas) as deltas,
       m.version::text as membership
  from program p cross join board_membership m where p.id = $1`;

/**
 * A slice's members and the membership version they are at, read in the same snapshot as a
 * state. Parameters: $1 program, $2 region code (its sub-regions included), $3 partner kind,
 * $4 segment, $5 level, $6 the campaign whose targets are meant (null: any of these means all).
 */
export const BOARD_MEMBERS_SQL = `
with recursive
  area as (
    select id from region where program_id = $1 and code = $2
    union all select r.id from region r join area a on r.parent_id = a.id),
  campaign_targeting as (select targeting from campaign where id = $6 and program_id = $1),
  campaign_area as (
    select r.id from region r, campaign_targeting t where r.id in (select jsonb_array_elements_text(t.targeting->'regionIds')::bigint)
    union all select r.id from region r join campaign_area a on r.parent_id = a.id)
select (select version::text from board_membership) as version,
       array(
         select pt.id::text from partner pt
          where pt.program_id = $1 and ($2::text is null or pt.region_id = any(array(select id from area)))
            and ($3::text is null or pt.kind = $3) and ($4::text is null or pt.segment = $4) and ($5::int is null or pt.level = $5)
            and ($6::bigint is null or exists (
                  select from campaign_targeting t
                   where (jsonb_array_length(t.targeting->'regionIds') = 0 or pt.region_id = any(array(select id from campaign_area)))
                     and (jsonb_array_length(t.targeting->'partnerKinds') = 0 or t.targeting->'partnerKinds' ? pt.kind)
                     and (jsonb_array_length(t.targeting->'segments') = 0 or t.targeting->'segments' ? pt.segment)
                     and (jsonb_array_length(t.targeting->'levels') = 0 or t.targeting->'levels' @> to_jsonb(pt.level))))) as members`;

/**
 * The totals of one range with a version above $8, one partner per "id value changed-ms" item,
 * comma-separated: a string is parsed far faster than as many rows. Parameters: $1 program,
 * $2 metric, $3 unit, $4 totals campaign, $5 grain, $6 and $7 the buckets' range, $8 the version
 * already held (0: all).
 */
export const BOARD_TOTALS_SQL = `
select coalesce(string_agg(concat_ws(' ', partner_id, value, changed_ms), ','), '') as rows
  from (select partner_id, sum(value) as value, floor(extract(epoch from max(changed_at)) * 1000)::bigint as changed_ms
          from board_total
         where (program_id, metric, unit, campaign_id, grain) = ($1, $2, $3, $4, $5) and bucket >= $6::date and bucket < $7::date and version > $8
         group by partner_id) t`;

/**
 * The totals of a range of several buckets (a campaign's days) of the partners with a total
 * stamped above $8 in any of them, each summed over the whole range, in `BOARD_TOTALS_SQL`'s
 * format: what a copy of the range at version $8 needs to catch up, found through the version
 * index in the changed buckets only, and then per changed partner in each bucket of the range.
 * The parameters are `BOARD_TOTALS_SQL`'s.
 */
export const BOARD_CHANGED_TOTALS_SQL = `
with buckets as (
       select bucket, version from board_size
        where (program_id, metric, unit, campaign_id, grain) = ($1, $2, $3, $4, $5) and bucket >= $6::date and bucket < $7::date),
     changed as (
       select distinct partner_id from board_total
        where (program_id, metric, unit, campaign_id, grain) = ($1, $2, $3, $4, $5)
          and bucket = any(array(select bucket from buckets where version > $8)) and version > $8)
select coalesce(string_agg(concat_ws(' ', partner_id, value, changed_ms), ','), '') as rows
  from (select partner_id, sum(value) as value, floor(extract(epoch from max(changed_at)) * 1000)::bigint as changed_ms
          from board_total
         where (program_id, metric, unit, campaign_id, grain) = ($1, $2, $3, $4, $5)
           and bucket = any(array(select bucket from buckets)) and partner_id = any(array(select partner_id from changed))
         group by partner_id) t`;

/** The names of the partners shown, what partners see of each other settled in code. */
export const BOARD_NAMES_SQL = `select id::text, name, board_alias as alias from partner where id = any($1::bigint[])`;
