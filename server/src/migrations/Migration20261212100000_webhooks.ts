import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks: endpoints, an outbox of deliveries and a log of every attempt.
 *
 * The outbox is written by triggers on the tables that record each change (the ledger, its
 * status log, payouts, partners, perk fulfilment, period closes), so a delivery is committed in
 * the same transaction as the change it reports, whatever code made the change, and is gone with
 * it when that transaction rolls back. A delivery is one change for one endpoint: its `data` is
 * the changed row as it was then, so a retry sends the same body. The worker
 * (webhooks/webhook-worker.ts) is woken by the `cofactor_webhook` notice at commit.
 *
 * Every trigger first asks whether any endpoint is enabled at all, so a program without
 * webhooks pays one look-up per statement and nothing per row.
 */
export class Migration20261212100000_webhooks extends Migration {
  override name = 'Migration20261212100000_webhooks';

  override up(): void | Promise<void> {
    this.tables();
    this.payloads();
    this.rewardTriggers();
    this.otherTriggers();
  }

  private tables(): void {
    this.addSql(`create table "webhook_endpoint" (
      "id" bigserial primary key,
      "program_id" bigint not null references "program" ("id"),
      "url" text not null,
      "description" text not null default '',
      "events" text[] not null,
      "secret" text not null,
      "previous_secret" text null,
      "previous_secret_until" timestamptz null,
      "enabled" boolean not null default true,
      "disabled_reason" text null,
      "failed_in_a_row" int not null default 0,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "webhook_endpoint_program_id_index" on "webhook_endpoint" ("program_id", "id");`);
    // `partner_id` orders deliveries: one endpoint gets a partner's changes one after another.
    // `retry_from` starts the retry window: creation, or a redelivery by hand.
    this.addSql(`create table "webhook_delivery" (
      "id" bigserial primary key,
      "endpoint_id" bigint not null references "webhook_endpoint" ("id") on delete cascade,
      "event_type" text not null,
      "partner_id" bigint null,
      "data" jsonb not null,
      "status" text not null default 'PENDING' check ("status" in ('PENDING', 'DELIVERED', 'FAILED')),
      "attempts" int not null default 0,
      "next_attempt_at" timestamptz not null default now(),
      "claimed_until" timestamptz null,
      "retry_from" timestamptz not null default now(),
      "created_at" timestamptz not null default now(),
      "delivered_at" timestamptz null);`);
    // The worker's reads, each a few index entries however long the queue: the next PENDING
    // deliveries in order, whether one waits behind an earlier one of its partner, and when the
    // next retry falls due.
    this.addSql(`create index "webhook_delivery_pending_index" on "webhook_delivery" ("id") where "status" = 'PENDING';`);
    this.addSql(`create index "webhook_delivery_queue_index" on "webhook_delivery" ("endpoint_id", "partner_id", "id") where "status" = 'PENDING';`);
    this.addSql(`create index "webhook_delivery_due_index" on "webhook_delivery" ("next_attempt_at") where "status" = 'PENDING';`);
    this.addSql(`create index "webhook_delivery_endpoint_id_index" on "webhook_delivery" ("endpoint_id", "id");`);
    // Finished deliveries past their keeping time are deleted by age; rows come in time order, so a BRIN index is enough.
    this.addSql(`create index "webhook_delivery_created_at_index" on "webhook_delivery" using brin ("created_at");`);
    this.addSql(`create table "webhook_attempt" (
      "id" bigserial primary key,
      "delivery_id" bigint not null references "webhook_delivery" ("id") on delete cascade,
      "attempted_at" timestamptz not null,
      "status_code" int null,
      "latency_ms" int not null,
      "response_head" text not null default '',
      "error" text null);`);
    this.addSql(`create index "webhook_attempt_delivery_id_index" on "webhook_attempt" ("delivery_id", "id");`);
  }

  /**
   * The rows as the API shows them: its field names, ids as strings, amounts as JSON numbers
   * (strings beyond 2^53, as the API's BigInt), times in UTC ISO 8601.
   */
  private payloads(): void {
    this.addSql(`create function "webhook_time"(t timestamptz) returns text language sql immutable as $$
      select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;`);
    this.addSql(`create function "webhook_amount"(n numeric) returns jsonb language sql immutable as $$
      select case when abs(n) < 9007199254740992 then to_jsonb(n) else to_jsonb(n::text) end $$;`);
    this.addSql(`create function "webhook_reward"(r "reward") returns jsonb language sql stable as $$
      select jsonb_build_object('id', r.id::text, 'partnerId', r.partner_id::text, 'campaignId', r.campaign_id::text,
        'eventId', r.event_id::text, 'periodKey', r.period_key, 'kind', r.kind, 'amount', webhook_amount(r.amount), 'unit', r.unit,
        'status', r.status, 'correctsId', r.corrects_id::text, 'holdUntil', webhook_time(r.hold_until),
        'createdAt', webhook_time(r.created_at), 'explanation', jsonb_build_object('en', r.explanation_en, 'ru', r.explanation_ru)) $$;`);
    this.addSql(`create function "webhook_payout"(p "payout") returns jsonb language sql stable as $$
      select jsonb_build_object('id', p.id::text, 'batchId', p.batch_id::text, 'partnerId', p.partner_id::text, 'currency', p.currency,
        'amount', webhook_amount(p.amount), 'entries', p.entries, 'status', p.status, 'reference', p.reference, 'failureReason', p.failure_reason,
        'createdAt', webhook_time(p.created_at), 'settledAt', webhook_time(p.settled_at)) $$;`);
    this.addSql(`create function "webhook_partner"(p "partner") returns jsonb language sql stable as $$
      select jsonb_build_object('id', p.id::text, 'externalId', p.external_id, 'name', p.name, 'email', p.email, 'kind', p.kind,
        'regionId', p.region_id::text, 'segment', p.segment, 'level', p.level, 'status', p.status, 'referralCode', p.referral_code,
        'sponsorId', p.sponsor_id::text, 'joinedAt', webhook_time(p.joined_at)) $$;`);
    // One delivery per change and enabled endpoint of its program that asked for its type, in the order of the changes.
    this.addSql(`create function "webhook_enqueue"(changes jsonb) returns void language plpgsql as $$
      begin
        insert into webhook_delivery (endpoint_id, event_type, partner_id, data)
        select e.id, c.type, c.partner_id, c.data
          from jsonb_to_recordset(changes) as c(seq bigint, program_id bigint, type text, partner_id bigint, data jsonb)
          join webhook_endpoint e on e.program_id = c.program_id and e.enabled and c.type = any(e.events)
         order by c.seq, e.id;
        if found then perform pg_notify('cofactor_webhook', ''); end if;
      end $$;`);
    this.addSql(`create function "webhooks_wanted"() returns boolean language sql stable as $$
      select exists (select 1 from webhook_endpoint where enabled) $$;`);
  }

  private rewardTriggers(): void {
    // A new entry is created (or, when a budget or cap stopped it, capped); a negative one takes
    // back part of another (reversed); a badge is also awarded.
    this.addSql(`create function "webhook_reward_inserted"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        -- Straight from the inserted rows, without the detour through webhook_enqueue: a batch
        -- writes thousands of entries in this one statement.
        insert into webhook_delivery (endpoint_id, event_type, partner_id, data)
        select e.id, t.type, n.partner_id,
               case when t.type = 'badge.awarded'
                    then jsonb_build_object('code', n.unit, 'name', coalesce(n.details ->> 'name', n.unit), 'reward', webhook_reward(n))
                    else webhook_reward(n) end
          from inserted n
          cross join lateral (values
            (0, case when n.corrects_id is not null then 'reward.reversed' when n.status = 'CAPPED' then 'reward.capped' else 'reward.created' end),
            (1, case when n.kind = 'BADGE' and n.corrects_id is null and n.status <> 'CAPPED' then 'badge.awarded' end)) as t(part, type)
          join webhook_endpoint e on e.program_id = n.program_id and e.enabled and t.type = any(e.events)
         where t.type is not null
         order by n.id, t.part, e.id;
        if found then perform pg_notify('cofactor_webhook', ''); end if;
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_reward_inserted" after insert on "reward" referencing new table as inserted for each statement execute function "webhook_reward_inserted"();`);
    // Approvals and rejections, by hand or by the scheduled job (payment is reported as payout.paid).
    this.addSql(`create function "webhook_reward_moved"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        perform webhook_enqueue(coalesce(jsonb_agg(jsonb_build_object('seq', m.id, 'program_id', r.program_id,
                                  'type', lower('reward.' || m.to_status), 'partner_id', r.partner_id,
                                  'data', webhook_reward(r) || jsonb_build_object('previousStatus', m.from_status, 'reason', m.reason)) order by m.id), '[]'))
          from inserted m join reward r on r.id = m.reward_id
         where m.to_status in ('APPROVED', 'REJECTED');
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_reward_moved" after insert on "reward_status_change" referencing new table as inserted for each statement execute function "webhook_reward_moved"();`);
  }

  private otherTriggers(): void {
    this.addSql(`create function "webhook_payout_created"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        perform webhook_enqueue(coalesce(jsonb_agg(jsonb_build_object('seq', p.id, 'program_id', p.program_id, 'type', 'payout.created',
                                  'partner_id', p.partner_id, 'data', webhook_payout(p)) order by p.id), '[]'))
          from inserted p;
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_payout_created" after insert on "payout" referencing new table as inserted for each statement execute function "webhook_payout_created"();`);
    this.addSql(`create function "webhook_payout_settled"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        perform webhook_enqueue(jsonb_build_array(jsonb_build_object('seq', new.id, 'program_id', new.program_id,
          'type', lower('payout.' || new.status), 'partner_id', new.partner_id, 'data', webhook_payout(new))));
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_payout_settled" after update of "status" on "payout" for each row
      when (old.status is distinct from new.status and new.status in ('PAID', 'FAILED')) execute function "webhook_payout_settled"();`);
    this.addSql(`create function "webhook_partner_changed"() returns trigger language plpgsql as $$
      declare
        change jsonb;
      begin
        if not webhooks_wanted() then return null; end if;
        change := case
          when tg_op = 'INSERT' then jsonb_build_object('type', 'partner.created', 'data', webhook_partner(new))
          when tg_argv[0] = 'status' then jsonb_build_object('type', 'partner.status_changed', 'data', webhook_partner(new) || jsonb_build_object('previousStatus', old.status))
          else jsonb_build_object('type', 'partner.level_changed', 'data', webhook_partner(new) || jsonb_build_object('previousLevel', old.level)) end;
        perform webhook_enqueue(jsonb_build_array(change || jsonb_build_object('seq', new.id, 'program_id', new.program_id, 'partner_id', new.id)));
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_partner_created" after insert on "partner" for each row execute function "webhook_partner_changed"();`);
    this.addSql(`create trigger "webhook_partner_status_changed" after update of "status" on "partner" for each row
      when (old.status is distinct from new.status) execute function "webhook_partner_changed"('status');`);
    this.addSql(`create trigger "webhook_partner_level_changed" after update of "level" on "partner" for each row
      when (old.level is distinct from new.level) execute function "webhook_partner_changed"('level');`);
    this.addSql(`create function "webhook_perk_changed"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        perform webhook_enqueue(coalesce(jsonb_agg(jsonb_build_object('seq', f.id, 'program_id', r.program_id, 'type', 'perk.fulfilment_changed',
                                  'partner_id', r.partner_id, 'data', jsonb_build_object('state', f.state, 'note', f.note,
                                  'changedAt', webhook_time(f.changed_at), 'reward', webhook_reward(r))) order by f.id), '[]'))
          from inserted f join reward r on r.id = f.reward_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_perk_changed" after insert on "perk_fulfilment" referencing new table as inserted for each statement execute function "webhook_perk_changed"();`);
    this.addSql(`create function "webhook_period_closed"() returns trigger language plpgsql as $$
      begin
        if not webhooks_wanted() then return null; end if;
        perform webhook_enqueue(coalesce(jsonb_agg(jsonb_build_object('seq', x.id, 'program_id', c.program_id, 'type', 'period.closed', 'partner_id', null,
                                  'data', jsonb_build_object('id', x.id::text, 'campaignId', x.campaign_id::text, 'periodKey', x.period_key,
                                    'startsAt', webhook_time(x.starts_at), 'endsAt', webhook_time(x.ends_at), 'forced', x.forced,
                                    'rewardsCreated', x.rewards_created, 'closedAt', webhook_time(x.closed_at))) order by x.id), '[]'))
          from inserted x join campaign c on c.id = x.campaign_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "webhook_period_closed" after insert on "period_close" referencing new table as inserted for each statement execute function "webhook_period_closed"();`);
  }
}
