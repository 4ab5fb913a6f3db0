/**
 * The glue of `cofactor import events FILE.csv`: its options read and checked, the report of
 * refused lines written as they come, progress on stderr and the summary at the end.
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import type { App } from '../app.js';
import { csvLine, csvText, csvValue } from '../exports/csv.js';
import { UsageError, progressReporter } from '../simulation/simulate-command.js';
import { DEFAULT_BATCH, EVENT_COLUMNS, ImportFileError, importEvents, type EventImportResult, type LineProblem } from './event-import.js';

export const IMPORT_HELP = `
Columns (the first line names them; others are ignored), as the API's EventInput fields:
  externalId    your id of the event; an event already recorded under it is a duplicate, not a second event
  type          SALE, REFUND, CHARGEBACK, LEAD, ... or a custom UPPER_SNAKE type
  partnerId, referralCode or couponCode     who the event is attributed to (one of them per line)
  customerId    your customer's id (first purchases are counted per customer)
  amount        in minor units of the currency, a whole number: 1200000 is 12 000,00
  currency      ISO 4217, e.g. RUB
  occurredAt    ISO 8601, e.g. 2026-03-02T10:00:00Z (default: when it is imported)
  refundOf      for a REFUND or CHARGEBACK, the externalId of the sale it returns money of

A line that cannot be recorded is reported with its line number, column and reason, on stderr
(the first ${20}) and in full in the report file; the rest of the file is recorded. Importing the
same file again records nothing twice. Exit code 0 when every line was recorded (or was
already), 1 when some were refused, 2 when the file or an option is wrong.

Example:
  cofactor import events sales.csv --map "Order ID=externalId" --map "Partner code=referralCode"`;

/** Problems printed on stderr; the report file has them all. */
const SHOWN_PROBLEMS = 20;

export interface ImportOptions {
  program?: string;
  dryRun?: boolean;
  map: string[];
  report?: string;
  batch: string;
}

/** `--map "Order ID=externalId"`, repeatable: each field named by the file's own column. */
export function mapOf(pairs: string[]): Map<(typeof EVENT_COLUMNS)[number], string> {
  const map = new Map<(typeof EVENT_COLUMNS)[number], string>();
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const [column, field] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (at < 1 || !(EVENT_COLUMNS as readonly string[]).includes(field)) throw new UsageError(`--map "${pair}": give COLUMN=FIELD, FIELD one of ${EVENT_COLUMNS.join(', ')}`);
    if (map.has(field as (typeof EVENT_COLUMNS)[number])) throw new UsageError(`--map: ${field} is mapped twice`);
    map.set(field as (typeof EVENT_COLUMNS)[number], column);
  }
  return map;
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

export async function runEventImport(app: App, programId: string, file: string, options: ImportOptions): Promise<{ result: EventImportResult; report: string; seconds: number }> {
  if (!existsSync(file)) throw new UsageError(`no file ${file}`);
  const batchSize = Number(options.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new UsageError(`--batch must be a whole number from 1 to 5000, not "${options.batch}"`);
  const report = options.report ?? `${file}.refused.csv`;
  const writer = reportWriter(report);
  const progress = progressReporter(process.stderr, { command: 'import', things: 'lines' });
  const startedAt = Date.now();
  let shown = 0;
  try {
    const result = await importEvents(file, {
      record: (inputs) => (options.dryRun ? app.events.dryRun(programId, inputs) : app.events.record(programId, inputs)),
      map: mapOf(options.map),
      batchSize,
      onProblem(problem) {
        writer.write(problem);
        if (shown++ < SHOWN_PROBLEMS) process.stderr.write(`line ${problem.line}${problem.column ? `, ${problem.column}` : ''}: ${problem.message}\n`);
      },
      // Lines so far against the lines the file holds at this rate of bytes per line.
      onProgress: ({ lines, bytes, totalBytes }) => progress.update({ eventsReplayed: lines, eventsTotal: bytes === 0 ? lines : Math.max(lines, Math.round((lines * totalBytes) / bytes)) }),
    }).catch((error: unknown) => Promise.reject(error instanceof ImportFileError ? new UsageError(error.message) : error));
    return { result, report, seconds: (Date.now() - startedAt) / 1000 };
  } finally {
    progress.end();
    await writer.close();
  }
}

/** The summary: what was recorded, what was refused and where the report is, and the rate. */
export function importSummary({ result, report, seconds }: { result: EventImportResult; report: string; seconds: number }, dryRun: boolean): string {
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
