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
  StatsWindow,
  UplineMember,
} from '@cofactor/schema';
import { localDayOf, parsePeriodKey, shiftPeriodKey } from '../../periods/period.js';
import type { QueryResultRow } from 'pg';
import type { SqlClient } from '../../db/sql.js';
import { SNAPSHOT_COLUMNS, toSnapshot, type SnapshotRow } from '../../partners/partner-snapshot.js';
import type { SchemeLookups } from '../store.js';

interface BaseStats {
  count: Record<string, number>;
  amount: Record<string, bigint>;
  newCustomers: number;
}

function spanKey(campaignId: string, span: Span): string {
  return `${campaignId}@${span.startsAt.toISOString()}~${span.endsAt?.toISOString() ?? 'open'}`;
}

function emptyStats(): BaseStats {
  return { count: {}, amount: {}, newCustomers: 0 };
}

interface Span {
  startsAt: Date;
  endsAt: Date | null;
}

function within(span: Span, at: Date): boolean {
  return at >= span.startsAt && (span.endsAt === null || at < span.endsAt);
}

/** The part of the campaign inside the window around `at`. */
function windowOf(campaign: CampaignSnapshot, window: StatsWindow, at: Date, timeZone: string): Span {
  if (window === 'CAMPAIGN') return campaign;
  const day = localDayOf(at, timeZone);
  return {
    startsAt: day.startsAt > campaign.startsAt ? day.startsAt : campaign.startsAt,
    endsAt: campaign.endsAt && campaign.endsAt < day.endsAt ? campaign.endsAt : day.endsAt,
  };
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

/**
 * Everything schemes may look up while one batch is evaluated, read through the batch's
 * transaction. Look-ups are DataLoaders: all schemes evaluate the batch's events
 * concurrently, so the partners, uplines and stats they ask for are fetched with one
 * query per round, not one per event.
 */
export class BatchContext implements SchemeLookups {
  private readonly partners: DataLoader<string, PartnerSnapshot | null>;
  private readonly uplines: DataLoader<string, UplineMember[]>;
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
  ) {
    this.client = oneAtATime(client);
    batchEvents.forEach((event, index) => {
      const list = this.batchEventsByPartner.get(event.partner.id) ?? [];
      list.push({ index, event });
      this.batchEventsByPartner.set(event.partner.id, list);
    });
    this.partners = new DataLoader((ids) => this.loadPartners(ids));
    for (const event of batchEvents) this.partners.prime(event.partner.id, event.partner);
    this.uplines = new DataLoader((keys) => this.loadUplines(keys));
    this.baseStats = new DataLoader((keys) => this.loadBaseStats(keys));
    this.downlines = new DataLoader((keys) => this.loadDownlines(keys));
  }

  partner(id: string): Promise<PartnerSnapshot | null> {
    return this.partners.load(id);
  }

  upline(partnerId: string, levels: number): Promise<UplineMember[]> {
    return this.uplines.load(`${partnerId}:${levels}`);
  }

  downline(partnerId: string, depth: number): Promise<DownlineSummary> {
    return this.downlines.load(`${partnerId}:${depth}`);
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
    const periods = Math.max(1, Math.floor(options.periods ?? 1));
    const from = periods === 1 ? period.startsAt : parsePeriodKey(shiftPeriodKey(period.key, 1 - periods), this.timeZone)!.startsAt;
    const startsAt = from > campaign.startsAt ? from : campaign.startsAt;
    const endsAt = campaign.endsAt && campaign.endsAt < period.endsAt ? campaign.endsAt : period.endsAt;
    const { rows } = await this.client.query<{ partnerId: string; type: string; count: number; amount: string; newCustomers: number }>(
      `select partner_id as "partnerId", type, count(*)::int as count,
              coalesce(sum(amount) filter (where currency = $4), 0)::text as amount,
              (count(*) filter (where first_purchase))::int as "newCustomers"
         from event
        where program_id = $1 and occurred_at >= $2 and occurred_at < $3
        group by partner_id, type`,
      [this.programId, startsAt, endsAt, campaign.currency],
    );
    const stats = new Map<string, BaseStats>();
    for (const row of rows) {
      const entry = stats.get(row.partnerId) ?? emptyStats();
      entry.count[row.type] = row.count;
      entry.amount[row.type] = BigInt(row.amount);
      entry.newCustomers += row.newCustomers;
      stats.set(row.partnerId, entry);
    }
    if (options.everyone) {
      const { rows: everyone } = await this.client.query<SnapshotRow>(
        `select ${SNAPSHOT_COLUMNS} from partner p where p.program_id = $1 and p.status = 'ACTIVE'`,
        [this.programId],
      );
      for (const row of everyone) {
        this.partners.prime(row.id, toSnapshot(row));
        if (!stats.has(row.id)) stats.set(row.id, emptyStats());
      }
    }
    const ids = [...stats.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const partners = await this.partners.loadMany(ids);
    return ids.flatMap((id, index) => {
      const partner = partners[index];
      if (!partner || partner instanceof Error || partner.status !== 'ACTIVE' || !targets(partner)) return [];
      return [{ partner, stats: stats.get(id)! }];
    });
  }

  /** Whether a reward may be recorded for this partner: only ACTIVE partners earn. */
  async canEarn(partnerId: string): Promise<boolean> {
    return (await this.partners.load(partnerId))?.status === 'ACTIVE';
  }

  /** The read-only context a scheme sees while evaluating the batch's event at `index`. */
  forEvent(campaign: CampaignSnapshot, index: number): SchemeContext {
    this.campaigns.set(campaign.id, campaign);
    return {
      campaign,
      partner: (id) => this.partner(id),
      upline: (partnerId, levels) => this.upline(partnerId, levels),
      downline: (partnerId, depth) => this.downline(partnerId, depth),
      stats: (partnerId, window = 'CAMPAIGN') =>
        this.stats(campaign, partnerId, index, windowOf(campaign, window, this.batchEvents[index].occurredAt, this.timeZone)),
      now: () => new Date(this.clock),
    };
  }

  /** Stored stats in the span from before this batch, plus the batch's own events up to `index`. */
  private async stats(campaign: CampaignSnapshot, partnerId: string, index: number, span: Span): Promise<PartnerStats> {
    this.spans.set(spanKey(campaign.id, span), span);
    const base = await this.baseStats.load(`${spanKey(campaign.id, span)}|${partnerId}`);
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

  private async loadPartners(ids: readonly string[]): Promise<(PartnerSnapshot | null)[]> {
    const { rows } = await this.client.query<SnapshotRow>(
      `select ${SNAPSHOT_COLUMNS} from partner p where p.program_id = $1 and p.id = any($2::bigint[])`,
      [this.programId, ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toSnapshot(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private async loadUplines(keys: readonly string[]): Promise<UplineMember[][]> {
    const requests = keys.map((key) => {
      const [partnerId, levels] = key.split(':');
      return { partnerId, levels: Number(levels) };
    });
    const deepest = Math.max(...requests.map((request) => request.levels));
    const { rows } = await this.client.query<{ descendantId: string; depth: number } & SnapshotRow>(
      `select c.descendant_id as "descendantId", c.depth, ${SNAPSHOT_COLUMNS}
         from partner_closure c join partner p on p.id = c.ancestor_id
        where c.descendant_id = any($1::bigint[]) and c.depth between 1 and $2
        order by c.descendant_id, c.depth`,
      [[...new Set(requests.map((request) => request.partnerId))], deepest],
    );
    const byPartner = new Map<string, UplineMember[]>();
    for (const row of rows) {
      const list = byPartner.get(row.descendantId) ?? [];
      const partner = toSnapshot(row);
      this.partners.prime(partner.id, partner);
      list.push({ depth: row.depth, partner });
      byPartner.set(row.descendantId, list);
    }
    return requests.map(({ partnerId, levels }) => (byPartner.get(partnerId) ?? []).filter((member) => member.depth <= levels));
  }

  /** Keys `<partnerId>:<depth>`; ACTIVE partners only, counted per depth and per partner level. */
  private async loadDownlines(keys: readonly string[]): Promise<DownlineSummary[]> {
    const requests = keys.map((key) => {
      const [partnerId, depth] = key.split(':');
      return { partnerId, depth: Number(depth) };
    });
    const { rows } = await this.client.query<{ partnerId: string; depth: number; level: number; count: number }>(
      `select c.ancestor_id as "partnerId", c.depth, p.level, count(*)::int as count
         from partner_closure c join partner p on p.id = c.descendant_id
        where c.ancestor_id = any($1::bigint[]) and c.depth between 1 and $2 and p.status = 'ACTIVE'
        group by c.ancestor_id, c.depth, p.level`,
      [[...new Set(requests.map((request) => request.partnerId))], Math.max(...requests.map((request) => request.depth))],
    );
    return requests.map(({ partnerId, depth }) => {
      const byDepth: number[] = Array.from({ length: depth }, () => 0);
      const byLevel: Record<number, number> = {};
      for (const row of rows) {
        if (row.partnerId !== partnerId || row.depth > depth) continue;
        byDepth[row.depth - 1] += row.count;
        byLevel[row.level] = (byLevel[row.level] ?? 0) + row.count;
      }
      while (byDepth.length && byDepth[byDepth.length - 1] === 0) byDepth.pop();
      return { total: byDepth.reduce((sum, n) => sum + n, 0), byDepth, byLevel };
    });
  }

  private async loadBaseStats(keys: readonly string[]): Promise<BaseStats[]> {
    const bySpan = new Map<string, string[]>();
    for (const key of keys) {
      const [span, partnerId] = key.split('|');
      bySpan.set(span, [...(bySpan.get(span) ?? []), partnerId]);
    }
    const batchIds = this.batchEvents.map((event) => event.id);
    const result = new Map<string, BaseStats>();
    for (const [key, partnerIds] of bySpan) {
      const campaignId = key.split('@')[0];
      const campaign = this.campaigns.get(campaignId)!;
      const span = this.spans.get(key)!;
      // Counts must include what a concurrent batch for the same partner is writing, or both
      // batches could see a goal one short of reached. A transaction-scoped lock per
      // (campaign, partner), taken in id order, makes the second batch wait for the first to
      // commit; the read below then sees its events.
      partnerIds.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      await this.client.query(
        `select pg_advisory_xact_lock(hashtextextended('stats:' || $1 || ':' || partner_id, 0))
           from unnest($2::bigint[]) with ordinality as p(partner_id, position) order by position`,
        [campaignId, partnerIds],
      );
      const { rows } = await this.client.query<{ partnerId: string; type: string; count: number; amount: string; newCustomers: number }>(
        `select partner_id as "partnerId", type, count(*)::int as count,
                coalesce(sum(amount) filter (where currency = $5), 0)::text as amount,
                (count(*) filter (where first_purchase))::int as "newCustomers"
           from event
          where program_id = $1 and partner_id = any($2::bigint[]) and occurred_at >= $3
            and ($4::timestamptz is null or occurred_at < $4) and not (id = any($6::bigint[]))
          group by partner_id, type`,
        [this.programId, partnerIds, span.startsAt, span.endsAt, campaign.currency, batchIds],
      );
      for (const row of rows) {
        const statsKey = `${key}|${row.partnerId}`;
        const stats = result.get(statsKey) ?? emptyStats();
        stats.count[row.type] = row.count;
        stats.amount[row.type] = BigInt(row.amount);
        stats.newCustomers += row.newCustomers;
        result.set(statsKey, stats);
      }
    }
    return keys.map((key) => result.get(key) ?? emptyStats());
  }
}
