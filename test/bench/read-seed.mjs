// The data `pnpm bench read` reads: a year of sales of the demo program by bench partners and
// the ledger they earned (MONEY in RUB, some POINTS), with its monthly payouts and status log,
// bulk-loaded on the owner's connection with triggers off, then the board totals and analytics
// rollups rebuilt by the server's own code so that `cofactor verify` passes.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { rebuildAnalytics } from '../../server/dist/analytics/rollups.js';
import { Sql, StatementCounter } from '../../server/dist/db/sql.js';
import { rebuildBoardTotals } from '../../server/dist/leaderboards/board-totals.js';
import { fmt, log, rng, seedPartners } from './common.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// pg-copy-streams is a dependency of the server package only, so resolve it from there.
const { from: copyFrom } = createRequire(join(ROOT, 'server', 'package.json'))('pg-copy-streams');

export const PROGRAM_ID = '1'; // the demo program (RUB)
const DAY_MS = 86_400_000;
const SPAN_DAYS = 365; // the sales cover the year before the run
const HOLD_DAYS = 14;
const POINTS_EVERY = 9; // one sale in this many also earns points: 10% of the rewards
const CHUNK = 10_000; // events per generated COPY chunk
const CAMPAIGN_NAME = 'Read bench campaign';
/** The reader is the partner whose reward count is nearest this (at least MIN_READER_REWARDS), among those with payouts. */
const READER_REWARDS = 200;
export const MIN_READER_REWARDS = 100;
const EVENT_COLUMNS = 'id, program_id, external_id, type, partner_id, amount, currency, first_purchase, occurred_at, recorded_at, batch_id, batch_position';

/** The campaign the rewards belong to, through the API as an admin would create it: 5% of sales and points, 14 hold days, no budget. */
async function createCampaign(graphql, db) {
  const startsAt = new Date(Date.now() - (SPAN_DAYS + 30) * DAY_MS).toISOString();
  const { createCampaign: campaign } = await graphql(`mutation($startsAt: DateTime!) { createCampaign(input: {name: "${CAMPAIGN_NAME}", startsAt: $startsAt, currency: "RUB",
    holdDays: ${HOLD_DAYS}, schemes: [{code: "percentage-of-sales", args: {percent: "5"}}, {code: "points"}]}) { id } }`, { startsAt });
  await graphql('mutation($id: ID!) { activateCampaign(id: $id) { id } }', { id: campaign.id });
  const { rows } = await db.query('select id::text, key from scheme_instance where campaign_id = $1 order by position', [campaign.id]);
  const key = await db.query('select id::text from api_key where program_id = $1 order by id limit 1', [PROGRAM_ID]);
  return { id: campaign.id, money: rows[0], points: rows[1], adminKeyId: key.rows[0].id };
}

/**
 * Chunk `c` of the sales as COPY text, deterministic: sale i at an even share of the year plus
 * a random part of it, by a partner picked with index ∝ r² (a long tail: a few partners sell a
 * lot, most a little), of 1,000 to 50,000 RUB.
 */
function eventChunk(c, total, partners, from, firstId) {
  const random = rng(0x4ead + c);
  const step = (SPAN_DAYS * DAY_MS - 3_600_000) / total;
  let text = '';
  for (let i = c * CHUNK; i < Math.min(total, (c + 1) * CHUNK); i++) {
    const at = Math.floor(from + (i + random()) * step);
    const r = random();
    const partnerId = partners[Math.floor(partners.length * r * r)];
    const amount = 100_000 + Math.floor(random() * 4_900_001);
    text += `${firstId + i}\t${PROGRAM_ID}\tR-${firstId + i}\tSALE\t${partnerId}\t${amount}\tRUB\t${random() < 0.3 ? 't' : 'f'}\t${new Date(at).toISOString()}\t${new Date(at + 30_000).toISOString()}\t${Math.floor(i / 100) + 1}\t${i % 100}\n`;
  }
  return text;
}

async function copyEvents(db, total, partners, from) {
  const { rows } = await db.query('select coalesce(max(id), 0)::bigint + 1 as first from event');
  const firstId = Number(rows[0].first);
  const chunks = Math.ceil(total / CHUNK);
  let next = 0;
  const source = new Readable({
    read() {
      this.push(next < chunks ? eventChunk(next++, total, partners, from, firstId) : null);
    },
  });
  const copy = db.query(copyFrom(`copy event (${EVENT_COLUMNS}) from stdin`));
  await pipeline(source, copy);
  await db.query(`select setval(pg_get_serial_sequence('event', 'id'), (select max(id) from event))`);
  return { firstId, rows: Number(copy.rowCount) };
}

/**
 * The ledger of those sales, in time order (ids grow with created_at, as when written live):
 * a 5% MONEY reward for each, and 1 to 2 points for every POINTS_EVERY-th. Each entry's
 * status is what the lifecycle would have made of it by `now`: PENDING during its hold days,
 * then APPROVED; a MONEY entry is paid by the payout batch of the 1st of the month after its
 * hold ends — PAID if that batch was before this month's, still APPROVED in this month's.
 * The explanations read as the schemes write them, with the campaign's terms added (~150 characters).
 */
async function insertRewards(db, campaign, firstEventId, now) {
  const money = `${campaign.id}:${campaign.money.key}:sale:`;
  const points = `${campaign.id}:${campaign.points.key}:points:`;
  const { rowCount } = await db.query(
    `insert into reward (program_id, partner_id, campaign_id, scheme_instance_id, event_id, kind, amount, unit, status, idempotency_key,
                         explanation_en, explanation_ru, details, hold_until, created_at)
     select e.program_id, e.partner_id, $1, x.scheme, e.id, x.kind, x.amount, x.unit,
            case when e.recorded_at + interval '${HOLD_DAYS} days' >= $4 then 'PENDING'
                 when x.kind = 'MONEY' and date_trunc('month', e.recorded_at + interval '${HOLD_DAYS} days') + interval '1 month' < date_trunc('month', $4::timestamptz) then 'PAID'
                 else 'APPROVED' end,
            x.key, x.en, x.ru, x.details, e.recorded_at + interval '${HOLD_DAYS} days', e.recorded_at
       from event e
       cross join lateral (
         select 'MONEY' as kind, $2::bigint as scheme, e.amount / 20 as amount, 'RUB' as unit, $5::text || e.id as key,
                format('5%% of sale %s RUB (order %s): the base rate of the campaign "${CAMPAIGN_NAME}", held %s days before approval, then paid in the monthly payout',
                       to_char(e.amount / 100.0, 'FM999,999,990.00'), e.external_id, ${HOLD_DAYS}) as en,
                format('5%% от продажи %s ₽ (заказ %s): базовая ставка кампании «${CAMPAIGN_NAME}», %s дней удержания до одобрения, затем ежемесячная выплата',
                       to_char(e.amount / 100.0, 'FM999G999G990D00'), e.external_id, ${HOLD_DAYS}) as ru,
                jsonb_build_object('base', e.amount::text, 'percent', '5', 'rule', 'BASE') as details
         union all
         select 'POINTS', $3::bigint, 100 + 50 * (e.id % 3), 'POINTS', $6::text || e.id,
                format('%s points for sale %s of %s RUB: the tier from 0 sales of the campaign "${CAMPAIGN_NAME}", credited after %s days of hold',
                       (100 + 50 * (e.id % 3)) / 100.0, e.external_id, to_char(e.amount / 100.0, 'FM999,999,990.00'), ${HOLD_DAYS}),
                format('%s балла за продажу %s на %s ₽: ступень от 0 продаж кампании «${CAMPAIGN_NAME}», начисление после %s дней удержания',
                       (100 + 50 * (e.id % 3)) / 100.0, e.external_id, to_char(e.amount / 100.0, 'FM999G999G990D00'), ${HOLD_DAYS}),
                jsonb_build_object('measure', 'SALES_COUNT', 'volume', (e.id - $7)::text, 'tierFrom', '0', 'points', ((100 + 50 * (e.id % 3)) / 100.0)::text)
          where (e.id - $7) % ${POINTS_EVERY} = 0
       ) x
      where e.id >= $7
      order by e.recorded_at, e.id, x.kind`,
    [campaign.id, campaign.money.id, campaign.points.id, now, money, points, firstEventId],
  );
  return rowCount;
}

/**
 * The payouts that paid those entries: one batch on the 1st of each month, one payout per
 * partner in it holding the entries whose hold ended in the month before — PAID two days
 * later, except this month's, still CREATED — and the status log of every entry that moved:
 * PENDING → APPROVED when its hold ended (the scheduled approval, nobody), APPROVED → PAID by
 * the admin key with its payout.
 */
async function insertPayouts(db, campaign, now) {
  const batchOf = `date_trunc('month', r.hold_until) + interval '1 month'`;
  await db.query(
    `create temporary table bench_paid on commit drop as
       select r.id, r.partner_id, r.amount, r.status, ${batchOf} as batch_at from reward r
        where r.campaign_id = $1 and r.kind = 'MONEY' and r.status <> 'PENDING' and ${batchOf} <= $2`,
    [campaign.id, now],
  );
  const batches = await db.query(
    `insert into payout_batch (program_id, currency, minimum_amount, idempotency_key, created_by, created_at)
     select $1, 'RUB', 0, 'read-bench-' || to_char(batch_at, 'YYYY-MM'), $2, batch_at from (select distinct batch_at from bench_paid order by 1) b`,
    [PROGRAM_ID, campaign.adminKeyId],
  );
  const payouts = await db.query(
    `insert into payout (batch_id, program_id, partner_id, currency, amount, entries, status, reference, settled_by, settled_at, created_at)
     select b.id, $1, p.partner_id, 'RUB', sum(p.amount), count(*),
            case when p.batch_at < date_trunc('month', $3::timestamptz) then 'PAID' else 'CREATED' end,
            case when p.batch_at < date_trunc('month', $3::timestamptz) then 'PP-' || b.id || '-' || p.partner_id end,
            case when p.batch_at < date_trunc('month', $3::timestamptz) then $2::bigint end,
            case when p.batch_at < date_trunc('month', $3::timestamptz) then p.batch_at + interval '2 days' end, p.batch_at
       from bench_paid p join payout_batch b on b.program_id = $1 and b.idempotency_key = 'read-bench-' || to_char(p.batch_at, 'YYYY-MM')
      group by b.id, p.batch_at, p.partner_id order by b.id, p.partner_id`,
    [PROGRAM_ID, campaign.adminKeyId, now],
  );
  await db.query(
    `create temporary table bench_items on commit drop as
       select o.id as payout_id, p.id as reward_id, o.status, o.settled_at from bench_paid p
         join payout_batch b on b.program_id = $1 and b.idempotency_key = 'read-bench-' || to_char(p.batch_at, 'YYYY-MM')
         join payout o on o.batch_id = b.id and o.partner_id = p.partner_id`,
    [PROGRAM_ID],
  );
  const items = await db.query('insert into payout_item (payout_id, reward_id) select payout_id, reward_id from bench_items order by payout_id, reward_id');
  // Approvals first, so that each entry's changes chain in id order.
  const approvals = await db.query(
    `insert into reward_status_change (reward_id, from_status, to_status, changed_by, payout_id, changed_at)
     select id, 'PENDING', 'APPROVED', null, null, hold_until + interval '1 minute' from reward
      where campaign_id = $1 and status in ('APPROVED', 'PAID') order by id`,
    [campaign.id],
  );
  const payments = await db.query(
    `insert into reward_status_change (reward_id, from_status, to_status, changed_by, payout_id, changed_at)
     select reward_id, 'APPROVED', 'PAID', $1, payout_id, settled_at from bench_items where status = 'PAID' order by reward_id`,
    [campaign.adminKeyId],
  );
  return { batches: batches.rowCount, payouts: payouts.rowCount, items: items.rowCount, changes: approvals.rowCount + payments.rowCount };
}

/** The reader: a bench partner with at least MIN_READER_REWARDS rewards, some in a PAID payout and some in a CREATED one if any has, the count nearest READER_REWARDS. */
async function chooseReader(db, campaign) {
  const { rows } = await db.query(
    `select r.partner_id::text as id, count(*)::int as rewards,
            count(*) filter (where exists (select 1 from payout_item i where i.reward_id = r.id))::int as "inPayouts",
            count(*) filter (where r.status = 'PAID')::int as paid,
            (select count(*) from payout p where p.partner_id = r.partner_id and p.status = 'CREATED')::int as "createdPayouts"
       from reward r where r.campaign_id = $1 group by r.partner_id having count(*) >= $2
      order by ((select count(*) from payout p where p.partner_id = r.partner_id and p.status = 'CREATED') > 0) desc,
               (count(*) filter (where r.status = 'PAID') > 0) desc, abs(count(*) - $3), r.partner_id limit 1`,
    [campaign.id, MIN_READER_REWARDS, READER_REWARDS],
  );
  if (!rows[0] || rows[0].inPayouts === 0) throw new Error(`no bench partner has ${MIN_READER_REWARDS} rewards, some in payouts: seed more rewards (--rewards)`);
  return rows[0];
}

/** The derived tables, rebuilt by the server's own code (as `cofactor leaderboards rebuild` and `cofactor analytics rebuild` do). */
async function rebuildDerived(ownerUrl) {
  const sql = new Sql(ownerUrl, new StatementCounter(), 1);
  try {
    const totals = await rebuildBoardTotals(sql, PROGRAM_ID);
    const rollups = await rebuildAnalytics(sql, PROGRAM_ID);
    return { totals, rollups };
  } finally {
    await sql.close();
  }
}

/**
 * Seeds `opts.partners` partners and about `opts.rewards` rewards (10% POINTS) on the demo
 * program of the running server (`graphql` is an admin caller, `db` an owner connection).
 */
export async function seedReadProgram(graphql, db, ownerUrl, opts) {
  const t0 = performance.now();
  const seconds = (from) => ((performance.now() - from) / 1000).toFixed(1);
  const now = new Date();
  const campaign = await createCampaign(graphql, db);
  await db.query(`set timezone = 'UTC'`); // the monthly batches fall on UTC month starts
  await db.query('set session_replication_role = replica');
  const tree = await seedPartners(db, { programId: PROGRAM_ID, total: opts.partners, joinedAt: new Date(now.getTime() - 2 * SPAN_DAYS * DAY_MS).toISOString(), codePrefix: 'R' });
  log(`${fmt(tree.ids.length)} partners (levels ${tree.widths.join(' / ')}) in ${seconds(t0)} s`);
  // Sales: one MONEY reward each, plus a POINTS reward for every POINTS_EVERY-th, come to opts.rewards.
  const sales = Math.ceil((opts.rewards * POINTS_EVERY) / (POINTS_EVERY + 1));
  const t1 = performance.now();
  const events = await copyEvents(db, sales, tree.ids, now.getTime() - SPAN_DAYS * DAY_MS);
  log(`COPY event: ${fmt(events.rows)} sales in ${seconds(t1)} s`);
  const t2 = performance.now();
  await db.query('begin');
  const rewards = await insertRewards(db, campaign, events.firstId, now);
  const payouts = await insertPayouts(db, campaign, now);
  await db.query('commit');
  log(`${fmt(rewards)} rewards, ${fmt(payouts.payouts)} payouts in ${payouts.batches} monthly batches (${fmt(payouts.items)} items), ${fmt(payouts.changes)} status changes in ${seconds(t2)} s`);
  await db.query('set session_replication_role = origin');
  const t3 = performance.now();
  const derived = await rebuildDerived(ownerUrl);
  log(`rebuilt ${fmt(derived.totals)} board totals and ${fmt(derived.rollups)} analytics rows in ${seconds(t3)} s`);
  // What a settled database has: statistics and all-visible pages, so autovacuum stays out of the timed phases.
  const t4 = performance.now();
  for (const table of ['partner', 'partner_closure', 'event', 'reward', 'payout_batch', 'payout', 'payout_item', 'reward_status_change', 'board_total', 'analytics_total']) {
    await db.query(`vacuum analyze ${table}`);
  }
  await db.query('checkpoint');
  log(`vacuum analyze and checkpoint in ${seconds(t4)} s`);
  const reader = await chooseReader(db, campaign);
  const { rows } = await db.query(
    `select count(*) filter (where kind = 'MONEY')::int as money, count(*) filter (where kind = 'POINTS')::int as points,
            count(*) filter (where status = 'PENDING')::int as pending, count(*) filter (where status = 'APPROVED')::int as approved,
            count(*) filter (where status = 'PAID')::int as paid, round(avg(length(explanation_en)))::int as "enLength", round(avg(length(explanation_ru)))::int as "ruLength"
       from reward where campaign_id = $1`,
    [campaign.id],
  );
  return { campaignId: campaign.id, partners: tree.ids.length, sales: events.rows, rewards, ...payouts, mix: rows[0], reader, seconds: (performance.now() - t0) / 1000 };
}
