import { EVENT_TYPE_PATTERN, isCurrencyCode } from '@cofactor/schema';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isId } from '../graphql/ids.js';
import { EARLIEST_EVENT_TIME, MAX_CODE_LENGTH, MAX_EXTERNAL_ID_LENGTH, checkAttributes, checkOptionalText, checkText } from '../validation.js';
import { refuseItems, type EventInput, type EventLimits } from './event.js';

/** The most events one call may carry. */
export const MAX_EVENTS_PER_CALL = 5000;
const MONEY_EVENT_TYPES = new Set(['SALE', 'REFUND', 'CHARGEBACK']);
/** Event types that return money of a sale, and so may name it in `refundOf`. */
const REFUND_TYPES = new Set(['REFUND', 'CHARGEBACK']);

/**
 * Step 1, validate: every item is checked before anything is read or written; a single bad
 * item fails the call with the list of every bad item's path and reason.
 */
export function validateEvents(inputs: EventInput[], limits: EventLimits, now: Date): void {
  if (inputs.length > MAX_EVENTS_PER_CALL) {
    throw errors.badInput([{ path: 'events', message: `at most ${MAX_EVENTS_PER_CALL} events per call, got ${inputs.length}` }]);
  }
  refuseItems(
    inputs.flatMap((input, index) => validate(input, `events[${index}]`, limits, now)),
    inputs.length,
    'are invalid',
  );
}

function validate(input: EventInput, path: string, limits: EventLimits, now: Date): InputIssue[] {
  const issues: InputIssue[] = [];
  checkText(input.externalId ?? '', `${path}.externalId`, MAX_EXTERNAL_ID_LENGTH, issues);
  if (input.type.length > MAX_CODE_LENGTH || !EVENT_TYPE_PATTERN.test(input.type)) {
    issues.push({ path: `${path}.type`, message: `"${input.type.slice(0, MAX_CODE_LENGTH)}" is not an event type (SALE, LEAD, ... or a custom UPPER_SNAKE name of at most ${MAX_CODE_LENGTH} characters)` });
  }
  validateAttribution(input, path, issues);
  validateMoney(input, path, limits, issues);
  if (input.refundOf !== undefined && input.refundOf !== null) {
    if (!REFUND_TYPES.has(input.type)) issues.push({ path: `${path}.refundOf`, message: `only a REFUND or CHARGEBACK names a sale, not a ${input.type}` });
    else checkText(input.refundOf, `${path}.refundOf`, MAX_EXTERNAL_ID_LENGTH, issues);
  }
  checkOptionalText(input.customerId, `${path}.customerId`, MAX_EXTERNAL_ID_LENGTH, issues);
  validateTime(input.occurredAt, `${path}.occurredAt`, limits, now, issues);
  checkAttributes(input.attributes, `${path}.attributes`, issues);
  return issues;
}

function validateAttribution(input: EventInput, path: string, issues: InputIssue[]): void {
  const attributions = [input.partnerId, input.referralCode, input.couponCode].filter((value) => value);
  if (attributions.length > 1 || (attributions.length === 0 && !input.refundOf)) {
    issues.push({ path: `${path}.partnerId`, message: 'give exactly one of partnerId, referralCode or couponCode' });
  } else if (input.partnerId && !isId(input.partnerId)) {
    issues.push({ path: `${path}.partnerId`, message: `"${String(input.partnerId).slice(0, MAX_CODE_LENGTH)}" is not an id` });
  }
  checkOptionalText(input.referralCode, `${path}.referralCode`, MAX_CODE_LENGTH, issues);
  checkOptionalText(input.couponCode, `${path}.couponCode`, MAX_CODE_LENGTH, issues);
}

/** An amount from 0 to the configured bound, with an ISO currency; SALE, REFUND and CHARGEBACK need one. */
function validateMoney(input: EventInput, path: string, limits: EventLimits, issues: InputIssue[]): void {
  const hasAmount = input.amount !== null && input.amount !== undefined;
  if (hasAmount) {
    const amount = BigInt(input.amount!);
    if (amount < 0n) issues.push({ path: `${path}.amount`, message: 'must not be negative (a refund is a REFUND event)' });
    else if (amount > limits.maxAmount) {
      issues.push({ path: `${path}.amount`, message: `must be at most ${limits.maxAmount} minor units (COFACTOR_MAX_AMOUNT), got ${amount}` });
    }
  }
  if (MONEY_EVENT_TYPES.has(input.type) && !hasAmount) issues.push({ path: `${path}.amount`, message: `is required for ${input.type}` });
  if (hasAmount && !input.currency) issues.push({ path: `${path}.currency`, message: 'is required with an amount' });
  if (input.currency && !isCurrencyCode(input.currency)) issues.push({ path: `${path}.currency`, message: 'must be an ISO 4217 code such as RUB' });
}

/** Not before EARLIEST_EVENT_TIME, and no further ahead of the server's clock than the allowed skew; survey answers' times too. */
export function validateTime(occurredAt: Date | null | undefined, path: string, limits: Pick<EventLimits, 'maxClockSkewSeconds'>, now: Date, issues: InputIssue[]): void {
  if (occurredAt === null || occurredAt === undefined) return;
  const latest = new Date(now.getTime() + limits.maxClockSkewSeconds * 1000);
  if (occurredAt < EARLIEST_EVENT_TIME) {
    issues.push({ path, message: `must not be before ${EARLIEST_EVENT_TIME.toISOString()}, got ${occurredAt.toISOString()}` });
  } else if (occurredAt > latest) {
    issues.push({
      path,
      message: `must not be more than ${limits.maxClockSkewSeconds} s after the server's clock (COFACTOR_MAX_CLOCK_SKEW), i.e. after ${latest.toISOString()}; got ${occurredAt.toISOString()}`,
    });
  }
}
