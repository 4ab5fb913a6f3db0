/**
 * A CSV file as the importers read it: streamed record by record, each with its line number,
 * the header checked before the first record, and a record the parser cannot read (a cell
 * missing, a quote left open) handed to `onSkip` instead of stopping the file.
 */
import { createReadStream, statSync } from 'node:fs';
import { parse } from 'csv-parse';

/** One line that was not recorded, and why: its column is the file's own name for the field. */
export interface LineProblem {
  line: number;
  column: string;
  message: string;
}

export interface ImportProgress {
  lines: number;
  bytes: number;
  totalBytes: number;
}

/** What an import did, line by line. */
export interface ImportResult {
  lines: number;
  accepted: number;
  duplicates: number;
  refused: number;
  rewardsCreated: number;
  /** Columns of the file that no field reads. */
  ignoredColumns: string[];
}

/** An import's count so far, and `refuse`, which counts a refused line and reports it. */
export function tally(onProblem: (problem: LineProblem) => void): { result: ImportResult; refuse(problem: LineProblem): void } {
  const result: ImportResult = { lines: 0, accepted: 0, duplicates: 0, refused: 0, rewardsCreated: 0, ignoredColumns: [] };
  return {
    result,
    refuse(problem) {
      result.refused += 1;
      onProblem(problem);
    },
  };
}

/** Thrown before any line is read: the file cannot be imported as it is. */
export class ImportFileError extends Error {}

/** Which column holds which field, and the file's columns no field reads. */
export interface ColumnsOf<F extends string> {
  byField: Map<F, string>;
  ignored: string[];
}

export interface CsvRecord<F extends string> {
  line: number;
  /** A field's cell, null when the column is absent or the cell empty. */
  cell(field: F): string | null;
}

/**
 * Opens `file`: the header is mapped to `fields` (a field's column is its own name, or the one
 * `map` gives) and handed to `check`, which throws ImportFileError for a file missing what every
 * line needs. Records come in file order.
 */
export function csvSource<F extends string>(
  file: string,
  fields: readonly F[],
  map: ReadonlyMap<F, string>,
  check: (columns: ColumnsOf<F>, header: string[]) => void,
  onSkip: (problem: LineProblem) => void,
): { records: AsyncIterable<CsvRecord<F>>; columns(): ColumnsOf<F>; bytes(): number; totalBytes: number } {
  const totalBytes = statSync(file).size;
  const source = createReadStream(file);
  let bytes = 0;
  source.on('data', (chunk) => (bytes += chunk.length));
  let columns: ColumnsOf<F> | null = null;
  const header = (names: string[]) => {
    columns = columnsOf(names, fields, map);
    check(columns, names);
    return names;
  };
  const parser = source.pipe(parse({ bom: true, columns: header, info: true, skip_empty_lines: true, trim: true, skip_records_with_error: true }));
  parser.on('skip', (error: Error & { lines?: number }) => onSkip({ line: error.lines ?? 0, column: '', message: error.message }));
  async function* records(): AsyncGenerator<CsvRecord<F>> {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const byField = columns!.byField;
      yield {
        line: info.lines,
        cell(field) {
          const column = byField.get(field);
          const value = column === undefined ? '' : (record[column] ?? '');
          return value === '' ? null : value;
        },
      };
    }
  }
  return {
    records: records(),
    columns: () => columns ?? { byField: new Map(), ignored: [] },
    bytes: () => bytes,
    totalBytes,
  };
}

function columnsOf<F extends string>(header: string[], fields: readonly F[], map: ReadonlyMap<F, string>): ColumnsOf<F> {
  const byField = new Map<F, string>();
  for (const field of fields) {
    const name = map.get(field) ?? field;
    if (header.includes(name)) byField.set(field, name);
    else if (map.has(field)) throw new ImportFileError(`--map ${name}=${field}: the file has no column "${name}" (its columns: ${header.join(', ')})`);
  }
  const used = new Set(byField.values());
  return { byField, ignored: header.filter((name) => !used.has(name)) };
}

/** `--map "Order ID=externalId"`, repeatable: each field named by the file's own column. */
export function mapOf<F extends string>(pairs: string[], fields: readonly F[]): Map<F, string> {
  const map = new Map<F, string>();
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const [column, field] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (at < 1 || !(fields as readonly string[]).includes(field)) throw new ImportFileError(`--map "${pair}": give COLUMN=FIELD, FIELD one of ${fields.join(', ')}`);
    if (map.has(field as F)) throw new ImportFileError(`--map: ${field} is mapped twice`);
    map.set(field as F, column);
  }
  return map;
}
