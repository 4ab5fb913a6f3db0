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
  /** The tables' owner, which runs migrations and grants the DATABASE_URL role row access; defaults to DATABASE_URL. */
  databaseOwnerUrl: string | null;
  dataDir: string;
  embeddedPostgresPort: number;
  plugins: string[];
  /** Create the demo program, partners and campaign on first start. */
  seedDemo: boolean;
  /** How often the server approves rewards whose hold days are over; 0 turns it off. */
  approveEverySeconds: number;
  /** Largest HTTP request body and WebSocket message, in bytes. */
  bodyLimitBytes: number;
  /** Query limits for callers with a key or token, and the tighter ones for callers without. */
  queryLimits: { authenticated: QueryLimits; anonymous: QueryLimits };
  /** Largest event amount, in minor units (or hundredths of a point). */
  maxAmount: bigint;
  /** How far in the future an event's `occurredAt` may be, in seconds. */
  maxClockSkewSeconds: number;
  /** Default lifetime of a partner token, in seconds (at most MAX_TOKEN_TTL_SECONDS). */
  tokenTtlSeconds: number;
  /** Failed authentications allowed per client address per minute before RATE_LIMITED. */
  authFailuresPerMinute: number;
  /** How often open WebSocket connections' credentials are checked again (revoked, suspended, rotated); 0 turns it off. */
  credentialRecheckSeconds: number;
  /** Origins allowed to call the API from a browser; empty turns CORS off. */
  corsOrigins: string[];
  /** Express's `trust proxy`: whose X-Forwarded-For names the client address (false: none). */
  trustProxy: boolean | number | string;
  /** Schema introspection and "Did you mean …" suggestions; off in production by default. */
  introspection: boolean;
  /** The most stored events one simulation loads (those it replays and those its stats count). */
  simulationMaxEvents: number;
  /** Simulation jobs one server process runs at once; the rest wait QUEUED, in order. */
  simulationConcurrency: number;
  /** Simulation runs kept per program (until deleted); starting one more is refused. */
  simulationKept: number;
  /** A live board is pushed at most once per this many milliseconds; a change is gathered for half of it before the board is read. */
  boardPushMs: number;
  /** How webhooks are delivered (webhooks/README.md). */
  webhooks: WebhookSettings;
}

export interface WebhookSettings {
  /** Deliver to loopback, private and link-local addresses too; off, so a webhook cannot reach the brand's own network. */
  allowPrivateAddresses: boolean;
  /** How long one attempt may take, connecting and answering, in milliseconds. */
  timeoutMs: number;
  /** How long a delivery is retried after its change, in seconds; then it is FAILED. */
  retryForSeconds: number;
  /** The pause after the first failed attempt; each next pause doubles, up to `retryMaxMs`, less a random part of up to half. */
  retryFirstMs: number;
  retryMaxMs: number;
  /** An endpoint is disabled, with the reason, after this many of its deliveries FAILED in a row. */
  disableAfterFailures: number;
  /** DELIVERED and FAILED deliveries, with their attempts, are deleted this many days after their change. */
  keepDays: number;
}

/** What one GraphQL document may ask for, measured before it runs. */
export interface QueryLimits {
  depth: number;
  aliases: number;
  rootFields: number;
  tokens: number;
  directives: number;
  /** Cost: every field costs 1, multiplied by the list arguments (`first`, `depth`, `levels`) above it. */
  cost: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { depth: 12, aliases: 30, rootFields: 20, tokens: 5000, directives: 20, cost: 50_000 };
export const DEFAULT_ANONYMOUS_QUERY_LIMITS: QueryLimits = { depth: 8, aliases: 10, rootFields: 5, tokens: 1000, directives: 5, cost: 1000 };
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

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

function bounded(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return parsed;
}

/** `depth=10,cost=20000`: the named limits replace the defaults, the others stay. */
function queryLimits(name: string, value: string | undefined, defaults: QueryLimits): QueryLimits {
  const limits = { ...defaults };
  for (const part of (value ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    const [key, number] = part.split('=').map((item) => item.trim());
    if (!(key in limits)) throw new Error(`${name}: unknown limit "${key}" (known: ${Object.keys(defaults).join(', ')})`);
    if (!number) throw new Error(`${name}: "${part}" needs a value, e.g. ${key}=${defaults[key as keyof QueryLimits]}`);
    limits[key as keyof QueryLimits] = bounded(`${name} ${key}`, number, 0, 1, 10_000_000);
  }
  return limits;
}

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`${name} must be "true" or "false", got "${value}"`);
}

function trustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
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
    databaseOwnerUrl: env.DATABASE_OWNER_URL || null,
    dataDir,
    embeddedPostgresPort: integer('COFACTOR_PG_PORT', env.COFACTOR_PG_PORT, 5488),
    plugins: env.COFACTOR_PLUGINS ? env.COFACTOR_PLUGINS.split(',').map((name) => name.trim()).filter(Boolean) : readPluginList(rootDir),
    seedDemo: env.COFACTOR_SEED_DEMO !== 'false',
    approveEverySeconds: seconds('COFACTOR_APPROVE_EVERY', env.COFACTOR_APPROVE_EVERY, 60),
    bodyLimitBytes: bounded('COFACTOR_BODY_LIMIT', env.COFACTOR_BODY_LIMIT, 1024 * 1024, 1024, 100 * 1024 * 1024),
    queryLimits: {
      authenticated: queryLimits('COFACTOR_QUERY_LIMITS', env.COFACTOR_QUERY_LIMITS, DEFAULT_QUERY_LIMITS),
      anonymous: queryLimits('COFACTOR_ANONYMOUS_QUERY_LIMITS', env.COFACTOR_ANONYMOUS_QUERY_LIMITS, DEFAULT_ANONYMOUS_QUERY_LIMITS),
    },
    maxAmount: BigInt(bounded('COFACTOR_MAX_AMOUNT', env.COFACTOR_MAX_AMOUNT, 1e13, 1, 1e15)),
    maxClockSkewSeconds: bounded('COFACTOR_MAX_CLOCK_SKEW', env.COFACTOR_MAX_CLOCK_SKEW, 86_400, 0, 30 * 86_400),
    tokenTtlSeconds: bounded('COFACTOR_TOKEN_TTL', env.COFACTOR_TOKEN_TTL, 3600, 60, MAX_TOKEN_TTL_SECONDS),
    authFailuresPerMinute: bounded('COFACTOR_AUTH_FAILURES_PER_MINUTE', env.COFACTOR_AUTH_FAILURES_PER_MINUTE, 30, 1, 1_000_000),
    credentialRecheckSeconds: seconds('COFACTOR_CREDENTIAL_RECHECK', env.COFACTOR_CREDENTIAL_RECHECK, 30),
    corsOrigins: (env.COFACTOR_CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    trustProxy: trustProxy(env.COFACTOR_TRUST_PROXY),
    introspection: flag('COFACTOR_INTROSPECTION', env.COFACTOR_INTROSPECTION, env.NODE_ENV !== 'production'),
    simulationMaxEvents: bounded('COFACTOR_SIMULATION_MAX_EVENTS', env.COFACTOR_SIMULATION_MAX_EVENTS, 500_000, 1, 50_000_000),
    simulationConcurrency: bounded('COFACTOR_SIMULATION_CONCURRENCY', env.COFACTOR_SIMULATION_CONCURRENCY, 1, 1, 64),
    simulationKept: bounded('COFACTOR_SIMULATION_KEPT', env.COFACTOR_SIMULATION_KEPT, 100, 1, 100_000),
    boardPushMs: bounded('COFACTOR_BOARD_PUSH_MS', env.COFACTOR_BOARD_PUSH_MS, 250, 1, 60_000),
    webhooks: {
      allowPrivateAddresses: flag('COFACTOR_WEBHOOK_ALLOW_PRIVATE', env.COFACTOR_WEBHOOK_ALLOW_PRIVATE, false),
      timeoutMs: bounded('COFACTOR_WEBHOOK_TIMEOUT_MS', env.COFACTOR_WEBHOOK_TIMEOUT_MS, 10_000, 100, 120_000),
      retryForSeconds: bounded('COFACTOR_WEBHOOK_RETRY_FOR', env.COFACTOR_WEBHOOK_RETRY_FOR, 86_400, 0, 30 * 86_400),
      retryFirstMs: bounded('COFACTOR_WEBHOOK_RETRY_FIRST_MS', env.COFACTOR_WEBHOOK_RETRY_FIRST_MS, 5_000, 1, 3_600_000),
      retryMaxMs: bounded('COFACTOR_WEBHOOK_RETRY_MAX_MS', env.COFACTOR_WEBHOOK_RETRY_MAX_MS, 3_600_000, 1, 86_400_000),
      disableAfterFailures: bounded('COFACTOR_WEBHOOK_DISABLE_AFTER', env.COFACTOR_WEBHOOK_DISABLE_AFTER, 5, 1, 1_000_000),
      keepDays: bounded('COFACTOR_WEBHOOK_KEEP_DAYS', env.COFACTOR_WEBHOOK_KEEP_DAYS, 30, 1, 3650),
    },
    ...overrides,
  };
}
