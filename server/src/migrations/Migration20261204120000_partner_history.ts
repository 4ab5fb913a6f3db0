import { Migration } from '@mikro-orm/migrations';

/**
 * The program as it was: a partner's status, kind, region, segment and sponsor, and its level,
 * each row valid from its `valid_from` until the partner's next row. Rows are only added, by the
 * code that changes the partner, in the same transaction; schemes and period closes read the
 * state as of the event or the period's end from them.
 *
 * Levels have a table of their own because a level earned at a period close is valid from the
 * period's end, a date already past when the close runs: a row of the other fields written in
 * between must not carry a level that was not yet known.
 *
 * Every existing partner gets one row of each, valid from when it joined.
 */
export class Migration20261204120000_partner_history extends Migration {
  override name = 'Migration20261204120000_partner_history';

  override up(): void | Promise<void> {
    this.addSql(`create table "partner_history" (
      "id" bigserial primary key,
      "partner_id" bigint not null references "partner" ("id"),
      "valid_from" timestamptz not null,
      "status" text not null,
      "kind" text not null,
      "region_id" bigint null,
      "segment" text null,
      "sponsor_id" bigint null);`);
    this.addSql(`create index "partner_history_partner_id_valid_from_index" on "partner_history" ("partner_id", "valid_from");`);
    // A downline as it was walks down the sponsor links of that time.
    this.addSql(`create index "partner_history_sponsor_id_index" on "partner_history" ("sponsor_id");`);
    this.addSql(`create table "partner_level_history" (
      "id" bigserial primary key,
      "partner_id" bigint not null references "partner" ("id"),
      "valid_from" timestamptz not null,
      "level" int not null);`);
    this.addSql(`create index "partner_level_history_partner_id_valid_from_index" on "partner_level_history" ("partner_id", "valid_from");`);
    this.addSql(`insert into "partner_history" ("partner_id", "valid_from", "status", "kind", "region_id", "segment", "sponsor_id")
      select "id", "joined_at", "status", "kind", "region_id", "segment", "sponsor_id" from "partner" order by "id";`);
    this.addSql(`insert into "partner_level_history" ("partner_id", "valid_from", "level")
      select "id", "joined_at", "level" from "partner" order by "id";`);
  }
}
