import { Migration } from '@mikro-orm/migrations';

/**
 * Tells every server process sharing the database about new rewards, so that `rewardCreated`
 * reaches subscribers on any process: at commit, one notice per program an insert statement
 * wrote, naming the program and the statement's lowest and highest id (a few dozen bytes,
 * whatever the batch's size). The listeners read the rows they need (graphql/pubsub.ts).
 * Once per statement, not per row: a batch's thousands of rewards are one insert.
 */
export class Migration20261206100100_reward_notify extends Migration {
  override name = 'Migration20261206100100_reward_notify';

  override up(): void | Promise<void> {
    this.addSql(`create function "reward_notify"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('cofactor_reward', json_build_object('program', program_id::text, 'from', min(id)::text, 'to', max(id)::text)::text)
          from inserted group by program_id;
        return null;
      end $$;`);
    this.addSql(`create trigger "reward_notify" after insert on "reward" referencing new table as inserted for each statement execute function "reward_notify"();`);
  }
}
