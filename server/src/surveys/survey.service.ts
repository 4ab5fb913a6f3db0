import type { CofactorConfig } from '../config.js';
import type { Sql, SqlClient } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isId } from '../graphql/ids.js';
import { validateTime } from '../rewarding/validate.js';
import { MAX_CODE_LENGTH, MAX_EXTERNAL_ID_LENGTH, checkOptionalText, checkText } from '../validation.js';
import { satisfactionOf, type Satisfaction, type ScoreCounts } from './satisfaction.js';

/** The most survey answers one `recordSurveyResponses` call may carry. */
export const MAX_SURVEY_RESPONSES_PER_CALL = 1000;
/** The longest comment a partner may leave with a score, in characters. */
export const MAX_SURVEY_COMMENT_LENGTH = 2000;

export interface SurveyResponseInput {
  partnerId: string;
  score: number;
  comment?: string | null;
  answeredAt: Date;
  externalId: string;
}

export interface SurveyResponseRow {
  id: string;
  partnerId: string;
  score: number;
  comment: string | null;
  answeredAt: Date;
  externalId: string;
  createdAt: Date;
}

export interface RecordSurveyResponsesResult {
  /** Answers stored by this call. */
  accepted: number;
  /** Answers already stored (or repeated in the call) with the same content. */
  duplicates: number;
  /** The stored answer of each item, in the order sent. */
  responses: SurveyResponseRow[];
}

export interface SurveyFilter {
  partnerId?: string;
  from?: Date | null;
  to?: Date | null;
}

const COLUMNS = `id::text, partner_id::text as "partnerId", score, comment, answered_at as "answeredAt", external_id as "externalId", created_at as "createdAt"`;
/** The fields that make two answers with one externalId the same answer. */
const CONTENT: readonly (keyof SurveyResponseInput)[] = ['partnerId', 'score', 'comment', 'answeredAt'];

/**
 * Partner satisfaction: survey answers (a 0–10 score, an optional comment), recorded
 * idempotently by the sender's externalId, and the figures computed from them.
 */
export class SurveyService {
  constructor(
    private readonly sql: Sql,
    private readonly config: Pick<CofactorConfig, 'maxClockSkewSeconds'>,
  ) {}

  /** All or nothing: a bad item, an unknown partner or an externalId resent with other content refuses the whole call. */
  async record(programId: string, inputs: SurveyResponseInput[], now = new Date()): Promise<RecordSurveyResponsesResult> {
    validateResponses(inputs, this.config, now);
    const firsts = firstOfEach(inputs);
    return this.sql.transaction(async (client) => {
      await checkPartners(client, programId, inputs);
      const inserted = await client.query<SurveyResponseRow>(
        `insert into survey_response (program_id, partner_id, score, comment, answered_at, external_id)
         select $1, * from unnest($2::bigint[], $3::smallint[], $4::text[], $5::timestamptz[], $6::text[])
         on conflict (program_id, external_id) do nothing
         returning ${COLUMNS}`,
        [programId, ...columnsOf([...firsts.values()].map(({ input }) => input))],
      );
      const stored = new Map(inserted.rows.map((row) => [row.externalId, row]));
      const earlier = [...firsts.keys()].filter((externalId) => !stored.has(externalId));
      if (earlier.length) {
        const found = await client.query<SurveyResponseRow>(`select ${COLUMNS} from survey_response where program_id = $1 and external_id = any($2::text[])`, [programId, earlier]);
        refuseConflicts(found.rows.flatMap((row) => differences(row, firsts.get(row.externalId)!.input, `responses[${firsts.get(row.externalId)!.index}]`, 'was recorded with')));
        for (const row of found.rows) stored.set(row.externalId, row);
      }
      return { accepted: inserted.rows.length, duplicates: inputs.length - inserted.rows.length, responses: inputs.map((input) => stored.get(input.externalId)!) };
    });
  }

  /** Newest first, `limit` rows with ids below `beforeId`. */
  async list(programId: string, filter: SurveyFilter, beforeId: string | null, limit: number): Promise<SurveyResponseRow[]> {
    return this.sql.query<SurveyResponseRow>(
      `select ${COLUMNS} from survey_response
        where program_id = $1 and ($2::bigint is null or id < $2) and ($3::bigint is null or partner_id = $3)
          and ($4::timestamptz is null or answered_at >= $4) and ($5::timestamptz is null or answered_at < $5)
        order by id desc limit $6`,
      [programId, beforeId, filter.partnerId ?? null, filter.from ?? null, filter.to ?? null, limit],
    );
  }

  /** Figures of the answers given in [from, to), of partners in `regionCode` and its sub-regions when given (their region today). */
  async satisfaction(programId: string, from: Date, to: Date, regionCode: string | null): Promise<Satisfaction> {
    if (regionCode !== null && !(await this.sql.query(`select 1 from region where program_id = $1 and code = $2`, [programId, regionCode])).length) {
      throw errors.notFound('region', regionCode);
    }
    const [counts] = await this.sql.query<ScoreCounts>(
      `with recursive area as (
          select id from region where program_id = $1 and code = $4
          union all select r.id from region r join area a on r.parent_id = a.id)
        select count(*)::int as responses, coalesce(sum(s.score), 0)::int as "scoreSum",
               (count(*) filter (where s.score >= 9))::int as promoters, (count(*) filter (where s.score <= 6))::int as detractors
          from survey_response s join partner p on p.id = s.partner_id
         where s.program_id = $1 and s.answered_at >= $2 and s.answered_at < $3
           and ($4::text is null or p.region_id in (select id from area))`,
      [programId, from, to, regionCode],
    );
    return satisfactionOf(counts);
  }
}

function validateResponses(inputs: SurveyResponseInput[], config: Pick<CofactorConfig, 'maxClockSkewSeconds'>, now: Date): void {
  if (inputs.length > MAX_SURVEY_RESPONSES_PER_CALL) {
    throw errors.badInput([{ path: 'responses', message: `at most ${MAX_SURVEY_RESPONSES_PER_CALL} responses per call, got ${inputs.length}` }]);
  }
  const issues = inputs.flatMap((input, index) => validate(input, `responses[${index}]`, config, now));
  if (issues.length) throw errors.badInput(issues, `${new Set(issues.map((i) => i.path.split('.')[0])).size} of ${inputs.length} responses are invalid; nothing was recorded`);
  const firsts = firstOfEach(inputs);
  refuseConflicts(
    inputs.flatMap((input, index) => {
      const first = firsts.get(input.externalId)!;
      return first.index === index ? [] : differences(first.input, input, `responses[${index}]`, `is also sent in responses[${first.index}] with`);
    }),
  );
}

function validate(input: SurveyResponseInput, path: string, config: Pick<CofactorConfig, 'maxClockSkewSeconds'>, now: Date): InputIssue[] {
  const issues: InputIssue[] = [];
  checkText(input.externalId, `${path}.externalId`, MAX_EXTERNAL_ID_LENGTH, issues);
  if (!isId(input.partnerId)) issues.push({ path: `${path}.partnerId`, message: `"${String(input.partnerId).slice(0, MAX_CODE_LENGTH)}" is not an id` });
  if (!Number.isInteger(input.score) || input.score < 0 || input.score > 10) issues.push({ path: `${path}.score`, message: `must be a whole number from 0 to 10, got ${input.score}` });
  checkOptionalText(input.comment, `${path}.comment`, MAX_SURVEY_COMMENT_LENGTH, issues);
  validateTime(input.answeredAt, `${path}.answeredAt`, config, now, issues);
  return issues;
}

/** The first item with each externalId, and its index. */
function firstOfEach(inputs: SurveyResponseInput[]): Map<string, { input: SurveyResponseInput; index: number }> {
  const firsts = new Map<string, { input: SurveyResponseInput; index: number }>();
  inputs.forEach((input, index) => firsts.has(input.externalId) || firsts.set(input.externalId, { input, index }));
  return firsts;
}

/** An unknown partner (or one of another program) is the sender's mistake, named by its path. */
async function checkPartners(client: SqlClient, programId: string, inputs: SurveyResponseInput[]): Promise<void> {
  const ids = [...new Set(inputs.map((input) => input.partnerId))];
  const found = await client.query<{ id: string }>(`select id::text from partner where program_id = $1 and id = any($2::bigint[])`, [programId, ids]);
  const known = new Set(found.rows.map((row) => row.id));
  const issues = inputs.flatMap((input, index) =>
    known.has(input.partnerId) ? [] : [{ path: `responses[${index}].partnerId`, message: `no partner with partnerId "${input.partnerId}" in this program` }],
  );
  if (issues.length) throw errors.badInput(issues);
}

function columnsOf(inputs: SurveyResponseInput[]): unknown[] {
  return [
    inputs.map((input) => input.partnerId),
    inputs.map((input) => input.score),
    inputs.map((input) => input.comment ?? null),
    inputs.map((input) => input.answeredAt),
    inputs.map((input) => input.externalId),
  ];
}

/** An issue for each field in which `sent` differs from `before`, the answer with the same externalId. */
function differences(before: Pick<SurveyResponseInput, (typeof CONTENT)[number]>, sent: SurveyResponseInput, path: string, said: string): InputIssue[] {
  const show = (value: unknown) => (value instanceof Date ? value.toISOString() : JSON.stringify(value ?? null));
  return CONTENT.filter((field) => show(before[field]) !== show(sent[field])).map((field) => ({
    path: `${path}.${field}`,
    message: `externalId "${sent.externalId}" ${said} ${field} ${show(before[field])}, this item sends ${show(sent[field])}`,
  }));
}

/** A resend with other content is the sender's bug: refused whole, never silently dropped. */
function refuseConflicts(issues: InputIssue[]): void {
  if (!issues.length) return;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more in extensions.issues)` : '';
  throw errors.conflict(`${issues[0].path}: ${issues[0].message}${more}; nothing was recorded`, undefined, issues);
}
