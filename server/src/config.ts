import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The one config reader. Environment variables win; plugin names may also come from the
 * `cofactor.plugins` list of the package.json in the project root.
 */
export interface CofactorConfig {
  /** Where plugins are resolved from and `.cofactor/` lives: the project root. */
  rootDir: string;
  host: string;
  port: number;
  /** An external PostgreSQL; when null, an embedded PostgreSQL is started. */
  databaseUrl: string | null;
  dataDir: string;
  embeddedPostgresPort: number;
  plugins: string[];
  /** Create the demo program, partners and campaign on first start. */
  seedDemo: boolean;
  /** How often the server approves rewards whose hold days are over; 0 turns it off. */
  approveEverySeconds: number;
}

function readPluginList(rootDir: string): string[] {
  const packageFile = join(rootDir, 'package.json');
  if (!existsSync(packageFile)) return [];
  const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as { cofactor?: { plugins?: string[] } };
  return manifest.cofactor?.plugins ?? [];
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return parsed;
}

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 86_400) throw new Error(`${name} must be a number of seconds from 0 to 86400, got "${value}"`);
  return parsed;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<CofactorConfig> = {}): CofactorConfig {
  const rootDir = resolve(overrides.rootDir ?? env.COFACTOR_ROOT ?? process.cwd());
  const dataDir = resolve(rootDir, env.COFACTOR_DATA_DIR ?? '.cofactor');
  return {
    rootDir,
    host: env.HOST ?? '127.0.0.1',
    port: integer('PORT', env.PORT, 4000),
    databaseUrl: env.DATABASE_URL || null,
    dataDir,
    embeddedPostgresPort: integer('COFACTOR_PG_PORT', env.COFACTOR_PG_PORT, 5488),
    plugins: env.COFACTOR_PLUGINS ? env.COFACTOR_PLUGINS.split(',').map((name) => name.trim()).filter(Boolean) : readPluginList(rootDir),
    seedDemo: env.COFACTOR_SEED_DEMO !== 'false',
    approveEverySeconds: seconds('COFACTOR_APPROVE_EVERY', env.COFACTOR_APPROVE_EVERY, 60),
    ...overrides,
  };
}
