import { Migration } from '@mikro-orm/migrations';
import { sourceFunction } from './Migration20261210100000_analytics.js';

/**
 * `analytics_source()` found each row's slice with one `analytics_partner_at()` call per event,
 * entry, partner and answer: ten million lookups for a year of a large program. A partner's
 * slice changes only at its history rows' `valid_from` and its level rows' `recorded_at`, so
 * `analytics_partner_slices()` cuts each partner's time at those moments into spans, asks
 * `analytics_partner_at()` once per span (the same rule, so the same answer) and the source
 * joins every row to its partner's span by time: one hash join instead of a lookup per row.
 *
 * The partners are the program's and those its ledger entries name: an entry written by hand
 * for another program's partner keeps the slice the lookup per row gave it.
 *
 * The function is PL/pgSQL with a declared row count, so it is planned as the thousands of
 * spans it gives and joined by hash, where an inlined estimate of a few rows chose nested loops.
 */
const SLICES = `create function "analytics_partner_slices"(p_program bigint)
  returns table (partner_id bigint, slice_from timestamptz, slice_to timestamptz, region_id bigint, kind text, segment text, level int)
  language plpgsql stable rows 100000 as $$
  begin
    return query
    with partners as (
           select t.id from partner t where t.program_id = p_program
           union
           select r.partner_id from reward r where r.program_id = p_program),
         breaks as (
           select h.partner_id, h.valid_from as at from partner_history h where h.partner_id in (select id from partners)
           union
           select l.partner_id, l.recorded_at from partner_level_history l where l.partner_id in (select id from partners)),
         spans as (
           select b.partner_id, b.at as slice_from, coalesce(lead(b.at) over (partition by b.partner_id order by b.at), 'infinity') as slice_to from breaks b
           union all
           select b.partner_id, '-infinity', min(b.at) from breaks b group by b.partner_id)
    select s.partner_id, s.slice_from, s.slice_to, a.region_id, a.kind, a.segment, a.level
      from spans s cross join lateral analytics_partner_at(s.partner_id, s.slice_from) a
     where s.slice_from < s.slice_to;
  end $$;`;

export class Migration20261211100000_analytics_slices extends Migration {
  override name = 'Migration20261211100000_analytics_slices';

  override up(): void | Promise<void> {
    this.addSql(SLICES);
    this.addSql(
      sourceFunction(
        (partner, at) => `join slices s on s.partner_id = ${partner} and ${at} >= s.slice_from and ${at} < s.slice_to`,
        `\n    with slices as (select * from analytics_partner_slices(p_program))`,
        // Planned as a nested loop or a merge join, the spans read their partners' events by
        // index, at random: 77 s for 10 million events, where one hash join over them took 16 s.
        ` set enable_nestloop = off set enable_mergejoin = off set work_mem = '256MB'`,
      ),
    );
  }
}
