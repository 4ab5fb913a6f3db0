import { Migration } from '@mikro-orm/migrations';

/** Revocable API keys: when each was last used, so an administrator sees which are idle. */
export class Migration20261204100000_credentials extends Migration {
  override name = 'Migration20261204100000_credentials';

  override up(): void | Promise<void> {
    this.addSql(`alter table "api_key" add column "last_used_at" timestamptz null;`);
    // The program's list of keys.
    this.addSql(`create index "api_key_program_id_index" on "api_key" ("program_id", "id");`);
  }
}
