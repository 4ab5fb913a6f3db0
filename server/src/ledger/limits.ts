import { cappedKey, formatMoney, type LimitDetails, type LocalizedText } from '@cofactor/schema';
import type { CapPeriod } from '../campaigns/campaign.entity.js';
import type { LedgerEntry } from './entry.js';
import { firstPerKey } from './ledger.service.js';
import { periodOf, shiftPeriodKey } from '../periods/period.js';

/** A campaign's budget and per-partner cap, in minor units of its currency; null where it has none. */
export interface CampaignLimits {
  id: string;
  currency: string;
  budget: bigint | null;
  partnerCap: bigint | null;
  capPeriod: CapPeriod;
}

export interface CapWindow {
  /** The local months the window spans, as 'YYYY-MM-01' dates: [fromMonth, toMonth); null for the whole campaign. */
  fromMonth: string | null;
  toMonth: string | null;
  label: string;
}

/** What limits read and lock, inside the unit of work that will append the entries. */
export interface LimitsStore {
  /** The limits of those of these campaigns that have a budget or a cap, in id order. */
  campaignLimits(programId: string, campaignIds: string[]): Promise<CampaignLimits[]>;
  /** Which of these idempotency keys the ledger holds already. */
  existingKeys(programId: string, keys: string[]): Promise<Set<string>>;
  /** Takes these locks in the order given; they are held until the unit of work ends. */
  lock(keys: string[]): Promise<void>;
  /** Money granted so far by each of these campaigns. */
  grantedByCampaign(campaignIds: string[]): Promise<Map<string, bigint>>;
  /** Money granted so far by one campaign to each of these partners, within the window. */
  grantedByPartner(campaignId: string, partnerIds: string[], window: CapWindow): Promise<Map<string, bigint>>;
}

/** What is left of each limit while a batch's entries are taken in order. */
interface Room {
  limits: Map<string, CampaignLimits>;
  budgetLeft: Map<string, bigint>;
  /** By `<campaign>:<partner>`. */
  capLeft: Map<string, bigint>;
  windows: Map<string, CapWindow>;
}

const limitable = (entry: LedgerEntry) => entry.kind === 'MONEY' && entry.status === 'PENDING' && entry.amount > 0n;

/**
 * Budgets and per-partner caps (ledger/README.md, rule 9). Runs inside the unit of work that
 * will append the entries: it locks each limited campaign (and each capped partner in it),
 * reads what is already granted, and splits every entry that does not fit into a granted
 * part and a CAPPED rest. The locks last until commit, so a concurrent batch reads the
 * sums only after this one's entries are in them.
 */
export async function applyLimits(store: LimitsStore, programId: string, timeZone: string, proposed: LedgerEntry[], clock: Date): Promise<LedgerEntry[]> {
  // A reward proposed twice in one batch is limited once, as the first proposal, which is
  // the one the ledger keeps: a later copy would take budget room and leave a CAPPED rest
  // for a reward that was never split.
  const entries = firstPerKey(proposed);
  const campaignIds = [...new Set(entries.filter(limitable).map((entry) => entry.campaignId))];
  if (campaignIds.length === 0) return entries;
  const rows = await store.campaignLimits(programId, campaignIds);
  if (rows.length === 0) return entries;
  const limits = new Map(rows.map((row) => [row.id, row]));
  const limited = (entry: LedgerEntry) => limitable(entry) && limits.get(entry.campaignId)?.currency === entry.unit;

  // A re-run (a period closed again) recomputes entries that exist already; they must not count twice.
  const keys = entries.filter(limited).flatMap((entry) => [entry.idempotencyKey, cappedKey(entry.idempotencyKey)]);
  const existing = await store.existingKeys(programId, keys);
  const fresh = entries.filter((entry) => !limited(entry) || !existing.has(entry.idempotencyKey));
  const room = await measureRoom(store, limits, fresh.filter(limited), timeZone, clock);
  // Entries are taken in the order the pipeline produced them (event, then campaign, then scheme).
  return fresh.flatMap((entry) => (limited(entry) ? fit(entry, room) : [entry]));
}

/** Locks the limited campaigns and capped partners, then reads what each has left. */
async function measureRoom(store: LimitsStore, limits: Map<string, CampaignLimits>, limited: LedgerEntry[], timeZone: string, clock: Date): Promise<Room> {
  const lockKeys: string[] = [];
  const capped = new Map<string, Set<string>>();
  for (const limit of limits.values()) {
    if (limit.budget !== null) lockKeys.push(`budget:${limit.id}`);
    if (limit.partnerCap === null) continue;
    const partners = new Set(limited.filter((entry) => entry.campaignId === limit.id).map((entry) => entry.partnerId));
    capped.set(limit.id, partners);
    for (const partnerId of [...partners].sort()) lockKeys.push(`cap:${limit.id}:${partnerId}`);
  }
  // In one fixed order (campaign, then partner), so batches never wait for each other in a circle.
  await store.lock(lockKeys);

  // The granted sums are read after the locks, so they include every batch committed before.
  const room: Room = { limits, budgetLeft: new Map(), capLeft: new Map(), windows: new Map() };
  const budgeted = [...limits.values()].filter((limit) => limit.budget !== null);
  if (budgeted.length) {
    const granted = await store.grantedByCampaign(budgeted.map((limit) => limit.id));
    for (const limit of budgeted) room.budgetLeft.set(limit.id, limit.budget! - (granted.get(limit.id) ?? 0n));
  }
  for (const [campaignId, partners] of capped) {
    if (partners.size === 0) continue;
    const limit = limits.get(campaignId)!;
    const window = windowOf(clock, limit.capPeriod, timeZone);
    room.windows.set(campaignId, window);
    const granted = await store.grantedByPartner(campaignId, [...partners], window);
    for (const partnerId of partners) room.capLeft.set(`${campaignId}:${partnerId}`, limit.partnerCap! - (granted.get(partnerId) ?? 0n));
  }
  return room;
}

/** The entry whole if it fits what is left, else its granted part (if any) and its CAPPED rest; takes the room it uses. */
function fit(entry: LedgerEntry, room: Room): LedgerEntry[] {
  const limit = room.limits.get(entry.campaignId)!;
  const capKey = `${entry.campaignId}:${entry.partnerId}`;
  const fromBudget = room.budgetLeft.has(entry.campaignId) ? max0(room.budgetLeft.get(entry.campaignId)!) : null;
  const fromCap = room.capLeft.has(capKey) ? max0(room.capLeft.get(capKey)!) : null;
  const granted = [fromBudget, fromCap].reduce<bigint>((least, left) => (left !== null && left < least ? left : least), entry.amount);
  if (fromBudget !== null) room.budgetLeft.set(entry.campaignId, fromBudget - granted);
  if (fromCap !== null) room.capLeft.set(capKey, fromCap - granted);
  if (granted === entry.amount) return [entry];
  const byBudget = fromBudget !== null && fromBudget === granted && (fromCap === null || fromBudget <= fromCap);
  const reason = byBudget ? budgetReason(limit) : capReason(limit, room.windows.get(entry.campaignId)!);
  return split(entry, granted, limit.currency, reason, byBudget ? 'BUDGET' : 'PARTNER_CAP');
}

function split(entry: LedgerEntry, granted: bigint, currency: string, reason: LocalizedText, by: 'BUDGET' | 'PARTNER_CAP'): LedgerEntry[] {
  const money = (amount: bigint, locale: 'en' | 'ru') => formatMoney(amount, currency, locale);
  const rest = entry.amount - granted;
  const limit: LimitDetails = { capped: by, requested: entry.amount.toString(), granted: granted.toString() };
  const details = { ...entry.details, ...limit };
  const cappedEntry: LedgerEntry = {
    ...entry,
    status: 'CAPPED',
    amount: rest,
    idempotencyKey: granted === 0n ? entry.idempotencyKey : cappedKey(entry.idempotencyKey),
    explanationEn: `Not paid, ${reason.en}: ${money(rest, 'en')} of ${money(entry.amount, 'en')} (${entry.explanationEn})`,
    explanationRu: `Не начислено, ${reason.ru}: ${money(rest, 'ru')} из ${money(entry.amount, 'ru')} (${entry.explanationRu})`,
    details,
    reversal: 'NONE',
  };
  if (granted === 0n) return [cappedEntry];
  const grantedEntry: LedgerEntry = {
    ...entry,
    amount: granted,
    explanationEn: `${entry.explanationEn}; ${money(granted, 'en')} of ${money(entry.amount, 'en')} paid, ${reason.en}`,
    explanationRu: `${entry.explanationRu}; начислено ${money(granted, 'ru')} из ${money(entry.amount, 'ru')}, ${reason.ru}`,
    details: { ...details },
  };
  return [grantedEntry, cappedEntry];
}

function budgetReason(limit: CampaignLimits): LocalizedText {
  return {
    en: `the campaign budget of ${formatMoney(limit.budget!, limit.currency, 'en')} is used up`,
    ru: `бюджет кампании ${formatMoney(limit.budget!, limit.currency, 'ru')} исчерпан`,
  };
}

function capReason(limit: CampaignLimits, window: CapWindow): LocalizedText {
  return {
    en: `the cap of ${formatMoney(limit.partnerCap!, limit.currency, 'en')} per partner per ${window.label} is reached`,
    ru: `достигнут лимит ${formatMoney(limit.partnerCap!, limit.currency, 'ru')} на партнёра за ${ruLabel(window.label)}`,
  };
}

function max0(value: bigint): bigint {
  return value > 0n ? value : 0n;
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
