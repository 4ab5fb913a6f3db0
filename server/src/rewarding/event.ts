import type { JsonObject, SchemeEvent } from '@cofactor/schema';
import type { CofactorConfig } from '../config.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { toSnapshot, type SnapshotRow } from '../partners/partner-snapshot.js';
import type { SentEvent } from './resends.js';

/** How large an amount and how far ahead an `occurredAt` a call may send (COFACTOR_MAX_AMOUNT, COFACTOR_MAX_CLOCK_SKEW). */
export type EventLimits = Pick<CofactorConfig, 'maxAmount' | 'maxClockSkewSeconds'>;

export interface EventInput {
  externalId: string;
  type: string;
  partnerId?: string | null;
  referralCode?: string | null;
  couponCode?: string | null;
  customerId?: string | null;
  amount?: bigint | number | null;
  currency?: string | null;
  occurredAt?: Date | null;
  attributes?: JsonObject | null;
  /** For a REFUND or CHARGEBACK: the externalId of the SALE it returns money of. */
  refundOf?: string | null;
}

export interface RecordEventsResult {
  /** Events stored by this call. */
  accepted: number;
  /** Events already stored earlier (or repeated within the call) with the same content: nothing was written for them. */
  duplicates: number;
  duplicateExternalIds: string[];
  rewardsCreated: number;
}

/** An event whose partner (and, for a refund, whose sale) is known. */
export interface ResolvedEvent {
  input: EventInput;
  partner: SnapshotRow;
  couponId: string | null;
  occurredAt: Date;
  amount: bigint | null;
  /** The sale a refund returns money of. */
  sale: SaleRow | null;
}

/** A sale a refund names: stored (with its id) or sent earlier in the same call (id null). */
export interface SaleRow {
  id: string | null;
  externalId: string;
  type: string;
  partnerId: string;
  amount: bigint;
  currency: string | null;
}

export function toSchemeEvent(id: string, item: ResolvedEvent, firstPurchase: boolean): SchemeEvent {
  return {
    id,
    externalId: item.input.externalId,
    type: item.input.type,
    partner: toSnapshot(item.partner),
    customerId: item.input.customerId ?? null,
    firstPurchase,
    couponCode: item.input.couponCode ?? null,
    amount: item.amount,
    currency: item.input.currency ?? null,
    occurredAt: item.occurredAt,
    attributes: item.input.attributes ?? {},
  };
}

export function toSentEvent(item: ResolvedEvent, index: number): SentEvent {
  const { input } = item;
  return {
    index,
    externalId: input.externalId,
    attributedBy: input.partnerId ? 'partnerId' : input.referralCode ? 'referralCode' : input.couponCode ? 'couponCode' : 'refundOf',
    content: {
      type: input.type,
      partnerId: item.partner.id,
      couponCode: input.couponCode ?? null,
      customerId: input.customerId ?? null,
      amount: item.amount?.toString() ?? null,
      currency: input.currency ?? null,
      occurredAt: input.occurredAt ?? null,
      refundOf: input.refundOf ?? null,
      attributes: input.attributes ?? {},
    },
  };
}

/** Items that reuse an externalId for other content refuse the whole call: nothing of it is written. */
export function refuseConflicts(issues: InputIssue[]): void {
  if (issues.length === 0) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more difference${issues.length > 2 ? 's' : ''} in extensions.issues)` : '';
  const [first] = issues;
  throw errors.conflict(`${first.path.split('.')[0]}: ${first.message}${more}; nothing was recorded`, undefined, issues);
}

/** The BAD_USER_INPUT for a call some of whose items are wrong: it names how many, and every issue's path. */
export function refuseItems(issues: InputIssue[], count: number, reason: string): void {
  if (issues.length === 0) return;
  throw errors.badInput(issues, `${new Set(issues.map((i) => i.path.split('.')[0])).size} of ${count} events ${reason}; nothing was recorded`);
}
