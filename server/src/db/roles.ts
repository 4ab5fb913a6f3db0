import pg from 'pg';

/**
 * Tables of history: the server's role may add rows and read them, never change or remove them.
 * `reward` is the ledger, whose only change is a status move (allowed below, and checked by
 * its triggers); the others are the logs of status moves, payout contents, perk fulfilment
 * and period closes, and the partners' history (what the program was at each date).
 */
export const APPEND_ONLY_TABLES = ['reward', 'reward_status_change', 'payout_item', 'perk_fulfilment', 'period_close', 'partner_history', 'partner_level_history'];

/** Who a database URL logs in as, whether that role is a superuser, and whether it owns the ledger's table. */
export async function roleOf(url: string): Promise<{ name: string; superuser: boolean; owner: boolean }> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // a failure reaches the caller through the query that hit it
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; superuser: boolean; owner: boolean }>(
      `select current_user as name, r.rolsuper as superuser,
              coalesce((select pg_has_role(current_user, c.relowner, 'MEMBER') from pg_class c where c.oid = to_regclass('public.reward')), false) as owner
         from pg_roles r where r.rolname = current_user`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

/**
 * Gives the server's role what it needs and nothing more: read and write rows of every table
 * (run after every migration, so new tables are covered), no DDL (it owns nothing), no
 * TRUNCATE, no trigger changes, and only INSERT and SELECT on history. Rights are withdrawn and
 * granted again in one transaction, so a right a newer version no longer gives is gone too.
 * Call it under `prepareDatabase`'s lock: two nodes changing the same privileges at once fail
 * with "tuple concurrently updated".
 * `event` rows are never deleted; UPDATE stays because refunds lock their sale `for update`.
 * `program.token_secret` stays readable by this role (it signs and checks partner tokens) and by
 * the owner only: PUBLIC and any other role are granted nothing.
 */
export async function grantRowAccess(ownerUrl: string, role: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  client.on('error', () => {});
  await client.connect();
  const name = client.escapeIdentifier(role);
  const appendOnly = APPEND_ONLY_TABLES.map((table) => client.escapeIdentifier(table)).join(', ');
  try {
    await client.query(`begin;
      revoke all on all tables in schema public from ${name};
      revoke all on all sequences in schema public from ${name};
      grant usage on schema public to ${name};
      grant select, insert, update, delete on all tables in schema public to ${name};
      grant usage, select on all sequences in schema public to ${name};
      revoke all on cofactor_migrations from ${name};
      revoke update, delete on ${appendOnly} from ${name};
      grant update (status) on reward to ${name};
      revoke delete on event from ${name};
      commit;`);
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}
