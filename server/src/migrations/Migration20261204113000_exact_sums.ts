import { Migration } from '@mikro-orm/migrations';

/**
 * Sums kept in tables grow with the number of entries, which has no bound: a partner's payout
 * and the money a campaign granted a partner in a month. Past 9.2·10^18 minor units bigint
 * overflows and the whole payout batch or recording call would fail, so they are numeric.
 * Single entries, event amounts and settings stay bigint: each has a bound well inside it.
 */
export class Migration20261204113000_exact_sums extends Migration {
  override name = 'Migration20261204113000_exact_sums';

  override up(): void | Promise<void> {
    this.addSql(`alter table "payout" alter column "amount" type numeric(38, 0);`);
    this.addSql(`alter table "granted_money" alter column "amount" type numeric(38, 0);`);
  }
}
