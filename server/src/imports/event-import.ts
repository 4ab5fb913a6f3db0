/**
 * `cofactor import events FILE.csv`: a CSV file of events recorded through the same pipeline as
 * `recordEvents` — the same checks, attribution and idempotency by external id, so importing a
 * file twice, or again after a crash, records each event once. The file is streamed a batch at a
 * time, in constant memory at any size. A line that cannot be recorded is reported by its line
 * number and column, and the rest of its batch is recorded without it. A dry run streams the
 * file the same way into a store in memory, which holds the file's events (`eventNamesOf`).
 */
import { GraphQLError } from 'graphql';
import type { InputIssue } from '../graphql/errors.js';
import type { EventInput, RecordEventsResult } from '../rewarding/event.js';
import { nameEvent, noEventNames, type EventNames } from '../simulation/snapshot.js';
import { ImportFileError, csvSource, tally, type ColumnsOf, type CsvRecord, type ImportProgress, type ImportResult, type LineProblem } from './csv-source.js';

export type { ImportResult };

/** The columns read, named as the API's EventInput fields; `--map` names others as these. */
export const EVENT_COLUMNS = ['externalId', 'type', 'partnerId', 'referralCode', 'couponCode', 'customerId', 'amount', 'currency', 'occurredAt', 'refundOf'] as const;
export type EventColumn = (typeof EVENT_COLUMNS)[number];
type Column = EventColumn;

export const DEFAULT_BATCH = 500;

export interface EventImportOptions {
  /** `recordEvents`, or a dry run's, which keeps the events in memory only. */
  record(inputs: EventInput[]): Promise<RecordEventsResult>;
  /** The file's column for a field, where it is not the field's own name. */
  map: ReadonlyMap<Column, string>;
  batchSize: number;
  onProblem(problem: LineProblem): void;
  onProgress(progress: ImportProgress): void;
}

interface Line {
  line: number;
  input: EventInput;
}

export async function importEvents(file: string, options: EventImportOptions): Promise<ImportResult> {
  const { result, refuse } = tally(options.onProblem);
  const csv = csvSource(file, EVENT_COLUMNS, options.map, checkColumns, (problem) => {
    result.lines += 1;
    refuse(problem);
  });
  let batch: Line[] = [];
  for await (const record of csv.records) {
    result.lines += 1;
    const line = lineOf(record, csv.columns(), refuse);
    if (line) batch.push(line);
    if (batch.length >= options.batchSize) {
      await send(batch, options, csv.columns(), result, refuse);
      batch = [];
      options.onProgress({ lines: result.lines, bytes: csv.bytes(), totalBytes: csv.totalBytes });
    }
  }
  if (batch.length) await send(batch, options, csv.columns(), result, refuse);
  result.ignoredColumns = csv.columns().ignored;
  options.onProgress({ lines: result.lines, bytes: csv.totalBytes, totalBytes: csv.totalBytes });
  return result;
}

/**
 * What the file's events name, read in a pass before a dry run: its store in memory is seeded
 * with what they reach. A dry run holds every event of the file in memory, so a file of more
 * than `maxLines` lines is refused here, before any is checked. Lines that cannot be read are
 * left for the dry run itself to report.
 */
export async function eventNamesOf(file: string, map: ReadonlyMap<Column, string>, maxLines: number): Promise<{ names: EventNames; lines: number }> {
  const names = noEventNames();
  const csv = csvSource(file, EVENT_COLUMNS, map, checkColumns, () => {});
  let lines = 0;
  for await (const record of csv.records) {
    if (++lines > maxLines) {
      throw new ImportFileError(`--dry-run holds every line of the file in memory, at most ${maxLines} (COFACTOR_SIMULATION_MAX_EVENTS), and this file has more: check it in parts, or raise the limit where the memory allows`);
    }
    const line = lineOf(record, csv.columns(), () => {});
    if (line) nameEvent(names, line.input);
  }
  return { names, lines };
}

/** A file without the columns every event needs is refused whole. */
function checkColumns({ byField }: ColumnsOf<Column>, header: string[]): void {
  for (const field of ['externalId', 'type'] as const) {
    if (!byField.has(field)) throw new ImportFileError(`the file has no ${field} column (its columns: ${header.join(', ')}); name one ${field}, or map one with --map COLUMN=${field}`);
  }
  if (!(['partnerId', 'referralCode', 'couponCode'] as const).some((field) => byField.has(field))) {
    throw new ImportFileError(`the file has no partnerId, referralCode or couponCode column to attribute its events by (its columns: ${header.join(', ')})`);
  }
}

/** A record as an EventInput: empty cells are absent; an amount or a date that is not one is a problem of its line. */
function lineOf({ line, cell }: CsvRecord<Column>, columns: ColumnsOf<Column>, refuse: (problem: LineProblem) => void): Line | null {
  const amount = cell('amount');
  if (amount !== null && !/^-?\d{1,19}$/.test(amount)) {
    refuse({ line, column: columns.byField.get('amount')!, message: `"${amount.slice(0, 40)}" is not an amount in minor units (a whole number, e.g. 1200000 for 12 000,00)` });
    return null;
  }
  const occurredAt = cell('occurredAt');
  const at = occurredAt === null ? null : new Date(occurredAt);
  if (at && Number.isNaN(at.getTime())) {
    refuse({ line, column: columns.byField.get('occurredAt')!, message: `"${occurredAt!.slice(0, 40)}" is not a date and time (ISO 8601, e.g. 2026-03-02T10:00:00Z)` });
    return null;
  }
  return {
    line,
    input: {
      externalId: cell('externalId') ?? '',
      type: cell('type') ?? '',
      partnerId: cell('partnerId'),
      referralCode: cell('referralCode'),
      couponCode: cell('couponCode'),
      customerId: cell('customerId'),
      amount: amount === null ? null : BigInt(amount),
      currency: cell('currency'),
      occurredAt: at,
      refundOf: cell('refundOf'),
    },
  };
}

/**
 * Records a batch. When the pipeline refuses some of its lines (each issue names one by its
 * index), those are reported and the rest is sent again: a later check can only run once the
 * earlier ones pass, so this repeats until the batch is recorded or empty.
 */
async function send(batch: Line[], options: EventImportOptions, columns: ColumnsOf<Column>, result: ImportResult, refuse: (problem: LineProblem) => void): Promise<void> {
  let lines = batch;
  while (lines.length) {
    try {
      const recorded = await options.record(lines.map((line) => line.input));
      result.accepted += recorded.accepted;
      result.duplicates += recorded.duplicates;
      result.rewardsCreated += recorded.rewardsCreated;
      return;
    } catch (error) {
      const issues = issuesOf(error);
      if (!issues) throw error;
      const bad = new Set<number>();
      for (const issue of issues) {
        const found = /^events\[(\d+)\](?:\.(\w+))?/.exec(issue.path);
        if (!found) throw error;
        const index = Number(found[1]);
        if (!bad.has(index)) refuse({ line: lines[index].line, column: columns.byField.get(found[2] as Column) ?? found[2] ?? '', message: issue.message });
        bad.add(index);
      }
      lines = lines.filter((_, index) => !bad.has(index));
    }
  }
}

/** The per-event issues of a refusal, or null for any other failure (a lost database, a bug), which stops the import. */
export function issuesOf(error: unknown): InputIssue[] | null {
  if (!(error instanceof GraphQLError)) return null;
  const { code, issues } = error.extensions as { code?: string; issues?: InputIssue[] };
  return (code === 'BAD_USER_INPUT' || code === 'CONFLICT') && issues?.length ? issues : null;
}
