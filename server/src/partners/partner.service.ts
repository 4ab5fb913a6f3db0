import { randomInt } from 'node:crypto';
import { EVENT_TYPE_PATTERN, PARTNER_SEGMENTS } from '@cofactor/schema';
import { PreparedStatement, type Sql, type SqlClient } from '../db/sql.js';
import { errors, type InputIssue } from '../graphql/errors.js';
import { isId } from '../graphql/ids.js';
import type { HierarchyService } from '../hierarchy/hierarchy.service.js';
import type { PostgresRewardingStorage } from '../rewarding/postgres/storage.js';
import type { Rewarding } from '../rewarding/rewarding.js';
import { MAX_CODE_LENGTH, MAX_EXTERNAL_ID_LENGTH, MAX_LEVEL, MAX_NAME_LENGTH, checkEmail, checkOptionalText } from '../validation.js';
import { PARTNER_STATUSES } from './partner.entity.js';
import { recordLevels, recordState } from './partner-history.js';
import type { SnapshotRow } from './partner-snapshot.js';

export interface PartnerRow extends SnapshotRow {
  programId: string;
  externalId: string | null;
  email: string | null;
  joinedAt: Date;
  updatedAt: Date;
}

export const PARTNER_COLUMNS = `p.id, p.program_id as "programId", p.external_id as "externalId", p.name, p.email, p.kind,
  p.region_id as "regionId", p.segment, p.level, p.status, p.referral_code as "referralCode",
  p.sponsor_id as "sponsorId", p.joined_at as "joinedAt", p.updated_at as "updatedAt"`;

/** The partner loader's read: a partner token's `me`, a page's partners. */
const PARTNERS_BY_IDS = new PreparedStatement('partners-by-ids', `select ${PARTNER_COLUMNS} from partner p where p.program_id = $1 and p.id = any($2::bigint[])`);

export interface PartnerInput {
  name?: string | null;
  externalId?: string | null;
  email?: string | null;
  kind?: string | null;
  regionId?: string | null;
  regionCode?: string | null;
  segment?: string | null;
  level?: number | null;
  status?: string | null;
  referralCode?: string | null;
  sponsorId?: string | null;
  sponsorReferralCode?: string | null;
}

/** Writes the partner's history when what schemes and targeting read of it changed. */
async function recordChanges(client: SqlClient, before: PartnerRow, after: PartnerRow): Promise<void> {
  const fields = ['status', 'kind', 'regionId', 'segment'] as const;
  if (fields.some((field) => before[field] !== after[field])) await recordState(client, [after.id]);
  if (before.level !== after.level) await recordLevels(client, [{ partnerId: after.id, level: after.level, validFrom: null }]);
}

const REFERRAL_CODE_PATTERN = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newReferralCode(): string {
  return Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

export class PartnerService {
  constructor(
    private readonly sql: Sql,
    private readonly hierarchy: HierarchyService,
    private readonly rewarding: Rewarding,
    private readonly storage: PostgresRewardingStorage,
  ) {}

  async byIds(programId: string, ids: readonly string[]): Promise<PartnerRow[]> {
    return this.sql.query<PartnerRow>(PARTNERS_BY_IDS, [programId, ids]);
  }

  /** Which of these external ids and referral codes the program's partners hold. */
  async existing(programId: string, externalIds: string[], referralCodes: string[]): Promise<{ externalIds: Set<string>; referralCodes: Set<string> }> {
    const rows = await this.sql.query<{ externalId: string | null; referralCode: string }>(
      `select external_id as "externalId", referral_code as "referralCode" from partner
        where program_id = $1 and (external_id = any($2::text[]) or referral_code = any($3::text[]))`,
      [programId, externalIds, referralCodes],
    );
    return {
      externalIds: new Set(rows.flatMap((row) => (row.externalId !== null && externalIds.includes(row.externalId) ? [row.externalId] : []))),
      referralCodes: new Set(rows.map((row) => row.referralCode).filter((code) => referralCodes.includes(code))),
    };
  }

  async list(
    programId: string,
    filter: { kind?: string | null; regionId?: string | null; status?: string | null; sponsorId?: string | null; search?: string | null },
    afterId: string | null,
    limit: number,
  ): Promise<PartnerRow[]> {
    const search = filter.search ?? null;
    if (search !== null && (search.trim() === '' || search.length > MAX_NAME_LENGTH)) {
      throw errors.badInput([{ path: 'filter.search', message: `must be 1 to ${MAX_NAME_LENGTH} characters` }]);
    }
    return this.sql.query<PartnerRow>(
      `select ${PARTNER_COLUMNS} from partner p
        where p.program_id = $1 and ($2::bigint is null or p.id > $2)
          and ($3::text is null or p.kind = $3) and ($4::bigint is null or p.region_id = $4)
          and ($5::text is null or p.status = $5) and ($6::bigint is null or p.sponsor_id = $6)
          and ($8::text is null or p.name ilike $8 or p.referral_code ilike $8 or p.external_id ilike $8)
        order by p.id limit $7`,
      [programId, afterId, filter.kind ?? null, filter.regionId ?? null, filter.status ?? null, filter.sponsorId ?? null, limit, search === null ? null : containing(search.trim())],
    );
  }

  /**
   * Creates a partner under its sponsor and, in the same transaction, records its
   * PARTNER_JOINED event (external id `partner-joined:<id>`), so recruit rewards run through
   * the same pipeline as every other event.
   */
  async create(programId: string, input: PartnerInput): Promise<PartnerRow> {
    const issues = this.validate(input, 'input', true);
    if (issues.length) throw errors.badInput(issues);
    const { partner, rewards } = await this.sql.transaction(async (client) => {
      const created = await this.insert(client, programId, input, issues);
      const joined = await this.rewarding.ingest(
        this.storage.within(client),
        programId,
        [{ externalId: `partner-joined:${created.id}`, type: 'PARTNER_JOINED', partnerId: created.id, occurredAt: created.joinedAt }],
        created.joinedAt,
      );
      return { partner: created, rewards: joined.rewards };
    });
    this.rewarding.publish(rewards);
    return partner;
  }

  private async insert(client: SqlClient, programId: string, input: PartnerInput, issues: InputIssue[]): Promise<PartnerRow> {
    const regionId = await this.resolveRegion(client, programId, input, issues);
    const sponsorId = await this.resolveSponsor(client, programId, input, issues);
    if (issues.length) throw errors.badInput(issues);
    const explicitCode = input.referralCode?.toUpperCase() ?? null;
    // A generated code can collide; a savepoint lets the transaction try another one.
    for (let attempt = 0; ; attempt++) {
      const referralCode = explicitCode ?? newReferralCode();
      await client.query('savepoint new_partner');
      try {
        const { rows } = await client.query<PartnerRow>(
          `insert into partner as p (program_id, external_id, name, email, kind, region_id, segment, level, status, referral_code, sponsor_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${PARTNER_COLUMNS}`,
          [
            programId,
            input.externalId ?? null,
            input.name!.trim(),
            input.email ?? null,
            input.kind,
            regionId,
            input.segment ?? null,
            input.level ?? 1,
            input.status ?? 'ACTIVE',
            referralCode,
            sponsorId,
          ],
        );
        await this.hierarchy.attach(client, programId, rows[0].id, sponsorId);
        // Valid from now(), the transaction's time, which is the partner's joined_at too.
        await recordState(client, [rows[0].id]);
        await recordLevels(client, [{ partnerId: rows[0].id, level: rows[0].level, validFrom: null }]);
        return rows[0];
      } catch (error) {
        await client.query('rollback to savepoint new_partner');
        const constraint = (error as { constraint?: string }).constraint;
        if (constraint === 'partner_program_id_referral_code_unique') {
          if (explicitCode) throw errors.conflict(`referral code ${explicitCode} is taken`, 'input.referralCode');
          if (attempt < 5) continue;
        }
        if (constraint === 'partner_program_id_external_id_unique') {
          throw errors.conflict(`a partner with externalId ${input.externalId} exists`, 'input.externalId');
        }
        throw error;
      }
    }
  }

  /**
   * Changes a partner's attributes. The sponsor changes only through `move`. Approving a
   * PENDING partner (status → ACTIVE) records its PARTNER_APPROVED event in the same
   * transaction (external id `partner-approved:<id>`).
   */
  async update(programId: string, id: string, input: PartnerInput): Promise<PartnerRow> {
    const issues = this.validate(input, 'input', false);
    if (input.sponsorId !== undefined || input.sponsorReferralCode !== undefined) {
      issues.push({ path: 'input.sponsorId', message: 'use movePartner to change a sponsor' });
    }
    if (issues.length) throw errors.badInput(issues);
    const { partner, rewards } = await this.sql.transaction(async (client) => {
      const regionId = await this.resolveRegion(client, programId, input, issues);
      if (issues.length) throw errors.badInput(issues);
      const before = await client.query<PartnerRow>(`select ${PARTNER_COLUMNS} from partner p where p.program_id = $1 and p.id = $2 for update`, [
        programId,
        id,
      ]);
      if (!before.rows[0]) throw errors.notFound('partner', id);
      const { rows } = await client.query<PartnerRow>(
        `update partner p set
           name = coalesce($3, name), email = coalesce($4, email), kind = coalesce($5, kind),
           region_id = case when $6::boolean then $7::bigint else region_id end,
           segment = coalesce($8, segment), level = coalesce($9, level), status = coalesce($10, status),
           external_id = coalesce($11, external_id), updated_at = now()
         where program_id = $1 and id = $2 returning ${PARTNER_COLUMNS}`,
        [
          programId,
          id,
          input.name?.trim() ?? null,
          input.email ?? null,
          input.kind ?? null,
          input.regionId !== undefined || input.regionCode !== undefined,
          regionId,
          input.segment ?? null,
          input.level ?? null,
          input.status ?? null,
          input.externalId ?? null,
        ],
      );
      const updated = rows[0];
      await recordChanges(client, before.rows[0], updated);
      if (before.rows[0].status !== 'PENDING' || updated.status !== 'ACTIVE') return { partner: updated, rewards: [] };
      const clock = new Date();
      const approved = await this.rewarding.ingest(
        this.storage.within(client),
        programId,
        [{ externalId: `partner-approved:${id}`, type: 'PARTNER_APPROVED', partnerId: id, occurredAt: clock }],
        clock,
      );
      return { partner: updated, rewards: approved.rewards };
    });
    this.rewarding.publish(rewards);
    return partner;
  }

  private validate(input: PartnerInput, path: string, creating: boolean): InputIssue[] {
    const issues: InputIssue[] = [];
    if (creating && !input.name?.trim()) issues.push({ path: `${path}.name`, message: 'is required' });
    else checkOptionalText(input.name, `${path}.name`, MAX_NAME_LENGTH, issues);
    if (creating && !input.kind) issues.push({ path: `${path}.kind`, message: 'is required' });
    if (input.kind && (input.kind.length > MAX_CODE_LENGTH || !EVENT_TYPE_PATTERN.test(input.kind))) {
      issues.push({ path: `${path}.kind`, message: 'must be an UPPER_SNAKE name such as AMBASSADOR or DEALER' });
    }
    if (input.segment && !(PARTNER_SEGMENTS as readonly string[]).includes(input.segment)) {
      issues.push({ path: `${path}.segment`, message: `must be one of ${PARTNER_SEGMENTS.join(', ')}` });
    }
    if (input.level !== undefined && input.level !== null && (!Number.isInteger(input.level) || input.level < 1 || input.level > MAX_LEVEL)) {
      issues.push({ path: `${path}.level`, message: `must be an integer from 1 to ${MAX_LEVEL}` });
    }
    if (input.status && !(PARTNER_STATUSES as readonly string[]).includes(input.status)) {
      issues.push({ path: `${path}.status`, message: `must be one of ${PARTNER_STATUSES.join(', ')}` });
    }
    if (input.referralCode && !REFERRAL_CODE_PATTERN.test(input.referralCode.toUpperCase())) {
      issues.push({ path: `${path}.referralCode`, message: 'must be 3–32 letters, digits or dashes' });
    }
    checkOptionalText(input.externalId, `${path}.externalId`, MAX_EXTERNAL_ID_LENGTH, issues);
    checkEmail(input.email, `${path}.email`, issues);
    checkOptionalText(input.regionCode, `${path}.regionCode`, MAX_CODE_LENGTH, issues);
    checkOptionalText(input.sponsorReferralCode, `${path}.sponsorReferralCode`, MAX_CODE_LENGTH, issues);
    for (const field of ['regionId', 'sponsorId'] as const) {
      const value = input[field];
      if (value !== undefined && value !== null && !isId(value)) issues.push({ path: `${path}.${field}`, message: `"${String(value).slice(0, MAX_CODE_LENGTH)}" is not an id` });
    }
    if (input.regionId && input.regionCode) issues.push({ path: `${path}.regionCode`, message: 'give regionId or regionCode, not both' });
    if (input.sponsorId && input.sponsorReferralCode) {
      issues.push({ path: `${path}.sponsorReferralCode`, message: 'give sponsorId or sponsorReferralCode, not both' });
    }
    return issues;
  }

  private async resolveRegion(client: SqlClient, programId: string, input: PartnerInput, issues: InputIssue[]): Promise<string | null> {
    if (!input.regionId && !input.regionCode) return null;
    const { rows } = await client.query<{ id: string }>(
      'select id from region where program_id = $1 and (id = $2::bigint or code = $3)',
      [programId, input.regionId ?? null, input.regionCode ?? null],
    );
    if (!rows[0]) {
      const path = input.regionId ? 'input.regionId' : 'input.regionCode';
      issues.push({ path, message: `no region ${input.regionId ?? input.regionCode} in this program` });
      return null;
    }
    return rows[0].id;
  }

  private async resolveSponsor(client: SqlClient, programId: string, input: PartnerInput, issues: InputIssue[]): Promise<string | null> {
    if (!input.sponsorId && !input.sponsorReferralCode) return null;
    const { rows } = await client.query<{ id: string }>(
      'select id from partner where program_id = $1 and (id = $2::bigint or referral_code = $3)',
      [programId, input.sponsorId ?? null, input.sponsorReferralCode?.toUpperCase() ?? null],
    );
    if (!rows[0]) {
      const path = input.sponsorId ? 'input.sponsorId' : 'input.sponsorReferralCode';
      issues.push({ path, message: `no partner ${input.sponsorId ?? input.sponsorReferralCode} in this program` });
      return null;
    }
    return rows[0].id;
  }
}

/** An ILIKE pattern for text containing `text` as typed: its `%`, `_` and `\` match only themselves. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}
