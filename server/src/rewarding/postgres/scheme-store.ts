import type { SchemeEvent } from '@cofactor/schema';
import type { SqlClient } from '../../db/sql.js';
import { BatchContext, asOfKey, snapshotsAsOf, type PartnerRow } from './batch-context.js';
import type { CampaignRow, SchemeInstanceRow, SchemeLookups, SchemeStore, StoredCampaigns } from '../store.js';

/** Campaigns and the look-ups schemes make, read from PostgreSQL inside one transaction. */
export class PostgresSchemeStore implements SchemeStore {
  /**
   * The partner rows `eventsAsOf` read, with the events it returned: the look-ups for those
   * same events, which the pipeline asks for next with no partner written in between, start
   * from them instead of reading the sellers again.
   */
  private lastRead: { events: SchemeEvent[]; rows: Map<string, PartnerRow> } | null = null;

  constructor(
    private readonly client: SqlClient,
    /** Program time zones, shared by every transaction: they do not change once a program exists. */
    private readonly timeZones: Map<string, string>,
  ) {}

  async timeZone(programId: string): Promise<string> {
    let timeZone = this.timeZones.get(programId);
    if (!timeZone) {
      const { rows } = await this.client.query<{ timeZone: string }>('select time_zone as "timeZone" from program where id = $1', [programId]);
      timeZone = rows[0].timeZone;
      this.timeZones.set(programId, timeZone);
    }
    return timeZone;
  }

  async campaigns(programId: string, which: { active: true } | { id: string }): Promise<StoredCampaigns> {
    const { rows: campaigns } = await this.client.query<CampaignRow>(
      `select id, name, currency, starts_at as "startsAt", ends_at as "endsAt", hold_days as "holdDays", targeting
         from campaign where program_id = $1 and (case when $2::bigint is null then status = 'ACTIVE' else id = $2 end) order by id`,
      [programId, 'id' in which ? which.id : null],
    );
    if (campaigns.length === 0) return { campaigns, instances: [], regions: [] };
    const { rows: instances } = await this.client.query<SchemeInstanceRow>(
      `select id, campaign_id as "campaignId", key, scheme_code as "schemeCode", args
         from scheme_instance where campaign_id = any($1::bigint[]) and retired_at is null order by campaign_id, position`,
      [campaigns.map((campaign) => campaign.id)],
    );
    const regions = campaigns.some((campaign) => campaign.targeting.regionIds.length)
      ? (await this.client.query<{ id: string; parentId: string | null }>('select id, parent_id as "parentId" from region where program_id = $1', [programId])).rows
      : [];
    return { campaigns, instances, regions };
  }

  async eventsAsOf(programId: string, events: SchemeEvent[]): Promise<SchemeEvent[]> {
    if (events.length === 0) return events;
    const rows = new Map<string, PartnerRow>();
    const found = await snapshotsAsOf(this.client, programId, events.map((event) => ({ id: event.partner.id, at: event.occurredAt })), rows);
    const asOf = events.map((event) => ({ ...event, partner: found.get(asOfKey(event.partner.id, event.occurredAt)) ?? event.partner }));
    this.lastRead = { events: asOf, rows };
    return asOf;
  }

  lookups(programId: string, events: SchemeEvent[], clock: Date, timeZone: string): SchemeLookups {
    const rows = this.lastRead?.events === events ? this.lastRead.rows : new Map<string, PartnerRow>();
    this.lastRead = null;
    return new BatchContext(this.client, programId, events, clock, timeZone, rows);
  }
}
