/**
 * `cofactor import partners FILE.csv`: each line created as `createPartner` creates one — the
 * same checks, the partner's PARTNER_JOINED event and what it pays — in file order. A partner
 * the program already has (by external id or referral code) is left as it is, so a file can be
 * imported again. A sponsor is named by its referral code, and may come later in the file: a
 * line whose sponsor is not there yet waits in a side file, read again once the pass is over,
 * until a pass creates nobody; what still waits then names a sponsor nobody has.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputIssue } from '../graphql/errors.js';
import type { PartnerInput } from '../partners/partner.service.js';
import { ImportFileError, csvSource, tally, type ColumnsOf, type ImportProgress, type ImportResult, type LineProblem } from './csv-source.js';
import { issuesOf } from './event-import.js';

export const PARTNER_COLUMNS = ['name', 'kind', 'externalId', 'referralCode', 'sponsorReferralCode', 'email', 'regionCode', 'segment', 'level', 'status'] as const;
type Column = (typeof PARTNER_COLUMNS)[number];

export interface PartnerImportOptions {
  create(input: PartnerInput): Promise<unknown>;
  /** Which of these external ids and referral codes the program's partners hold. */
  existing(externalIds: string[], referralCodes: string[]): Promise<{ externalIds: Set<string>; referralCodes: Set<string> }>;
  map: ReadonlyMap<Column, string>;
  batchSize: number;
  /** Where lines waiting for their sponsor are kept between passes. */
  waitingFile: string;
  onProblem(problem: LineProblem): void;
  onProgress(progress: ImportProgress): void;
}

interface Line {
  line: number;
  input: PartnerInput;
}

export async function importPartners(file: string, options: PartnerImportOptions): Promise<ImportResult> {
  const { result, refuse } = tally(options.onProblem);
  const csv = csvSource(file, PARTNER_COLUMNS, options.map, checkColumns, (problem) => {
    result.lines += 1;
    refuse(problem);
  });
  const column = (field: Column) => csv.columns().byField.get(field) ?? field;
  let waiting = new Waiting(`${options.waitingFile}.0`);
  let batch: Line[] = [];
  for await (const record of csv.records) {
    result.lines += 1;
    const level = record.cell('level');
    if (level !== null && !/^\d{1,3}$/.test(level)) {
      refuse({ line: record.line, column: column('level'), message: `"${level.slice(0, 20)}" is not a level (a whole number)` });
      continue;
    }
    const input: PartnerInput = Object.fromEntries(PARTNER_COLUMNS.map((field) => [field, field === 'level' ? (level === null ? null : Number(level)) : record.cell(field)]));
    batch.push({ line: record.line, input });
    if (batch.length >= options.batchSize) {
      await pass(batch, options, result, refuse, column, waiting);
      batch = [];
      options.onProgress({ lines: result.lines, bytes: csv.bytes(), totalBytes: csv.totalBytes });
    }
  }
  await pass(batch, options, result, refuse, column, waiting);
  result.ignoredColumns = csv.columns().ignored;
  // Lines whose sponsor came later: again, while a pass creates someone.
  for (let round = 1; waiting.count > 0; round++) {
    const before = result.accepted;
    const lines = await waiting.close();
    const next = new Waiting(`${options.waitingFile}.${round}`);
    for await (const chunk of lines) await pass(chunk, options, result, refuse, column, next);
    waiting.remove();
    waiting = next;
    if (result.accepted === before) {
      for await (const chunk of await waiting.close()) {
        for (const { line, input } of chunk) refuse({ line, column: column('sponsorReferralCode'), message: `no partner with referral code "${input.sponsorReferralCode}" in this program or this file` });
      }
      break;
    }
  }
  waiting.remove();
  options.onProgress({ lines: result.lines, bytes: csv.totalBytes, totalBytes: csv.totalBytes });
  return result;
}

function checkColumns({ byField }: ColumnsOf<Column>, header: string[]): void {
  for (const field of ['name', 'kind'] as const) {
    if (!byField.has(field)) throw new ImportFileError(`the file has no ${field} column (its columns: ${header.join(', ')}); name one ${field}, or map one with --map COLUMN=${field}`);
  }
}

/**
 * One batch: lines of partners the program has are already recorded; lines whose sponsor is
 * neither in the program nor created earlier in this batch wait; the rest are created in order.
 */
async function pass(batch: Line[], options: PartnerImportOptions, result: ImportResult, refuse: (problem: LineProblem) => void, column: (field: Column) => string, waiting: Waiting): Promise<void> {
  if (batch.length === 0) return;
  const values = (field: 'externalId' | 'referralCode' | 'sponsorReferralCode') => batch.map((line) => line.input[field]).filter((value): value is string => !!value);
  const found = await options.existing(values('externalId'), [...values('referralCode'), ...values('sponsorReferralCode')]);
  const createdCodes = new Set<string>();
  for (const { line, input } of batch) {
    if ((input.externalId && found.externalIds.has(input.externalId)) || (input.referralCode && found.referralCodes.has(input.referralCode))) {
      result.duplicates += 1;
      continue;
    }
    const sponsor = input.sponsorReferralCode;
    if (sponsor && !found.referralCodes.has(sponsor) && !createdCodes.has(sponsor)) {
      waiting.add({ line, input });
      continue;
    }
    try {
      await options.create(input);
      result.accepted += 1;
      if (input.referralCode) createdCodes.add(input.referralCode);
    } catch (error) {
      const issues = issuesOf(error);
      if (!issues) throw error;
      refuse(problemOf(line, issues[0], column));
    }
  }
}

function problemOf(line: number, issue: InputIssue, column: (field: Column) => string): LineProblem {
  const field = /^input\.(\w+)/.exec(issue.path)?.[1];
  return { line, column: field && (PARTNER_COLUMNS as readonly string[]).includes(field) ? column(field as Column) : (field ?? ''), message: issue.message };
}

/** Lines waiting for their sponsor, one JSON line each in a side file, read back a batch at a time. */
class Waiting {
  count = 0;
  private readonly out;

  constructor(private readonly path: string) {
    this.out = createWriteStream(path);
  }

  add(line: Line): void {
    this.count += 1;
    this.out.write(`${JSON.stringify(line)}\n`);
  }

  /** Closes the file and reads it back in batches of up to 500 lines. */
  async close(): Promise<AsyncIterable<Line[]>> {
    await new Promise((closed) => this.out.end(closed));
    const path = this.path;
    return (async function* () {
      let chunk: Line[] = [];
      for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
        chunk.push(JSON.parse(text) as Line);
        if (chunk.length >= 500) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length) yield chunk;
    })();
  }

  remove(): void {
    this.out.destroy();
    rmSync(this.path, { force: true });
  }
}
