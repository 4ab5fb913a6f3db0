import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { SignJWT, decodeJwt, jwtVerify } from 'jose';
import { errors } from '../graphql/errors.js';
import { Partner } from '../partners/partner.entity.js';
import { Program } from '../programs/program.entity.js';
import { API_SCOPES, ApiKey, type ApiScope } from './api-key.entity.js';

/** Who is calling: an integrator's system (API key) or one logged-in partner (token). */
export type Principal =
  | { kind: 'apiKey'; programId: string; apiKeyId: string; scopes: ApiScope[] }
  | { kind: 'partner'; programId: string; partnerId: string };

const KEY_PREFIX = 'cfk_';
const TOKEN_AUDIENCE = 'cofactor:partner';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class AuthService {
  /** Token secrets per program; they never change once created. */
  private readonly secrets = new Map<string, Uint8Array>();

  constructor(private readonly orm: MikroORM) {}

  /** Returns the full key once; only its hash is kept. Format: `cfk_<prefix>_<secret>`. */
  async createApiKey(programId: string, name: string, scopes: string[]): Promise<{ key: string; apiKey: ApiKey }> {
    const issues = [];
    if (!name.trim()) issues.push({ path: 'name', message: 'must not be empty' });
    if (scopes.length === 0) issues.push({ path: 'scopes', message: `needs at least one of ${API_SCOPES.join(', ')}` });
    scopes.forEach((scope, index) => {
      if (!(API_SCOPES as readonly string[]).includes(scope)) {
        issues.push({ path: `scopes[${index}]`, message: `unknown scope "${scope}" (known: ${API_SCOPES.join(', ')})` });
      }
    });
    if (issues.length) throw errors.badInput(issues);
    const prefix = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const em = this.orm.em.fork();
    const apiKey = em.create(ApiKey, {
      programId,
      name: name.trim(),
      prefix,
      secretHash: sha256(secret),
      scopes: [...new Set(scopes)] as ApiScope[],
    });
    await em.flush();
    return { key: `${KEY_PREFIX}${prefix}_${secret}`, apiKey };
  }

  async issuePartnerToken(programId: string, partnerId: string, ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      throw errors.badInput([{ path: 'ttlSeconds', message: `must be between 60 and ${MAX_TOKEN_TTL_SECONDS}` }]);
    }
    const partner = await this.orm.em.fork().findOne(Partner, { id: partnerId, programId });
    if (!partner) throw errors.notFound('partner', partnerId);
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const token = await new SignJWT({ prg: programId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(partnerId)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.secretOf(programId));
    return { token, expiresAt, partner };
  }

  /**
   * Resolves an `Authorization` header (or a WebSocket `connectionParams.authorization`).
   * No credentials → null (the resolver decides whether that is allowed); bad ones → UNAUTHENTICATED.
   */
  async authenticate(authorization: unknown): Promise<Principal | null> {
    if (authorization === undefined || authorization === null || authorization === '') return null;
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
    if (!match) throw errors.unauthenticated('malformed Authorization: expected "Bearer <API key or partner token>"');
    const credential = match[1];
    return credential.startsWith(KEY_PREFIX) ? this.verifyApiKey(credential) : this.verifyPartnerToken(credential);
  }

  private async verifyApiKey(key: string): Promise<Principal> {
    // The secret is base64url and may itself contain "_": split on the first one only.
    const rest = key.slice(KEY_PREFIX.length);
    const separator = rest.indexOf('_');
    const prefix = separator > 0 ? rest.slice(0, separator) : '';
    const secret = separator > 0 ? rest.slice(separator + 1) : '';
    const apiKey = prefix && secret ? await this.orm.em.fork().findOne(ApiKey, { prefix }) : null;
    const expected = apiKey ? Buffer.from(apiKey.secretHash, 'hex') : null;
    const given = Buffer.from(sha256(secret ?? ''), 'hex');
    if (!apiKey || !expected || apiKey.revokedAt || !timingSafeEqual(expected, given)) {
      throw errors.unauthenticated('invalid or revoked API key');
    }
    return { kind: 'apiKey', programId: apiKey.programId, apiKeyId: apiKey.id, scopes: apiKey.scopes };
  }

  private async verifyPartnerToken(token: string): Promise<Principal> {
    try {
      const programId = String(decodeJwt(token).prg ?? '');
      if (!/^\d+$/.test(programId)) throw new Error('no program');
      const { payload } = await jwtVerify(token, await this.secretOf(programId), {
        audience: TOKEN_AUDIENCE,
        algorithms: ['HS256'],
      });
      return { kind: 'partner', programId, partnerId: String(payload.sub) };
    } catch {
      throw errors.unauthenticated('invalid or expired partner token');
    }
  }

  private async secretOf(programId: string): Promise<Uint8Array> {
    let secret = this.secrets.get(programId);
    if (!secret) {
      const program = await this.orm.em.fork().findOne(Program, { id: programId });
      if (!program) throw new Error(`program ${programId} not found`);
      secret = new TextEncoder().encode(program.tokenSecret);
      this.secrets.set(programId, secret);
    }
    return secret;
  }
}

export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}
