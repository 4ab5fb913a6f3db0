import { Migration } from '@mikro-orm/migrations';

/**
 * The money lifecycle: approvals and rejections with a log of who did what, refunds that
 * reverse the rewards of the sale they refund, campaign budgets and per-partner caps, and
 * payouts.
 */
export class Migration20261201090000_money_lifecycle extends Migration {
  override name = 'Migration20261201090000_money_lifecycle';

  override up(): void | Promise<void> {
    // A REFUND or CHARGEBACK names the SALE it returns money of.
    this.addSql(`alter table "event" add column "refund_of_id" bigint null;`);
    this.addSql(`create index "event_refund_of_id_index" on "event" ("refund_of_id") where "refund_of_id" is not null;`);

    // How a refund of the source sale takes the entry back: PROPORTIONAL to the money
    // returned, or NONE (e.g. a goal bonus that a later refund does not undo).
    this.addSql(`alter table "reward" add column "reversal" text not null default 'PROPORTIONAL';`);
    this.addSql(`alter table "reward" add constraint "reward_reversal_check" check ("reversal" in ('PROPORTIONAL', 'NONE'));`);
    this.addSql(`create index "reward_corrects_id_index" on "reward" ("corrects_id") where "corrects_id" is not null;`);
    // What the scheduled approval reads: only PENDING entries, in the order they fall due.
    this.addSql(`create index "reward_pending_hold_until_index" on "reward" ("hold_until") where "status" = 'PENDING';`);
    // No entry was ever REVERSED: a reversal is a compensating entry with its own status.
    this.addSql(`alter table "reward" add constraint "reward_status_check" check ("status" in ('PENDING', 'APPROVED', 'PAID', 'REJECTED', 'CAPPED'));`);
    // A compensating entry takes back part of a granted entry: it is negative, the original positive.
    this.addSql(`alter table "reward" add constraint "reward_correction_sign_check" check ("corrects_id" is null or "amount" < 0);`);

    this.addSql(`alter table "campaign" add column "partner_cap" bigint null, add column "cap_period" text not null default 'MONTH';`);
    this.addSql(`alter table "campaign" add constraint "campaign_cap_period_check" check ("cap_period" in ('MONTH', 'QUARTER', 'CAMPAIGN'));`);

    // The money granted per partner per local month by each campaign with a budget or a cap:
    // what the limits are checked against, so a check reads a few rows instead of summing the
    // campaign's ledger. Kept by the triggers below, in the statement that writes the entries.
    this.addSql(`create table "granted_money" ("campaign_id" bigint not null, "partner_id" bigint not null, "month" date not null, "amount" bigint not null, primary key ("campaign_id", "partner_id", "month"));`);
    this.addSql(`create function "granted_money_add"() returns trigger language plpgsql as $$
      begin
        insert into granted_money (campaign_id, partner_id, month, amount)
        select n.campaign_id, n.partner_id, (date_trunc('month', n.created_at at time zone p.time_zone))::date, sum(n.amount)
          from new_entries n
          join campaign c on c.id = n.campaign_id and (c.budget is not null or c.partner_cap is not null)
          join program p on p.id = n.program_id
         where n.kind = 'MONEY' and n.unit = c.currency and n.status in ('PENDING', 'APPROVED', 'PAID')
         group by 1, 2, 3 order by 1, 2, 3
        on conflict (campaign_id, partner_id, month) do update set amount = granted_money.amount + excluded.amount;
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_granted_on_insert" after insert on "reward" referencing new table as new_entries for each statement execute function "granted_money_add"();`);
    // A rejection takes money out of the granted sums; no other move changes them.
    this.addSql(`create function "granted_money_move"() returns trigger language plpgsql as $$
      begin
        insert into granted_money (campaign_id, partner_id, month, amount)
        select o.campaign_id, o.partner_id, (date_trunc('month', o.created_at at time zone p.time_zone))::date,
               sum(case when n.status in ('PENDING', 'APPROVED', 'PAID') then o.amount else -o.amount end)
          from old_entries o
          join new_entries n on n.id = o.id
          join campaign c on c.id = o.campaign_id and (c.budget is not null or c.partner_cap is not null)
          join program p on p.id = o.program_id
         where o.kind = 'MONEY' and o.unit = c.currency
           and (o.status in ('PENDING', 'APPROVED', 'PAID')) <> (n.status in ('PENDING', 'APPROVED', 'PAID'))
         group by 1, 2, 3 order by 1, 2, 3
        on conflict (campaign_id, partner_id, month) do update set amount = granted_money.amount + excluded.amount;
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_granted_on_update" after update on "reward" referencing old table as old_entries new table as new_entries for each statement execute function "granted_money_move"();`);
    // A campaign that gets its first limit while it runs starts from what its ledger holds.
    this.addSql(`create function "granted_money_rebuild"() returns trigger language plpgsql as $$
      begin
        delete from granted_money where campaign_id = new.id;
        insert into granted_money (campaign_id, partner_id, month, amount)
        select r.campaign_id, r.partner_id, (date_trunc('month', r.created_at at time zone p.time_zone))::date, sum(r.amount)
          from reward r join program p on p.id = r.program_id
         where r.campaign_id = new.id and r.kind = 'MONEY' and r.unit = new.currency and r.status in ('PENDING', 'APPROVED', 'PAID')
         group by 1, 2, 3;
        return null;
      end $$;`);
    this.addSql(`create trigger "campaign_limits_set" after update of "budget", "partner_cap", "currency" on "campaign" for each row
      when ((new.budget is not null or new.partner_cap is not null)
            and (old.budget is null and old.partner_cap is null or old.currency is distinct from new.currency))
      execute function "granted_money_rebuild"();`);

    this.addSql(`create table "payout_batch" ("id" bigserial primary key, "program_id" bigint not null, "currency" text not null, "minimum_amount" bigint not null, "idempotency_key" text null, "created_by" bigint not null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "payout_batch" add constraint "payout_batch_program_id_idempotency_key_unique" unique ("program_id", "idempotency_key");`);
    this.addSql(`alter table "payout_batch" add constraint "payout_batch_program_fk" foreign key ("program_id") references "program" ("id"), add constraint "payout_batch_created_by_fk" foreign key ("created_by") references "api_key" ("id");`);

    this.addSql(`create table "payout" ("id" bigserial primary key, "batch_id" bigint not null, "program_id" bigint not null, "partner_id" bigint not null, "currency" text not null, "amount" bigint not null, "entries" int not null, "status" text not null default 'CREATED', "reference" text null, "failure_reason" text null, "settled_by" bigint null, "settled_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "payout_batch_id_index" on "payout" ("batch_id");`);
    this.addSql(`create index "payout_partner_id_id_index" on "payout" ("partner_id", "id");`);
    this.addSql(`alter table "payout" add constraint "payout_status_check" check ("status" in ('CREATED', 'PAID', 'FAILED')), add constraint "payout_amount_check" check ("amount" > 0);`);
    this.addSql(`alter table "payout" add constraint "payout_batch_fk" foreign key ("batch_id") references "payout_batch" ("id"), add constraint "payout_partner_fk" foreign key ("partner_id") references "partner" ("id"), add constraint "payout_settled_by_fk" foreign key ("settled_by") references "api_key" ("id");`);

    this.addSql(`create table "payout_item" ("payout_id" bigint not null, "reward_id" bigint not null, primary key ("payout_id", "reward_id"));`);
    this.addSql(`create index "payout_item_reward_id_index" on "payout_item" ("reward_id");`);

    // Every approval, rejection and payment of an entry, with who made it (null: the
    // scheduled approval of rewards whose hold days are over) and when.
    this.addSql(`create table "reward_status_change" ("id" bigserial primary key, "reward_id" bigint not null, "from_status" text not null, "to_status" text not null, "changed_by" bigint null, "reason" text null, "payout_id" bigint null, "changed_at" timestamptz not null default now());`);
    this.addSql(`create index "reward_status_change_reward_id_id_index" on "reward_status_change" ("reward_id", "id");`);
    this.addSql(`alter table "reward_status_change" add constraint "reward_status_change_changed_by_fk" foreign key ("changed_by") references "api_key" ("id"), add constraint "reward_status_change_payout_fk" foreign key ("payout_id") references "payout" ("id");`);
    // No foreign keys on "payout_item", nor from "reward_status_change" to "reward", for the
    // reason the initial migration gives for "reward" itself: they are written in bulk (a payout
    // batch or an approval run covers every due entry), only by the ledger's services, with ids
    // of rows they just wrote or hold locked; a key check is a look-up and a lock per row.
    // Nothing here is ever deleted, and `cofactor verify` checks that every item names its
    // payout and entry, and every change its entry.

    // History tables are never edited or deleted.
    this.addSql(`create function "history_is_append_only"() returns trigger language plpgsql as $$
      begin
        raise exception '% % cannot be changed: it is history', tg_table_name, old;
      end $$;`);
    this.addSql(`create trigger "reward_status_change_append_only" before update or delete on "reward_status_change" for each row execute function "history_is_append_only"();`);
    this.addSql(`create trigger "payout_item_append_only" before update or delete on "payout_item" for each row execute function "history_is_append_only"();`);

    // The ledger guard now covers the new column. It fires only when an UPDATE sets a column
    // other than status, so the lifecycle's bulk status moves skip it.
    this.addSql(`create or replace function "reward_is_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'reward % cannot be deleted: the ledger is append-only', old.id;
        end if;
        if (new.id, new.program_id, new.partner_id, new.campaign_id, new.scheme_instance_id, new.event_id, new.period_key,
            new.kind, new.amount, new.unit, new.idempotency_key, new.explanation_en, new.explanation_ru, new.details,
            new.hold_until, new.corrects_id, new.reversal, new.created_at)
           is distinct from
           (old.id, old.program_id, old.partner_id, old.campaign_id, old.scheme_instance_id, old.event_id, old.period_key,
            old.kind, old.amount, old.unit, old.idempotency_key, old.explanation_en, old.explanation_ru, old.details,
            old.hold_until, old.corrects_id, old.reversal, old.created_at) then
          raise exception 'reward % cannot be edited: corrections are new entries', old.id;
        end if;
        return new;
      end $$;`);
    this.addSql(`drop trigger "reward_append_only" on "reward";`);
    this.addSql(`create trigger "reward_append_only" before delete or update of "id", "program_id", "partner_id", "campaign_id", "scheme_instance_id",
      "event_id", "period_key", "kind", "amount", "unit", "idempotency_key", "explanation_en", "explanation_ru", "details", "hold_until",
      "corrects_id", "reversal", "created_at" on "reward" for each row execute function "reward_is_append_only"();`);
    // Status moves only along the lifecycle: PENDING → APPROVED → PAID, and PENDING or
    // APPROVED → REJECTED. The condition is the trigger's WHEN, evaluated without calling a
    // function for every allowed move.
    this.addSql(`create function "reward_status_move_refused"() returns trigger language plpgsql as $$
      begin
        raise exception 'reward % cannot go from % to %', old.id, old.status, new.status;
      end $$;`);
    this.addSql(`create trigger "reward_status_moves" before update of "status" on "reward" for each row
      when (old.status is distinct from new.status and (old.status, new.status) not in
            (('PENDING', 'APPROVED'), ('PENDING', 'REJECTED'), ('APPROVED', 'PAID'), ('APPROVED', 'REJECTED')))
      execute function "reward_status_move_refused"();`);
  }
}
