import DataLoader from 'dataloader';
import { BADGE_NAME_DETAIL } from '@cofactor/schema';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../app.js';
import { actorKind, type ActorKind } from '../auth/partner-view.js';
import { Campaign } from '../campaigns/campaign.entity.js';
import { SchemeInstance } from '../campaigns/scheme-instance.entity.js';
import type { EventType as EventRow } from '../events/event.types.js';
import type { DownlineLevel } from '../hierarchy/hierarchy.service.js';
import type { PartnerStatement, RewardRow } from '../ledger/ledger.service.js';
import type { StatusChange } from '../ledger/lifecycle.service.js';
import type { PayoutRow } from '../payouts/payout.service.js';
import type { FulfilmentChange } from '../perks/perk.service.js';
import type { PartnerRow } from '../partners/partner.service.js';
import { Region } from '../regions/region.entity.js';
import type { WebhookAttemptRow } from '../webhooks/webhook.service.js';

/**
 * The one loader factory: one DataLoader per relation per request, so a page of 500
 * rewards costs the same number of SQL statements as a page of 5.
 */
export function createLoaders(app: App, em: EntityManager, programId: string | null) {
  const inProgram = <T>(load: (programId: string, keys: readonly string[]) => Promise<T[]>) => (keys: readonly string[]) =>
    programId ? load(programId, keys) : Promise.resolve(keys.map(() => null) as T[]);
  const byId = <T extends { id: string }>(rows: T[], keys: readonly string[]) => {
    const map = new Map(rows.map((row) => [row.id, row]));
    return keys.map((key) => map.get(key) ?? null);
  };
  /** Which of these campaigns are the program's: scheme instances are read through them only. */
  const campaignsOf = async (program: string, ids: readonly string[]) =>
    new Set(
      (await app.sql.query<{ id: string }>('select id::text from campaign where program_id = $1 and id = any($2::bigint[])', [program, [...new Set(ids)]])).map(
        (campaign) => campaign.id,
      ),
    );
  return {
    partner: new DataLoader<string, PartnerRow | null>(
      inProgram(async (program, ids) => byId(await app.partners.byIds(program, ids), ids)),
    ),
    region: new DataLoader<string, Region | null>(
      inProgram(async (program, ids) => byId(await em.find(Region, { programId: program, id: { $in: [...ids] } }), ids)),
    ),
    campaign: new DataLoader<string, Campaign | null>(
      inProgram(async (program, ids) => byId(await em.find(Campaign, { programId: program, id: { $in: [...ids] } }), ids)),
    ),
    schemeInstance: new DataLoader<string, SchemeInstance | null>(
      inProgram(async (program, ids) => {
        const rows = await em.find(SchemeInstance, { id: { $in: [...ids] } });
        const owned = await campaignsOf(program, rows.map((row) => row.campaignId));
        return byId(rows.filter((row) => owned.has(row.campaignId)), ids);
      }),
    ),
    /** Active scheme instances per campaign, in order. */
    campaignSchemes: new DataLoader<string, SchemeInstance[]>(
      inProgram(async (program, campaignIds) => {
        const owned = await campaignsOf(program, campaignIds);
        const rows = await em.find(
          SchemeInstance,
          { campaignId: { $in: [...owned] }, retiredAt: null },
          { orderBy: { campaignId: 'asc', position: 'asc' } },
        );
        return campaignIds.map((id) => rows.filter((row) => row.campaignId === id));
      }),
    ),
    event: new DataLoader<string, EventRow | null>(
      inProgram(async (program, ids) => byId(await app.sql.query<EventRow>(
        `select e.id, e.partner_id as "partnerId", e.external_id as "externalId", e.type, e.amount::text as amount, e.currency, e.occurred_at as "occurredAt",
                e.first_purchase as "firstPurchase", s.external_id as "refundOf"
           from event e left join event s on s.id = e.refund_of_id where e.program_id = $1 and e.id = any($2::bigint[])`,
        [program, ids],
      ), ids)),
    ),
    /** Fulfilment history per PERK reward. */
    perkFulfilment: new DataLoader<string, (FulfilmentChange & { changedByKind: ActorKind })[]>(async (rewardIds) => {
      const histories = await app.perks.histories(rewardIds);
      return rewardIds.map((id) => (histories.get(id) ?? []).map((change) => ({ ...change, changedByKind: actorKind(change.changedBy) })));
    }),
    reward: new DataLoader<string, RewardRow | null>(
      inProgram(async (program, ids) => byId(await app.ledger.byIds(null, program, [...ids]), ids)),
    ),
    /** Approvals, rejections and payments per reward. */
    statusHistory: new DataLoader<string, (StatusChange & { changedByKind: ActorKind })[]>(async (rewardIds) => {
      const histories = await app.lifecycle.histories(rewardIds);
      return rewardIds.map((id) => (histories.get(id) ?? []).map((change) => ({ ...change, changedByKind: actorKind(change.changedBy) })));
    }),
    /** A partner's statements (one per currency it has money rewards in) and spendable points: one read for both fields. */
    ledgerSummary: new DataLoader<string, { statements: PartnerStatement[]; points: bigint }>(
      inProgram(async (program, ids) => {
        const { statements, points } = await app.ledger.summaries(program, ids);
        return ids.map((id) => ({ statements: statements.filter((statement) => statement.partnerId === id), points: points.get(id) ?? 0n }));
      }),
    ),
    /** Every attempt per webhook delivery. */
    webhookAttempts: new DataLoader<string, WebhookAttemptRow[]>(async (deliveryIds) => {
      const attempts = await app.webhooks.attempts(deliveryIds);
      return deliveryIds.map((id) => attempts.get(id) ?? []);
    }),
    batchPayouts: new DataLoader<string, PayoutRow[]>(async (batchIds) => {
      const payouts = await app.payouts.ofBatches(batchIds);
      return batchIds.map((id) => payouts.get(id) ?? []);
    }),
    /** Entry ids per payout. */
    payoutItems: new DataLoader<string, string[]>(async (payoutIds) => {
      const items = await app.payouts.items(payoutIds);
      return payoutIds.map((id) => items.get(id) ?? []);
    }),
    /** BADGE entries per partner. */
    badges: new DataLoader<string, { code: string; name: string; awardedAt: Date; rewardId: string }[]>(
      inProgram(async (program, partnerIds) => {
        const rows = await app.sql.query<{ partnerId: string; code: string; name: string; awardedAt: Date; rewardId: string }>(
          `select partner_id as "partnerId", unit as code, coalesce(details->>'${BADGE_NAME_DETAIL}', unit) as name, created_at as "awardedAt", id as "rewardId"
             from reward where program_id = $1 and partner_id = any($2::bigint[]) and kind = 'BADGE'
              and status not in ('REJECTED', 'CAPPED') order by id`,
          [program, partnerIds],
        );
        return partnerIds.map((id) => rows.filter((row) => row.partnerId === id).map(({ partnerId: _, ...badge }) => badge));
      }),
    ),
    /** Spendable points per partner, in hundredths. */
    /** Key: the program id; one read however many partners' catalogs a request asks for. */
    activeCatalog: new DataLoader<string, Awaited<ReturnType<App['points']['activeCatalog']>>>((programs) => Promise.all(programs.map((program) => app.points.activeCatalog(program)))),
    /** Key: `<partnerId>:<depth>`. */
    downline: new DataLoader<string, DownlineLevel[]>(async (keys) => {
      const depth = Math.max(...keys.map((key) => Number(key.split(':')[1])));
      const counts = await app.hierarchy.downlineCounts([...new Set(keys.map((key) => key.split(':')[0]))], depth);
      return keys.map((key) => {
        const [partnerId, limit] = key.split(':');
        return (counts.get(partnerId) ?? []).filter((level) => level.depth <= Number(limit));
      });
    }),
    /** Key: `<partnerId>:<levels>`; values are ancestor ids, nearest first. */
    upline: new DataLoader<string, { depth: number; ancestorId: string }[]>(async (keys) => {
      const levels = Math.max(...keys.map((key) => Number(key.split(':')[1])));
      const rows = await app.hierarchy.uplines([...new Set(keys.map((key) => key.split(':')[0]))], levels);
      return keys.map((key) => {
        const [partnerId, limit] = key.split(':');
        return rows.filter((row) => row.descendantId === partnerId && row.depth <= Number(limit));
      });
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
