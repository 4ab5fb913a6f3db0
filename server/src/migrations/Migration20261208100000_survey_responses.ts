import { Migration } from '@mikro-orm/migrations';

/**
 * Partner satisfaction: one row per survey answer a partner gave (a 0–10 "would you recommend
 * the programme" score and an optional comment). `external_id` is the sender's idempotency
 * key, unique per program, as events' are. The table stays small (a few answers per partner a
 * year), so satisfaction figures are computed from it directly.
 */
export class Migration20261208100000_survey_responses extends Migration {
  override name = 'Migration20261208100000_survey_responses';

  override up(): void | Promise<void> {
    this.addSql(`create table "survey_response" (
      "id" bigserial primary key,
      "program_id" bigint not null references "program" ("id"),
      "partner_id" bigint not null references "partner" ("id"),
      "score" smallint not null check ("score" between 0 and 10),
      "comment" text null,
      "answered_at" timestamptz not null,
      "external_id" text not null,
      "created_at" timestamptz not null default now(),
      constraint "survey_response_program_id_external_id_unique" unique ("program_id", "external_id"));`);
    // A program's answers by time (satisfaction over a period), and one partner's answers.
    this.addSql(`create index "survey_response_program_id_answered_at_index" on "survey_response" ("program_id", "answered_at");`);
    this.addSql(`create index "survey_response_partner_id_id_index" on "survey_response" ("partner_id", "id");`);
  }
}
