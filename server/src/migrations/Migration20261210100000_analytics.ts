import { Migration } from '@mikro-orm/migrations';

/**
 * Program analytics are read from rollups, never from scans of events or the ledger.
 *
 * Statement-level triggers append one `analytics_delta` row per partner, local day and
 * slice for every event, reward, reward status move, perk delivery, partner joining and survey
 * answer, in the statement that writes it. `analytics_fold()` later moves committed deltas
 * into `analytics_total` in bulk (as board deltas are folded into board totals: appending in
 * the ingestion transaction and upserting later spares the hot program-wide rows a lock per
 * batch). A figure is `analytics_total` plus the deltas not yet folded, so it is exact the
 * moment the recording transaction commits.
 *
 * A delta counts on the local day its activity occurred: an event's occurred_at, a partner's
 * joined_at, an answer's answered_at; a reward's, the day of the event it rewards, or the day
 * it was written when it rewards no single event (a period close, a redemption).
 * A delta is sliced by the partner's region, kind, segment and level as they were when its
 * activity was recorded (the partner row at that moment), and, for rewards, by campaign and
 * scheme instance. The same slices are found again from the partners' history by
 * `analytics_source()`, which `cofactor analytics rebuild` and `cofactor verify` use: the
 * level history now says when each row was written (`recorded_at`), since a level earned at a
 * period close is valid from the period's end, before it was known.
 *
 * `analytics_total` holds these grains, each a sum of the same deltas:
 * - DAY and MONTH: per slice (region, kind, segment, level, campaign, scheme, unit);
 * - PROGRAM_DAY and PROGRAM_MONTH: the program's, per campaign, scheme and unit;
 * - REGION_, KIND_, SEGMENT_ and LEVEL_ DAY and MONTH: per that one dimension, campaign, scheme and unit;
 * - PARTNER_DAY: one partner's day per unit (a year of one partner is at most 366 rows of it).
 * Unused key columns hold 0 or ''. `unit` is the currency of money figures and '' for counts.
 *
 * `analytics_activity` keeps, per partner and slice, the local days with at least one event as
 * a bit string from `first_day`: how many partners were active in any range, and in the range
 * before it (retention), is one pass over a program's partners.
 *
 * Months, quarters and years have their distinct partners counted ahead, since a pass over a
 * program's partners per read is too slow for them: `analytics_partner_period` holds each
 * partner's first active day of each such period and its slice that day (where the partner
 * counts), and `analytics_active` per period and slice (and per one dimension of it, or none:
 * grains REGION_MONTH, PROGRAM_YEAR, ...) the partners active in it and how many of those are
 * active in the next period too (`retained_next`).
 */
const FIGURES = [
  'events', 'sales', 'gross', 'refunds', 'refunded', 'new_customers', 'leads', 'joined', 'recruits',
  'money_pending', 'money_approved', 'money_paid', 'money_rejected', 'money_capped', 'money_reversed',
  'points_earned', 'points_redeemed', 'perks', 'perks_delivered', 'badges',
  'responses', 'score_sum', 'promoters', 'detractors',
];
const FIGURE_COLUMNS = FIGURES.map((figure) => `"${figure}" numeric(38, 0) not null default 0`).join(', ');
const SLICE = `"region_id" bigint not null, "kind" text collate "C" not null, "segment" text collate "C" not null, "level" int not null,
  "campaign_id" bigint not null default 0, "scheme_instance_id" bigint not null default 0, "unit" text collate "C" not null default ''`;
const SUMS = FIGURES.map((figure) => `sum(${figure})`).join(', ');
const LIST = FIGURES.join(', ');
const ADD = FIGURES.map((figure) => `${figure} = analytics_total.${figure} + excluded.${figure}`).join(', ');

/**
 * The reward figures of one ledger entry `r` as it stands, each an expression over its kind,
 * amount, correction link and status (written out in each statement rather than called as a
 * function: a function call per entry doubled the cost of writing rewards).
 */
const REWARD_FACTS = (r: string): Record<string, string> => {
  const granted = `${r}.status not in ('REJECTED', 'CAPPED')`;
  return {
    money_pending: `case when ${r}.kind = 'MONEY' and ${r}.corrects_id is null and ${r}.status = 'PENDING' then ${r}.amount else 0 end`,
    money_approved: `case when ${r}.kind = 'MONEY' and ${r}.corrects_id is null and ${r}.status = 'APPROVED' then ${r}.amount else 0 end`,
    money_paid: `case when ${r}.kind = 'MONEY' and ${r}.corrects_id is null and ${r}.status = 'PAID' then ${r}.amount else 0 end`,
    money_rejected: `case when ${r}.kind = 'MONEY' and ${r}.status = 'REJECTED' then abs(${r}.amount) else 0 end`,
    money_capped: `case when ${r}.kind = 'MONEY' and ${r}.status = 'CAPPED' then ${r}.amount else 0 end`,
    money_reversed: `case when ${r}.kind = 'MONEY' and ${r}.corrects_id is not null and ${r}.status in ('PENDING', 'APPROVED', 'PAID') then -${r}.amount else 0 end`,
    points_earned: `case when ${r}.kind = 'POINTS' and (${r}.amount > 0 or ${r}.corrects_id is not null) and ${granted} then ${r}.amount else 0 end`,
    points_redeemed: `case when ${r}.kind = 'POINTS' and ${r}.amount < 0 and ${r}.corrects_id is null and ${granted} then -${r}.amount else 0 end`,
    perks: `case when ${r}.kind = 'PERK' and ${granted} then 1 else 0 end`,
    badges: `case when ${r}.kind = 'BADGE' and ${granted} then 1 else 0 end`,
  };
};
const REWARD_FIGURES = Object.keys(REWARD_FACTS('r'));

/**
 * A partner's slice (region, kind, segment, level) as recorded at `p_at`, from its history. Of
 * the level rows written by then, the one valid from the latest date holds, and of two valid
 * from the same date the one written last, as for the partner's level (CURRENT_LEVEL): a level
 * earned for a period that ended before the partner joined is valid from its joining, as is its
 * first level.
 */
const PARTNER_AT = `create function "analytics_partner_at"(p_partner bigint, p_at timestamptz)
  returns table (region_id bigint, kind text, segment text, level int) language sql stable as $$
    select coalesce(h.region_id, 0), h.kind, coalesce(h.segment, ''), coalesce(l.level, 1)
      from (select region_id, kind, segment from partner_history h where h.partner_id = p_partner
             order by h.valid_from <= p_at desc, case when h.valid_from <= p_at then h.valid_from end desc nulls last, h.valid_from, h.id desc limit 1) h
      left join lateral (select level from partner_level_history l where l.partner_id = p_partner
             order by l.recorded_at <= p_at desc, case when l.recorded_at <= p_at then l.valid_from end desc nulls last,
                      case when l.recorded_at <= p_at then l.id end desc nulls last, l.id limit 1) l on true
  $$;`;

/**
 * Events Cofactor records itself when a partner joins or is approved: not the partner's
 * activity (a new partner is counted by `joined`), so they make no delta.
 */
const LIFECYCLE = `'PARTNER_JOINED', 'PARTNER_APPROVED'`;

/** The figure columns in order, `values` where given and 0 elsewhere. */
const figures = (values: Record<string, string>) => FIGURES.map((figure) => values[figure] ?? '0').join(', ');

/**
 * Every delta the program's events, ledger, perk deliveries, partners and survey answers
 * make, found again from the stored rows: what the triggers appended, for a rebuild or a check.
 * `sliceOf(partner, at)` joins the slice `s` of the partner as recorded at that moment;
 * `prelude` is a WITH clause before it, `settings` SET clauses of the function.
 */
export const sourceFunction = (sliceOf: (partner: string, at: string) => string, prelude = '', settings = '') => `create or replace function "analytics_source"(p_program bigint)
  returns setof analytics_delta language sql stable${settings} as $$${prelude}
    select e.program_id, (e.occurred_at at time zone p.time_zone)::date, e.partner_id, s.region_id, s.kind, s.segment, s.level, 0::bigint, 0::bigint, coalesce(e.currency, ''),
           ${figures({
             events: '1', sales: "(e.type = 'SALE')::int", gross: "case when e.type = 'SALE' then e.amount else 0 end",
             refunds: "(e.type in ('REFUND', 'CHARGEBACK'))::int", refunded: "case when e.type in ('REFUND', 'CHARGEBACK') then e.amount else 0 end",
             new_customers: 'e.first_purchase::int', leads: "(e.type = 'LEAD')::int",
           })}, now()
      from event e join program p on p.id = e.program_id ${sliceOf('e.partner_id', 'e.recorded_at')}
     where e.program_id = p_program and e.type not in (${LIFECYCLE})
    union all
    select r.program_id, (coalesce(ev.occurred_at, r.created_at) at time zone p.time_zone)::date, r.partner_id, s.region_id, s.kind, s.segment, s.level, r.campaign_id, r.scheme_instance_id,
           case when r.kind = 'MONEY' then r.unit else '' end,
           ${figures(REWARD_FACTS('r'))}, now()
      from reward r join program p on p.id = r.program_id left join event ev on ev.id = r.event_id ${sliceOf('r.partner_id', 'r.created_at')}
     where r.program_id = p_program
    union all
    select r.program_id, (coalesce(ev.occurred_at, r.created_at) at time zone p.time_zone)::date, r.partner_id, s.region_id, s.kind, s.segment, s.level, r.campaign_id, r.scheme_instance_id,
           '', ${figures({ perks_delivered: '1' })}, now()
      from perk_fulfilment f join reward r on r.id = f.reward_id join program p on p.id = r.program_id left join event ev on ev.id = r.event_id
      ${sliceOf('r.partner_id', 'r.created_at')}
     where r.program_id = p_program and f.state = 'DELIVERED'
    union all
    select t.program_id, (t.joined_at at time zone p.time_zone)::date, t.id, s.region_id, s.kind, s.segment, s.level, 0::bigint, 0::bigint, '',
           ${figures({ joined: '1' })}, now()
      from partner t join program p on p.id = t.program_id ${sliceOf('t.id', 't.joined_at')}
     where t.program_id = p_program
    union all
    select t.program_id, (t.joined_at at time zone p.time_zone)::date, f.sponsor_id, s.region_id, s.kind, s.segment, s.level, 0::bigint, 0::bigint, '',
           ${figures({ recruits: '1' })}, now()
      from partner t join program p on p.id = t.program_id
      cross join lateral (select h.sponsor_id from partner_history h where h.partner_id = t.id order by h.valid_from, h.id limit 1) f
      ${sliceOf('f.sponsor_id', 't.joined_at')}
     where t.program_id = p_program and f.sponsor_id is not null
    union all
    select a.program_id, (a.answered_at at time zone p.time_zone)::date, a.partner_id, s.region_id, s.kind, s.segment, s.level, 0::bigint, 0::bigint, '',
           ${figures({ responses: '1', score_sum: 'a.score', promoters: '(a.score >= 9)::int', detractors: '(a.score <= 6)::int' })}, now()
      from survey_response a join program p on p.id = a.program_id ${sliceOf('a.partner_id', 'a.created_at')}
     where a.program_id = p_program
  $$;`;
const SOURCE = sourceFunction((partner, at) => `cross join lateral analytics_partner_at(${partner}, ${at}) s`);

const SLICE_COLUMNS = ['region_id', 'kind', 'segment', 'level'];

/**
 * The slice rolled up over all but one of its dimensions, or all of them: each a family of
 * grains (REGION_MONTH, KIND_DAY, PROGRAM_DAY, ...; the family of the whole slice has no
 * prefix: MONTH, DAY). A read by region alone then sums a region's rows, not those of every
 * kind, segment and level in it. `s` is the row whose slice is projected.
 */
const PROJECTIONS = (s: string): [string, string][] => [
  ['', `${s}.region_id, ${s}.kind, ${s}.segment, ${s}.level`],
  ['PROGRAM_', `0::bigint, ''::text, ''::text, 0`],
  ['REGION_', `${s}.region_id, ''::text, ''::text, 0`],
  ['KIND_', `0::bigint, ${s}.kind, ''::text, 0`],
  ['SEGMENT_', `0::bigint, ''::text, ${s}.segment, 0`],
  ['LEVEL_', `0::bigint, ''::text, ''::text, ${s}.level`],
];
const OLD_SLICE = SLICE_COLUMNS.map((column) => `old_${column}`).join(', ');
const PREVIOUS_SLICE = SLICE_COLUMNS.map((column) => `previous_${column}`).join(', ');

/**
 * The fold's part for months, quarters and years (CTEs after \`taken\`). For each partner and
 * period with events among the deltas: its earliest day there and the slice of that day. A
 * period new to the partner, or an earlier day in another slice, changes its row and the
 * counts: the partner is active in its slice (and no longer in the former one); it is retained
 * by the period before when that one was active; and its period retains it into the next when
 * that one was active already (a next period new in this fold counts that itself).
 */
const PERIOD_ACTIVITY = `,
             candidates as (
               select distinct on (t.program_id, g.grain, g.bucket, t.partner_id) t.program_id, g.grain, g.bucket, t.partner_id, t.day, t.region_id, t.kind, t.segment, t.level
                 from taken t cross join lateral (values ('MONTH', date_trunc('month', t.day::timestamp)::date), ('QUARTER', date_trunc('quarter', t.day::timestamp)::date),
                                                         ('YEAR', date_trunc('year', t.day::timestamp)::date)) as g(grain, bucket)
                where t.events > 0
                order by t.program_id, g.grain, g.bucket, t.partner_id, t.day, t.region_id, t.kind, t.segment, t.level),
             changed as (
               select c.*, o.partner_id is null as added, (c.region_id, c.kind, c.segment, c.level) is distinct from (o.region_id, o.kind, o.segment, o.level) as moved,
                      ${SLICE_COLUMNS.map((column) => `o.${column} as old_${column}`).join(', ')},
                      (c.bucket - s.step)::date as previous, (c.bucket + s.step)::date as next
                 from candidates c left join analytics_partner_period o using (program_id, grain, bucket, partner_id)
                 cross join lateral (select case c.grain when 'MONTH' then interval '1 month' when 'QUARTER' then interval '3 months' else interval '1 year' end as step) s
                where o.partner_id is null or (c.day, c.region_id, c.kind, c.segment, c.level) < (o.first_day, o.region_id, o.kind, o.segment, o.level)),
             periods as (
               insert into analytics_partner_period as p (program_id, grain, bucket, partner_id, first_day, region_id, kind, segment, level)
               select program_id, grain, bucket, partner_id, day, region_id, kind, segment, level from changed order by 1, 2, 3, 4
               on conflict (program_id, grain, bucket, partner_id) do update
                 set first_day = excluded.first_day, region_id = excluded.region_id, kind = excluded.kind, segment = excluded.segment, level = excluded.level),
             ordered as (
               -- The partner's changed period just before, if it is the previous period (a window, not a join of the CTE with itself).
               select c.*, lag(c.bucket) over w = c.previous as previous_changed, ${SLICE_COLUMNS.map((column) => `lag(c.${column}) over w as changed_${column}`).join(', ')}
                 from changed c window w as (partition by c.program_id, c.grain, c.partner_id order by c.bucket)),
             linked as (
               select c.*, ${SLICE_COLUMNS.map((column) => `case when c.previous_changed then c.changed_${column} else po.${column} end as previous_${column}`).join(', ')},
                      coalesce(c.previous_changed, false) or po.partner_id is not null as previous_active, n.partner_id is not null as next_active
                 from ordered c
                 left join analytics_partner_period po on (po.program_id, po.grain, po.bucket, po.partner_id) = (c.program_id, c.grain, c.previous, c.partner_id)
                 left join analytics_partner_period n on (n.program_id, n.grain, n.bucket, n.partner_id) = (c.program_id, c.grain, c.next, c.partner_id)),
             steps as (
               select program_id, grain, bucket, region_id, kind, segment, level, 1 as active, 0 as retained_next from linked where added or moved
               union all select program_id, grain, bucket, ${OLD_SLICE}, -1, 0 from linked where moved and not added
               union all select program_id, grain, previous, ${PREVIOUS_SLICE}, 0, 1 from linked where added and previous_active
               union all select program_id, grain, bucket, region_id, kind, segment, level, 0, 1 from linked where next_active and (added or moved)
               union all select program_id, grain, bucket, ${OLD_SLICE}, 0, -1 from linked where next_active and moved and not added),
             counted as (
               insert into analytics_active (program_id, grain, bucket, region_id, kind, segment, level, active, retained_next)
               select s.program_id, p.grain, s.bucket, p.region_id, p.kind, p.segment, p.level, sum(s.active), sum(s.retained_next)
                 from steps s cross join lateral (values ${PROJECTIONS('s').map(([family, slice]) => `('${family}' || s.grain, ${slice})`).join(', ')})
                   as p(grain, region_id, kind, segment, level)
                group by 1, 2, 3, 4, 5, 6, 7 order by 1, 2, 3, 4, 5, 6, 7
               on conflict (program_id, grain, bucket, region_id, kind, segment, level) do update
                 set active = analytics_active.active + excluded.active, retained_next = analytics_active.retained_next + excluded.retained_next)`;

export class Migration20261210100000_analytics extends Migration {
  override name = 'Migration20261210100000_analytics';

  override up(): void | Promise<void> {
    // Rows written before this column existed were known from the start.
    this.addSql(`alter table "partner_level_history" add column "recorded_at" timestamptz not null default '-infinity';`);
    this.addSql(`alter table "partner_level_history" alter column "recorded_at" set default now();`);
    this.addSql(`create table "analytics_delta" ("program_id" bigint not null, "day" date not null, "partner_id" bigint not null, ${SLICE}, ${FIGURE_COLUMNS}, "created_at" timestamptz not null default now())
      with (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000);`);
    // A fold updates the same rows again and again (today's, this month's): room on their pages
    // lets PostgreSQL write the new versions beside the old ones, without touching the index.
    this.addSql(`create table "analytics_total" ("program_id" bigint not null, "grain" text collate "C" not null, "partner_id" bigint not null, "bucket" date not null, ${SLICE}, ${FIGURE_COLUMNS},
      primary key ("program_id", "grain", "partner_id", "bucket", "region_id", "kind", "segment", "level", "campaign_id", "scheme_instance_id", "unit"))
      with (fillfactor = 70);`);
    this.addSql(`create table "analytics_activity" ("program_id" bigint not null, "partner_id" bigint not null, "region_id" bigint not null, "kind" text collate "C" not null,
      "segment" text collate "C" not null, "level" int not null, "first_day" date not null, "last_day" date not null, "days" varbit not null,
      primary key ("program_id", "partner_id", "region_id", "kind", "segment", "level"))
      with (fillfactor = 70);`);
    this.addSql(`create table "analytics_partner_period" ("program_id" bigint not null, "grain" text collate "C" not null, "bucket" date not null, "partner_id" bigint not null,
      "first_day" date not null, "region_id" bigint not null, "kind" text collate "C" not null, "segment" text collate "C" not null, "level" int not null,
      primary key ("program_id", "grain", "bucket", "partner_id"));`);
    this.addSql(`create table "analytics_active" ("program_id" bigint not null, "grain" text collate "C" not null, "bucket" date not null,
      "region_id" bigint not null, "kind" text collate "C" not null, "segment" text collate "C" not null, "level" int not null,
      "active" bigint not null default 0, "retained_next" bigint not null default 0,
      primary key ("program_id", "grain", "bucket", "region_id", "kind", "segment", "level"));`);
    this.addSql(PARTNER_AT);
    this.addSql(SOURCE);
    this.addTriggers();
    this.addFold();
  }

  private addTriggers(): void {
    const notify = `perform pg_notify('cofactor_analytics', program_id::text) from inserted group by program_id;`;
    this.addSql(`create function "analytics_events"() returns trigger language plpgsql as $$
      begin
        insert into analytics_delta (program_id, day, partner_id, region_id, kind, segment, level, unit, events, sales, gross, refunds, refunded, new_customers, leads)
        select e.program_id, (e.occurred_at at time zone p.time_zone)::date, e.partner_id, coalesce(t.region_id, 0), t.kind, coalesce(t.segment, ''), t.level, coalesce(e.currency, ''),
               count(*), count(*) filter (where e.type = 'SALE'), coalesce(sum(e.amount) filter (where e.type = 'SALE'), 0),
               count(*) filter (where e.type in ('REFUND', 'CHARGEBACK')), coalesce(sum(e.amount) filter (where e.type in ('REFUND', 'CHARGEBACK')), 0),
               count(*) filter (where e.first_purchase), count(*) filter (where e.type = 'LEAD')
          from inserted e join program p on p.id = e.program_id join partner t on t.id = e.partner_id
         where e.type not in (${LIFECYCLE})
         group by 1, 2, 3, 4, 5, 6, 7, 8;
        ${notify}
        return null;
      end $$;`);
    this.addSql(`create trigger "event_analytics" after insert on "event" referencing new table as inserted for each statement execute function "analytics_events"();`);
    const rewardDelta = (rows: string, sign: string, slice: string) => `
        insert into analytics_delta (program_id, day, partner_id, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit,
                                     ${REWARD_FIGURES.join(', ')})
        select r.program_id, (coalesce(ev.occurred_at, r.created_at) at time zone p.time_zone)::date, r.partner_id, s.region_id, s.kind, s.segment, s.level, r.campaign_id, r.scheme_instance_id,
               case when r.kind = 'MONEY' then r.unit else '' end,
               ${Object.values(REWARD_FACTS('r')).map((fact) => `${sign} * sum(${fact})`).join(', ')}
          from ${rows} r join program p on p.id = r.program_id left join event ev on ev.id = r.event_id ${slice}
         group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;`;
    const current = `cross join lateral (select coalesce(t.region_id, 0) as region_id, t.kind, coalesce(t.segment, '') as segment, t.level from partner t where t.id = r.partner_id) s`;
    const recorded = `cross join lateral analytics_partner_at(r.partner_id, r.created_at) s`;
    this.addSql(`create function "analytics_rewards"() returns trigger language plpgsql as $$
      begin
        ${rewardDelta('inserted', '1', current)}
        ${notify}
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_analytics" after insert on "reward" referencing new table as inserted for each statement execute function "analytics_rewards"();`);
    // A status move takes the entry's former figures back and adds its new ones, on the entry's
    // day and slice: a period's reward figures are those of the entries for its activity, as they stand.
    this.addSql(`create function "analytics_reward_moves"() returns trigger language plpgsql as $$
      begin
        ${rewardDelta('(select o.* from old_entries o join inserted n on n.id = o.id where o.status <> n.status)', '-1', recorded)}
        ${rewardDelta('(select n.* from old_entries o join inserted n on n.id = o.id where o.status <> n.status)', '1', recorded)}
        ${notify}
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_analytics_moves" after update on "reward" referencing old table as old_entries new table as inserted for each statement execute function "analytics_reward_moves"();`);
    this.addSql(`create function "analytics_perks"() returns trigger language plpgsql as $$
      begin
        insert into analytics_delta (program_id, day, partner_id, region_id, kind, segment, level, campaign_id, scheme_instance_id, perks_delivered)
        select r.program_id, (coalesce(ev.occurred_at, r.created_at) at time zone p.time_zone)::date, r.partner_id, s.region_id, s.kind, s.segment, s.level, r.campaign_id, r.scheme_instance_id, count(*)
          from inserted f join reward r on r.id = f.reward_id join program p on p.id = r.program_id left join event ev on ev.id = r.event_id
          cross join lateral analytics_partner_at(r.partner_id, r.created_at) s
         where f.state = 'DELIVERED'
         group by 1, 2, 3, 4, 5, 6, 7, 8, 9;
        perform pg_notify('cofactor_analytics', r.program_id::text) from inserted f join reward r on r.id = f.reward_id group by r.program_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "perk_fulfilment_analytics" after insert on "perk_fulfilment" referencing new table as inserted for each statement execute function "analytics_perks"();`);
    this.addSql(`create function "analytics_partners"() returns trigger language plpgsql as $$
      begin
        insert into analytics_delta (program_id, day, partner_id, region_id, kind, segment, level, joined, recruits)
        select t.program_id, (t.joined_at at time zone p.time_zone)::date, t.id, coalesce(t.region_id, 0), t.kind, coalesce(t.segment, ''), t.level, 1, 0
          from inserted t join program p on p.id = t.program_id
        union all
        -- A recruit counts for its sponsor: the downline growth of the sponsor's slice.
        select t.program_id, (t.joined_at at time zone p.time_zone)::date, t.sponsor_id, coalesce(s.region_id, 0), s.kind, coalesce(s.segment, ''), s.level, 0, 1
          from inserted t join program p on p.id = t.program_id join partner s on s.id = t.sponsor_id;
        ${notify}
        return null;
      end $$;`);
    this.addSql(`create trigger "partner_analytics" after insert on "partner" referencing new table as inserted for each statement execute function "analytics_partners"();`);
    this.addSql(`create function "analytics_answers"() returns trigger language plpgsql as $$
      begin
        insert into analytics_delta (program_id, day, partner_id, region_id, kind, segment, level, responses, score_sum, promoters, detractors)
        select a.program_id, (a.answered_at at time zone p.time_zone)::date, a.partner_id, coalesce(t.region_id, 0), t.kind, coalesce(t.segment, ''), t.level,
               count(*), sum(a.score), count(*) filter (where a.score >= 9), count(*) filter (where a.score <= 6)
          from inserted a join program p on p.id = a.program_id join partner t on t.id = a.partner_id
         group by 1, 2, 3, 4, 5, 6, 7;
        ${notify}
        return null;
      end $$;`);
    this.addSql(`create trigger "survey_response_analytics" after insert on "survey_response" referencing new table as inserted for each statement execute function "analytics_answers"();`);
  }

  private addFold(): void {
    // The local days of `days` as a bit string from `first`; and two such strings as one.
    this.addSql(`create function "analytics_days"(first date, days date[]) returns varbit language plpgsql immutable as $$
      declare
        result varbit;
        day date;
      begin
        select repeat('0', max(d) - first + 1)::varbit into result from unnest(days) d;
        foreach day in array days loop
          result := set_bit(result, day - first, 1);
        end loop;
        return result;
      end $$;`);
    this.addSql(`create function "analytics_days_or"(a_first date, a varbit, b_first date, b varbit) returns varbit language sql immutable as $$
      select (repeat('0', a_first - f) || a::text || repeat('0', n - (a_first - f) - length(a)))::varbit
           | (repeat('0', b_first - f) || b::text || repeat('0', n - (b_first - f) - length(b)))::varbit
        from (select least(a_first, b_first) as f, greatest(a_first + length(a), b_first + length(b)) - least(a_first, b_first) as n) s
    $$;`);
    // Whether a partner's bit string has a day in [p_from, p_to).
    this.addSql(`create function "analytics_active"(first date, days varbit, p_from date, p_to date) returns boolean language sql immutable as $$
      select p_to > first and p_from < first + length(days)
             and position(B'1' in substring(days from greatest(p_from - first, 0) + 1 for greatest(least(p_to, first + length(days)) - greatest(p_from, first), 0))) > 0
    $$;`);
    this.addFoldFunction();
  }

  /**
   * Folds at most \`max_rows\` committed deltas; returns how many it folded (fewer: none are
   * left). Callers hold the 'analytics-fold' advisory lock. The deltas are summed per slice and
   * day first (a few rows, spread over the DAY, MONTH and PROGRAM_DAY grains) and per partner
   * and day (PARTNER_DAY), rather than spreading every delta over every grain and sorting the
   * lot; the rows are written in one order, so two writers never deadlock. A partner's active
   * day already set leaves its row untouched: the common case, a partner busy all day.
   */
  private addFoldFunction(): void {
    const sums = FIGURES.map((figure) => `sum(${figure}) as ${figure}`).join(', ');
    this.addSql(`create function "analytics_fold"(max_rows int) returns int language plpgsql set work_mem = '64MB' as $$
      declare folded int;
      begin
        with taken as (delete from analytics_delta where ctid = any(array(select ctid from analytics_delta limit max_rows)) returning *),
             slices as (select program_id, day, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit, ${sums} from taken group by 1, 2, 3, 4, 5, 6, 7, 8, 9),
             totals as (
               insert into analytics_total (program_id, grain, partner_id, bucket, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit, ${LIST})
               select * from (
                 select d.program_id, g.grain, 0::bigint, g.bucket, g.region_id, g.kind, g.segment, g.level, d.campaign_id, d.scheme_instance_id, d.unit, ${SUMS}
                   from slices d cross join lateral (values
                     ${PROJECTIONS('d')
                       .flatMap(([family, slice]) => [`('${family}DAY', d.day, ${slice})`, `('${family}MONTH', date_trunc('month', d.day::timestamp)::date, ${slice})`])
                       .join(',\n                     ')}) as g(grain, bucket, region_id, kind, segment, level)
                  group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
                 union all
                 select program_id, 'PARTNER_DAY', partner_id, day, 0, '', '', 0, 0, 0, unit, ${SUMS} from taken group by program_id, partner_id, day, unit) r
                order by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
               on conflict (program_id, grain, partner_id, bucket, region_id, kind, segment, level, campaign_id, scheme_instance_id, unit) do update set ${ADD}),
             active as (
               insert into analytics_activity as a (program_id, partner_id, region_id, kind, segment, level, first_day, last_day, days)
               select program_id, partner_id, region_id, kind, segment, level, min(day), max(day),
                      case when min(day) = max(day) then B'1' else analytics_days(min(day), array_agg(day)) end
                 from taken where events > 0
                group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
               on conflict (program_id, partner_id, region_id, kind, segment, level) do update
                 set days = case when excluded.first_day = excluded.last_day and excluded.first_day between a.first_day and a.last_day
                                 then set_bit(a.days, excluded.first_day - a.first_day, 1)
                                 else analytics_days_or(a.first_day, a.days, excluded.first_day, excluded.days) end,
                     first_day = least(a.first_day, excluded.first_day), last_day = greatest(a.last_day, excluded.last_day)
                 where not (excluded.first_day = excluded.last_day and analytics_active(a.first_day, a.days, excluded.first_day, excluded.first_day + 1)))
             ${PERIOD_ACTIVITY}
        select count(*) into folded from taken;
        return folded;
      end $$;`);
  }
}
