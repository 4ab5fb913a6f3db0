import { Migration } from '@mikro-orm/migrations';

export class Migration20261123110000_perk_fulfilment extends Migration {
  override name = 'Migration20261123110000_perk_fulfilment';

  override up(): void | Promise<void> {
    this.addSql(`create table "perk_fulfilment" ("id" bigserial primary key, "reward_id" bigint not null, "state" text not null, "note" text null, "changed_by" bigint not null, "changed_at" timestamptz not null default now());`);
    this.addSql(`create index "perk_fulfilment_reward_id_id_index" on "perk_fulfilment" ("reward_id", "id");`);
    this.addSql(`alter table "perk_fulfilment" add constraint "perk_fulfilment_reward_fk" foreign key ("reward_id") references "reward" ("id"), add constraint "perk_fulfilment_changed_by_fk" foreign key ("changed_by") references "api_key" ("id"), add constraint "perk_fulfilment_state_check" check ("state" in ('GRANTED', 'DELIVERED'));`);
    // A fulfilment log is history: it is never edited or deleted either.
    this.addSql(`create function "perk_fulfilment_is_append_only"() returns trigger language plpgsql as $$
      begin
        raise exception 'perk fulfilment % cannot be changed: record a new state instead', old.id;
      end $$;`);
    this.addSql(`create trigger "perk_fulfilment_append_only" before update or delete on "perk_fulfilment" for each row execute function "perk_fulfilment_is_append_only"();`);
  }
}
