/**
 * What an endpoint can be told, with what each one means. The names follow the Standard
 * Webhooks convention (`group.event`); the triggers of the webhooks migration write them.
 */
export const WEBHOOK_EVENTS = {
  'reward.created': 'A ledger entry was written for a partner (money, points, a perk, a badge or a level).',
  'reward.approved': 'An entry became APPROVED: by hand, or because its hold days were over.',
  'reward.rejected': 'An entry became REJECTED, with the reason.',
  'reward.reversed': 'A refund or chargeback took back part of an entry: a new, negative entry (`correctsId` names the one it takes from).',
  'reward.capped': 'An entry was written CAPPED: a budget or a partner cap stopped it.',
  'payout.created': 'A payout batch created a payout for a partner.',
  'payout.paid': 'A payout was marked PAID.',
  'payout.failed': 'A payout was marked FAILED; its entries go into the next batch.',
  'partner.created': 'A partner joined the program.',
  'partner.status_changed': "A partner's status changed (`previousStatus` says from what).",
  'partner.level_changed': "A partner's level changed (`previousLevel` says from what).",
  'badge.awarded': 'A partner earned a badge.',
  'perk.fulfilment_changed': "A perk's delivery state was recorded (GRANTED or DELIVERED).",
  'period.closed': "A campaign's period was closed and its period rewards written.",
} as const;

export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEvent[];

export function isWebhookEvent(name: string): name is WebhookEvent {
  return Object.hasOwn(WEBHOOK_EVENTS, name);
}
