import type { JsonObject } from '@cofactor/schema';
import type { Sql, SqlClient } from '../db/sql.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { MICROS, SNAPSHOT_COLUMNS, type SnapshotRow } from '../partners/partner-snapshot.js';
import type { EventInput } from '../rewarding/event.js';
import { errors } from '../graphql/errors.js';
import type { MemoryCampaign, MemoryCustomer, MemoryEvent, ProgramSeed } from '../rewarding/memory/state.js';
import type { SchemeInstanceRow } from '../rewarding/store.js';

/** A stored event as a replay sends it again: the row, and the input that recorded it. */
export interface StoredEvent {
  row: MemoryEvent;
  input: EventInput;
  /** When its batch was recorded: the clock the replay gives it. */
  recordedAt: Date;
  /** Its recorded batch (the row's `batchPosition` is its place in it). */
  batch: string;
}

/** Everything a simulation reads, in one consistent read-only snapshot of the program. */
export interface ReplaySnapshot {
  seed: ProgramSeed;
  /** The events of the span, in id order. */
  replayed: StoredEvent[];
  /** Stored events it does not replay but whose stats count, stored in between (released by id as the replay passes them). */
  later: MemoryEvent[];
  /** What `compareWith` actually wrote for the replayed events and the closed periods. */
  actual: RewardRow[];
}

const EVENT_COLUMNS = `e.id, e.external_id as "externalId", e.type, e.partner_id as "partnerId", e.customer_id as "customerId", e.coupon_id as "couponId",
  e.amount::text as amount, e.currency, e.first_purchase as "firstPurchase", e.occurred_at as "occurredAt", e.attributes, e.refund_of_id as "refundOfId",
  e.recorded_at as "recordedAt", e.batch_id::text as "batch", e.batch_position as "batchPosition", c.code as "couponCode", cu.external_id as "customerExternalId", s.external_id as "refundOfExternalId"`;
const EVENT_JOINS = `left join coupon c on c.id = e.coupon_id left join customer cu on cu.id = e.customer_id left join event s on s.id = e.refund_of_id`;
const REWARD_FIGURES = `r.id, r.program_id as "programId", r.partner_id as "partnerId", r.campaign_id as "campaignId", r.scheme_instance_id as "schemeInstanceId",
  r.event_id as "eventId", r.period_key as "periodKey", r.kind, r.amount::text as amount, r.unit, r.status, r.idempotency_key as "idempotencyKey",
  r.hold_until as "holdUntil", r.corrects_id as "correctsId", r.reversal, r.created_at as "createdAt"`;
const REWARD_COLUMNS = `${REWARD_FIGURES}, r.explanation_en as "explanationEn", r.explanation_ru as "explanationRu", r.details`;
/** An entry without its texts: for entries of which only the key and the figures are read. */
const REWARD_KEY_COLUMNS = `${REWARD_FIGURES}, '' as "explanationEn", '' as "explanationRu", '{}'::jsonb as details`;

type EventRecord = Omit<MemoryEvent, 'amount'> & {
  amount: string | null;
  recordedAt: Date;
  batch: string;
  couponCode: string | null;
  customerExternalId: string | null;
  refundOfExternalId: string | null;
};

function toStored(record: EventRecord): StoredEvent {
  const { recordedAt, batch, couponCode, customerExternalId, refundOfExternalId, ...columns } = record;
  const row: MemoryEvent = { ...columns, amount: record.amount === null ? null : BigInt(record.amount) };
  const input: EventInput = {
    externalId: record.externalId,
    type: record.type,
    partnerId: record.partnerId,
    couponCode,
    customerId: customerExternalId,
    amount: row.amount,
    currency: record.currency,
    occurredAt: record.occurredAt,
    attributes: record.attributes as JsonObject,
    refundOf: refundOfExternalId,
  };
  return { row, input, recordedAt, batch };
}

/**
 * Runs `read` in one REPEATABLE READ, READ ONLY transaction: every query sees the same
 * moment, nothing can be written, and no row is locked, so real ingestion goes on meanwhile.
 */
export function readOnly<T>(sql: Sql, read: (client: SqlClient) => Promise<T>): Promise<T> {
  return sql.transaction(async (client) => {
    await client.query('set transaction isolation level repeatable read, read only');
    return read(client);
  });
}

/** The program's partners, coupons, regions and time zone. */
async function programRows(client: SqlClient, programId: string) {
  const [{ rows: program }, { rows: partners }, { rows: coupons }, { rows: regions }, { rows: next }] = [
    await client.query<{ timeZone: string }>('select time_zone as "timeZone" from program where id = $1', [programId]),
    await client.query<SnapshotRow>(`select ${SNAPSHOT_COLUMNS} from partner p where p.program_id = $1 order by p.id`, [programId]),
    await client.query<{ id: string; code: string; partnerId: string }>('select id, code, partner_id as "partnerId" from coupon where program_id = $1', [programId]),
    await client.query<{ id: string; parentId: string | null }>('select id, parent_id as "parentId" from region where program_id = $1', [programId]),
    await client.query<{ event: string; reward: string; customer: string }>(
      `select (select coalesce(max(id), 0) + 1 from event)::text as event, (select coalesce(max(id), 0) + 1 from reward)::text as reward,
              (select coalesce(max(id), 0) + 1 from customer)::text as customer`,
    ),
  ];
  return {
    timeZone: program[0].timeZone,
    partners,
    coupons,
    regions,
    nextIds: { event: BigInt(next[0].event), reward: BigInt(next[0].reward), customer: BigInt(next[0].customer) },
  };
}

type History = NonNullable<ProgramSeed['history']>;

/** A history table's rows of the program's partners, valid from `upTo` or before (all for null) or from a partner's earliest date. */
const HISTORY = (table: string, columns: string) => `select h.partner_id as "partnerId", ${MICROS('h.valid_from')} as "validFrom", ${columns}
   from ${table} h join partner p on p.id = h.partner_id
  where p.program_id = $1 and ($2::timestamptz is null or h.valid_from <= $2
        or h.valid_from = (select min(f.valid_from) from ${table} f where f.partner_id = h.partner_id))
  order by h.partner_id, h.valid_from, h.id`;

/**
 * The partners' history as far as a simulation reads it: every row valid until `upTo` (the
 * latest time it asks about), and each partner's earliest rows, which hold before it joined.
 */
async function historyRows(client: SqlClient, programId: string, upTo: Date | null): Promise<History> {
  const { rows: states } = await client.query<History['states'][number]>(
    HISTORY('partner_history', 'h.status, h.kind, h.region_id as "regionId", h.segment, h.sponsor_id as "sponsorId"'),
    [programId, upTo],
  );
  const { rows: levels } = await client.query<History['levels'][number]>(HISTORY('partner_level_history', 'h.level'), [programId, upTo]);
  // Microseconds come as text: a Date would drop them.
  return { states: states.map((row) => ({ ...row, validFrom: Number(row.validFrom) })), levels: levels.map((row) => ({ ...row, validFrom: Number(row.validFrom) })) };
}

/** The customers with these external ids or ids; purchased when their first purchase was stored before `beforeEventId`. */
async function customersOf(client: SqlClient, programId: string, named: { externalIds: string[]; ids: string[] }, beforeEventId: string | null): Promise<MemoryCustomer[]> {
  const { rows } = await client.query<MemoryCustomer & { firstEventId: string | null }>(
    `select c.id, c.external_id as "externalId", c.first_purchase_at as "firstPurchaseAt", c.first_partner_id as "firstPartnerId", f.id as "firstEventId"
       from customer c left join event f on f.customer_id = c.id and f.first_purchase
      where c.program_id = $1 and (c.external_id = any($2::text[]) or c.id = any($3::bigint[]))`,
    [programId, named.externalIds, named.ids],
  );
  return rows.map(({ firstEventId, ...customer }) => {
    const purchased = customer.firstPurchaseAt !== null && (beforeEventId === null || firstEventId === null || BigInt(firstEventId) < BigInt(beforeEventId));
    return purchased ? customer : { ...customer, firstPurchaseAt: null, firstPartnerId: null };
  });
}

/** Refuses a span holding more stored events than a simulation may load. */
function checkEventCount(count: number, limit: number): void {
  if (count > limit) {
    throw errors.badInput([{ path: 'input', message: `the simulation needs more than ${limit} stored events (COFACTOR_SIMULATION_MAX_EVENTS): those of the span, and those since the campaign's start that its stats count; choose a shorter span or a later campaign start` }]);
  }
}

export interface ReplayRequest {
  programId: string;
  /** The campaign as simulated; its id is the stored campaign's, or '0' for a new one. */
  campaign: MemoryCampaign;
  from: Date;
  to: Date;
  compareWith: string | null;
  /** The periods the replay closes: what `compareWith` wrote for them counts as actual. */
  periodKeys: string[];
  maxEvents: number;
}

/**
 * Reads what replaying a span needs: the span's events, the stored events its stats count
 * (inside the campaign's dates, or sales its refunds name), the customers it names, the
 * campaign's entries from before it (what refunds take back and budgets have used) and what
 * `compareWith` actually paid. Only plain selects, in one read-only snapshot.
 */
export function loadReplay(sql: Sql, request: ReplayRequest): Promise<ReplaySnapshot> {
  const { programId, campaign, from, to } = request;
  return readOnly(sql, async (client) => {
    const program = await programRows(client, programId);
    const { rows: records } = await client.query<EventRecord>(
      `select ${EVENT_COLUMNS} from event e ${EVENT_JOINS} where e.program_id = $1 and e.occurred_at >= $2 and e.occurred_at < $3 order by e.id limit $4`,
      [programId, from, to, request.maxEvents + 1],
    );
    checkEventCount(records.length, request.maxEvents);
    const replayed = records.map(toStored);
    // A span without events starts from everything stored so far.
    const firstId = replayed[0]?.row.id ?? program.nextIds.event.toString();
    const lastId = replayed.at(-1)?.row.id ?? (program.nextIds.event - 1n).toString();
    const { rows: others } = await client.query<EventRecord>(
      `select ${EVENT_COLUMNS} from event e ${EVENT_JOINS}
        where e.program_id = $1 and not (e.occurred_at >= $2 and e.occurred_at < $3) and e.id <= $4
          and ((e.occurred_at >= $5 and ($6::timestamptz is null or e.occurred_at < $6)) or e.id = any($7::bigint[]))
        order by e.id limit $8`,
      [programId, from, to, lastId, campaign.startsAt, campaign.endsAt, replayed.flatMap((event) => event.row.refundOfId ?? []), request.maxEvents - replayed.length + 1],
    );
    checkEventCount(replayed.length + others.length, request.maxEvents);
    const background = others.map((record) => toStored(record).row);
    // The customers of every event loaded: a replayed sale may be a first purchase, and a recorded event names its customer.
    const customerIds = [...new Set([...replayed.map((event) => event.row), ...background].flatMap((event) => event.customerId ?? []))];
    const rewards =
      campaign.id === '0'
        ? []
        : await rewardsBefore(client, programId, campaign.id, firstId, replayed[0]?.recordedAt ?? to);
    return {
      seed: {
        programId,
        ...program,
        campaigns: [campaign],
        customers: await customersOf(client, programId, { externalIds: [], ids: customerIds }, firstId),
        // Read up to the latest time the replay asks about: the span's end, or its last batch's clock.
        history: await historyRows(client, programId, replayed.reduce((latest, event) => (event.recordedAt > latest ? event.recordedAt : latest), to)),
        events: background.filter((event) => BigInt(event.id) < BigInt(firstId)),
        rewards,
      },
      replayed,
      later: background.filter((event) => BigInt(event.id) > BigInt(firstId)),
      actual: request.compareWith ? await actualRewards(client, request) : [],
    };
  });
}

/** The campaign's entries from before the span: for events stored before its first event, and for periods closed before it began. */
async function rewardsBefore(client: SqlClient, programId: string, campaignId: string, firstEventId: string, firstClock: Date): Promise<RewardRow[]> {
  const { rows } = await client.query<RewardRow>(
    `select ${REWARD_COLUMNS} from reward r
      where r.program_id = $1 and r.campaign_id = $2 and ((r.event_id is not null and r.event_id < $3) or (r.event_id is null and r.created_at < $4))
      order by r.id`,
    [programId, campaignId, firstEventId, firstClock],
  );
  return rows;
}

/** What `compareWith` wrote for the span's events (their refunds' compensations included) and for the periods the replay closes. */
async function actualRewards(client: SqlClient, request: ReplayRequest): Promise<RewardRow[]> {
  const { rows } = await client.query<RewardRow>(
    `select ${REWARD_COLUMNS} from reward r
      where r.program_id = $1 and r.campaign_id = $2
        and (r.event_id in (select id from event where program_id = $1 and occurred_at >= $3 and occurred_at < $4)
             or (r.event_id is null and r.period_key = any($5::text[])))
      order by r.id`,
    [request.programId, request.compareWith, request.from, request.to, request.periodKeys],
  );
  return rows;
}


/**
 * What a set of events names, as recording them looks things up: a preview's or a dry run's
 * seed holds what these reach, not the whole program.
 */
export interface EventNames {
  /** The events' own external ids, and those of the sales their refunds name. */
  externalIds: Set<string>;
  /** The external ids of the sales their refunds name. */
  refunded: Set<string>;
  partnerIds: Set<string>;
  /** Upper-cased, as attribution compares them. */
  referralCodes: Set<string>;
  couponCodes: Set<string>;
  customerIds: Set<string>;
}

export function noEventNames(): EventNames {
  return { externalIds: new Set(), refunded: new Set(), partnerIds: new Set(), referralCodes: new Set(), couponCodes: new Set(), customerIds: new Set() };
}

/** Adds what `input` names to `names`. */
export function nameEvent(names: EventNames, input: EventInput): void {
  names.externalIds.add(input.externalId);
  if (input.refundOf) {
    names.externalIds.add(input.refundOf);
    names.refunded.add(input.refundOf);
  }
  if (input.partnerId) names.partnerIds.add(input.partnerId);
  if (input.referralCode) names.referralCodes.add(input.referralCode.toUpperCase());
  if (input.couponCode) names.couponCodes.add(input.couponCode);
  if (input.customerId) names.customerIds.add(input.customerId);
}

type ProgramRows = Awaited<ReturnType<typeof programRows>>;

/** What recording events that name `names` reads of the stored events and customers. */
interface NamedRows {
  /** In id order. */
  events: MemoryEvent[];
  customers: MemoryCustomer[];
  /** The partners whose stats the events' schemes count (see partnersAround). */
  partnerIds: string[];
  /** The stored sales the refunds name. */
  saleIds: string[];
}

/**
 * The stored events with the names' external ids, with the sales of those that are refunds and
 * the refunds of those that are sales (a resend's content, a refund's sale and what was refunded
 * of it); the events of the partners around them inside `span` (their stats; none for a null
 * span), at most `limit` of them (`limit + 1` tells that there are more); and the customers of
 * all of them and the named ones.
 */
async function namedRows(client: SqlClient, programId: string, program: ProgramRows, history: History, names: EventNames, span: { startsAt: Date; endsAt: Date | null } | null, limit: number | null): Promise<NamedRows> {
  const { rows: named } = await client.query<EventRecord>(
    `with named as (select id, refund_of_id from event where program_id = $1 and external_id = any($2::text[]))
     select ${EVENT_COLUMNS} from event e ${EVENT_JOINS}
      where e.program_id = $1 and (e.id in (select id from named) or e.id in (select refund_of_id from named) or e.refund_of_id in (select id from named))
      order by e.id`,
    [programId, [...names.externalIds]],
  );
  const partnerIds = partnersAround(program, history, names, named.map((record) => record.partnerId));
  const { rows: counted } = span
    ? await client.query<EventRecord>(
        `select ${EVENT_COLUMNS} from event e ${EVENT_JOINS}
          where e.program_id = $1 and e.partner_id = any($2::bigint[]) and e.occurred_at >= $3 and ($4::timestamptz is null or e.occurred_at < $4)
          order by e.id limit $5`,
        [programId, partnerIds, span.startsAt, span.endsAt, limit === null ? null : limit + 1],
      )
    : { rows: [] };
  const byId = new Map([...named, ...counted].map((record) => [record.id, toStored(record).row]));
  const events = [...byId.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const customerIds = [...new Set(events.flatMap((event) => event.customerId ?? []))];
  return {
    events,
    customers: await customersOf(client, programId, { externalIds: [...names.customerIds], ids: customerIds }, null),
    partnerIds,
    saleIds: named.filter((record) => names.refunded.has(record.externalId)).map((record) => record.id),
  };
}

/**
 * The partners the names reach (by id, referral code or coupon) or who sold a named stored event
 * (a refund's sale), and everyone above them by any sponsor they ever had: the partners whose
 * stats the installed schemes read for an event (its own partner's and its upline's).
 */
function partnersAround(program: ProgramRows, history: History, names: EventNames, sellers: string[]): string[] {
  const known = new Set(program.partners.map((partner) => partner.id));
  const byCode = new Map(program.partners.map((partner) => [partner.referralCode, partner.id]));
  const byCoupon = new Map(program.coupons.map((coupon) => [coupon.code, coupon.partnerId]));
  const sponsors = new Map<string, Set<string>>();
  const addSponsor = (partnerId: string, sponsorId: string | null) => {
    if (sponsorId) sponsors.set(partnerId, (sponsors.get(partnerId) ?? new Set()).add(sponsorId));
  };
  for (const partner of program.partners) addSponsor(partner.id, partner.sponsorId);
  for (const row of history.states) addSponsor(row.partnerId, row.sponsorId);
  const found = new Set<string>();
  const queue = [
    ...[...names.partnerIds].filter((id) => known.has(id)),
    ...[...names.referralCodes].flatMap((code) => byCode.get(code) ?? []),
    ...[...names.couponCodes].flatMap((code) => byCoupon.get(code) ?? []),
    ...sellers,
  ];
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    if (found.has(id)) continue;
    found.add(id);
    queue.push(...(sponsors.get(id) ?? []));
  }
  return [...found];
}

/**
 * Reads what previewing a handful of events needs: the program's partners, the stored events
 * the events name and those that count in the stats of the partners around them (inside the
 * campaign's dates), their customers, and the campaign's granted sums and the entries of the
 * sales they refund.
 */
export function loadPreview(sql: Sql, programId: string, campaign: MemoryCampaign, inputs: EventInput[]): Promise<ProgramSeed> {
  const names = noEventNames();
  for (const input of inputs) nameEvent(names, input);
  return readOnly(sql, async (client) => {
    const program = await programRows(client, programId);
    const history = await historyRows(client, programId, null);
    const { events, customers, saleIds } = await namedRows(client, programId, program, history, names, campaign, null);
    const seed = { programId, ...program, campaigns: [campaign], customers, events, history };
    if (campaign.id === '0') return { ...seed, rewards: [], granted: new Map() };
    // Summed from the ledger as the granted_money rebuild does, so a budget or cap the definition adds counts what was granted already.
    const { rows: granted } = await client.query<{ partnerId: string; month: string; amount: string }>(
      `select r.partner_id as "partnerId", to_char(date_trunc('month', r.created_at at time zone $3), 'YYYY-MM-DD') as month, sum(r.amount)::text as amount
         from reward r where r.program_id = $1 and r.campaign_id = $2 and r.kind = 'MONEY' and r.unit = $4 and r.status in ('PENDING', 'APPROVED', 'PAID')
        group by 1, 2`,
      [programId, campaign.id, program.timeZone, campaign.currency],
    );
    return {
      ...seed,
      rewards: await salesRewards(client, programId, saleIds, [campaign.id]),
      granted: new Map(granted.map((row) => [`${campaign.id}|${row.partnerId}|${row.month}`, BigInt(row.amount)])),
    };
  });
}

/** The entries of these sales in these campaigns (all campaigns for null) and the corrections of them: what refunds take back. */
async function salesRewards(client: SqlClient, programId: string, saleIds: string[], campaignIds: string[] | null): Promise<RewardRow[]> {
  const { rows } = await client.query<RewardRow>(
    `select ${REWARD_COLUMNS} from reward r where r.program_id = $1 and ($3::bigint[] is null or r.campaign_id = any($3::bigint[]))
        and (r.event_id = any($2::bigint[]) or r.corrects_id in (select id from reward where program_id = $1 and event_id = any($2::bigint[])))
      order by r.id`,
    [programId, saleIds, campaignIds],
  );
  return rows;
}

/**
 * Reads what a dry run of an import of events naming `names` needs, in one read-only snapshot,
 * so the real tables are neither written nor locked while the file is checked: the program's
 * partners and their history, its ACTIVE campaigns, the stored events and customers the file
 * reaches (see namedRows; more than `maxEvents` events are refused), the entries of those
 * campaigns to the partners around it (the keys its rewards could repeat), the entries of the
 * sales it refunds, and the money granted so far against budgets and caps.
 */
export function loadDryRun(sql: Sql, programId: string, names: EventNames, maxEvents: number): Promise<ProgramSeed> {
  return readOnly(sql, async (client) => {
    const program = await programRows(client, programId);
    const history = await historyRows(client, programId, null);
    const campaigns = await activeCampaigns(client, programId);
    const { events, customers, partnerIds, saleIds } = await namedRows(client, programId, program, history, names, campaignsSpan(campaigns), maxEvents);
    if (events.length > maxEvents) throw new TooManyEvents(maxEvents);
    const campaignIds = campaigns.map((campaign) => campaign.id);
    const { rows: keyed } = await client.query<RewardRow>(
      `select ${REWARD_KEY_COLUMNS} from reward r where r.program_id = $1 and r.campaign_id = any($2::bigint[]) and r.partner_id = any($3::bigint[]) order by r.id`,
      [programId, campaignIds, partnerIds],
    );
    const byId = new Map([...keyed, ...(await salesRewards(client, programId, saleIds, null))].map((reward) => [reward.id, reward]));
    const rewards = [...byId.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const limited = campaigns.filter((campaign) => campaign.budget !== null || campaign.partnerCap !== null).map((campaign) => campaign.id);
    return { programId, ...program, campaigns, customers, events, rewards, granted: await grantedSoFar(client, limited, partnerIds), history };
  });
}

/** Thrown when a dry run would hold more stored events than it may: `maxEvents` (the room the file's own lines leave). */
export class TooManyEvents extends Error {
  constructor(readonly maxEvents: number) {
    super(`more than ${maxEvents} stored events`);
  }
}

/** The program's ACTIVE campaigns, each with its active scheme instances in order, in id order. */
async function activeCampaigns(client: SqlClient, programId: string): Promise<MemoryCampaign[]> {
  const { rows } = await client.query<Omit<MemoryCampaign, 'budget' | 'partnerCap' | 'instances'> & { budget: string | null; partnerCap: string | null }>(
    `select id, name, currency, starts_at as "startsAt", ends_at as "endsAt", hold_days as "holdDays", targeting, status,
            budget::text, partner_cap::text as "partnerCap", cap_period as "capPeriod"
       from campaign where program_id = $1 and status = 'ACTIVE' order by id`,
    [programId],
  );
  const { rows: instances } = await client.query<SchemeInstanceRow>(
    `select id, campaign_id as "campaignId", key, scheme_code as "schemeCode", args
       from scheme_instance where campaign_id = any($1::bigint[]) and retired_at is null order by campaign_id, position`,
    [rows.map((row) => row.id)],
  );
  return rows.map((row) => ({
    ...row,
    budget: row.budget === null ? null : BigInt(row.budget),
    partnerCap: row.partnerCap === null ? null : BigInt(row.partnerCap),
    instances: instances.filter((instance) => instance.campaignId === row.id),
  }));
}

/** From the earliest campaign start to the latest end (open when one is): where every campaign's stats windows lie; null for no campaign. */
function campaignsSpan(campaigns: MemoryCampaign[]): { startsAt: Date; endsAt: Date | null } | null {
  if (campaigns.length === 0) return null;
  const startsAt = new Date(Math.min(...campaigns.map((campaign) => campaign.startsAt.getTime())));
  const endsAt = campaigns.some((campaign) => campaign.endsAt === null) ? null : new Date(Math.max(...campaigns.map((campaign) => campaign.endsAt!.getTime())));
  return { startsAt, endsAt };
}

/** A partner id no partner has: the granted money of everyone outside a dry run's partners, summed per campaign under it. */
const OTHERS = '0';

/**
 * The granted_money rows of these campaigns: per partner and month for `partnerIds` (caps read
 * those), and the rest of each campaign's in one sum under OTHERS (budgets read only the total),
 * so a program's every partner and month is not held in memory.
 */
async function grantedSoFar(client: SqlClient, campaignIds: string[], partnerIds: string[]): Promise<Map<string, bigint>> {
  if (campaignIds.length === 0) return new Map();
  const { rows } = await client.query<{ campaignId: string; partnerId: string; month: string; amount: string }>(
    `select g.campaign_id::text as "campaignId", coalesce(around.id::text, $3) as "partnerId",
            case when around.id is null then '' else to_char(g.month, 'YYYY-MM-DD') end as month, sum(g.amount)::text as amount
       from granted_money g left join unnest($2::bigint[]) as around(id) on around.id = g.partner_id
      where g.campaign_id = any($1::bigint[])
      group by 1, 2, 3`,
    [campaignIds, partnerIds, OTHERS],
  );
  return new Map(rows.map((row) => [`${row.campaignId}|${row.partnerId}|${row.month}`, BigInt(row.amount)]));
}
