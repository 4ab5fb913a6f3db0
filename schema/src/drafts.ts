/**
 * What the server relies on in a reward draft, declared once: the one draft validator that the
 * engine runs on every draft and the conformance kit runs on every sample, the idempotency keys
 * the server builds from a draft's key (and so reserves), and the details it reads or writes.
 */
import type { JsonValue } from './args.js';
import { isCurrencyCode } from './money.js';
import { REWARD_KINDS, REWARD_REVERSALS, type RewardDraft } from './scheme.js';

/**
 * A ledger entry's key: `<campaign id>:<instance key>:<draft key>`, unique in the program. The
 * server derives three more kinds of key from it, so a draft key may not look like them.
 */
export function ledgerKey(campaignId: string, instanceKey: string, draftKey: string): string {
  return `${campaignId}:${instanceKey}:${draftKey}`;
}

/** Appended to an entry's key for the CAPPED rest of it that a budget or cap did not grant. */
export const CAPPED_KEY_SUFFIX = ':capped';
/** Between an entry's key and a refund's event id, for the entry taking back part of it. */
export const REVERSAL_KEY_INFIX = ':reversal:';
/** Starts the draft-key part of a points redemption: `redeem:<partner id>:<caller's key>`. */
export const REDEMPTION_KEY_PREFIX = 'redeem:';

export function cappedKey(key: string): string {
  return `${key}${CAPPED_KEY_SUFFIX}`;
}

export function reversalKey(key: string, refundEventId: string): string {
  return `${key}${REVERSAL_KEY_INFIX}${refundEventId}`;
}

export function redemptionKey(partnerId: string, idempotencyKey: string): string {
  return `${REDEMPTION_KEY_PREFIX}${partnerId}:${idempotencyKey}`;
}

/**
 * Why a draft key would collide with a key the server builds, or null. The key is read as it
 * stands in the entry key, after a `:`, so `capped` alone is as taken as `sale:1:capped`.
 */
export function reservedKeyProblem(key: string): string | null {
  const inEntry = `:${key}`;
  if (inEntry.startsWith(`:${REDEMPTION_KEY_PREFIX}`)) return `starts with "${REDEMPTION_KEY_PREFIX}", reserved for points redemptions`;
  if (inEntry.endsWith(CAPPED_KEY_SUFFIX)) return `ends with "${CAPPED_KEY_SUFFIX}", reserved for the CAPPED rest of a reward`;
  if (inEntry.includes(REVERSAL_KEY_INFIX)) return `contains "${REVERSAL_KEY_INFIX}", reserved for the entries a refund writes`;
  return null;
}

/** The detail the server reads as a BADGE's name (`Partner.badges { name }`); the badge code when absent. */
export const BADGE_NAME_DETAIL = 'name';

/** What the server adds to the details of an entry a budget or cap cut (its granted part and its CAPPED rest). */
export interface LimitDetails {
  capped: 'BUDGET' | 'PARTNER_CAP';
  /** What the scheme asked for, in minor units. */
  requested: string;
  /** What was granted of it, in minor units. */
  granted: string;
}

/** Detail names the server writes over a scheme's own, so a scheme may not use them. */
export const SERVER_DETAILS: readonly (keyof LimitDetails)[] = ['capped', 'requested', 'granted'];

export interface DraftRules {
  /**
   * Partner ids as the caller knows them. The contract only says a non-empty string; the
   * server narrows it to its own ids, the kit's test partners are named freely.
   */
  isPartnerId?: (id: string) => boolean;
}

/**
 * Every problem with what a scheme returned, each naming the draft: empty when the drafts are
 * well-formed. Checks, per draft: a partner id; a known kind; a bigint amount; a unit (an ISO
 * currency for MONEY, `LEVEL` with a level of at least 1 for LEVEL); a key, unique within the
 * call and not one the server reserves; an explanation in en and ru; plain JSON details
 * without the server's names, a BADGE's name a non-empty string; a known reversal.
 */
export function validateDrafts(drafts: unknown, rules: DraftRules = {}): string[] {
  if (!Array.isArray(drafts)) return ['the scheme did not return a list of drafts'];
  // The engine runs this on every draft of every event: a loop that allocates only for problems.
  const result: string[] = [];
  const keys = drafts.length > 1 ? new Set<string>() : null;
  for (let index = 0; index < drafts.length; index++) {
    const draft = drafts[index] as Partial<RewardDraft>;
    const problems = draftProblems(draft, rules);
    if (keys && typeof draft.key === 'string' && draft.key !== '') {
      if (keys.has(draft.key)) problems.push('key repeated within one call');
      keys.add(draft.key);
    }
    for (const problem of problems) result.push(`draft ${index} (key ${JSON.stringify(draft.key)}): ${problem}`);
  }
  return result;
}

const LOCALES = ['en', 'ru'] as const;
const NOT_SPACE = /\S/;

function draftProblems(draft: Partial<RewardDraft>, rules: DraftRules): string[] {
  const problems: string[] = [];
  const { partnerId, kind, amount, unit, key } = draft;
  if (typeof partnerId !== 'string' || partnerId === '' || (rules.isPartnerId && !rules.isPartnerId(partnerId))) {
    problems.push(`partnerId ${JSON.stringify(partnerId)} is not a partner id`);
  }
  if (!(REWARD_KINDS as readonly unknown[]).includes(kind)) problems.push(`kind ${String(kind)} is not one of ${REWARD_KINDS.join(', ')}`);
  if (typeof amount !== 'bigint') problems.push(`amount is a ${typeof amount}, not a bigint`);
  if (typeof unit !== 'string' || unit === '') problems.push('no unit');
  else if (kind === 'MONEY' && !isCurrencyCode(unit)) problems.push(`MONEY in ${unit}, not an ISO currency`);
  else if (kind === 'LEVEL' && (unit !== 'LEVEL' || typeof amount !== 'bigint' || amount < 1n)) {
    problems.push('a LEVEL entry needs unit LEVEL and a level of at least 1');
  }
  if (typeof key !== 'string' || key === '') problems.push('no key');
  else {
    const reserved = reservedKeyProblem(key);
    if (reserved) problems.push(`key ${reserved}`);
  }
  for (const locale of LOCALES) {
    const text = draft.explanation?.[locale];
    // A test for any non-space character rather than trim(): no copy of every explanation.
    if (typeof text !== 'string' || !NOT_SPACE.test(text)) problems.push(`explanation has no ${locale} text`);
  }
  if (draft.details !== undefined) detailsProblems(draft, problems);
  if (draft.reversal !== undefined && !(REWARD_REVERSALS as readonly unknown[]).includes(draft.reversal)) {
    problems.push(`reversal ${String(draft.reversal)} is not one of ${REWARD_REVERSALS.join(', ')}`);
  }
  return problems;
}

/** Adds the problems of a draft's details to `problems`. */
function detailsProblems({ kind, details }: Partial<RewardDraft>, problems: string[]): void {
  if (!isPlainJson(details) || typeof details !== 'object' || details === null || Array.isArray(details)) {
    problems.push('details are not a plain JSON object');
    return;
  }
  for (const name of SERVER_DETAILS) if (name in details) problems.push(`details.${name} is written by the server`);
  const name = details[BADGE_NAME_DETAIL];
  if (kind === 'BADGE' && name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    problems.push(`details.${BADGE_NAME_DETAIL}, the badge's name, is not a non-empty string`);
  }
}

/** Details are stored as JSON next to the entry: no bigint, Date, undefined or class instances. */
function isPlainJson(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!isPlainJson(item)) return false;
    return true;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const name in value) {
    if (Object.hasOwn(value, name) && !isPlainJson((value as Record<string, unknown>)[name])) return false;
  }
  return true;
}
