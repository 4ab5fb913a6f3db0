import pg from 'pg';

// bigint columns come back as strings (ids) — amounts are turned into bigint where read.
export type SqlClient = pg.PoolClient;

/**
 * The plain-SQL side of the database: bulk ingestion and the ledger's hot path use it
 * with `unnest($1::bigint[])`-style batches that the ORM's query layer does not express.
 */
export class Sql {
  readonly pool: pg.Pool;

  constructor(url: string, max = 10) {
    this.pool = new pg.Pool({ connectionString: url, max });
    // An idle connection dropped by the server (a restart, or shutdown racing us on Ctrl-C)
    // is replaced on next use; it must not crash the process.
    this.pool.on('error', () => {});
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    const result = await this.pool.query<R>(text, params);
    return result.rows;
  }

  /** Runs `work` in one transaction; rolls back on any error. */
  async transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
