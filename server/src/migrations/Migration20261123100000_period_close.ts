import { Migration } from '@mikro-orm/migrations';

export class Migration20261123100000_period_close extends Migration {
  override name = 'Migration20261123100000_period_close';

  override up(): void | Promise<void> {
    this.addSql(`create table "period_close" ("id" bigserial primary key, "campaign_id" bigint not null, "period_key" text not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "closed_by" bigint not null, "forced" boolean not null, "rewards_created" int not null, "closed_at" timestamptz not null default now());`);
    this.addSql(`create index "period_close_campaign_id_period_key_index" on "period_close" ("campaign_id", "period_key");`);
    this.addSql(`alter table "period_close" add constraint "period_close_campaign_fk" foreign key ("campaign_id") references "campaign" ("id"), add constraint "period_close_closed_by_fk" foreign key ("closed_by") references "api_key" ("id");`);

    this.addSql(`alter table "reward" add column "period_key" text null;`);
    // The append-only guard now covers the new column too.
    this.addSql(`create or replace function "reward_is_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          raise exception 'reward % cannot be deleted: the ledger is append-only', old.id;
        end if;
        if (new.id, new.program_id, new.partner_id, new.campaign_id, new.scheme_instance_id, new.event_id, new.period_key,
            new.kind, new.amount, new.unit, new.idempotency_key, new.explanation_en, new.explanation_ru, new.details,
            new.hold_until, new.corrects_id, new.created_at)
           is distinct from
           (old.id, old.program_id, old.partner_id, old.campaign_id, old.scheme_instance_id, old.event_id, old.period_key,
            old.kind, old.amount, old.unit, old.idempotency_key, old.explanation_en, old.explanation_ru, old.details,
            old.hold_until, old.corrects_id, old.created_at) then
          raise exception 'reward % cannot be edited: corrections are new entries', old.id;
        end if;
        return new;
      end $$;`);
  }
}
