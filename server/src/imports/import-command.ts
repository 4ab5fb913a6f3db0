/**
 * The glue of `cofactor import events FILE.csv`: its options read and checked, the report of
 * refused lines written as they come, progress on stderr and the summary at the end.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import type { App } from '../app.js';
import { csvLine, csvText, csvValue } from '../exports/csv.js';
import { UsageError, progressReporter } from '../simulation/simulate-command.js';
import { TooManyEvents } from '../simulation/snapshot.js';
import type { DryRun } from '../simulation/simulation.service.js';
import { ImportFileError, mapOf, type LineProblem } from './csv-source.js';
import { DEFAULT_BATCH, EVENT_COLUMNS, eventNamesOf, importEvents, type EventColumn, type EventImportOptions, type ImportResult } from './event-import.js';
import { PARTNER_COLUMNS, importPartners } from './partner-import.js';

export const IMPORT_HELP = `
The first line names the columns; a column no field reads is ignored, and --map reads a field
from a column named otherwise.

events — as the API's EventInput fields:
  externalId    your id of the event; an event already recorded under it is a duplicate, not a second event
  type          SALE, REFUND, CHARGEBACK, LEAD, ... or a custom UPPER_SNAKE type
  partnerId, referralCode or couponCode     who the event is attributed to (one of them per line)
  customerId    your customer's id (first purchases are counted per customer)
  amount        in minor units of the currency, a whole number: 1200000 is 12 000,00
  currency      ISO 4217, e.g. RUB
  occurredAt    ISO 8601, e.g. 2026-03-02T10:00:00Z (default: when it is imported)
  refundOf      for a REFUND or CHARGEBACK, the externalId of the sale it returns money of

partners — as the API's CreatePartnerInput fields:
  name, kind (both needed), externalId, referralCode, email, regionCode, segment, level, status
  sponsorReferralCode   the sponsor's referral code: in the program, or anywhere in the file
  A partner the program has (same externalId or referralCode) is left as it is.

A line that cannot be recorded is reported with its line number, column and reason, on stderr
(the first ${20}) and in full in the report file; the rest of the file is recorded. Importing the
same file again records nothing twice. Exit code 0 when every line was recorded (or was
already), 1 when some were refused, 2 when the file or an option is wrong.

events --dry-run reports what importing the file now would: the same lines recorded, already
recorded and refused (for the same reasons) and the rewards it would create; it writes nothing.
It reads the file once for what it names and the program once, in a read-only snapshot that
locks nothing, then checks batch after batch against a copy in memory that keeps the batches
before, so a refund of a sale earlier in the file, a customer's second purchase and goals
counted over the file come out as in the import. Each batch runs at its own clock, as the
import's do. The copy holds the whole file: about 4 KB of memory per line, so a dry run takes
at most COFACTOR_SIMULATION_MAX_EVENTS events (500000 unless set; the file's lines and the
stored events of its partners together, about 2 GB) and refuses a larger file before it checks
a line. Set it higher only with the memory for it (and NODE_OPTIONS=--max-old-space-size).

Examples:
  cofactor import events sales.csv --map "Order ID=externalId" --map "Partner code=referralCode"
  cofactor import partners dealers.csv --map "Dealer=name" --map "Parent code=sponsorReferralCode"`;

/** Problems printed on stderr; the report file has them all. */
const SHOWN_PROBLEMS = 20;

export interface ImportOptions {
  program?: string;
  dryRun?: boolean;
  map: string[];
  report?: string;
  batch: string;
}

/** The refused lines' report, created with its first line, so a clean import leaves no file behind. */
function reportWriter(path: string): { write(problem: LineProblem): void; close(): Promise<void> } {
  let stream: WriteStream | null = null;
  return {
    write(problem) {
      if (!stream) {
        stream = createWriteStream(path);
        stream.write(csvLine(['line', 'column', 'message']));
      }
      stream.write(csvLine([csvValue(String(problem.line)), csvText(problem.column), csvText(problem.message)]));
    },
    close() {
      return new Promise((resolveClose) => (stream ? stream.end(resolveClose) : resolveClose()));
    },
  };
}

export type ImportKind = 'events' | 'partners';

export async function runImport(app: App, programId: string, kind: ImportKind, file: string, options: ImportOptions): Promise<{ result: ImportResult; report: string; seconds: number }> {
  if (!existsSync(file)) throw new UsageError(`no file ${file}`);
  const batchSize = Number(options.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new UsageError(`--batch must be a whole number from 1 to 5000, not "${options.batch}"`);
  if (kind === 'partners' && options.dryRun) throw new UsageError('--dry-run checks events only: partners are created one by one, each with what its joining pays');
  const report = options.report ?? `${file}.refused.csv`;
  const writer = reportWriter(report);
  const progress = progressReporter(process.stderr, { command: 'import', things: 'lines' });
  const startedAt = Date.now();
  let shown = 0;
  const common = {
    batchSize,
    onProblem(problem: LineProblem) {
      writer.write(problem);
      if (shown++ < SHOWN_PROBLEMS) process.stderr.write(`line ${problem.line}${problem.column ? `, ${problem.column}` : ''}: ${problem.message}\n`);
    },
    // Lines so far against the lines the file holds at this rate of bytes per line.
    onProgress: ({ lines, bytes, totalBytes }: { lines: number; bytes: number; totalBytes: number }) =>
      progress.update({ eventsReplayed: lines, eventsTotal: bytes === 0 ? lines : Math.max(lines, Math.round((lines * totalBytes) / bytes)) }),
  };
  try {
    const result = await (kind === 'events'
      ? importEventsFile(app, programId, file, options, common)
      : importPartners(file, {
          ...common,
          map: mapOf(options.map, PARTNER_COLUMNS),
          create: (input) => app.partners.create(programId, input),
          existing: (externalIds, codes) => app.partners.existing(programId, externalIds, codes),
          waitingFile: `${report}.waiting`,
        })
    );
    return { result, report, seconds: (Date.now() - startedAt) / 1000 };
  } catch (error) {
    throw error instanceof ImportFileError ? new UsageError(error.message) : error;
  } finally {
    progress.end();
    await writer.close();
  }
}

/** The file's events recorded, or in a dry run recorded into one store in memory only. */
async function importEventsFile(app: App, programId: string, file: string, options: ImportOptions, common: Pick<EventImportOptions, 'batchSize' | 'onProblem' | 'onProgress'>): Promise<ImportResult> {
  const map = mapOf(options.map, EVENT_COLUMNS);
  const record: EventImportOptions['record'] = options.dryRun ? await dryRunOf(app, programId, file, map) : (inputs) => app.events.record(programId, inputs);
  return importEvents(file, { ...common, map, record });
}

/**
 * A dry run's `record`: the file is read once for what it names, one store in memory is seeded
 * with what that reaches, and the import then records every batch into it. The file's events and
 * the stored ones loaded share one limit, COFACTOR_SIMULATION_MAX_EVENTS, as a simulation's do.
 */
async function dryRunOf(app: App, programId: string, file: string, map: ReadonlyMap<EventColumn, string>): Promise<DryRun> {
  const max = app.config.simulationMaxEvents;
  const { names, lines } = await eventNamesOf(file, map, max);
  try {
    return await app.simulation.dryRun(programId, names, max - lines);
  } catch (error) {
    if (!(error instanceof TooManyEvents)) throw error;
    throw new UsageError(
      `--dry-run holds the file's ${lines} lines in memory with the stored events they reach (those they name and those their partners' stats count), at most ${max} events in all (COFACTOR_SIMULATION_MAX_EVENTS), and this file needs more: check it in parts, or raise the limit where the memory allows`,
    );
  }
}

/** The summary: what was recorded, what was refused and where the report is, and the rate. */
export function importSummary({ result, report, seconds }: { result: ImportResult; report: string; seconds: number }, dryRun: boolean): string {
  const rate = seconds > 0 ? Math.round(result.lines / seconds) : result.lines;
  const rows: [string, string | number][] = [
    [dryRun ? 'would be recorded' : 'recorded', result.accepted],
    ['already recorded', result.duplicates],
    ['refused', `${result.refused}${result.refused ? ` (every one in ${report})` : ''}`],
    [dryRun ? 'rewards it would create' : 'rewards created', result.rewardsCreated],
  ];
  if (result.ignoredColumns.length) rows.push(['columns ignored', result.ignoredColumns.join(', ')]);
  const head = `${dryRun ? 'Checked (nothing was recorded)' : 'Imported'} ${result.lines} lines in ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} lines/s):`;
  return `${[head, ...rows.map(([label, value]) => `  ${label.padEnd(24)}${value}`)].join('\n')}\n`;
}

export { DEFAULT_BATCH };
