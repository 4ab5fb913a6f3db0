import { Migration } from '@mikro-orm/migrations';

/**
 * Simulations run as jobs: one row per run, kept until it is deleted. The only table a
 * simulation writes; the replay itself still runs in memory.
 *
 * `owner` is the server process running (or queueing) the job, a random token per process, and
 * `heartbeat_at` when that process last said it still holds it: a process beats its rows every
 * few seconds, and any process marks QUEUED or RUNNING rows whose heartbeat is long stale as
 * FAILED ("the server stopped") — their process was killed.
 */
export class Migration20261205100000_simulation_jobs extends Migration {
  override name = 'Migration20261205100000_simulation_jobs';

  override up(): void | Promise<void> {
    this.addSql(`create table "simulation_run" (
      "id" bigserial primary key,
      "program_id" bigint not null references "program" ("id"),
      "started_by" bigint not null references "api_key" ("id"),
      "input" jsonb not null,
      "status" text not null default 'QUEUED' check ("status" in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
      "events_done" int not null default 0,
      "events_total" int null,
      "result" jsonb null,
      "failure" text null,
      "owner" text not null,
      "heartbeat_at" timestamptz not null default now(),
      "created_at" timestamptz not null default now(),
      "started_at" timestamptz null,
      "finished_at" timestamptz null);`);
    // A program's runs, newest first.
    this.addSql(`create index "simulation_run_program_id_id_index" on "simulation_run" ("program_id", "id");`);
    // The sweep for runs whose process is gone.
    this.addSql(`create index "simulation_run_unfinished_index" on "simulation_run" ("heartbeat_at") where "status" in ('QUEUED', 'RUNNING');`);
  }
}
