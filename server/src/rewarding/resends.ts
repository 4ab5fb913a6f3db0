import type { JsonObject, JsonValue } from '@cofactor/schema';
import type { InputIssue } from '../graphql/errors.js';

/**
 * What makes two events with one externalId the same event. An externalId is an idempotency
 * key, the way Stripe's are: a resend with the same content is a duplicate and writes nothing;
 * a resend with other content is the sender's bug, refused whole, never silently dropped.
 */
export interface EventContent {
  type: string;
  /** The partner it is attributed to, however the sender named it. */
  partnerId: string;
  couponCode: string | null;
  customerId: string | null;
  /** Minor units as digits. */
  amount: string | null;
  currency: string | null;
  /** Null when the sender left it out: then the recorded time stands. */
  occurredAt: Date | null;
  refundOf: string | null;
  attributes: JsonObject;
}

/** One item of a call, with its index (for the path) and the input field that named its partner. */
export interface SentEvent {
  index: number;
  externalId: string;
  attributedBy: 'partnerId' | 'referralCode' | 'couponCode' | 'refundOf';
  content: EventContent;
}

const FIELDS: readonly { key: keyof EventContent; label: string }[] = [
  { key: 'type', label: 'type' },
  { key: 'partnerId', label: 'partner' },
  { key: 'couponCode', label: 'couponCode' },
  { key: 'customerId', label: 'customerId' },
  { key: 'amount', label: 'amount' },
  { key: 'currency', label: 'currency' },
  { key: 'occurredAt', label: 'occurredAt' },
  { key: 'refundOf', label: 'refundOf' },
  { key: 'attributes', label: 'attributes' },
];
/** How much of a long value (attributes) a message quotes. */
const QUOTED_LENGTH = 120;

/** An issue for each field in which a resent item differs from the event recorded with its externalId. */
export function resendConflicts(sent: readonly SentEvent[], recorded: ReadonlyMap<string, EventContent>): InputIssue[] {
  return sent.flatMap((item) => {
    const before = recorded.get(item.externalId);
    if (!before) return [];
    return differences(before, item.content).map((field) => ({
      path: pathOf(item, field.key),
      message: `externalId "${item.externalId}" was recorded with ${field.label} ${quote(before[field.key])}, this call sends ${quote(item.content[field.key])}`,
    }));
  });
}

/** An issue for each field in which a later item of the call differs from the first item with its externalId. */
export function repeatConflicts(sent: readonly SentEvent[]): InputIssue[] {
  const first = new Map<string, SentEvent>();
  return sent.flatMap((item) => {
    const earlier = first.get(item.externalId);
    if (!earlier) {
      first.set(item.externalId, item);
      return [];
    }
    return differences(earlier.content, item.content).map((field) => ({
      path: pathOf(item, field.key),
      message:
        `externalId "${item.externalId}" is sent twice in this call with different ${field.label}: ` +
        `events[${earlier.index}] sends ${quote(earlier.content[field.key])}, events[${item.index}] sends ${quote(item.content[field.key])}`,
    }));
  });
}

function differences(a: EventContent, b: EventContent): (typeof FIELDS)[number][] {
  return FIELDS.filter(({ key }) => {
    if (key === 'occurredAt') return a.occurredAt !== null && b.occurredAt !== null && a.occurredAt.getTime() !== b.occurredAt.getTime();
    if (key === 'attributes') return canonicalJson(a.attributes) !== canonicalJson(b.attributes);
    return a[key] !== b[key];
  });
}

function pathOf(item: SentEvent, key: keyof EventContent): string {
  return `events[${item.index}].${key === 'partnerId' ? item.attributedBy : key}`;
}

function quote(value: EventContent[keyof EventContent]): string {
  if (value === null) return 'none';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const json = canonicalJson(value);
    return json.length > QUOTED_LENGTH ? `${json.slice(0, QUOTED_LENGTH)}…` : json;
  }
  return value;
}

/** JSON with every object's keys sorted: equal for equal documents however their keys were ordered (jsonb reorders them). */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as JsonObject)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
