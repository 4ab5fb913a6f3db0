import { Migration } from '@mikro-orm/migrations';

export class Migration20261123084644_initial extends Migration {

  override name = 'Migration20261123084644_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_key" ("id" bigserial primary key, "program_id" bigint not null, "name" text not null, "prefix" text not null, "secret_hash" text not null, "scopes" text[] not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null);`);
    this.addSql(`alter table "api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);

    this.addSql(`create table "campaign" ("id" bigserial primary key, "program_id" bigint not null, "name" text not null, "status" text not null default 'DRAFT', "starts_at" timestamptz not null, "ends_at" timestamptz null, "currency" text not null, "hold_days" int not null default 0, "budget" bigint null, "targeting" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "campaign_program_id_status_index" on "campaign" ("program_id", "status");`);

    this.addSql(`create table "coupon" ("id" bigserial primary key, "program_id" bigint not null, "code" text not null, "partner_id" bigint not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "coupon_partner_id_index" on "coupon" ("partner_id");`);
    this.addSql(`alter table "coupon" add constraint "coupon_program_id_code_unique" unique ("program_id", "code");`);

    this.addSql(`create table "customer" ("id" bigserial primary key, "program_id" bigint not null, "external_id" text not null, "first_purchase_at" timestamptz null, "first_partner_id" bigint null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "customer" add constraint "customer_program_id_external_id_unique" unique ("program_id", "external_id");`);

    this.addSql(`create table "partner" ("id" bigserial primary key, "program_id" bigint not null, "external_id" text null, "name" text not null, "email" text null, "kind" text not null, "region_id" bigint null, "segment" text null, "level" int not null default 1, "status" text not null default 'ACTIVE', "referral_code" text not null, "sponsor_id" bigint null, "joined_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create index "partner_region_id_index" on "partner" ("region_id");`);
    this.addSql(`create index "partner_sponsor_id_index" on "partner" ("sponsor_id");`);
    this.addSql(`alter table "partner" add constraint "partner_program_id_external_id_unique" unique ("program_id", "external_id");`);
    this.addSql(`alter table "partner" add constraint "partner_program_id_referral_code_unique" unique ("program_id", "referral_code");`);

    this.addSql(`create table "partner_closure" ("ancestor_id" bigint not null, "descendant_id" bigint not null, "depth" int not null, primary key ("ancestor_id", "descendant_id"));`);
    this.addSql(`create index "partner_closure_ancestor_id_depth_index" on "partner_closure" ("ancestor_id", "depth");`);
    this.addSql(`create index "partner_closure_descendant_id_depth_index" on "partner_closure" ("descendant_id", "depth");`);

    this.addSql(`create table "event" ("id" bigserial primary key, "program_id" bigint not null, "external_id" text not null, "type" text not null, "partner_id" bigint not null, "customer_id" bigint null, "coupon_id" bigint null, "amount" bigint null, "currency" text null, "first_purchase" boolean not null default false, "occurred_at" timestamptz not null, "attributes" jsonb not null default '{}', "recorded_at" timestamptz not null default now());`);
    this.addSql(`create index "event_partner_id_occurred_at_index" on "event" ("partner_id", "occurred_at");`);
    this.addSql(`alter table "event" add constraint "event_program_id_external_id_unique" unique ("program_id", "external_id");`);

    this.addSql(`create table "program" ("id" bigserial primary key, "name" text not null, "default_currency" text not null, "time_zone" text not null, "token_secret" text not null, "created_at" timestamptz not null default now());`);

    this.addSql(`create table "region" ("id" bigserial primary key, "program_id" bigint not null, "code" text not null, "name" text not null, "parent_id" bigint null);`);
    this.addSql(`create index "region_parent_id_index" on "region" ("parent_id");`);
    this.addSql(`alter table "region" add constraint "region_program_id_code_unique" unique ("program_id", "code");`);

    this.addSql(`create table "reward" ("id" bigserial primary key, "program_id" bigint not null, "partner_id" bigint not null, "campaign_id" bigint not null, "scheme_instance_id" bigint not null, "event_id" bigint null, "kind" text not null, "amount" bigint not null, "unit" text not null, "status" text not null default 'PENDING', "idempotency_key" text not null, "explanation_en" text not null, "explanation_ru" text not null, "details" jsonb not null default '{}', "hold_until" timestamptz not null, "corrects_id" bigint null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "reward_event_id_index" on "reward" ("event_id");`);
    this.addSql(`create index "reward_campaign_id_id_index" on "reward" ("campaign_id", "id");`);
    this.addSql(`create index "reward_partner_id_id_index" on "reward" ("partner_id", "id");`);
    this.addSql(`alter table "reward" add constraint "reward_program_id_idempotency_key_unique" unique ("program_id", "idempotency_key");`);

    this.addSql(`create table "scheme_instance" ("id" bigserial primary key, "campaign_id" bigint not null, "key" text not null, "position" int not null, "scheme_code" text not null, "scheme_version" text not null, "args" jsonb not null, "created_at" timestamptz not null default now(), "retired_at" timestamptz null);`);
    this.addSql(`create index "scheme_instance_campaign_id_retired_at_index" on "scheme_instance" ("campaign_id", "retired_at");`);

    // Relations are kept as plain id columns in the entities (bulk paths write them
    // directly); the database still guards them.
    this.addSql(`alter table "region" add constraint "region_program_fk" foreign key ("program_id") references "program" ("id"), add constraint "region_parent_fk" foreign key ("parent_id") references "region" ("id");`);
    this.addSql(`alter table "partner" add constraint "partner_program_fk" foreign key ("program_id") references "program" ("id"), add constraint "partner_region_fk" foreign key ("region_id") references "region" ("id"), add constraint "partner_sponsor_fk" foreign key ("sponsor_id") references "partner" ("id");`);
    this.addSql(`alter table "partner_closure" add constraint "partner_closure_ancestor_fk" foreign key ("ancestor_id") references "partner" ("id"), add constraint "partner_closure_descendant_fk" foreign key ("descendant_id") references "partner" ("id");`);
    this.addSql(`alter table "customer" add constraint "customer_program_fk" foreign key ("program_id") references "program" ("id"), add constraint "customer_first_partner_fk" foreign key ("first_partner_id") references "partner" ("id");`);
    this.addSql(`alter table "coupon" add constraint "coupon_program_fk" foreign key ("program_id") references "program" ("id"), add constraint "coupon_partner_fk" foreign key ("partner_id") references "partner" ("id");`);
    this.addSql(`alter table "campaign" add constraint "campaign_program_fk" foreign key ("program_id") references "program" ("id");`);
    this.addSql(`alter table "scheme_instance" add constraint "scheme_instance_campaign_fk" foreign key ("campaign_id") references "campaign" ("id");`);
    // "event" and "reward" carry no foreign keys on purpose. They are the two append-only
    // tables on the ingestion hot path, written in bulk only by the event service and the
    // ledger service, with ids taken from rows read in the same transaction; programs,
    // partners, customers, coupons, campaigns and scheme instances are never deleted. Each
    // foreign key there is a per-row lookup plus a FOR KEY SHARE lock on the parent row,
    // which measured as the largest single cost of ingestion.
    this.addSql(`alter table "api_key" add constraint "api_key_program_fk" foreign key ("program_id") references "program" ("id");`);
    this.addSql(`alter table "partner_closure" add constraint "partner_closure_depth_check" check ("depth" >= 0);`);

    // The ledger is append-only, enforced where no code path can get around it: an entry
    // is never deleted, and only its lifecycle status may change.
    this.addSql(`create function "reward_is_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'reward % cannot be deleted: the ledger is append-only', old.id;
        end if;
        if (new.id, new.program_id, new.partner_id, new.campaign_id, new.scheme_instance_id, new.event_id, new.kind,
            new.amount, new.unit, new.idempotency_key, new.explanation_en, new.explanation_ru, new.details,
            new.hold_until, new.corrects_id, new.created_at)
           is distinct from
           (old.id, old.program_id, old.partner_id, old.campaign_id, old.scheme_instance_id, old.event_id, old.kind,
            old.amount, old.unit, old.idempotency_key, old.explanation_en, old.explanation_ru, old.details,
            old.hold_until, old.corrects_id, old.created_at) then
          raise exception 'reward % cannot be edited: corrections are new entries', old.id;
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger "reward_append_only" before update or delete on "reward" for each row execute function "reward_is_append_only"();`);
  }

}
