import type { Sql, SqlClient } from '../db/sql.js';

/** One broken rule: the entries (and payout) that break it, and how. */
export interface LedgerProblem {
  rule: string;
  /** Sorted by id; at most NAMED_ENTRIES (the message then says how many there are). */
  rewardIds: string[];
  payoutId?: string;
  message: string;
}

export interface LedgerVerification {
  checked: { entries: number; payouts: number };
  problems: LedgerProblem[];
}

export interface VerifyOptions {
  /** Check only this program; all programs when absent. */
  programId?: string | null;
  /** Called after each step with what it found, so a caller can show progress. */
  onStep?: (step: number, total: number, name: string, problems: number) => void;
}

/** A problem names at most this many entries, so one broken campaign cannot flood the report. */
const NAMED_ENTRIES = 20;

/** What every check query returns: one row per problem; `entries` counts them all where more may exist than are named. */
interface ProblemRow {
  rewardIds: string[];
  entries?: number;
  payoutId?: string | null;
  message: string;
}

interface Check {
  rule: string;
  /** One bulk query; `$1` is the program id or null for every program. */
  sql: string;
}

/** `$1` restricts to one program when it is not null. */
const inProgram = (alias: string) => `($1::bigint is null or ${alias}.program_id = $1)`;
/** The first ids of a group, in id order, as text; null for a group with none. */
const named = (id: string) => `(array_agg(${id}::text order by ${id}) filter (where ${id} is not null))[1:${NAMED_ENTRIES}]`;
/** Money that counts against a budget or cap (ledger/README.md, rule 9): net of compensating entries. */
const granted = (r: string, c: string) =>
  `${r}.campaign_id = ${c}.id and ${r}.program_id = ${c}.program_id and ${r}.kind = 'MONEY' and ${r}.unit = ${c}.currency
   and ${r}.status in ('PENDING', 'APPROVED', 'PAID')`;
/** The start of an entry's cap window in its program's time zone; null for a cap over the whole campaign. */
const capWindow = (c: string, r: string, p: string) =>
  `case ${c}.cap_period when 'MONTH' then date_trunc('month', ${r}.created_at at time zone ${p}.time_zone)
                        when 'QUARTER' then date_trunc('quarter', ${r}.created_at at time zone ${p}.time_zone) end`;

// unique-key: no two entries of a program share an idempotency key (README rule 2; the
// unique index enforces it, unless someone dropped it).
const uniqueKey: Check = {
  rule: 'unique-key',
  sql: `select ${named('r.id')} as "rewardIds", count(*)::int as entries,
               format('%s entries of program %s share the idempotency key "%s"', count(*), r.program_id, r.idempotency_key) as message
          from reward r
          join (select program_id, idempotency_key from reward r where ${inProgram('r')} group by 1, 2 having count(*) > 1) shared
            on shared.program_id = r.program_id and shared.idempotency_key = r.idempotency_key
         group by r.program_id, r.idempotency_key`,
};

// amount-shape: MONEY is in a 3-letter uppercase currency and POINTS in 'POINTS'; only a
// compensating entry or a points redemption (POINTS, APPROVED, no event, no period) is
// negative; a CAPPED entry, the part a limit stopped, is positive.
const amountShape: Check = {
  rule: 'amount-shape',
  sql: `select array[id::text] as "rewardIds", format('entry %s: %s', id, reasons) as message
          from (select r.id, concat_ws('; ',
                  case when r.kind = 'MONEY' and r.unit !~ '^[A-Z]{3}$' then format('a MONEY entry in "%s", not a currency code', r.unit) end,
                  case when r.kind = 'POINTS' and r.unit <> 'POINTS' then format('a POINTS entry in "%s", not POINTS', r.unit) end,
                  case when r.corrects_id is null and r.amount < 0
                        and not (r.kind = 'POINTS' and r.status = 'APPROVED' and r.event_id is null and r.period_key is null)
                       then format('%s is negative, but it is neither a compensating entry nor a points redemption', r.amount) end,
                  case when r.status = 'CAPPED' and r.amount <= 0 then format('a CAPPED entry of %s, not a positive amount a limit stopped', r.amount) end
                ) as reasons
                  from reward r where ${inProgram('r')}) shape
         where reasons <> ''`,
};

// correction-target: a compensating entry is negative and takes back part of an existing
// entry of the same program, partner, campaign, kind and unit, which is positive, is not a
// compensating entry itself, and is not CAPPED (nothing was granted to take back).
const correctionTarget: Check = {
  rule: 'correction-target',
  sql: `select array_remove(array[id::text, original_id::text], null) as "rewardIds",
               format('compensating entry %s of entry %s: %s', id, corrects_id, reasons) as message
          from (select c.id, c.corrects_id, o.id as original_id, concat_ws('; ',
                  case when c.amount >= 0 then format('it is %s, not negative', c.amount) end,
                  case when o.id is null then 'that entry does not exist' end,
                  case when (o.program_id, o.partner_id, o.campaign_id, o.kind, o.unit) <> (c.program_id, c.partner_id, c.campaign_id, c.kind, c.unit)
                       then format('its program, partner, campaign, kind and unit (%s, %s, %s, %s, %s) are not those of the entry it corrects (%s, %s, %s, %s, %s)',
                                   c.program_id, c.partner_id, c.campaign_id, c.kind, c.unit, o.program_id, o.partner_id, o.campaign_id, o.kind, o.unit) end,
                  case when o.amount <= 0 then format('the entry it corrects is %s, not positive', o.amount) end,
                  case when o.corrects_id is not null then format('the entry it corrects is itself a compensating entry (of %s)', o.corrects_id) end,
                  case when o.status = 'CAPPED' then 'the entry it corrects is CAPPED: nothing was granted to take back' end
                ) as reasons
                  from reward c left join reward o on o.id = c.corrects_id
                 where c.corrects_id is not null and ${inProgram('c')}) target
         where reasons <> ''`,
};

// reversal-bound: the compensating entries of an entry take back at most its amount in all.
const reversalBound: Check = {
  rule: 'reversal-bound',
  sql: `select array[o.id::text] || (select ${named('c.id')} from reward c where c.corrects_id = o.id) as "rewardIds", t.n + 1 as entries,
               format('entry %s of %s is taken back by %s in all, more than its amount', o.id, o.amount, -t.taken) as message
          from (select c.corrects_id, sum(c.amount) as taken, count(*)::int as n from reward c
                 where c.corrects_id is not null and ${inProgram('c')} group by c.corrects_id) t
          join reward o on o.id = t.corrects_id
         where t.taken < -o.amount`,
};

// correction-status: a compensating entry moves with its original — it is PENDING exactly
// when the original is, and REJECTED exactly when the original is.
const correctionStatus: Check = {
  rule: 'correction-status',
  sql: `select array[c.id::text, o.id::text] as "rewardIds",
               format('compensating entry %s is %s while the entry it corrects, %s, is %s (it must be PENDING or REJECTED exactly when that entry is)',
                      c.id, c.status, o.id, o.status) as message
          from reward c join reward o on o.id = c.corrects_id
         where c.corrects_id is not null and ${inProgram('c')}
           and ((c.status = 'PENDING') <> (o.status = 'PENDING') or (c.status = 'REJECTED') <> (o.status = 'REJECTED'))`,
};

// refund-bound: the refunds and chargebacks of a sale name a SALE of their program, are in
// its currency and total at most its amount. The entries named are the compensating entries
// those refunds wrote.
const refundBound: Check = {
  rule: 'refund-bound',
  sql: `with refunds as (
          select f.refund_of_id as sale_id, array_agg(f.id) as refund_ids, sum(f.amount) as refunded,
                 bool_and(f.program_id = s.program_id) as same_program, bool_and(f.currency is not distinct from s.currency) as same_currency
            from event f left join event s on s.id = f.refund_of_id
           where f.refund_of_id is not null and ${inProgram('f')}
           group by f.refund_of_id
        ), broken as (
          select f.*, concat_ws('; ',
                   case when s.id is null then 'that event does not exist' end,
                   case when s.type <> 'SALE' then format('it is a %s, not a SALE', s.type) end,
                   case when not f.same_program then 'it belongs to another program' end,
                   case when s.id is not null and not f.same_currency then format('not all of its refunds are in its currency %s', s.currency) end,
                   case when f.refunded > s.amount then format('its refunds total %s, more than its %s', f.refunded, s.amount) end
                 ) as reasons, s.external_id
            from refunds f left join event s on s.id = f.sale_id
        )
        select coalesce(taken.ids, '{}') as "rewardIds", taken.n as entries,
               format('sale %s (%s): %s', b.sale_id, coalesce(b.external_id, '?'), b.reasons) as message
          from broken b
          cross join lateral (select ${named('c.id')} as ids, count(*)::int as n from reward c
                               where c.event_id = any(b.refund_ids) and c.corrects_id is not null) taken
         where b.reasons <> ''`,
};

// payout-sum: a payout's amount is the sum of its entries and `entries` their count...
const payoutSum: Check = {
  rule: 'payout-sum',
  sql: `select coalesce((select ${named('i.reward_id')} from payout_item i where i.payout_id = t.id), '{}') as "rewardIds", t.n as entries, t.id::text as "payoutId",
               format('payout %s is %s %s with entries = %s, but its items sum to %s and count %s', t.id, t.amount, t.currency, t.entries, t.total, t.n) as message
          from (select p.id, p.amount, p.currency, p.entries, coalesce(sum(r.amount), 0) as total, count(r.id)::int as n
                  from payout p left join payout_item i on i.payout_id = p.id left join reward r on r.id = i.reward_id
                 where ${inProgram('p')} group by p.id) t
         where t.total <> t.amount or t.n <> t.entries`,
};

// ...and they are all MONEY entries of its program, partner and currency.
const payoutItems: Check = {
  rule: 'payout-sum',
  sql: `select ${named('r.id')} as "rewardIds", count(*)::int as entries, p.id::text as "payoutId",
               format('payout %s to partner %s in %s holds entries that are not MONEY entries of that partner and currency', p.id, p.partner_id, p.currency) as message
          from payout p join payout_item i on i.payout_id = p.id join reward r on r.id = i.reward_id
         where ${inProgram('p')} and (r.kind <> 'MONEY' or r.program_id <> p.program_id or r.partner_id <> p.partner_id or r.unit <> p.currency)
         group by p.id`,
};

// ...and every item names a payout and an entry (the items have no foreign keys: they are written in bulk).
const orphanItems: Check = {
  rule: 'payout-sum',
  sql: `select case when r.id is null then '{}'::text[] else array[r.id::text] end as "rewardIds", i.payout_id::text as "payoutId",
               format('payout item (%s, %s) names %s', i.payout_id, i.reward_id,
                      concat_ws(' and ', case when p.id is null then 'a payout that does not exist' end,
                                         case when r.id is null then 'an entry that does not exist' end)) as message
          from payout_item i left join payout p on p.id = i.payout_id left join reward r on r.id = i.reward_id
         where (p.id is null or r.id is null) and ($1::bigint is null or p.program_id = $1 or r.program_id = $1)`,
};

// payout-once: an entry is in at most one live (CREATED or PAID) payout...
const onceLive: Check = {
  rule: 'payout-once',
  sql: `select array[i.reward_id::text] as "rewardIds",
               format('entry %s is in %s live payouts: %s', i.reward_id, count(*), string_agg(p.id::text, ', ' order by p.id)) as message
          from payout_item i join payout p on p.id = i.payout_id
         where p.status in ('CREATED', 'PAID') and ${inProgram('p')}
         group by i.reward_id having count(*) > 1`,
};

// ...a PAID payout holds PAID entries and a CREATED one APPROVED entries...
const payoutStatuses: Check = {
  rule: 'payout-once',
  sql: `select ${named('r.id')} as "rewardIds", count(*)::int as entries, p.id::text as "payoutId",
               format('%s payout %s holds entries that are %s, not %s', p.status, p.id, string_agg(distinct r.status, ' or '),
                      case p.status when 'PAID' then 'PAID' else 'APPROVED' end) as message
          from payout p join payout_item i on i.payout_id = p.id join reward r on r.id = i.reward_id
         where ${inProgram('p')} and ((p.status = 'PAID' and r.status <> 'PAID') or (p.status = 'CREATED' and r.status <> 'APPROVED'))
         group by p.id`,
};

// ...and a PAID entry is in a PAID payout (in more than one is the first query's finding).
const paidInPayout: Check = {
  rule: 'payout-once',
  sql: `select array[r.id::text] as "rewardIds", format('entry %s is PAID but in no PAID payout', r.id) as message
          from reward r
         where r.status = 'PAID' and ${inProgram('r')}
           and not exists (select 1 from payout_item i join payout p on p.id = i.payout_id where i.reward_id = r.id and p.status = 'PAID')`,
};

// status-log: an entry's logged status changes chain (each starts where the one before, by
// id, ended) and end at its current status...
const statusChain: Check = {
  rule: 'status-log',
  sql: `with log as (
          select c.id, c.reward_id, c.from_status, c.to_status, r.status,
                 lag(c.id) over changes as previous_id, lag(c.to_status) over changes as previous, lead(c.id) over changes is null as last
            from reward_status_change c join reward r on r.id = c.reward_id
           where ${inProgram('r')}
          window changes as (partition by c.reward_id order by c.id)
        )
        select array[reward_id::text] as "rewardIds", format('status log of entry %s: %s', reward_id, concat_ws('; ',
                 min(format('change %s moves it from %s, but change %s left it %s', id, from_status, previous_id, previous)) filter (where id = first_break),
                 min(format('its last logged status is %s, but it is %s', to_status, status)) filter (where last and to_status <> status))) as message
          from (select *, min(id) filter (where from_status <> previous) over (partition by reward_id) as first_break
                  from log where from_status <> previous or (last and to_status <> status)) broken
         group by reward_id`,
};

// ...and a PAID entry was logged becoming PAID by a payout.
const paidLogged: Check = {
  rule: 'status-log',
  sql: `select array[r.id::text] as "rewardIds", format('entry %s is PAID, but no logged change made it PAID with a payout', r.id) as message
          from reward r
         where r.status = 'PAID' and ${inProgram('r')}
           and not exists (select 1 from reward_status_change c where c.reward_id = r.id and c.to_status = 'PAID' and c.payout_id is not null)`,
};

// ...and every logged change names an entry (the log has no foreign key: it is written in bulk).
const orphanChanges: Check = {
  rule: 'status-log',
  sql: `select '{}'::text[] as "rewardIds", format('status change %s names entry %s, which does not exist', c.id, c.reward_id) as message
          from reward_status_change c
         where $1::bigint is null and not exists (select 1 from reward r where r.id = c.reward_id)`,
};

// budget: a campaign's granted money stays within its budget. The entries named are the
// positive ones granted (in id order) after the budget was used up.
const budget: Check = {
  rule: 'budget',
  sql: `with over as (
          select c.id, c.program_id, c.budget, c.currency, sum(r.amount) as total
            from campaign c join reward r on ${granted('r', 'c')}
           where c.budget is not null and ${inProgram('c')}
           group by c.id having sum(r.amount) > c.budget
        )
        select ${named('id')} as "rewardIds", count(*)::int as entries,
               format('campaign %s has granted %s %s, more than its budget of %s', campaign_id, total, currency, budget) as message
          from (select c.id as campaign_id, c.budget, c.currency, c.total, r.id, r.amount, sum(r.amount) over (partition by c.id order by r.id) as running
                  from over c join reward r on ${granted('r', 'c')}) g
         where running > budget and amount > 0
         group by campaign_id, budget, currency, total`,
};

// partner-cap: what one partner is granted in a campaign per cap window — the calendar month
// or quarter of the entry's creation in the program's time zone, or the whole campaign —
// stays within the campaign's partner cap. Named: the positive entries past the cap.
const partnerCap: Check = {
  rule: 'partner-cap',
  sql: `with over as (
          select c.id, c.program_id, c.partner_cap, c.cap_period, c.currency, r.partner_id, ${capWindow('c', 'r', 'p')} as window_start, sum(r.amount) as total
            from campaign c join program p on p.id = c.program_id join reward r on ${granted('r', 'c')}
           where c.partner_cap is not null and ${inProgram('c')}
           group by c.id, p.id, r.partner_id, window_start having sum(r.amount) > c.partner_cap
        )
        select ${named('id')} as "rewardIds", count(*)::int as entries,
               format('partner %s was granted %s %s by campaign %s %s, more than its partner cap of %s', partner_id, total, currency, campaign_id,
                      case cap_period when 'MONTH' then 'in the month ' || to_char(window_start, 'YYYY-MM')
                                      when 'QUARTER' then 'in the quarter ' || to_char(window_start, 'YYYY-"Q"Q')
                                      else 'over the whole campaign' end, partner_cap) as message
          from (select c.id as campaign_id, c.partner_cap, c.cap_period, c.currency, c.partner_id, c.window_start, c.total, r.id, r.amount,
                       sum(r.amount) over (partition by c.id, c.partner_id, c.window_start order by r.id) as running
                  from over c join program p on p.id = c.program_id
                  join reward r on ${granted('r', 'c')} and r.partner_id = c.partner_id
                   and ${capWindow('c', 'r', 'p')} is not distinct from c.window_start) g
         where running > partner_cap and amount > 0
         group by campaign_id, partner_cap, cap_period, currency, partner_id, window_start, total`,
};

// granted-total: the sums kept for the limits (granted_money, per campaign, partner and local
// month) equal what the ledger holds, for every campaign with a budget or a partner cap.
const grantedTotal: Check = {
  rule: 'granted-total',
  sql: `with ledger as (
          select c.id as campaign_id, r.partner_id, (date_trunc('month', r.created_at at time zone p.time_zone))::date as month, sum(r.amount) as amount
            from campaign c join program p on p.id = c.program_id join reward r on ${granted('r', 'c')}
           where (c.budget is not null or c.partner_cap is not null) and ${inProgram('c')}
           group by 1, 2, 3
        ), kept as (
          select g.* from granted_money g join campaign c on c.id = g.campaign_id
           where (c.budget is not null or c.partner_cap is not null) and ${inProgram('c')}
        )
        select '{}'::text[] as "rewardIds",
               format('campaign %s, partner %s, month %s: the limits count %s granted, the ledger holds %s', coalesce(l.campaign_id, k.campaign_id),
                      coalesce(l.partner_id, k.partner_id), to_char(coalesce(l.month, k.month), 'YYYY-MM'), coalesce(k.amount, 0), coalesce(l.amount, 0)) as message
          from ledger l full join kept k on k.campaign_id = l.campaign_id and k.partner_id = l.partner_id and k.month = l.month
         where coalesce(l.amount, 0) <> coalesce(k.amount, 0)`,
};

// partner-history: every partner's history ends in the partner as it is now (status, kind,
// region, segment and sponsor; level), so what schemes read of the past leads to the present.
const partnerHistory: Check = {
  rule: 'partner-history',
  sql: `select '{}'::text[] as "rewardIds",
               format('partner %s of program %s is %s, but its history ends in %s', p.id, p.program_id,
                      concat_ws(' ', p.status, p.kind, 'region ' || coalesce(p.region_id::text, '-'), 'segment ' || coalesce(p.segment, '-'),
                                'sponsor ' || coalesce(p.sponsor_id::text, '-'), 'level ' || p.level),
                      coalesce(concat_ws(' ', h.status, h.kind, 'region ' || coalesce(h.region_id::text, '-'), 'segment ' || coalesce(h.segment, '-'),
                                         'sponsor ' || coalesce(h.sponsor_id::text, '-'), 'level ' || l.level), 'nothing')) as message
          from partner p
          left join lateral (select * from partner_history h where h.partner_id = p.id order by h.valid_from desc, h.id desc limit 1) h on true
          left join lateral (select level from partner_level_history l where l.partner_id = p.id order by l.valid_from desc, l.id desc limit 1) l on true
         where ${inProgram('p')}
           and (h.partner_id is null or l.level is null or (p.status, p.kind, p.region_id, p.segment, p.sponsor_id, p.level)
                is distinct from (h.status, h.kind, h.region_id, h.segment, h.sponsor_id, l.level))
         order by p.id`,
};

/** The steps `cofactor verify` reports, each a group of related checks. */
const STEPS: { name: string; checks: Check[] }[] = [
  { name: 'idempotency keys', checks: [uniqueKey] },
  { name: 'amounts and units', checks: [amountShape] },
  { name: 'compensating entries', checks: [correctionTarget, reversalBound, correctionStatus] },
  { name: 'refunds', checks: [refundBound] },
  { name: 'payout sums', checks: [payoutSum, payoutItems, orphanItems] },
  { name: 'payout membership', checks: [onceLive, payoutStatuses, paidInPayout] },
  { name: 'status log', checks: [statusChain, paidLogged, orphanChanges] },
  { name: 'budgets and caps', checks: [budget, partnerCap, grantedTotal] },
  { name: 'partner history', checks: [partnerHistory] },
];

const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/**
 * Re-checks the ledger's invariants (ledger/README.md, rules 2 and 7–11) on a live database
 * and names every entry that breaks one. Each check is one bulk query, whatever the size of
 * the ledger. All of them read one snapshot, in a read-only transaction: a batch committed
 * while they run shows up in none of them rather than in some, and nothing is ever written.
 */
export async function verifyLedger(sql: Sql, options: VerifyOptions = {}): Promise<LedgerVerification> {
  const programId = options.programId ?? null;
  return sql.transaction(async (client) => {
    await client.query('set transaction isolation level repeatable read, read only');
    if (programId !== null && (await client.query('select 1 from program where id = $1', [programId])).rows.length === 0) {
      throw new Error(`no program ${programId}`);
    }
    const { rows } = await client.query<{ entries: string; payouts: string }>(
      `select (select count(*) from reward r where ${inProgram('r')})::text as entries, (select count(*) from payout p where ${inProgram('p')})::text as payouts`,
      [programId],
    );
    const problems: LedgerProblem[] = [];
    for (const [index, step] of STEPS.entries()) {
      const found: LedgerProblem[] = [];
      for (const check of step.checks) found.push(...(await run(client, check, programId)));
      options.onStep?.(index + 1, STEPS.length, step.name, found.length);
      problems.push(...found);
    }
    return { checked: { entries: Number(rows[0].entries), payouts: Number(rows[0].payouts) }, problems };
  });
}

/** One check's problems, in order of the entries they name. */
async function run(client: SqlClient, check: Check, programId: string | null): Promise<LedgerProblem[]> {
  const { rows } = await client.query<ProblemRow>(check.sql, [programId]);
  return rows
    .map((row) => {
      const rewardIds = [...row.rewardIds].sort(byId);
      const more = row.entries !== undefined && row.entries > rewardIds.length ? ` (${rewardIds.length} of the ${row.entries} entries named)` : '';
      return { rule: check.rule, rewardIds, ...(row.payoutId ? { payoutId: row.payoutId } : {}), message: row.message + more };
    })
    .sort((a, b) => byId(a.rewardIds[0] ?? a.payoutId ?? '0', b.rewardIds[0] ?? b.payoutId ?? '0'));
}
