import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { checkedDimensions } from '../analytics/analytics.service.js';
import { resolvePeriod } from '../analytics/period.js';
import { DIMENSIONS, type Dimension } from '../analytics/stats-sql.js';
import { UsageError, parseDate } from '../simulation/simulate-command.js';
import { EXPORT_FORMATS, EXPORT_KINDS, type ExportFormat, type ExportKind } from './export.js';

/** `cofactor export --help`, after the options. */
export const EXPORT_HELP = `
What each export holds (one row each, lowest id first; --from/--to bound it, [from, to)):
  events   by occurred_at: id, externalId, type, partnerId, customerId, couponCode, amount, currency,
           occurredAt, refundOf, firstPurchase, attributes, recordedAt (a REFUND's amount is what it
           returned, as recorded, positive)
  rewards  by created_at: id, createdAt, partnerId, campaignId, kind, amount, unit, status, eventId,
           eventExternalId, correctsId, periodKey, holdUntil, explanation (a correction is negative)
  payouts  by created_at: id, batchId, createdAt, partnerId, currency, amount, entries, status,
           reference, failureReason, settledAt
  stats    the program's figures of the local days [from, to) in its time zone (--from and --to are
           dates, 2026-11-01), as the programStats query gives them: the total, or one row per group
           of --group-by (up to two of region, kind, segment, level, campaign, scheme, month). csv
           has a column per figure (partners.active, sales.RUB.net, rewards.money.RUB.cost, ...);
           jsonl the API's group objects
Amounts are integers in minor units (hundredths of a point for POINTS) beside their currency or unit;
times are ISO 8601 in UTC. csv is RFC 4180 (header row, CRLF line ends, fields with , " CR or LF
quoted). Text a person or a sender chose (externalId, customerId, references, explanations, ...)
is guarded against formula injection: a cell starting with = + - @ tab or CR, after any leading
spaces, or with the full-width ＝ ＋ － ＠, gets a leading ' so spreadsheets show it as text. Amounts,
ids and times are never guarded: -500 stays a number. jsonl writes one JSON object a line, ids and
amounts as digit strings. Rows are read through a database cursor, so memory stays steady at any size.`;

export interface ExportOptions {
  from: string;
  to: string;
  program?: string;
  format: string;
  out?: string;
  groupBy?: string;
}

export interface StatsCall {
  kind: 'stats';
  format: ExportFormat;
  from: string;
  to: string;
  groupBy: Dimension[];
  out: string | null;
}

export interface ExportCall {
  kind: ExportKind;
  format: ExportFormat;
  from: Date;
  to: Date;
  out: string | null;
}

/** Checks the command line before anything is opened: a mistake is one line naming the option, exit code 2. */
export function parseExportCall(what: string, options: ExportOptions): ExportCall | StatsCall {
  if (what !== 'stats' && !(EXPORT_KINDS as readonly string[]).includes(what)) throw new UsageError(`"${what}" is not an export; choose one of ${[...EXPORT_KINDS, 'stats'].join(', ')}`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) throw new UsageError(`--format: must be ${EXPORT_FORMATS.join(' or ')}, not "${options.format}"`);
  if (options.program !== undefined && !/^[1-9][0-9]{0,18}$/.test(options.program)) throw new UsageError(`--program: must be a program id, not "${options.program}"`);
  if (what === 'stats') return parseStatsCall(options);
  if (options.groupBy !== undefined) throw new UsageError('--group-by: only stats are grouped');
  const from = parseDate('--from', options.from);
  const to = parseDate('--to', options.to);
  if (from >= to) throw new UsageError('--to: must be after --from');
  return { kind: what as ExportKind, format: options.format as ExportFormat, from, to, out: options.out ?? null };
}

/** The period and groups of `export stats`: local dates and dimension names, checked as programStats checks them. */
function parseStatsCall(options: ExportOptions): StatsCall {
  const period = resolvePeriod({ from: options.from, to: options.to });
  if (Array.isArray(period)) {
    const [issue] = period;
    throw new UsageError(`${issue.path === 'period.to' ? '--to' : '--from'}: ${issue.message}`);
  }
  const names = options.groupBy === undefined ? [] : options.groupBy.split(',').map((name) => name.trim().toUpperCase());
  const unknown = names.find((name) => !(DIMENSIONS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new UsageError(`--group-by: "${unknown.toLowerCase()}" is not a dimension; choose from ${DIMENSIONS.join(', ').toLowerCase()}`);
  try {
    checkedDimensions(names as Dimension[], 'groupBy');
  } catch (error) {
    throw new UsageError(`--group-by: ${(error as { extensions: { issues: { message: string }[] } }).extensions.issues[0].message}`);
  }
  return { kind: 'stats', format: options.format as ExportFormat, ...period, groupBy: names as Dimension[], out: options.out ?? null };
}

/**
 * Where the rows go: the file (created or emptied) or stdout. `finish` flushes it; `discard`
 * removes a file left half-written by a failed export.
 */
export async function openOutput(file: string | null): Promise<{ stream: Writable; finish(): Promise<void>; discard(): void }> {
  if (file === null) {
    const stream = process.stdout;
    return { stream, finish: () => new Promise((resolve) => stream.write('', () => resolve())), discard: () => {} };
  }
  const stream = createWriteStream(file);
  await once(stream, 'open');
  return {
    stream,
    async finish() {
      stream.end();
      await once(stream, 'finish');
    },
    discard() {
      stream.destroy();
      rmSync(file, { force: true });
    },
  };
}
