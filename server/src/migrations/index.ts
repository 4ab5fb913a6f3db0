import { Migration20261123084644_initial } from './Migration20261123084644_initial.js';
import { Migration20261123100000_period_close } from './Migration20261123100000_period_close.js';
import { Migration20261123110000_perk_fulfilment } from './Migration20261123110000_perk_fulfilment.js';
import { Migration20261201090000_money_lifecycle } from './Migration20261201090000_money_lifecycle.js';
import { Migration20261204100000_credentials } from './Migration20261204100000_credentials.js';
import { Migration20261204113000_exact_sums } from './Migration20261204113000_exact_sums.js';
import { Migration20261204120000_partner_history } from './Migration20261204120000_partner_history.js';
import { Migration20261205100000_simulation_jobs } from './Migration20261205100000_simulation_jobs.js';
import { Migration20261205110000_event_batch_order } from './Migration20261205110000_event_batch_order.js';
import { Migration20261205120000_customer_without_foreign_keys } from './Migration20261205120000_customer_without_foreign_keys.js';
import { Migration20261206100100_reward_notify } from './Migration20261206100100_reward_notify.js';
import { Migration20261206120000_board_totals } from './Migration20261206120000_board_totals.js';
import { Migration20261207100000_board_deltas } from './Migration20261207100000_board_deltas.js';
import { Migration20261210100000_analytics } from './Migration20261210100000_analytics.js';
import { Migration20261211100000_analytics_slices } from './Migration20261211100000_analytics_slices.js';
import { Migration20261212100000_webhooks } from './Migration20261212100000_webhooks.js';
import { Migration20261209100000_board_versions } from './Migration20261209100000_board_versions.js';
import { Migration20261208100000_survey_responses } from './Migration20261208100000_survey_responses.js';

/** Every committed migration, oldest first. */
export const migrations = [
  Migration20261123084644_initial,
  Migration20261123100000_period_close,
  Migration20261123110000_perk_fulfilment,
  Migration20261201090000_money_lifecycle,
  Migration20261204100000_credentials,
  Migration20261204113000_exact_sums,
  Migration20261204120000_partner_history,
  Migration20261205100000_simulation_jobs,
  Migration20261205110000_event_batch_order,
  Migration20261205120000_customer_without_foreign_keys,
  Migration20261206100100_reward_notify,
  Migration20261206120000_board_totals,
  Migration20261207100000_board_deltas,
  Migration20261208100000_survey_responses,
  Migration20261209100000_board_versions,
  Migration20261210100000_analytics,
  Migration20261211100000_analytics_slices,
  Migration20261212100000_webhooks,
];
