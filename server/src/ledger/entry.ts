import type { JsonObject, RewardDraft, RewardReversal } from '@cofactor/schema';
import type { RewardStatus } from './reward.entity.js';

/**
 * One entry on its way into the ledger: a scheme's draft the pipeline accepted, the granted
 * or CAPPED part of one after limits, a refund's compensation, or a points redemption. Who
 * earns what is the draft's (`RewardDraft`); the rest is where it came from and where it stands.
 */
export interface LedgerEntry extends Pick<RewardDraft, 'partnerId' | 'kind' | 'amount' | 'unit'> {
  campaignId: string;
  schemeInstanceId: string;
  eventId: string | null;
  /** The period of a period reward ('2026-03'); null for an event's reward. */
  periodKey: string | null;
  /** Scheme rewards start PENDING; a points redemption is APPROVED at once. */
  status: RewardStatus;
  idempotencyKey: string;
  explanationEn: string;
  explanationRu: string;
  details: JsonObject;
  holdUntil: Date;
  /** For a compensating entry, the entry it takes back part of. */
  correctsId: string | null;
  reversal: RewardReversal;
}
