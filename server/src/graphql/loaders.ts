import DataLoader from 'dataloader';
import { BADGE_NAME_DETAIL } from '@cofactor/schema';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../app.js';
import { PreparedStatement } from '../db/sql.js';
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

/** What a request's loaders read with: the app's services, its EntityManager (forked on first use), its program. */
interface LoaderDeps {
  app: App;
  em: () => EntityManager;
  programId: string | null;
}

/** Loads nothing outside the request's program: without one, every key is null. */
const inProgram = <T>(d: LoaderDeps, load: (programId: string, keys: readonly string[]) => Promise<T[]>) => (keys: readonly string[]) =>
  d.programId ? load(d.programId, keys) : Promise.resolve(keys.map(() => null) as T[]);
const byId = <T extends { id: string }>(rows: T[], keys: readonly string[]) => {
  const map = new Map(rows.map((row) => [row.id, row]));
  return keys.map((key) => map.get(key) ?? null);
};
/** Which of these campaigns are the program's: scheme instances are read through them only. */
const campaignsOf = async (d: LoaderDeps, program: string, ids: readonly string[]) =>
  new Set(
    (await d.app.sql.query<{ id: string }>('select id::text from campaign where program_id = $1 and id = any($2::bigint[])', [program, [...new Set(ids)]])).map(
      (campaign) => campaign.id,
    ),
  );

/** A cabinet's badges: every BADGE entry of the partners that stands. */
const BADGES = new PreparedStatement(
  'badges-of-partners',
  `select partner_id as "partnerId", unit as code, coalesce(details->>'${BADGE_NAME_DETAIL}', unit) as name, created_at as "awardedAt", id as "rewardId"
     from reward where program_id = $1 and partner_id = any($2::bigint[]) and kind = 'BADGE'
      and status not in ('REJECTED', 'CAPPED') order by id`,
);

/** How each of a request's loaders is made: one DataLoader per relation. */
const MAKERS = {
  partner: (d: LoaderDeps) => new DataLoader<string, PartnerRow | null>(
    inProgram(d, async (program, ids) => byId(await d.app.partners.byIds(program, ids), ids)),
  ),
  region: (d: LoaderDeps) => new DataLoader<string, Region | null>(
    inProgram(d, async (program, ids) => byId(await d.em().find(Region, { programId: program, id: { $in: [...ids] } }), ids)),
  ),
  campaign: (d: LoaderDeps) => new DataLoader<string, Campaign | null>(
    inProgram(d, async (program, ids) => byId(await d.em().find(Campaign, { programId: program, id: { $in: [...ids] } }), ids)),
  ),
  schemeInstance: (d: LoaderDeps) => new DataLoader<string, SchemeInstance | null>(
    inProgram(d, async (program, ids) => {
      const rows = await d.em().find(SchemeInstance, { id: { $in: [...ids] } });
      const owned = await campaignsOf(d, program, rows.map((row) => row.campaignId));
      return byId(rows.filter((row) => owned.has(row.campaignId)), ids);
    }),
  ),
  /** Active scheme instances per campaign, in order. */
  campaignSchemes: (d: LoaderDeps) => new DataLoader<string, SchemeInstance[]>(
    inProgram(d, async (program, campaignIds) => {
      const owned = await campaignsOf(d, program, campaignIds);
      const rows = await d.em().find(
        SchemeInstance,
        { campaignId: { $in: [...owned] }, retiredAt: null },
        { orderBy: { campaignId: 'asc', position: 'asc' } },
      );
      return campaignIds.map((id) => rows.filter((row) => row.campaignId === id));
    }),
  ),
  event: (d: LoaderDeps) => new DataLoader<string, EventRow | null>(
    inProgram(d, async (program, ids) => byId(await d.app.sql.query<EventRow>(
      `select e.id, e.partner_id as "partnerId", e.external_id as "externalId", e.type, e.amount::text as amount, e.currency, e.occurred_at as "occurredAt",
              e.first_purchase as "firstPurchase", s.external_id as "refundOf"
         from event e left join event s on s.id = e.refund_of_id where e.program_id = $1 and e.id = any($2::bigint[])`,
      [program, ids],
    ), ids)),
  ),
  /** Fulfilment history per PERK reward. */
  perkFulfilment: (d: LoaderDeps) => new DataLoader<string, (FulfilmentChange & { changedByKind: ActorKind })[]>(async (rewardIds) => {
    const histories = await d.app.perks.histories(rewardIds);
    return rewardIds.map((id) => (histories.get(id) ?? []).map((change) => ({ ...change, changedByKind: actorKind(change.changedBy) })));
  }),
  reward: (d: LoaderDeps) => new DataLoader<string, RewardRow | null>(
    inProgram(d, async (program, ids) => byId(await d.app.ledger.byIds(null, program, [...ids]), ids)),
  ),
  /** Approvals, rejections and payments per reward. */
  statusHistory: (d: LoaderDeps) => new DataLoader<string, (StatusChange & { changedByKind: ActorKind })[]>(async (rewardIds) => {
    const histories = await d.app.lifecycle.histories(rewardIds);
    return rewardIds.map((id) => (histories.get(id) ?? []).map((change) => ({ ...change, changedByKind: actorKind(change.changedBy) })));
  }),
  /** A partner's statements (one per currency it has money rewards in) and spendable points: one read for both fields. */
  ledgerSummary: (d: LoaderDeps) => new DataLoader<string, { statements: PartnerStatement[]; points: bigint }>(
    inProgram(d, async (program, ids) => {
      const { statements, points } = await d.app.ledger.summaries(program, ids);
      return ids.map((id) => ({ statements: statements.filter((statement) => statement.partnerId === id), points: points.get(id) ?? 0n }));
    }),
  ),
  /** Every attempt per webhook delivery. */
  webhookAttempts: (d: LoaderDeps) => new DataLoader<string, WebhookAttemptRow[]>(async (deliveryIds) => {
    const attempts = await d.app.webhooks.attempts(deliveryIds);
    return deliveryIds.map((id) => attempts.get(id) ?? []);
  }),
  batchPayouts: (d: LoaderDeps) => new DataLoader<string, PayoutRow[]>(async (batchIds) => {
    const payouts = await d.app.payouts.ofBatches(batchIds);
    return batchIds.map((id) => payouts.get(id) ?? []);
  }),
  /** Entry ids per payout. */
  payoutItems: (d: LoaderDeps) => new DataLoader<string, string[]>(async (payoutIds) => {
    const items = await d.app.payouts.items(payoutIds);
    return payoutIds.map((id) => items.get(id) ?? []);
  }),
  /** BADGE entries per partner. */
  badges: (d: LoaderDeps) => new DataLoader<string, { code: string; name: string; awardedAt: Date; rewardId: string }[]>(
    inProgram(d, async (program, partnerIds) => {
      const rows = await d.app.sql.query<{ partnerId: string; code: string; name: string; awardedAt: Date; rewardId: string }>(BADGES, [program, partnerIds]);
      return partnerIds.map((id) => rows.filter((row) => row.partnerId === id).map(({ partnerId: _, ...badge }) => badge));
    }),
  ),
  /** Key: the program id; one read however many partners' catalogs a request asks for. */
  activeCatalog: (d: LoaderDeps) => new DataLoader<string, Awaited<ReturnType<App['points']['activeCatalog']>>>((programs) => Promise.all(programs.map((program) => d.app.points.activeCatalog(program)))),
  /** Key: `<partnerId>:<depth>`. */
  downline: (d: LoaderDeps) => new DataLoader<string, DownlineLevel[]>(async (keys) => {
    const depth = Math.max(...keys.map((key) => Number(key.split(':')[1])));
    const counts = await d.app.hierarchy.downlineCounts([...new Set(keys.map((key) => key.split(':')[0]))], depth);
    return keys.map((key) => {
      const [partnerId, limit] = key.split(':');
      return (counts.get(partnerId) ?? []).filter((level) => level.depth <= Number(limit));
    });
  }),
  /** Key: `<partnerId>:<levels>`; values are ancestor ids, nearest first. */
  upline: (d: LoaderDeps) => new DataLoader<string, { depth: number; ancestorId: string }[]>(async (keys) => {
    const levels = Math.max(...keys.map((key) => Number(key.split(':')[1])));
    const rows = await d.app.hierarchy.uplines([...new Set(keys.map((key) => key.split(':')[0]))], levels);
    return keys.map((key) => {
      const [partnerId, limit] = key.split(':');
      return rows.filter((row) => row.descendantId === partnerId && row.depth <= Number(limit));
    });
  }),
};

/**
 * A request's loaders: one DataLoader per relation per request, so a page of 500 rewards costs
 * the same number of SQL statements as a page of 5. Each is made when a resolver first reads
 * it (most requests use one or two, of seventeen).
 */
export type Loaders = { readonly [K in keyof typeof MAKERS]: ReturnType<(typeof MAKERS)[K]> };

class RequestLoaders {
  constructor(readonly deps: LoaderDeps) {}
}
for (const [name, make] of Object.entries(MAKERS)) {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      const loader = make(this.deps);
      Object.defineProperty(this, name, { value: loader });
      return loader;
    },
  });
}

export function createLoaders(app: App, em: () => EntityManager, programId: string | null): Loaders {
  return new RequestLoaders({ app, em, programId }) as unknown as Loaders;
}
