import { formatMoney } from '@cofactor/schema';
import type { SqlClient } from '../db/sql.js';
import type { LedgerEntry } from '../engine/rewards-engine.js';
import { firstPerKey } from './ledger.service.js';
import { periodOf, shiftPeriodKey } from '../periods/period.js';

export const CAP_PERIODS = ['MONTH', 'QUARTER', 'CAMPAIGN'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

interface CampaignLimits {
  id: string;
  currency: string;
  budget: bigint | null;
  partnerCap: bigint | null;
  capPeriod: CapPeriod;
}


/**
 * Budgets and per-partner caps (ledger/README.md, rule 9). Runs inside the transaction that
 * will append the entries: it locks each limited campaign (and each capped partner in it),
 * reads what is already granted, and splits every entry that does not fit into a granted
 * part and a CAPPED rest. The locks last until commit, so a concurrent batch reads the
 * sums only after this one's entries are in them.
 */
export async function applyLimits(
  client: SqlClient,
  programId: string,
  timeZone: string,
  proposed: LedgerEntry[],
  clock: Date,
): Promise<LedgerEntry[]> {
  // A reward proposed twice in one batch is limited once, as the first proposal, which is
  // the one the ledger keeps: a later copy would take budget room and leave a CAPPED rest
  // for a reward that was never split.
  const entries = firstPerKey(proposed);
  const limitable = (entry: LedgerEntry) => entry.kind === 'MONEY' && entry.status === 'PENDING' && entry.amount > 0n;
  const campaignIds = [...new Set(entries.filter(limitable).map((entry) => entry.campaignId))];
  if (campaignIds.length === 0) return entries;
  const { rows } = await client.query<{ id: string; currency: string; budget: string | null; partnerCap: string | null; capPeriod: CapPeriod }>(
    `select id, currency, budget::text, partner_cap::text as "partnerCap", cap_period as "capPeriod" from campaign
      where program_id = $1 and id = any($2::bigint[]) and (budget is not null or partner_cap is not null) order by id`,
    [programId, campaignIds],
  );
  if (rows.length === 0) return entries;
  const limits = new Map<string, CampaignLimits>(
    rows.map((row) => [
      row.id,
      { ...row, budget: row.budget === null ? null : BigInt(row.budget), partnerCap: row.partnerCap === null ? null : BigInt(row.partnerCap) },
    ]),
  );
  const limited = (entry: LedgerEntry) => limitable(entry) && limits.get(entry.campaignId)?.currency === entry.unit;

  // A re-run (a period closed again) recomputes entries that exist already; they must not count twice.
  const keys = entries.filter(limited).flatMap((entry) => [entry.idempotencyKey, `${entry.idempotencyKey}:capped`]);
  const existing = new Set(
    (await client.query<{ key: string }>('select idempotency_key as key from reward where program_id = $1 and idempotency_key = any($2::text[])', [programId, keys]))
      .rows.map((row) => row.key),
  );
  const fresh = entries.filter((entry) => !limited(entry) || !existing.has(entry.idempotencyKey));

  const lockKeys: string[] = [];
  const capped = new Map<string, Set<string>>();
  for (const limit of limits.values()) {
    if (limit.budget !== null) lockKeys.push(`budget:${limit.id}`);
    if (limit.partnerCap === null) continue;
    const partners = new Set(fresh.filter((entry) => limited(entry) && entry.campaignId === limit.id).map((entry) => entry.partnerId));
    capped.set(limit.id, partners);
    for (const partnerId of [...partners].sort()) lockKeys.push(`cap:${limit.id}:${partnerId}`);
  }
  // In one fixed order (campaign, then partner), so batches never wait for each other in a circle.
  await client.query(
    `select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest($1::text[]) with ordinality as l(k, position) order by position`,
    [lockKeys],
  );

  // The granted sums come from granted_money (kept by triggers on the ledger, per partner and
  // local month), read after the locks, so they include every batch committed before.
  const budgetLeft = new Map<string, bigint>();
  const budgeted = [...limits.values()].filter((limit) => limit.budget !== null);
  if (budgeted.length) {
    const spent = await client.query<{ campaignId: string; granted: string }>(
      `select c.id as "campaignId", coalesce(sum(g.amount), 0)::text as granted
         from unnest($1::bigint[]) as c(id) left join granted_money g on g.campaign_id = c.id group by c.id`,
      [budgeted.map((limit) => limit.id)],
    );
    for (const row of spent.rows) budgetLeft.set(row.campaignId, limits.get(row.campaignId)!.budget! - BigInt(row.granted));
  }

  const capLeft = new Map<string, bigint>();
  const windows = new Map<string, CapWindow>();
  for (const [campaignId, partners] of capped) {
    if (partners.size === 0) continue;
    const limit = limits.get(campaignId)!;
    const window = windowOf(clock, limit.capPeriod, timeZone);
    windows.set(campaignId, window);
    const spent = await client.query<{ partnerId: string; granted: string }>(
      `select partner_id as "partnerId", sum(amount)::text as granted from granted_money
        where campaign_id = $1 and partner_id = any($2::bigint[]) and ($3::date is null or (month >= $3 and month < $4))
        group by partner_id`,
      [campaignId, [...partners], window.fromMonth, window.toMonth],
    );
    const grantedTo = new Map(spent.rows.map((row) => [row.partnerId, BigInt(row.granted)]));
    for (const partnerId of partners) capLeft.set(`${campaignId}:${partnerId}`, limit.partnerCap! - (grantedTo.get(partnerId) ?? 0n));
  }

  // Entries are taken in the order the engine produced them (event, then campaign, then scheme).
  return fresh.flatMap((entry) => {
    if (!limited(entry)) return [entry];
    const limit = limits.get(entry.campaignId)!;
    const capKey = `${entry.campaignId}:${entry.partnerId}`;
    const fromBudget = budgetLeft.has(entry.campaignId) ? max0(budgetLeft.get(entry.campaignId)!) : null;
    const fromCap = capLeft.has(capKey) ? max0(capLeft.get(capKey)!) : null;
    const room = [fromBudget, fromCap].reduce<bigint>((least, left) => (left !== null && left < least ? left : least), entry.amount);
    if (fromBudget !== null) budgetLeft.set(entry.campaignId, fromBudget - room);
    if (fromCap !== null) capLeft.set(capKey, fromCap - room);
    if (room === entry.amount) return [entry];
    const byBudget = fromBudget !== null && fromBudget === room && (fromCap === null || fromBudget <= fromCap);
    const reason = byBudget
      ? {
          en: `the campaign budget of ${formatMoney(limit.budget!, limit.currency, 'en')} is used up`,
          ru: `бюджет кампании ${formatMoney(limit.budget!, limit.currency, 'ru')} исчерпан`,
        }
      : {
          en: `the cap of ${formatMoney(limit.partnerCap!, limit.currency, 'en')} per partner per ${windows.get(entry.campaignId)!.label} is reached`,
          ru: `достигнут лимит ${formatMoney(limit.partnerCap!, limit.currency, 'ru')} на партнёра за ${ruLabel(windows.get(entry.campaignId)!.label)}`,
        };
    const rest = entry.amount - room;
    const cappedEntry: LedgerEntry = {
      ...entry,
      status: 'CAPPED',
      amount: rest,
      idempotencyKey: room === 0n ? entry.idempotencyKey : `${entry.idempotencyKey}:capped`,
      explanationEn: `Not paid, ${reason.en}: ${formatMoney(rest, limit.currency, 'en')} of ${formatMoney(entry.amount, limit.currency, 'en')} (${entry.explanationEn})`,
      explanationRu: `Не начислено, ${reason.ru}: ${formatMoney(rest, limit.currency, 'ru')} из ${formatMoney(entry.amount, limit.currency, 'ru')} (${entry.explanationRu})`,
      details: { ...entry.details, capped: byBudget ? 'BUDGET' : 'PARTNER_CAP', requested: entry.amount.toString(), granted: room.toString() },
      reversal: 'NONE',
    };
    if (room === 0n) return [cappedEntry];
    const grantedEntry: LedgerEntry = {
      ...entry,
      amount: room,
      explanationEn: `${entry.explanationEn}; ${formatMoney(room, limit.currency, 'en')} of ${formatMoney(entry.amount, limit.currency, 'en')} paid, ${reason.en}`,
      explanationRu: `${entry.explanationRu}; начислено ${formatMoney(room, limit.currency, 'ru')} из ${formatMoney(entry.amount, limit.currency, 'ru')}, ${reason.ru}`,
      details: { ...entry.details, capped: byBudget ? 'BUDGET' : 'PARTNER_CAP', requested: entry.amount.toString(), granted: room.toString() },
    };
    return [grantedEntry, cappedEntry];
  });
}

function max0(value: bigint): bigint {
  return value > 0n ? value : 0n;
}

interface CapWindow {
  /** The local months the window spans, as 'YYYY-MM-01' dates: [fromMonth, toMonth); null for the whole campaign. */
  fromMonth: string | null;
  toMonth: string | null;
  label: string;
}

/** The cap window around `clock`: its month or quarter in the program's time zone, or the whole campaign. */
function windowOf(clock: Date, capPeriod: CapPeriod, timeZone: string): CapWindow {
  if (capPeriod === 'CAMPAIGN') return { fromMonth: null, toMonth: null, label: 'campaign' };
  const { key } = periodOf(clock, capPeriod, timeZone);
  return { fromMonth: firstMonthOf(key), toMonth: firstMonthOf(shiftPeriodKey(key, 1)), label: `${capPeriod === 'MONTH' ? 'month' : 'quarter'} (${key})` };
}

/** '2026-03' → '2026-03-01'; '2026-Q2' → '2026-04-01'. */
function firstMonthOf(key: string): string {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  return quarter ? `${quarter[1]}-${String((Number(quarter[2]) - 1) * 3 + 1).padStart(2, '0')}-01` : `${key}-01`;
}

function ruLabel(label: string): string {
  return label.replace(/^month/, 'месяц').replace(/^quarter/, 'квартал').replace(/^campaign$/, 'кампанию');
}
