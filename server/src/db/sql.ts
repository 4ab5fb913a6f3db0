import pg from 'pg';
import { TYPES } from './timestamps.js';

// bigint columns come back as strings (ids) — amounts are turned into bigint where read.
/** A connection inside one transaction. */
export interface SqlClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A statement PostgreSQL parses and plans once per connection instead of at every call (`pg`'s
 * named statements): for the reads nearly every request makes, a credential's check and a
 * cabinet's figures, where parsing and planning cost PostgreSQL more than running them. Only
 * for a statement whose parameters are always given and pick its index, so that the one
 * generic plan PostgreSQL may keep after a few calls suits every value; a statement with
 * optional filters (`$2 is null or …`) stays plain text, planned for its values each time.
 */
export class PreparedStatement {
  private static readonly texts = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly text: string,
  ) {
    // A connection knows a name by its first text: a second text under it would be refused there.
    const known = PreparedStatement.texts.get(name);
    if (known !== undefined && known !== text) throw new Error(`two prepared statements are named "${name}"`);
    PreparedStatement.texts.set(name, text);
  }
}

/** Counts SQL statements sent by this process (ORM and plain SQL alike), for tests and benchmarks. */
export class StatementCounter {
  count = 0;
}

/**
 * The plain-SQL side of the database: bulk ingestion and the ledger's hot path use it
 * with `unnest($1::bigint[])`-style batches that the ORM's query layer does not express.
 */
export class Sql {
  readonly pool: pg.Pool;
  /** Connections whose socket is still open; pg-pool forgets a connection before its socket closes. */
  private connections = 0;
  private closed: (() => void) | null = null;

  constructor(
    url: string,
    private readonly statements: StatementCounter,
    max = 10,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max, types: TYPES });
    // An idle connection dropped by the server (a restart, or shutdown racing us on Ctrl-C)
    // is replaced on next use; it must not crash the process.
    this.pool.on('error', () => {});
    this.pool.on('connect', () => this.connections++);
    this.pool.on('remove', () => {
      if (--this.connections === 0) this.closed?.();
    });
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(statement: string | PreparedStatement, params: unknown[] = []): Promise<R[]> {
    this.statements.count++;
    const result =
      typeof statement === 'string' ? await this.pool.query<R>(statement, params) : await this.pool.query<R>({ name: statement.name, text: statement.text, values: params });
    return result.rows;
  }

  /**
   * Runs `work` in one transaction; rolls back on any error. With `retries`, a transaction
   * that PostgreSQL aborted as a deadlock victim or a serialization failure is run again
   * from the start — safe only for work that is all-or-nothing and idempotent.
   */
  async transaction<T>(work: (client: SqlClient) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transactionOnce(work);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= (options.retries ?? 0) || (code !== '40P01' && code !== '40001')) throw error;
      }
    }
  }

  private async transactionOnce<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    const connection = await this.pool.connect();
    // A connection cut mid-transaction (server shutdown, network) fails the query in flight;
    // the client's own 'error' event must not crash the process.
    const ignore = () => {};
    connection.on('error', ignore);
    const client: SqlClient = {
      query: (text, params) => {
        this.statements.count++;
        return connection.query(text, params);
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      connection.off('error', ignore);
      connection.release();
    }
  }

  /**
   * Resolves once every connection's socket is closed. `pool.end()` alone resolves as soon as
   * it has asked them to close: PostgreSQL stopped right after would still find them open and
   * terminate them ("terminating connection due to administrator command"), an error event on
   * a client the pool no longer answers for.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.closed = resolve;
      if (this.connections === 0) resolve();
    });
    await this.pool.end();
    await closed;
  }
}
