import { readFileSync } from 'node:fs';
import { GraphQLError, coerceInputValue, isInputObjectType, type GraphQLSchema } from 'graphql';
import type { CampaignInput } from '../campaigns/campaign.service.js';
import type { InputIssue } from '../graphql/errors.js';
import type { ReplayProgress } from './replay.js';
import type { SimulationSummary } from './simulation-jobs.js';

/** A mistake in how `cofactor simulate` was called: one line naming the option or the file's field, exit code 2, nothing run. */
export class UsageError extends Error {}

/** What `--campaign FILE.json` holds: SimulationInput without the dates. */
export interface CampaignFile {
  campaignId: string | null;
  campaign: CampaignInput;
}

const FILE_FIELDS = ['campaignId', 'campaign'];

/** Reads and checks the campaign file as the API checks a SimulationInput's campaign (the same GraphQL input type), naming a bad field by its path. */
export function readCampaignFile(file: string, schema: GraphQLSchema): CampaignFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--campaign: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${file}: must be an object { "campaignId"?, "campaign" }`);
  const object = parsed as Record<string, unknown>;
  const unknown = Object.keys(object).find((key) => !FILE_FIELDS.includes(key));
  if (unknown) throw new UsageError(`${file}: ${unknown}: not a field of the campaign file (it holds ${FILE_FIELDS.join(' and ')})`);
  const { campaignId = null, campaign = {} } = object;
  if (campaignId !== null && (typeof campaignId !== 'string' || !/^[1-9][0-9]{0,18}$/.test(campaignId))) {
    throw new UsageError(`${file}: campaignId: must be a campaign id such as "12", got ${JSON.stringify(campaignId)}`);
  }
  const type = schema.getType('CampaignInput');
  if (!isInputObjectType(type)) throw new Error('the schema has no CampaignInput');
  const problems: string[] = [];
  const coerced = coerceInputValue(campaign, type, (path, _value, error) => problems.push(`${file}: ${fieldPath(['campaign', ...path])}: ${error.message}`));
  if (problems.length) throw new UsageError(problems[0]);
  return { campaignId, campaign: coerced as CampaignInput };
}

/** `campaign.schemes[0].args`, as the API names input fields. */
function fieldPath(path: readonly (string | number)[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

/** `--from 2026-11-01` (midnight UTC) or a full ISO date-time. */
export function parseDate(option: string, value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${option}: "${value}" is not a date; give e.g. 2026-11-01 (midnight UTC) or 2026-11-01T00:00:00+03:00`);
  }
  return date;
}

/**
 * A refusal from the simulation, said in the command's terms: the span's issues name --from and
 * --to, the campaign's name the file's field, a campaign that is not there the option or field
 * that named it. Anything else is not the caller's mistake and passes as it is.
 */
export function usageErrorOf(error: unknown, file: string, compareWith: string | null): unknown {
  if (!(error instanceof GraphQLError)) return error;
  if (error.extensions.code === 'NOT_FOUND') {
    return new UsageError(compareWith && error.message === `campaign ${compareWith} not found` ? `--compare-with: ${error.message}` : `${file}: campaignId: ${error.message}`);
  }
  if (error.extensions.code !== 'BAD_USER_INPUT') return error;
  const issues = (error.extensions.issues as InputIssue[] | undefined) ?? [{ path: 'input', message: error.message }];
  const where = (path: string) => {
    if (path === 'input.from' || path === 'input.to') return `--${path.slice(6)}`;
    if (path === 'input.compareWith') return '--compare-with';
    if (path.startsWith('input.campaign')) return `${file}: ${path.slice(6)}`;
    return path === 'input' ? 'the span' : path;
  };
  return new UsageError(issues.map((issue) => `${where(issue.path)}: ${issue.message}`).join('; '));
}

/**
 * Progress on stderr: a bar redrawn in place on a terminal, otherwise one line at each tenth,
 * so a log gets ten lines rather than thousands. `words` name the command and what it counts.
 */
export function progressReporter(stream: NodeJS.WriteStream, words = { command: 'simulate', things: 'events' }): { update(progress: ReplayProgress): void; end(): void } {
  let shownTenth = 0;
  let drawnAt = 0;
  let drawn = false;
  const startedAt = Date.now();
  return {
    update({ eventsReplayed, eventsTotal }) {
      const share = eventsTotal === 0 ? 1 : Math.min(1, eventsReplayed / eventsTotal);
      const pace = paceOf(eventsReplayed, share, Date.now() - startedAt, words.things);
      if (stream.isTTY) {
        if (Date.now() - drawnAt < 100 && eventsReplayed < eventsTotal) return;
        drawnAt = Date.now();
        drawn = true;
        const filled = Math.round(share * 30);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${Math.floor(share * 100)}%  ${eventsReplayed} of ${eventsTotal} ${words.things}${pace}\x1b[K`);
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth <= shownTenth) return;
      shownTenth = tenth;
      stream.write(`${words.command}: ${Math.floor(share * 100)}% (${eventsReplayed} of ${eventsTotal} ${words.things}${pace})\n`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

/** ", 12,300 events/s, 0:42 left": the rate so far, and the time left at it; nothing in the first second. */
function paceOf(done: number, share: number, elapsedMs: number, things: string): string {
  if (elapsedMs < 1000 || done === 0) return '';
  const rate = Math.round((done * 1000) / elapsedMs);
  const left = share >= 1 ? 0 : Math.ceil((elapsedMs * (1 - share)) / share / 1000);
  return `, ${rate.toLocaleString('en-US')} ${things}/s, ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`;
}

/** `--json`: the summary as the API returns it, amounts as digit strings (exact at any size), times in ISO 8601. */
export function summaryJson(summary: SimulationSummary): string {
  return JSON.stringify(summary, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
}
