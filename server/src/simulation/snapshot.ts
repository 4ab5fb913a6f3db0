import type { JsonObject } from '@cofactor/schema';
import type { Sql, SqlClient } from '../db/sql.js';
import type { RewardRow } from '../ledger/ledger.service.js';
import { MICROS, SNAPSHOT_COLUMNS, type SnapshotRow } from '../partners/partner-snapshot.js';
import type { EventInput } from '../rewarding/event.js';
import { errors } from '../graphql/errors.js';
import type { MemoryCampaign, MemoryCustomer, MemoryEvent, ProgramSeed } from '../rewarding/memory/state.js';

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
const REWARD_COLUMNS = `r.id, r.program_id as "programId", r.partner_id as "partnerId", r.campaign_id as "campaignId", r.scheme_instance_id as "schemeInstanceId",
  r.event_id as "eventId", r.period_key as "periodKey", r.kind, r.amount::text as amount, r.unit, r.status, r.idempotency_key as "idempotencyKey",
  r.explanation_en as "explanationEn", r.explanation_ru as "explanationRu", r.details, r.hold_until as "holdUntil", r.corrects_id as "correctsId",
  r.reversal, r.created_at as "createdAt"`;

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
 * Reads what previewing a handful of events needs: the program's partners, the stored events
 * that count in the stats of their partners and uplines (inside the campaign's dates), stored
 * events with their external ids or named by their refunds, their customers, and the
 * campaign's granted sums and the entries of the sales they refund.
 */
export function loadPreview(sql: Sql, programId: string, campaign: MemoryCampaign, inputs: EventInput[]): Promise<ProgramSeed> {
  return readOnly(sql, async (client) => {
    const program = await programRows(client, programId);
    const partnerIds = previewPartners(program.partners, program.coupons, inputs);
    const externalIds = [...new Set(inputs.flatMap((input) => [input.externalId, ...(input.refundOf ? [input.refundOf] : [])]))];
    const { rows: records } = await client.query<EventRecord>(
      `select ${EVENT_COLUMNS} from event e ${EVENT_JOINS}
        where e.program_id = $1 and ((e.partner_id = any($2::bigint[]) and e.occurred_at >= $3 and ($4::timestamptz is null or e.occurred_at < $4)) or e.external_id = any($5::text[]))
        order by e.id`,
      [programId, partnerIds, campaign.startsAt, campaign.endsAt, externalIds],
    );
    const customers = await customersOf(
      client,
      programId,
      { externalIds: [...new Set(inputs.flatMap((input) => input.customerId ?? []))], ids: [...new Set(records.flatMap((record) => record.customerId ?? []))] },
      null,
    );
    const history = await historyRows(client, programId, null);
    if (campaign.id === '0') return { programId, ...program, campaigns: [campaign], customers, events: records.map((record) => toStored(record).row), rewards: [], granted: new Map(), history };
    const { rows: rewards } = await client.query<RewardRow>(
      `select ${REWARD_COLUMNS} from reward r where r.program_id = $1 and r.campaign_id = $2 and (r.event_id = any($3::bigint[])
          or r.corrects_id in (select id from reward where program_id = $1 and event_id = any($3::bigint[])))
        order by r.id`,
      [programId, campaign.id, records.filter((record) => externalIds.includes(record.externalId)).map((record) => record.id)],
    );
    // Summed from the ledger as the granted_money rebuild does, so a budget or cap the definition adds counts what was granted already.
    const { rows: granted } = await client.query<{ partnerId: string; month: string; amount: string }>(
      `select r.partner_id as "partnerId", to_char(date_trunc('month', r.created_at at time zone $3), 'YYYY-MM-DD') as month, sum(r.amount)::text as amount
         from reward r where r.program_id = $1 and r.campaign_id = $2 and r.kind = 'MONEY' and r.unit = $4 and r.status in ('PENDING', 'APPROVED', 'PAID')
        group by 1, 2`,
      [programId, campaign.id, program.timeZone, campaign.currency],
    );
    return {
      programId,
      ...program,
      campaigns: [campaign],
      customers,
      events: records.map((record) => toStored(record).row),
      rewards,
      granted: new Map(granted.map((row) => [`${campaign.id}|${row.partnerId}|${row.month}`, BigInt(row.amount)])),
      history,
    };
  });
}

/** The partners the events name (by id, referral code, coupon or their sale's partner) and every sponsor above them. */
function previewPartners(partners: SnapshotRow[], coupons: { code: string; partnerId: string }[], inputs: EventInput[]): string[] {
  const byId = new Map(partners.map((partner) => [partner.id, partner]));
  const byCode = new Map(partners.map((partner) => [partner.referralCode, partner.id]));
  const byCoupon = new Map(coupons.map((coupon) => [coupon.code, coupon.partnerId]));
  const named = inputs.flatMap((input) => [
    ...(input.partnerId ? [input.partnerId] : []),
    ...(input.referralCode ? [byCode.get(input.referralCode.toUpperCase()) ?? ''] : []),
    ...(input.couponCode ? [byCoupon.get(input.couponCode) ?? ''] : []),
  ]);
  const result = new Set<string>();
  for (const id of named) {
    for (let partner = byId.get(id); partner && !result.has(partner.id); partner = partner.sponsorId ? byId.get(partner.sponsorId) : undefined) result.add(partner.id);
  }
  return [...result];
}
