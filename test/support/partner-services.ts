/**
 * The partner services on a fresh embedded PostgreSQL, without an HTTP server: for property
 * tests that create and move thousands of partners. No schemes are installed, so the
 * PARTNER_JOINED events partners record pay nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../server/src/config.js';
import { startEmbeddedPostgres } from '../../server/src/db/embedded.js';
import { migrate, openOrm } from '../../server/src/db/orm.js';
import { Sql, StatementCounter } from '../../server/src/db/sql.js';
import { HierarchyService } from '../../server/src/hierarchy/hierarchy.service.js';
import { LedgerService } from '../../server/src/ledger/ledger.service.js';
import { PartnerService } from '../../server/src/partners/partner.service.js';
import { SchemeRegistry } from '../../server/src/plugins/registry.js';
import { PostgresRewardingStorage } from '../../server/src/rewarding/postgres/storage.js';
import { Rewarding } from '../../server/src/rewarding/rewarding.js';
import { freePort } from './harness.js';

export interface PartnerServices {
  sql: Sql;
  hierarchy: HierarchyService;
  partners: PartnerService;
  stop(): Promise<void>;
}

export async function startPartnerServices(): Promise<PartnerServices> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-partners-'));
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  const orm = await openOrm(database.url);
  await migrate(orm);
  const sql = new Sql(database.url, new StatementCounter());
  const hierarchy = new HierarchyService(sql);
  const storage = new PostgresRewardingStorage(sql, new LedgerService(sql));
  const partners = new PartnerService(sql, hierarchy, new Rewarding(storage, new SchemeRegistry(), () => {}, readConfig({})), storage);
  return {
    sql,
    hierarchy,
    partners,
    async stop() {
      await sql.close();
      await orm.close();
      await database.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether `candidate` lies in `root`'s subtree (root included), by walking up the sponsor links. */
export function inSubtree(sponsorOf: Map<string, string | null>, root: string, candidate: string): boolean {
  for (let current: string | null = candidate; current !== null; current = sponsorOf.get(current) ?? null) {
    if (current === root) return true;
  }
  return false;
}
