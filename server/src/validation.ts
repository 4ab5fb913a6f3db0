import type { InputIssue } from './graphql/errors.js';

/**
 * The bounds of what a caller may send, one named constant each, and the checks that apply
 * them. A check adds an issue with the field's path and changes nothing else, so a service
 * can gather every issue of a call and refuse it whole before anything is written.
 * Lengths are in characters as JavaScript counts them (UTF-16 code units).
 */

/** Names of partners, campaigns, regions, catalog items. */
export const MAX_NAME_LENGTH = 200;
/** Codes: region, coupon, referral and scheme codes, event types, partner kinds, catalog item codes. */
export const MAX_CODE_LENGTH = 64;
/** Ids a caller's own system gives: event and partner externalIds, customerIds, `refundOf`, payment references. */
export const MAX_EXTERNAL_ID_LENGTH = 200;
/** RFC 5321's limit on an address in a mail path. */
export const MAX_EMAIL_LENGTH = 254;
/** Free text a person writes: rejection and failure reasons, notes. */
export const MAX_TEXT_LENGTH = 1000;
/** Idempotency keys of payouts and redemptions. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;
/** An event's `attributes`, serialized as JSON, in bytes. */
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
/** How deeply an event's `attributes` may nest: the object itself is level 1. */
export const MAX_ATTRIBUTES_DEPTH = 8;
/**
 * The largest money setting, in minor units (or hundredths of a point): budgets, caps, payout
 * minimums, the amounts in a scheme's args, catalog costs. It fits PostgreSQL's bigint
 * (9.2·10^18) with room; event amounts have their own, smaller bound (COFACTOR_MAX_AMOUNT).
 */
export const MAX_MONEY_SETTING = 10n ** 18n;
/** Partner levels run from 1 to this. */
export const MAX_LEVEL = 100;
/** Events older than this are refused: no program's history starts before it, and a date before it is a client's bug. */
export const EARLIEST_EVENT_TIME = new Date('2000-01-01T00:00:00.000Z');

const IDEMPOTENCY_KEY_PATTERN = new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);
// Deliberately loose (a dot in the domain, no spaces, one @): whether mail arrives is the brand's to find out.
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/** Text of at most `max` characters that is not blank; returns whether it passed. */
export function checkText(value: string, path: string, max: number, issues: InputIssue[]): boolean {
  if (!value.trim() || value.length > max) {
    issues.push({ path, message: `must be 1–${max} characters, got ${value.trim() ? value.length : 'none'}` });
    return false;
  }
  return true;
}

/** A name, code or id that may be left out; when given, `checkText` applies. */
export function checkOptionalText(value: string | null | undefined, path: string, max: number, issues: InputIssue[]): boolean {
  return value === null || value === undefined || checkText(value, path, max, issues);
}

export function checkEmail(value: string | null | undefined, path: string, issues: InputIssue[]): void {
  if (value === null || value === undefined) return;
  if (value.length > MAX_EMAIL_LENGTH) issues.push({ path, message: `must be at most ${MAX_EMAIL_LENGTH} characters, got ${value.length}` });
  else if (!EMAIL_PATTERN.test(value)) issues.push({ path, message: `"${value}" is not an email address` });
}

export function checkIdempotencyKey(value: string | null | undefined, path: string, issues: InputIssue[]): void {
  if (value !== null && value !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(value)) {
    issues.push({ path, message: `must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} letters, digits or . _ : -` });
  }
}

/** A money amount from `min` to `max` (both inclusive); returns whether it passed. */
export function checkMoney(value: bigint, path: string, issues: InputIssue[], { min = 0n, max = MAX_MONEY_SETTING } = {}): boolean {
  if (value < min) issues.push({ path, message: min === 0n ? 'must not be negative' : `must be at least ${min}` });
  else if (value > max) issues.push({ path, message: `must be at most ${max}, got ${value}` });
  else return true;
  return false;
}

/** A JSON object of at most MAX_ATTRIBUTES_BYTES and MAX_ATTRIBUTES_DEPTH levels. */
export function checkAttributes(value: unknown, path: string, issues: InputIssue[]): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path, message: 'must be a JSON object' });
    return;
  }
  const depth = depthOf(value);
  if (depth > MAX_ATTRIBUTES_DEPTH) {
    issues.push({ path, message: `must nest at most ${MAX_ATTRIBUTES_DEPTH} levels deep` });
    return;
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > MAX_ATTRIBUTES_BYTES) issues.push({ path, message: `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON, got ${bytes}` });
}

/** The nesting depth of objects and lists, walked without recursion and given up past the limit. */
function depthOf(root: object): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[root, 1]];
  while (pending.length) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_ATTRIBUTES_DEPTH) return deepest;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return deepest;
}
