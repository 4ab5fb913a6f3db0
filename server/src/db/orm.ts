import 'reflect-metadata';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from './entities.js';
import { grantRowAccess, roleOf } from './roles.js';
import type { StatementCounter } from './sql.js';
import { migrations } from '../migrations/index.js';

export function ormOptions(url: string, statements?: StatementCounter): Options {
  return {
    clientUrl: url,
    onQuery: (sql) => {
      if (statements) statements.count++;
      return sql;
    },
    entities,
    metadataProvider: ReflectMetadataProvider,
    extensions: [Migrator],
    // Listed explicitly, so the same migrations run from compiled code and from tests.
    migrations: { migrationsList: migrations, snapshot: false, silent: true, tableName: 'cofactor_migrations', transactional: true, allOrNothing: true },
    pool: { min: 0, max: 10 },
    allowGlobalContext: false,
  };
}

export async function openOrm(url: string, statements?: StatementCounter): Promise<MikroORM> {
  return MikroORM.init(ormOptions(url, statements));
}

/** Applies every committed migration not yet applied; returns their names. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/**
 * Brings the database up to date as its owner (`ownerUrl`): applies pending migrations, then
 * grants the server's role (`appUrl`) row access to every table, the new ones included. With
 * one URL for both, the server's role is the owner and nothing is granted.
 */
export async function prepareDatabase(ownerUrl: string, appUrl: string): Promise<string[]> {
  return whileHolding(ownerUrl, 'cofactor:prepare', async () => {
    const orm = await openOrm(ownerUrl);
    try {
      const applied = await migrate(orm);
      if (ownerUrl !== appUrl) {
        const [app, owner] = await Promise.all([roleOf(appUrl), roleOf(ownerUrl)]);
        if (app.name !== owner.name) await grantRowAccess(ownerUrl, app.name);
      }
      return applied;
    } finally {
      await orm.close();
    }
  });
}

/** Runs `work` holding a session advisory lock: server nodes starting together take turns, and the later ones find nothing to do. */
async function whileHolding<T>(url: string, name: string, work: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => {}); // a lost connection fails the query in flight, and releases the lock
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await work();
  } finally {
    await lock.end();
  }
}
