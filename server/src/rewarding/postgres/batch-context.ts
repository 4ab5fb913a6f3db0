import DataLoader from 'dataloader';
import type {
  CampaignSnapshot,
  DownlineSummary,
  Participant,
  ParticipantOptions,
  PartnerSnapshot,
  PartnerStats,
  Period,
  SchemeContext,
  SchemeEvent,
  UplineMember,
} from '@cofactor/schema';
import { periodSpan, windowOf, within, type Span } from '../stats-window.js';
import type { QueryResultRow } from 'pg';
import type { SqlClient } from '../../db/sql.js';
import {
  MICROS,
  SNAPSHOT_COLUMNS,
  historyAt,
  snapshotAt,
  type LevelRow,
  type SnapshotRow,
  type StateRow,
} from '../../partners/partner-snapshot.js';
import { closesAt } from '../campaigns.js';
import type { SchemeLookups } from '../store.js';

interface BaseStats {
  count: Record<string, number>;
  amount: Record<string, bigint>;
  newCustomers: number;
}

function spanKey(campaignId: string, span: Span): string {
  return `${campaignId}@${span.startsAt.getTime()}~${span.endsAt?.getTime() ?? 'open'}`;
}

function emptyStats(): BaseStats {
  return { count: {}, amount: {}, newCustomers: 0 };
}

/** Sums rows of (key, event type, count, amount, new customers) into stats by key. */
function foldStats(rows: { key: string; type: string; count: number; amount: string; newCustomers: number }[]): Map<string, BaseStats> {
  const result = new Map<string, BaseStats>();
  for (const row of rows) {
    const stats = result.get(row.key) ?? emptyStats();
    stats.count[row.type] = row.count;
    stats.amount[row.type] = BigInt(row.amount);
    stats.newCustomers += row.newCustomers;
    result.set(row.key, stats);
  }
  return result;
}

/**
 * The connection with each statement sent once the one before it has settled. The loaders
 * below dispatch independently, each when its own round of look-ups is due, so without this
 * one could send a query while two others still held the connection: pg 8 queues it with a
 * DeprecationWarning, pg 9 refuses it. The order is the one pg's queue kept: first asked,
 * first sent.
 */
function oneAtATime(client: SqlClient): SqlClient {
  let previous: Promise<unknown> = Promise.resolve();
  return {
    query<R extends QueryResultRow>(text: string, params?: unknown[]) {
      const result = previous.then(() => client.query<R>(text, params));
      previous = result.catch(() => undefined);
      return result;
    },
  };
}

/** A partner snapshot's key: the partner as it was at that time. */
export function asOfKey(partnerId: string, at: Date): string {
  // Milliseconds, not an ISO string: a batch makes one key per partner look-up of each scheme.
  return `${partnerId}@${at.getTime()}`;
}

/** Groups rows by partner, keeping their order. */
function byPartner<R extends { partnerId: string }>(rows: R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) groups.set(row.partnerId, [...(groups.get(row.partnerId) ?? []), row]);
  return groups;
}

/** History rows with `validFrom` in microseconds, in (valid_from, id) order. */
async function historyOf<R>(client: SqlClient, table: string, columns: string, partnerIds: string[]): Promise<Map<string, R[]>> {
  const { rows } = await client.query<{ partnerId: string; validFrom: string }>(
    `select h.partner_id as "partnerId", ${MICROS('h.valid_from')} as "validFrom", ${columns}
       from ${table} h where h.partner_id = any($1::bigint[]) order by h.partner_id, h.valid_from, h.id`,
    [partnerIds],
  );
  return byPartner(rows.map((row) => ({ ...row, validFrom: Number(row.validFrom) }))) as Map<string, R[]>;
}

/** A partner row as `snapshotsAsOf` reads it: today's state and when it last changed. */
export type PartnerRow = SnapshotRow & { updatedAt: string };

/**
 * Partners as they were, by `asOfKey`: each asked partner at its time. A partner's history is
 * read only when it is asked for a time before its `updated_at`: every history row is written
 * with `updated_at` set to its transaction's time and none is valid from later, so from then
 * on the partner is as its row is today (events recorded now read no history).
 *
 * `today` holds rows already read in this transaction while nothing wrote partners since;
 * only the partners it lacks are read, and it gains them.
 */
export async function snapshotsAsOf(
  client: SqlClient,
  programId: string,
  asks: { id: string; at: Date }[],
  today: Map<string, PartnerRow> = new Map(),
): Promise<Map<string, PartnerSnapshot>> {
  const missing = [...new Set(asks.map((ask) => ask.id))].filter((id) => !today.has(id));
  if (missing.length) {
    const { rows } = await client.query<PartnerRow>(
      `select ${SNAPSHOT_COLUMNS}, ${MICROS('p.updated_at')} as "updatedAt" from partner p where p.program_id = $1 and p.id = any($2::bigint[])`,
      [programId, missing],
    );
    for (const row of rows) today.set(row.id, row);
  }
  const before = (ask: { id: string; at: Date }) => ask.at.getTime() * 1000 < Number(today.get(ask.id)?.updatedAt ?? 0);
  const past = [...new Set(asks.filter(before).map((ask) => ask.id))];
  const states = past.length ? await historyOf<StateRow>(client, 'partner_history', 'h.status, h.kind, h.region_id as "regionId", h.segment, h.sponsor_id as "sponsorId"', past) : new Map<string, StateRow[]>();
  const levels = past.length ? await historyOf<LevelRow>(client, 'partner_level_history', 'h.level', past) : new Map<string, LevelRow[]>();
  const result = new Map<string, PartnerSnapshot>();
  for (const ask of asks) {
    const row = today.get(ask.id);
    if (row) result.set(asOfKey(ask.id, ask.at), snapshotAt(row, states.get(ask.id) ?? [], levels.get(ask.id) ?? [], ask.at.getTime() * 1000));
  }
  return result;
}

/**
 * Everything schemes may look up while one batch is evaluated, read through the batch's
 * transaction. Look-ups are DataLoaders: all schemes evaluate the batch's events
 * concurrently, so the partners, uplines and stats they ask for are fetched with one
 * query per round, not one per event.
 *
 * The program is read as it was: for an event, partners and uplines as of its `occurredAt`;
 * for a period close, as of the period's last instant (`closesAt`). Whether a partner may earn
 * is its status at the clock, the time the reward is recorded (see `canEarn`).
 */
export class BatchContext implements SchemeLookups {
  /** Partner snapshots by `asOfKey`. */
  private readonly partners: DataLoader<string, PartnerSnapshot | null>;
  /** Today's ancestors' ids by depth, from the closure table, by `<partnerId>:<levels>`. */
  private readonly chains: DataLoader<string, string[]>;
  private readonly baseStats: DataLoader<string, BaseStats>;
  private readonly downlines: DataLoader<string, DownlineSummary>;
  /** The batch's new events per partner, in ingestion order. */
  private readonly batchEventsByPartner = new Map<string, { index: number; event: SchemeEvent }[]>();
  private readonly campaigns = new Map<string, CampaignSnapshot>();
  /** The spans stats were asked for, by `spanKey`. */
  private readonly spans = new Map<string, Span>();

  /** The batch's connection, one statement at a time (see `oneAtATime`). */
  private readonly client: SqlClient;

  constructor(
    client: SqlClient,
    private readonly programId: string,
    private readonly batchEvents: SchemeEvent[],
    private readonly clock: Date,
    /** The program's time zone: daily windows are its calendar days. */
    private readonly timeZone: string,
    /** Partner rows read so far in this transaction: evaluating a batch writes no partner, so each is read once. */
    private readonly partnerRows = new Map<string, PartnerRow>(),
  ) {
    this.client = oneAtATime(client);
    batchEvents.forEach((event, index) => {
      const list = this.batchEventsByPartner.get(event.partner.id) ?? [];
      list.push({ index, event });
      this.batchEventsByPartner.set(event.partner.id, list);
    });
    this.partners = new DataLoader((ids) => this.loadPartners(ids));
    for (const event of batchEvents) this.partners.prime(asOfKey(event.partner.id, event.occurredAt), event.partner);
    this.chains = new DataLoader((keys) => this.loadChains(keys));
    this.baseStats = new DataLoader((keys) => this.loadBaseStats(keys));
    this.downlines = new DataLoader((keys) => this.loadDownlines(keys));
  }

  partner(id: string, at: Date): Promise<PartnerSnapshot | null> {
    return this.partnerAt(id, at);
  }

  upline(partnerId: string, levels: number, at: Date): Promise<UplineMember[]> {
    return this.uplineAt(partnerId, levels, at);
  }

  private partnerAt(id: string, at: Date): Promise<PartnerSnapshot | null> {
    return this.partners.load(asOfKey(id, at));
  }

  /**
   * The partner's sponsors as they were at `at`, nearest first, up to `levels`: a walk up the
   * sponsor links of that time. Today's tree (the closure table) says where the walk most
   * likely goes, so the whole chain is read in one round; only where a link changed since
   * does the walk read one more round per level.
   */
  private async uplineAt(partnerId: string, levels: number, at: Date): Promise<UplineMember[]> {
    const today = await this.chains.load(`${partnerId}:${levels}`);
    const [self, ...ancestors] = await Promise.all([partnerId, ...today].map((id) => this.partnerAt(id, at)));
    const members: UplineMember[] = [];
    let current = self;
    for (let depth = 1; depth <= levels && current?.sponsorId; depth++) {
      const sponsorId: string = current.sponsorId;
      current = today[depth - 1] === sponsorId ? ancestors[depth - 1] : await this.partnerAt(sponsorId, at);
      if (!current) break;
      members.push({ depth, partner: current });
    }
    return members;
  }

  downline(partnerId: string, depth: number, at: Date): Promise<DownlineSummary> {
    return this.downlineAt(partnerId, depth, at);
  }

  private downlineAt(partnerId: string, depth: number, at: Date): Promise<DownlineSummary> {
    return this.downlines.load(`${partnerId}:${depth}@${at.toISOString()}`);
  }

  /**
   * The partners with events in the period (clipped to the campaign's dates) whom the
   * campaign targets and who may earn, each with its stats for exactly that span.
   */
  async participants(
    campaign: CampaignSnapshot,
    period: Period,
    targets: (partner: PartnerSnapshot) => boolean,
    options: ParticipantOptions = {},
  ): Promise<Participant[]> {
    const { startsAt, endsAt } = periodSpan(campaign, period, options.periods, this.timeZone);
    const { rows } = await this.client.query<{ key: string; type: string; count: number; amount: string; newCustomers: number }>(
      `select partner_id as key, type, count(*)::int as count,
              coalesce(sum(amount) filter (where currency = $4), 0)::text as amount,
              (count(*) filter (where first_purchase))::int as "newCustomers"
         from event
        where program_id = $1 and occurred_at >= $2 and occurred_at < $3
        group by partner_id, type`,
      [this.programId, startsAt, endsAt, campaign.currency],
    );
    const stats = foldStats(rows);
    if (options.everyone) {
      const { rows: everyone } = await this.client.query<{ id: string }>('select id from partner where program_id = $1', [this.programId]);
      for (const row of everyone) if (!stats.has(row.id)) stats.set(row.id, emptyStats());
    }
    const ids = [...stats.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    // The close reads the program as it was at the period's last instant.
    const at = closesAt(campaign, period);
    const partners = await this.partners.loadMany(ids.map((id) => asOfKey(id, at)));
    return ids.flatMap((id, index) => {
      const partner = partners[index];
      if (!partner || partner instanceof Error || partner.status !== 'ACTIVE' || !targets(partner)) return [];
      return [{ partner, stats: stats.get(id)! }];
    });
  }

  /**
   * Whether a reward may be recorded for this partner: only partners ACTIVE when it is recorded
   * (at the clock) earn. A suspension stops new rewards at once, whatever their events' dates;
   * rewards recorded before it stay.
   */
  async canEarn(partnerId: string): Promise<boolean> {
    return (await this.partnerAt(partnerId, this.clock))?.status === 'ACTIVE';
  }

  /** The read-only context a scheme sees while evaluating the batch's event at `index`. */
  forEvent(campaign: CampaignSnapshot, index: number): SchemeContext {
    this.campaigns.set(campaign.id, campaign);
    return {
      campaign,
      partner: (id) => this.partnerAt(id, this.batchEvents[index].occurredAt),
      upline: (partnerId, levels) => this.uplineAt(partnerId, levels, this.batchEvents[index].occurredAt),
      downline: (partnerId, depth) => this.downlineAt(partnerId, depth, this.batchEvents[index].occurredAt),
      stats: (partnerId, window = 'CAMPAIGN') =>
        this.stats(campaign, partnerId, index, windowOf(campaign, window, this.batchEvents[index].occurredAt, this.timeZone)),
      now: () => new Date(this.clock),
    };
  }

  atClock(campaign: CampaignSnapshot): SchemeContext {
    this.campaigns.set(campaign.id, campaign);
    const at = this.clock;
    return {
      campaign,
      partner: (id) => this.partnerAt(id, at),
      upline: (partnerId, levels) => this.uplineAt(partnerId, levels, at),
      downline: (partnerId, depth) => this.downlineAt(partnerId, depth, at),
      stats: (partnerId, window = 'CAMPAIGN') => this.stats(campaign, partnerId, -1, windowOf(campaign, window, at, this.timeZone)),
      now: () => new Date(at),
    };
  }

  periodStats(campaign: CampaignSnapshot, partnerId: string, period: Period, periods?: number): Promise<PartnerStats> {
    this.campaigns.set(campaign.id, campaign);
    return this.stats(campaign, partnerId, -1, periodSpan(campaign, period, periods, this.timeZone));
  }

  /** Stored stats in the span from before this batch, plus the batch's own events up to `index`. */
  private async stats(campaign: CampaignSnapshot, partnerId: string, index: number, span: Span): Promise<PartnerStats> {
    const key = spanKey(campaign.id, span);
    this.spans.set(key, span);
    const base = await this.baseStats.load(`${key}|${partnerId}`);
    const count = { ...base.count };
    const amount = { ...base.amount };
    let newCustomers = base.newCustomers;
    for (const { index: position, event } of this.batchEventsByPartner.get(partnerId) ?? []) {
      if (position > index) break;
      if (!within(span, event.occurredAt)) continue;
      count[event.type] = (count[event.type] ?? 0) + 1;
      if (event.amount !== null && event.currency === campaign.currency) {
        amount[event.type] = (amount[event.type] ?? 0n) + event.amount;
      }
      if (event.firstPurchase) newCustomers += 1;
    }
    return { count, amount, newCustomers };
  }

  /** Keys `asOfKey`: each partner as it was at its time. */
  private async loadPartners(keys: readonly string[]): Promise<(PartnerSnapshot | null)[]> {
    const asks = keys.map((key) => {
      const at = key.lastIndexOf('@');
      return { id: key.slice(0, at), at: new Date(Number(key.slice(at + 1))) };
    });
    const found = await snapshotsAsOf(this.client, this.programId, asks, this.partnerRows);
    return keys.map((key) => found.get(key) ?? null);
  }

  /** Keys `<partnerId>:<levels>`: today's ancestors' ids, nearest first. */
  private async loadChains(keys: readonly string[]): Promise<string[][]> {
    const requests = keys.map((key) => {
      const [partnerId, levels] = key.split(':');
      return { partnerId, levels: Number(levels) };
    });
    const deepest = Math.max(...requests.map((request) => request.levels));
    const { rows } = await this.client.query<{ descendantId: string; ancestorId: string; depth: number }>(
      `select c.descendant_id as "descendantId", c.ancestor_id as "ancestorId", c.depth
         from partner_closure c
        where c.descendant_id = any($1::bigint[]) and c.depth between 1 and $2
        order by c.descendant_id, c.depth`,
      [[...new Set(requests.map((request) => request.partnerId))], deepest],
    );
    const byPartner = new Map<string, string[]>();
    for (const row of rows) byPartner.set(row.descendantId, [...(byPartner.get(row.descendantId) ?? []), row.ancestorId]);
    return requests.map(({ partnerId, levels }) => (byPartner.get(partnerId) ?? []).slice(0, levels));
  }

  /**
   * Keys `<partnerId>:<depth>@<time>`: the partners below it within `depth` levels as the
   * sponsor links were at that time, those ACTIVE then counted per depth and per level then.
   * The walk goes down from each partner to everyone who ever named it as sponsor and keeps
   * those whose sponsor at that time it was.
   */
  private async loadDownlines(keys: readonly string[]): Promise<DownlineSummary[]> {
    const requests = keys.map((key) => {
      const colon = key.indexOf(':');
      const at = key.indexOf('@');
      return { key, partnerId: key.slice(0, colon), depth: Number(key.slice(colon + 1, at)), at: key.slice(at + 1) };
    });
    const { rows } = await this.client.query<{ key: string; depth: number; level: number; count: number }>(
      `with recursive down(key, at, deepest, depth, partner_id, status) as (
         select k.key, k.at, k.deepest, 0, k.id, null::text
           from unnest($1::text[], $2::bigint[], $3::int[], $4::timestamptz[]) as k(key, id, deepest, at)
         union all
         select d.key, d.at, d.deepest, d.depth + 1, s.partner_id, s.status
           from down d
           cross join lateral (select distinct h.partner_id from partner_history h where h.sponsor_id = d.partner_id) c
           cross join lateral (${historyAt('partner_history', 'h.partner_id, h.sponsor_id, h.status', 'c.partner_id', 'd.at')}) s
          where d.depth < d.deepest and s.sponsor_id = d.partner_id
       )
       select d.key, d.depth, l.level, count(*)::int as count
         from down d cross join lateral (${historyAt('partner_level_history', 'h.level', 'd.partner_id', 'd.at')}) l
        where d.depth > 0 and d.status = 'ACTIVE'
        group by d.key, d.depth, l.level`,
      [keys, requests.map((request) => request.partnerId), requests.map((request) => request.depth), requests.map((request) => request.at)],
    );
    return requests.map(({ key, depth }) => {
      const byDepth: number[] = Array.from({ length: depth }, () => 0);
      const byLevel: Record<number, number> = {};
      for (const row of rows) {
        if (row.key !== key) continue;
        byDepth[row.depth - 1] += row.count;
        byLevel[row.level] = (byLevel[row.level] ?? 0) + row.count;
      }
      while (byDepth.length && byDepth[byDepth.length - 1] === 0) byDepth.pop();
      return { total: byDepth.reduce((sum, n) => sum + n, 0), byDepth, byLevel };
    });
  }

  /**
   * Keys `<span key>|<partnerId>`: the partner's stored events in the span, from before the
   * batch. One round of look-ups is one lock statement and one sum, however many spans it asks
   * for (a rolling window gives each event a span of its own).
   */
  private async loadBaseStats(keys: readonly string[]): Promise<BaseStats[]> {
    const spanKeys: string[] = [];
    const spanNumbers = new Map<string, number>();
    const asks = keys.map((key) => {
      const [spanKey, partnerId] = key.split('|');
      if (!spanNumbers.has(spanKey)) spanNumbers.set(spanKey, spanKeys.push(spanKey));
      return { key, partnerId, spanKey, span: spanNumbers.get(spanKey)!, campaignId: spanKey.split('@')[0] };
    });
    await this.lockStats(asks);
    // Each span is sent once and each ask names it by number: a batch asks for thousands of
    // partners' stats over a handful of spans.
    const spans = spanKeys.map((key) => ({ span: this.spans.get(key)!, currency: this.campaigns.get(key.split('@')[0])!.currency }));
    const { rows } = await this.client.query<{ span: number; partnerId: string; type: string; count: number; amount: string; newCustomers: number }>(
      `select k.span, k.partner_id as "partnerId", e.type, count(*)::int as count,
              coalesce(sum(e.amount) filter (where e.currency = s.currency), 0)::text as amount,
              (count(*) filter (where e.first_purchase))::int as "newCustomers"
         from unnest($2::int[], $3::bigint[]) as k(span, partner_id)
         join unnest($4::timestamptz[], $5::timestamptz[], $6::text[]) with ordinality as s(starts_at, ends_at, currency, span) on s.span = k.span
         join event e on e.program_id = $1 and e.partner_id = k.partner_id and e.occurred_at >= s.starts_at
              and (s.ends_at is null or e.occurred_at < s.ends_at)
        where not (e.id = any($7::bigint[]))
        group by k.span, k.partner_id, e.type`,
      [
        this.programId,
        asks.map((ask) => ask.span),
        asks.map((ask) => ask.partnerId),
        spans.map(({ span }) => span.startsAt),
        spans.map(({ span }) => span.endsAt),
        spans.map(({ currency }) => currency),
        this.batchEvents.map((event) => event.id),
      ],
    );
    const result = foldStats(rows.map((row) => ({ ...row, key: `${spanKeys[row.span - 1]}|${row.partnerId}` })));
    return keys.map((key) => result.get(key) ?? emptyStats());
  }

  /**
   * Counts must include what a concurrent batch for the same partner is writing, or both
   * batches could see a goal one short of reached. A transaction-scoped lock per
   * (campaign, partner), taken in (campaign, partner) id order, makes the second batch wait
   * for the first to commit; the read after it then sees its events.
   */
  private async lockStats(asks: readonly { campaignId: string; partnerId: string }[]): Promise<void> {
    // Ids are decimal strings without leading zeros: the shorter is the smaller, then text order.
    const numeric = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
    const locks = [...new Map(asks.map((ask) => [`${ask.campaignId}:${ask.partnerId}`, ask])).values()].sort(
      (a, b) => numeric(a.campaignId, b.campaignId) || numeric(a.partnerId, b.partnerId),
    );
    await this.client.query(
      `select pg_advisory_xact_lock(hashtextextended('stats:' || l.campaign_id || ':' || l.partner_id, 0))
         from unnest($1::text[], $2::bigint[]) with ordinality as l(campaign_id, partner_id, position) order by position`,
      [locks.map((ask) => ask.campaignId), locks.map((ask) => ask.partnerId)],
    );
  }
}
