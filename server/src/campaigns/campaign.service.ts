import { LockMode, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import { EVENT_TYPE_PATTERN, PARTNER_SEGMENTS, isCurrencyCode, parseSchemeArgs, type JsonObject, type JsonValue } from '@cofactor/schema';
import { errors, type InputIssue } from '../graphql/errors.js';
import type { SchemeRegistry } from '../plugins/registry.js';
import { Region } from '../regions/region.entity.js';
import { MAX_CODE_LENGTH, MAX_LEVEL, MAX_NAME_LENGTH, checkMoney, checkText } from '../validation.js';
import { CAP_PERIODS, Campaign, type CampaignStatus, type CapPeriod, type Targeting } from './campaign.entity.js';
import { SchemeInstance } from './scheme-instance.entity.js';
import { checkSchemeBounds } from './scheme-bounds.js';
import { canonicalJson } from '../rewarding/resends.js';

export interface SchemeInstanceInput {
  key?: string | null;
  code: string;
  args?: unknown;
}

export interface TargetingInput {
  regionCodes?: string[] | null;
  partnerKinds?: string[] | null;
  segments?: string[] | null;
  levels?: number[] | null;
}

export interface CampaignInput {
  name?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  currency?: string | null;
  holdDays?: number | null;
  budget?: bigint | number | null;
  partnerCap?: bigint | number | null;
  capPeriod?: string | null;
  targeting?: TargetingInput | null;
  schemes?: SchemeInstanceInput[] | null;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface ValidatedScheme {
  key: string;
  code: string;
  version: string;
  args: JsonObject;
}

/** A campaign as it would be after a create or an update, checked and not written; `instanceId` where a stored instance stays. */
export interface CampaignDefinition {
  campaign: Pick<Campaign, 'name' | 'status' | 'startsAt' | 'endsAt' | 'currency' | 'holdDays' | 'budget' | 'partnerCap' | 'capPeriod' | 'targeting'>;
  schemes: (ValidatedScheme & { instanceId: string | null })[];
}

export class CampaignService {
  constructor(
    private readonly orm: MikroORM,
    private readonly registry: SchemeRegistry,
  ) {}

  async create(programId: string, input: CampaignInput): Promise<Campaign> {
    const em = this.orm.em.fork();
    const issues: InputIssue[] = [];
    for (const field of ['name', 'startsAt', 'currency'] as const) {
      if (input[field] === undefined || input[field] === null) issues.push({ path: `input.${field}`, message: 'is required' });
    }
    const fields = await this.validateFields(em, programId, input, issues);
    const schemes = this.validateSchemes(input.schemes ?? [], issues);
    if (issues.length) throw errors.badInput(issues);
    return em.transactional(async (tx) => {
      const campaign = tx.create(Campaign, { programId, status: 'DRAFT', ...fields } as Campaign);
      await tx.flush();
      schemes.forEach((scheme, position) => tx.create(SchemeInstance, this.instance(campaign.id, scheme, position)));
      return campaign;
    });
  }

  /**
   * Applies a partial change. A new `schemes` list replaces the old one: an instance whose
   * key, code, version, args and position are unchanged stays; every other active
   * instance is retired and new rows are written, so past rewards keep their terms.
   */
  async update(programId: string, id: string, input: CampaignInput): Promise<Campaign> {
    const em = this.orm.em.fork();
    const issues: InputIssue[] = [];
    const fields = await this.validateFields(em, programId, input, issues);
    const schemes = input.schemes ? this.validateSchemes(input.schemes, issues) : null;
    if (issues.length) throw errors.badInput(issues);
    return em.transactional(async (tx) => {
      const campaign = await tx.findOne(Campaign, { id, programId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!campaign) throw errors.notFound('campaign', id);
      if (campaign.status === 'ENDED') throw errors.conflict(`campaign ${id} has ended and can no longer change`);
      // Plain assignment: the ORM's assign() refuses a bigint column given as a digit string, the form every amount has here.
      Object.assign(campaign, fields);
      const startsAt = campaign.startsAt;
      if (campaign.endsAt && campaign.endsAt <= startsAt) {
        throw errors.badInput([{ path: 'input.endsAt', message: 'must be after startsAt' }]);
      }
      if (schemes) {
        const active = await tx.find(SchemeInstance, { campaignId: id, retiredAt: null }, { orderBy: { position: 'asc' } });
        const now = new Date();
        schemes.forEach((scheme, position) => {
          const same = active.find(
            (current) =>
              current.key === scheme.key &&
              current.position === position &&
              current.schemeCode === scheme.code &&
              current.schemeVersion === scheme.version &&
              // Stored args come back from jsonb with its own key order; compare what they say.
              canonicalJson(current.args as JsonValue) === canonicalJson(scheme.args as JsonValue),
          );
          if (same) active.splice(active.indexOf(same), 1);
          else tx.create(SchemeInstance, this.instance(id, scheme, position));
        });
        for (const retired of active) retired.retiredAt = now;
      }
      return campaign;
    });
  }

  /**
   * Checks a definition exactly as `create` (no `id`) or `update` (the stored campaign `id`
   * with `input`'s changes) would, and writes nothing: what a simulation or a preview runs.
   */
  async definition(programId: string, id: string | null, input: CampaignInput): Promise<CampaignDefinition> {
    const em = this.orm.em.fork();
    const issues: InputIssue[] = [];
    const stored = id ? await em.findOne(Campaign, { id, programId }) : null;
    if (id && !stored) throw errors.notFound('campaign', id);
    for (const field of stored ? [] : (['name', 'startsAt', 'currency'] as const)) {
      if (input[field] === undefined || input[field] === null) issues.push({ path: `input.${field}`, message: 'is required' });
    }
    const fields = await this.validateFields(em, programId, input, issues);
    const schemes = input.schemes ? this.validateSchemes(input.schemes, issues) : null;
    const active = stored ? await em.find(SchemeInstance, { campaignId: stored.id, retiredAt: null }, { orderBy: { position: 'asc' } }) : [];
    const campaign = { ...(stored ?? { status: 'DRAFT', endsAt: null, holdDays: 0, budget: null, partnerCap: null, capPeriod: 'MONTH', targeting: { regionIds: [], partnerKinds: [], segments: [], levels: [] } }), ...fields };
    if (stored && campaign.endsAt && campaign.endsAt <= campaign.startsAt!) issues.push({ path: 'input.endsAt', message: 'must be after startsAt' });
    if (issues.length) throw errors.badInput(issues);
    const same = (scheme: ValidatedScheme) => active.find((row) => row.key === scheme.key && row.schemeCode === scheme.code && JSON.stringify(row.args) === JSON.stringify(scheme.args));
    return {
      campaign: campaign as CampaignDefinition['campaign'],
      schemes: schemes
        ? schemes.map((scheme) => ({ ...scheme, instanceId: same(scheme)?.id ?? null }))
        : active.map((row) => ({ key: row.key, code: row.schemeCode, version: row.schemeVersion, args: row.args as JsonObject, instanceId: row.id })),
    };
  }

  async activate(programId: string, id: string): Promise<Campaign> {
    return this.transition(programId, id, ['DRAFT', 'PAUSED'], 'ACTIVE', async (em, campaign) => {
      const schemes = await em.find(SchemeInstance, { campaignId: campaign.id, retiredAt: null });
      if (schemes.length === 0) throw errors.conflict(`campaign ${id} has no schemes to run`, 'schemes');
      const missing = schemes.filter((scheme) => !this.registry.get(scheme.schemeCode));
      if (missing.length) {
        throw errors.conflict(`scheme ${missing[0].schemeCode} is not installed on this server`, 'schemes');
      }
    });
  }

  async pause(programId: string, id: string): Promise<Campaign> {
    return this.transition(programId, id, ['ACTIVE'], 'PAUSED');
  }

  private async transition(
    programId: string,
    id: string,
    from: CampaignStatus[],
    to: CampaignStatus,
    check?: (em: EntityManager, campaign: Campaign) => Promise<void>,
  ): Promise<Campaign> {
    return this.orm.em.fork().transactional(async (tx) => {
      const campaign = await tx.findOne(Campaign, { id, programId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!campaign) throw errors.notFound('campaign', id);
      if (!from.includes(campaign.status)) {
        throw errors.conflict(`campaign ${id} is ${campaign.status}; only a ${from.join(' or ')} campaign can become ${to}`);
      }
      await check?.(tx, campaign);
      campaign.status = to;
      return campaign;
    });
  }

  private instance(campaignId: string, scheme: ValidatedScheme, position: number) {
    return { campaignId, key: scheme.key, position, schemeCode: scheme.code, schemeVersion: scheme.version, args: scheme.args };
  }

  private validateSchemes(inputs: SchemeInstanceInput[], issues: InputIssue[]): ValidatedScheme[] {
    const result: ValidatedScheme[] = [];
    const keys = new Set<string>();
    inputs.forEach((input, index) => {
      const path = `input.schemes[${index}]`;
      const scheme = this.registry.get(input.code);
      if (!scheme) {
        const known = this.registry.list().map((s) => s.code).join(', ');
        issues.push({ path: `${path}.code`, message: `unknown scheme "${input.code.slice(0, MAX_CODE_LENGTH)}" (installed: ${known})` });
        return;
      }
      const key = input.key ?? input.code;
      if (!KEY_PATTERN.test(key)) issues.push({ path: `${path}.key`, message: 'must be kebab-case, at most 63 characters' });
      if (keys.has(key)) {
        issues.push({ path: `${path}.key`, message: `key "${key}" is used twice; give each instance of a scheme its own key` });
      }
      keys.add(key);
      const parsed = parseSchemeArgs(scheme, input.args ?? {}, `${path}.args`);
      if (!parsed.ok) issues.push(...parsed.issues);
      else {
        checkSchemeBounds(scheme, parsed.values, parsed.snapshot, `${path}.args`, issues);
        result.push({ key, code: scheme.code, version: scheme.version, args: parsed.snapshot });
      }
    });
    return result;
  }

  private async validateFields(em: EntityManager, programId: string, input: CampaignInput, issues: InputIssue[]) {
    const fields: Partial<Campaign> = {};
    if (input.name !== undefined && input.name !== null) {
      checkText(input.name, 'input.name', MAX_NAME_LENGTH, issues);
      fields.name = input.name.trim();
    }
    if (input.startsAt) fields.startsAt = input.startsAt;
    if (input.endsAt !== undefined) fields.endsAt = input.endsAt;
    if (input.startsAt && input.endsAt && input.endsAt <= input.startsAt) {
      issues.push({ path: 'input.endsAt', message: 'must be after startsAt' });
    }
    if (input.currency !== undefined && input.currency !== null) {
      if (!isCurrencyCode(input.currency)) issues.push({ path: 'input.currency', message: 'must be an ISO 4217 code such as RUB' });
      fields.currency = input.currency;
    }
    if (input.holdDays !== undefined && input.holdDays !== null) {
      if (!Number.isInteger(input.holdDays) || input.holdDays < 0 || input.holdDays > 365) {
        issues.push({ path: 'input.holdDays', message: 'must be an integer from 0 to 365' });
      }
      fields.holdDays = input.holdDays;
    }
    if (input.budget !== undefined) {
      if (input.budget !== null) checkMoney(BigInt(input.budget), 'input.budget', issues);
      fields.budget = input.budget === null ? null : BigInt(input.budget).toString();
    }
    if (input.partnerCap !== undefined) {
      if (input.partnerCap !== null) checkMoney(BigInt(input.partnerCap), 'input.partnerCap', issues);
      fields.partnerCap = input.partnerCap === null ? null : BigInt(input.partnerCap).toString();
    }
    if (input.capPeriod !== undefined && input.capPeriod !== null) {
      if (!(CAP_PERIODS as readonly string[]).includes(input.capPeriod)) {
        issues.push({ path: 'input.capPeriod', message: `must be one of ${CAP_PERIODS.join(', ')}` });
      }
      fields.capPeriod = input.capPeriod as CapPeriod;
    }
    if (input.targeting) fields.targeting = await this.validateTargeting(em, programId, input.targeting, issues);
    return fields;
  }

  private async validateTargeting(em: EntityManager, programId: string, input: TargetingInput, issues: InputIssue[]): Promise<Targeting> {
    const codes = input.regionCodes ?? [];
    const regions = codes.length ? await em.find(Region, { programId, code: { $in: codes } }) : [];
    codes.forEach((code, index) => {
      if (code.length > MAX_CODE_LENGTH) issues.push({ path: `input.targeting.regionCodes[${index}]`, message: `must be at most ${MAX_CODE_LENGTH} characters` });
      else if (!regions.some((region) => region.code === code)) {
        issues.push({ path: `input.targeting.regionCodes[${index}]`, message: `no region "${code}" in this program` });
      }
    });
    (input.partnerKinds ?? []).forEach((kind, index) => {
      if (kind.length > MAX_CODE_LENGTH || !EVENT_TYPE_PATTERN.test(kind)) {
        issues.push({ path: `input.targeting.partnerKinds[${index}]`, message: `must be an UPPER_SNAKE kind of at most ${MAX_CODE_LENGTH} characters` });
      }
    });
    (input.segments ?? []).forEach((segment, index) => {
      if (!(PARTNER_SEGMENTS as readonly string[]).includes(segment)) {
        issues.push({ path: `input.targeting.segments[${index}]`, message: `must be one of ${PARTNER_SEGMENTS.join(', ')}` });
      }
    });
    (input.levels ?? []).forEach((level, index) => {
      if (!Number.isInteger(level) || level < 1 || level > MAX_LEVEL) {
        issues.push({ path: `input.targeting.levels[${index}]`, message: `must be an integer from 1 to ${MAX_LEVEL}` });
      }
    });
    return {
      regionIds: regions.map((region) => region.id),
      partnerKinds: input.partnerKinds ?? [],
      segments: input.segments ?? [],
      levels: input.levels ?? [],
    };
  }
}
