/**
 * The statements that read one board: a page of entries after a position, the viewer's own
 * entry, the number of ranked partners and when the board last changed, in one statement (so
 * in one snapshot) whatever the page size. A partner's value is its total (`board_total`) plus
 * its deltas not yet folded into it (`board_delta`); ranks follow the "1224" rule of
 * `rankByCompetition`, ties listed by partner id.
 *
 * Parameters: $1 program, $2 totals metric, $3 unit (null: the program's currency), $4 period,
 * $5 a day inside it, $6 region code, $7 partner kind, $8 segment, $9 level, $10 entries to
 * skip, $11 page size, $12 the viewing partner (or null), $13 the campaign whose partners and
 * dates are meant (or null), $14 the campaign the totals are read for (0: all campaigns), $15
 * whether the slice is a region's.
 */

/** The period's buckets: totals of `grain` from `from_day` (a bucket) to `to_day`, the previous period's from `previous_day`. */
const PERIOD = `
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
      from program p left join campaign c on c.id = $13 and c.program_id = p.id
     where p.id = $1),
  period as (
    select unit, grain, from_day, case when $4 = 'ALL' then date '1970-01-01' else from_day end as bucket,
           case when $4 in ('ALL', 'CAMPAIGN') then to_day else (from_day + length)::date end as to_day,
           case when $4 not in ('ALL', 'CAMPAIGN') then (from_day - length)::date end as previous_day
      from span)`;

/** The entries shown (`entries`), the previous period's ranks of those (`previous_ranks`) and the board's `summary`, as one answer. */
const ANSWER = `
select e.partner_id::text as "partnerId", pt.name, pt.board_alias as alias, e.value::text as value, e.rank::int as rank, e.position::int as position,
       pr.rank::int as "previousRank", s.ranked::int as ranked, s.changed_at as "changedAt", pg.board_names as names, pg.board_values as "values"
  from entries e join partner pt on pt.id = e.partner_id left join previous_ranks pr on pr.partner_id = e.partner_id
 cross join summary s cross join program pg where pg.id = $1
 union all
select null, null, null, null, null, null, null, s.ranked::int, s.changed_at, pg.board_names, pg.board_values
  from summary s cross join program pg where pg.id = $1
 order by position nulls last`;

/**
 * The values of a slice's members over [from, to): looked up member by member for a region
 * ($15, a small share of the partners), read off the whole board for other slices.
 */
const sliceValues = (from: string, to: string) => `
    select v.* from period, members m, board_member_values($1, $2, period.unit, $14, period.grain, period.${from}, period.${to}, m.ids) v
     where $15 and period.${from} is not null
    union all
    select v.* from period, board_values($1, $2, period.unit, $14, period.grain, period.${from}, period.${to}) v
     where not $15 and period.${from} is not null and v.partner_id in (select unnest(ids) from members)`;

/**
 * A board of a slice of the program's partners (a region with its sub-regions, a kind, a
 * segment, a level, a campaign's targets) or over a campaign's dates: all the members' values
 * (`sliceValues`) ranked together, the previous period's likewise.
 */
export const SLICE_BOARD_SQL = `
with recursive ${PERIOD},
  area as (
    select id from region where program_id = $1 and code = $6
    union all select r.id from region r join area a on r.parent_id = a.id),
  campaign_targeting as (select targeting from campaign where id = $13 and program_id = $1),
  campaign_area as (
    select r.id from region r, campaign_targeting t where r.id in (select jsonb_array_elements_text(t.targeting->'regionIds')::bigint)
    union all select r.id from region r join campaign_area a on r.parent_id = a.id),
  members as (
    select array_agg(pt.id) as ids from partner pt
     where pt.program_id = $1 and ($6::text is null or pt.region_id in (select id from area))
       and ($7::text is null or pt.kind = $7) and ($8::text is null or pt.segment = $8) and ($9::int is null or pt.level = $9)
       and ($13::bigint is null or exists (
             select from campaign_targeting t
              where (jsonb_array_length(t.targeting->'regionIds') = 0 or pt.region_id in (select id from campaign_area))
                and (jsonb_array_length(t.targeting->'partnerKinds') = 0 or t.targeting->'partnerKinds' ? pt.kind)
                and (jsonb_array_length(t.targeting->'segments') = 0 or t.targeting->'segments' ? pt.segment)
                and (jsonb_array_length(t.targeting->'levels') = 0 or t.targeting->'levels' @> to_jsonb(pt.level))))),
  current_values as (${sliceValues('from_day', 'to_day')}),
  current as (
    select v.partner_id, v.value, v.changed_at, rank() over (order by v.value desc) as rank, row_number() over (order by v.value desc, v.partner_id) as position
      from current_values v),
  entries as (select * from current where (position > $10 and position <= $10 + $11 + 1) or partner_id = $12),
  previous_values as (${sliceValues('previous_day', 'from_day')}),
  previous_ranks as (select v.partner_id, rank() over (order by v.value desc) as rank from previous_values v),
  summary as (select count(*) as ranked, max(changed_at) as changed_at from current)
${ANSWER}`;

/** The condition on a totals row (`alias`) of the board's bucket that starts on `bucket`. */
const BUCKET = (alias: string, bucket: 'bucket' | 'previous_day') =>
  `(${alias}.program_id, ${alias}.metric, ${alias}.unit, ${alias}.campaign_id, ${alias}.grain, ${alias}.bucket) = ($1, $2, (select unit from period), $14, (select grain from period), (select ${bucket} from period))`;

/**
 * A board of all the program's partners for a day, week, month, quarter or all time. Its top
 * is a walk down the totals' value index: the partners with deltas (`touched`, few: the fold
 * runs a second after a change) are ranked with their deltas added, together with enough of
 * the others (`head`) to fill the page; any partner above an entry of the page is in one of the
 * two, so the ranks of the page are exact. The viewer's own entry, off the page, and the
 * previous period's ranks of the entries shown count the values above them.
 */
export const PROGRAM_BOARD_SQL = `
with ${PERIOD},
  -- The slices this statement serves: none (the parameters are the same for both statements).
  whole as (select where $6::text is null and $7::text is null and $8::text is null and $9::int is null and not $15::boolean),
  deltas as (
    select d.partner_id, sum(d.value) as value, max(d.created_at) as changed_at
      from period, board_delta d
     where (d.program_id, d.metric, d.unit, d.campaign_id) = ($1, $2, period.unit, $14) and d.day >= period.from_day and d.day < period.to_day
     group by d.partner_id),
  touched as (
    select d.partner_id, coalesce(t.value, 0) + d.value as value, greatest(t.changed_at, d.changed_at) as changed_at, t.partner_id is null as added
      from deltas d left join board_total t on ${BUCKET('t', 'bucket')} and t.partner_id = d.partner_id),
  head as (
    select t.partner_id, t.value, t.changed_at from board_total t
     where ${BUCKET('t', 'bucket')} and t.partner_id not in (select partner_id from deltas)
     order by t.value desc, t.partner_id limit $10::int + $11::int + 1),
  top as (
    select c.*, rank() over (order by c.value desc) as rank, row_number() over (order by c.value desc, c.partner_id) as position
      from (select partner_id, value, changed_at from head union all select partner_id, value, changed_at from touched) c),
  page as (select partner_id, value, changed_at, rank, position from top where position > $10 and position <= $10 + $11 + 1),
  mine as (
    select coalesce(tc.partner_id, t.partner_id) as partner_id, coalesce(tc.value, t.value) as value, coalesce(tc.changed_at, t.changed_at) as changed_at
      from (select) as one left join board_total t on ${BUCKET('t', 'bucket')} and t.partner_id = $12
      left join touched tc on tc.partner_id = $12
     where $12::bigint is not null and (t.partner_id is not null or tc.partner_id is not null) and $12 not in (select partner_id from page)),
  me as (
    select m.partner_id, m.value, m.changed_at,
           1 + (select count(*) from board_total t where ${BUCKET('t', 'bucket')} and t.value > m.value and t.partner_id not in (select partner_id from deltas))
             + (select count(*) from touched where value > m.value) as rank,
           1 + (select count(*) from board_total t where ${BUCKET('t', 'bucket')} and t.value > m.value and t.partner_id not in (select partner_id from deltas))
             + (select count(*) from board_total t where ${BUCKET('t', 'bucket')} and t.value = m.value and t.partner_id < m.partner_id and t.partner_id not in (select partner_id from deltas))
             + (select count(*) from touched where value > m.value or (value = m.value and partner_id < m.partner_id)) as position
      from mine m),
  entries as (select * from page union all select * from me),
  previous_deltas as (
    select d.partner_id, sum(d.value) as value
      from period, board_delta d
     where (d.program_id, d.metric, d.unit, d.campaign_id) = ($1, $2, period.unit, $14) and d.day >= period.previous_day and d.day < period.from_day
     group by d.partner_id),
  previous_touched as (
    select d.partner_id, coalesce(t.value, 0) + d.value as value
      from previous_deltas d left join board_total t on ${BUCKET('t', 'previous_day')} and t.partner_id = d.partner_id),
  previous_values as (
    select e.partner_id, coalesce(pt.value, t.value) as value
      from entries e
      left join board_total t on ${BUCKET('t', 'previous_day')} and t.partner_id = e.partner_id
      left join previous_touched pt on pt.partner_id = e.partner_id
     where (select previous_day from period) is not null and (t.partner_id is not null or pt.partner_id is not null)),
  previous_ranks as (
    select v.partner_id,
           1 + (select count(*) from board_total t where ${BUCKET('t', 'previous_day')} and t.value > v.value and t.partner_id not in (select partner_id from previous_deltas))
             + (select count(*) from previous_touched where value > v.value) as rank
      from previous_values v),
  summary as (
    select coalesce((select s.partners from board_size s where ${BUCKET('s', 'bucket')}), 0) + (select count(*) from touched where added) as ranked,
           greatest((select s.changed_at from board_size s where ${BUCKET('s', 'bucket')}), (select max(changed_at) from touched)) as changed_at)
${ANSWER}`;
