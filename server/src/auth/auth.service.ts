import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { GraphQLError } from 'graphql';
import { SignJWT, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { MAX_TOKEN_TTL_SECONDS, type CofactorConfig } from '../config.js';
import { PreparedStatement, type Sql } from '../db/sql.js';
import { errors } from '../graphql/errors.js';
import { Partner } from '../partners/partner.entity.js';
import { PARTNER_COLUMNS, type PartnerRow } from '../partners/partner.service.js';
import { API_SCOPES, ApiKey, type ApiScope } from './api-key.entity.js';
import { FailedAuthentications } from './failed-authentications.js';

/** Who is calling: an integrator's system (API key) or one logged-in partner (token). */
export type Principal =
  | { kind: 'apiKey'; programId: string; apiKeyId: string; scopes: ApiScope[] }
  | {
      kind: 'partner';
      programId: string;
      partnerId: string;
      expiresAt: Date;
      /** The partner's row, read with its standing when the token was checked: a request's `me` needs no read of its own. */
      partner: PartnerRow;
    };

/** A key as its program's administrator sees it: never its secret. */
export type ApiKeyRow = Pick<ApiKey, 'id' | 'programId' | 'name' | 'prefix' | 'scopes' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>;

/** What a partner token is checked against on every request (the partner's row and its program's secret): read fresh, never cached. */
interface PartnerStanding extends PartnerRow {
  tokenSecret: string;
}

const KEY_PREFIX = 'cfk_';
const TOKEN_AUDIENCE = 'cofactor:partner';
const KEY_COLUMNS = `id, program_id as "programId", name, prefix, scopes, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

/** Read at every request with a partner token or an API key. */
const PARTNER_STANDING = new PreparedStatement(
  'partner-standing',
  `select ${PARTNER_COLUMNS}, g.token_secret as "tokenSecret" from partner p join program g on g.id = p.program_id where p.id = $1 and p.program_id = $2`,
);
const API_KEY_BY_PREFIX = new PreparedStatement(
  'api-key-by-prefix',
  `select id, program_id as "programId", secret_hash as "secretHash", scopes, revoked_at as "revokedAt", last_used_at as "lastUsedAt" from api_key where prefix = $1`,
);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * API keys and partner tokens. Nothing about a credential is cached in the process: a key's
 * revocation, a partner's status and a rotated token secret take effect at the next request on
 * every server process sharing the database. That costs one indexed read per request (the key
 * by its prefix, or the partner joined to its program), plus one write per key per minute for
 * its last use. What is remembered is only arithmetic: that a token's signature checks out
 * under a secret (`SignatureChecks`), never whether the secret or the partner still stands.
 */
export class AuthService {
  readonly failures: FailedAuthentications;
  private readonly signatures = new SignatureChecks();

  constructor(
    private readonly orm: MikroORM,
    private readonly sql: Sql,
    private readonly config: Pick<CofactorConfig, 'tokenTtlSeconds' | 'authFailuresPerMinute' | 'trustProxy'>,
  ) {
    this.failures = new FailedAuthentications(config.authFailuresPerMinute, config.trustProxy);
  }

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

  /** The program's keys, oldest first, revoked ones included. */
  listApiKeys(programId: string): Promise<ApiKeyRow[]> {
    return this.sql.query<ApiKeyRow>(`select ${KEY_COLUMNS} from api_key where program_id = $1 order by id`, [programId]);
  }

  /** Revokes a key of the program; from the next request on it is refused. Revoking it again changes nothing. */
  async revokeApiKey(programId: string, id: string): Promise<ApiKeyRow> {
    const [row] = await this.sql.query<ApiKeyRow>(
      `update api_key set revoked_at = coalesce(revoked_at, now()) where id = $1 and program_id = $2 returning ${KEY_COLUMNS}`,
      [id, programId],
    );
    if (!row) throw errors.notFound('API key', id);
    return row;
  }

  /**
   * For the server's operator (`cofactor api-key --revoke`): a key of any program, named by its
   * id, its prefix, or the key itself (`cfk_<prefix>…`).
   */
  async revokeApiKeyByReference(reference: string): Promise<ApiKeyRow> {
    const given = reference.trim();
    const prefix = given.startsWith(KEY_PREFIX) ? given.slice(KEY_PREFIX.length).split('_')[0] : given;
    const byId = !given.startsWith(KEY_PREFIX) && /^[1-9][0-9]{0,17}$/.test(given);
    const rows = await this.sql.query<{ id: string; programId: string }>(
      `select id, program_id as "programId" from api_key where prefix = $1 or ($2 and id = $3::bigint)`,
      [prefix, byId, byId ? given : '0'],
    );
    if (rows.length === 0) throw new Error(`no API key has the id or prefix "${given}"`);
    if (rows.length > 1) throw new Error(`"${given}" is one key's id and another's prefix: pass the prefix as cfk_${prefix}`);
    return this.revokeApiKey(rows[0].programId, rows[0].id);
  }

  /** A token for one ACTIVE partner, living `ttlSeconds` (default `config.tokenTtlSeconds`, at most 7 days). */
  async issuePartnerToken(programId: string, partnerId: string, ttlSeconds = this.config.tokenTtlSeconds) {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
      throw errors.badInput([{ path: 'ttlSeconds', message: `must be between 60 and ${MAX_TOKEN_TTL_SECONDS}` }]);
    }
    const partner = await this.orm.em.fork().findOne(Partner, { id: partnerId, programId });
    if (!partner) throw errors.notFound('partner', partnerId);
    if (partner.status !== 'ACTIVE') throw errors.conflict(`partner ${partnerId} is ${partner.status}: only an ACTIVE partner gets a token`, 'partnerId');
    const [{ tokenSecret }] = await this.sql.query<{ tokenSecret: string }>(`select token_secret as "tokenSecret" from program where id = $1`, [programId]);
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((issuedAt + ttlSeconds) * 1000);
    const token = await new SignJWT({ prg: programId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(partnerId)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .sign(new TextEncoder().encode(tokenSecret));
    return { token, expiresAt, partner };
  }

  /** A new secret for the program's partner tokens: every token issued before is refused from now on. */
  async rotatePartnerTokenSecret(programId: string): Promise<Date> {
    const [row] = await this.sql.query<{ rotatedAt: Date }>(`update program set token_secret = $2 where id = $1 returning now() as "rotatedAt"`, [
      programId,
      newTokenSecret(),
    ]);
    return row.rotatedAt;
  }

  /**
   * Resolves an `Authorization` header (or a WebSocket `connectionParams.authorization`) sent
   * by the client `from`. No credentials → null (the resolver decides whether that is allowed);
   * bad ones → UNAUTHENTICATED, counted against the client's address; past its limit →
   * RATE_LIMITED.
   */
  async authenticate(authorization: unknown, from: IncomingMessage): Promise<Principal | null> {
    const address = this.failures.clientAddress(from);
    await this.failures.refuseIfBlocked(address);
    try {
      const credential = bearerCredential(authorization);
      if (credential === null) return null;
      return credential.startsWith(KEY_PREFIX) ? await this.verifyApiKey(credential) : await this.verifyPartnerToken(credential);
    } catch (error) {
      if ((error as GraphQLError).extensions?.code === 'UNAUTHENTICATED') await this.failures.record(address);
      throw error;
    }
  }

  /**
   * For long-lived connections: whether each credential authenticated earlier is still
   * accepted now (null), or why not. Two reads whatever the number of connections.
   */
  async recheck(held: { credential: string; principal: Principal }[]): Promise<(string | null)[]> {
    const keyIds = held.flatMap(({ principal }) => (principal.kind === 'apiKey' ? [principal.apiKeyId] : []));
    const partnerIds = held.flatMap(({ principal }) => (principal.kind === 'partner' ? [principal.partnerId] : []));
    const liveKeys = new Set<string>();
    if (keyIds.length) {
      const rows = await this.sql.query<{ id: string }>(`select id from api_key where id = any($1::bigint[]) and revoked_at is null`, [keyIds]);
      for (const row of rows) liveKeys.add(row.id);
    }
    const standings = new Map<string, Pick<PartnerStanding, 'status' | 'tokenSecret'>>();
    if (partnerIds.length) {
      const rows = await this.sql.query<Pick<PartnerStanding, 'status' | 'tokenSecret'> & { key: string }>(
        `select p.program_id || ':' || p.id as key, p.status, g.token_secret as "tokenSecret" from partner p join program g on g.id = p.program_id where p.id = any($1::bigint[])`,
        [partnerIds],
      );
      for (const row of rows) standings.set(row.key, row);
    }
    return Promise.all(
      held.map(async ({ credential, principal }) => {
        if (principal.kind === 'apiKey') return liveKeys.has(principal.apiKeyId) ? null : 'the API key was revoked';
        const standing = standings.get(`${principal.programId}:${principal.partnerId}`);
        if (!standing) return 'the partner no longer exists';
        return (await this.signatures.problem(credential, standing.tokenSecret)) ?? (standing.status === 'ACTIVE' ? null : `the partner is ${standing.status}`);
      }),
    );
  }

  private async verifyApiKey(key: string): Promise<Principal> {
    // The secret is base64url and may itself contain "_": split on the first one only.
    const rest = key.slice(KEY_PREFIX.length);
    const separator = rest.indexOf('_');
    const prefix = separator > 0 ? rest.slice(0, separator) : '';
    const secret = separator > 0 ? rest.slice(separator + 1) : '';
    const [apiKey] = prefix && secret
      ? await this.sql.query<{ id: string; programId: string; secretHash: string; scopes: ApiScope[]; revokedAt: Date | null; lastUsedAt: Date | null }>(
          API_KEY_BY_PREFIX,
          [prefix],
        )
      : [];
    const expected = apiKey ? Buffer.from(apiKey.secretHash, 'hex') : null;
    const given = Buffer.from(sha256(secret), 'hex');
    if (!apiKey || !expected || apiKey.revokedAt || !timingSafeEqual(expected, given)) {
      throw errors.unauthenticated('invalid or revoked API key');
    }
    if (!apiKey.lastUsedAt || Date.now() - apiKey.lastUsedAt.getTime() > 60_000) {
      // A minute's precision is enough to tell an idle key, and keeps a busy key at one write a minute.
      await this.sql.query(`update api_key set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`, [apiKey.id]);
    }
    return { kind: 'apiKey', programId: apiKey.programId, apiKeyId: apiKey.id, scopes: apiKey.scopes };
  }

  private async verifyPartnerToken(token: string): Promise<Principal> {
    const claims = unverifiedClaims(token);
    const standing = claims ? await this.standingOf(claims.programId, claims.partnerId) : null;
    if (!claims || !standing) throw errors.unauthenticated('invalid partner token');
    const problem = await this.signatures.problem(token, standing.tokenSecret);
    if (problem) throw errors.unauthenticated(`partner token refused: ${problem}`);
    if (standing.status !== 'ACTIVE') throw errors.unauthenticated(`partner token refused: the partner is ${standing.status}`);
    const { tokenSecret: _secret, ...partner } = standing;
    return { kind: 'partner', programId: claims.programId, partnerId: claims.partnerId, expiresAt: new Date(claims.exp * 1000), partner };
  }

  private async standingOf(programId: string, partnerId: string): Promise<PartnerStanding | null> {
    const [row] = await this.sql.query<PartnerStanding>(PARTNER_STANDING, [partnerId, programId]);
    return row ?? null;
  }
}

/** `Bearer <credential>` → the credential; nothing sent → null. */
function bearerCredential(authorization: unknown): string | null {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
  if (!match) throw errors.unauthenticated('malformed Authorization: expected "Bearer <API key or partner token>"');
  return match[1];
}

/** Which partner a token names, read before its signature is checked: only to find the secret to check it with. */
function unverifiedClaims(token: string): { programId: string; partnerId: string; exp: number } | null {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return null;
  }
  const programId = String(claims.prg ?? '');
  const partnerId = String(claims.sub ?? '');
  if (!/^[1-9][0-9]{0,17}$/.test(programId) || !/^[1-9][0-9]{0,17}$/.test(partnerId)) return null;
  return { programId, partnerId, exp: Number(claims.exp) };
}

/** Tokens whose signature was found good, remembered per secret. */
const REMEMBERED_TOKENS = 10_000;

/**
 * Checks partner tokens, remembering the ones found good under a secret until they expire: a
 * cabinet sends the same token with every request, and checking an HMAC through WebCrypto cost
 * a quarter of a millisecond of each. The key holds the secret, so a rotated secret is never
 * answered from memory; the oldest entries go first once REMEMBERED_TOKENS are kept.
 */
export class SignatureChecks {
  private readonly good = new Map<string, number>();

  async problem(token: string, secret: string): Promise<string | null> {
    const key = `${secret} ${token}`;
    const expiresAt = this.good.get(key);
    if (expiresAt !== undefined) return Date.now() < expiresAt ? null : 'it expired';
    const problem = await tokenProblem(token, secret);
    if (problem === null) {
      if (this.good.size >= REMEMBERED_TOKENS) this.good.delete(this.good.keys().next().value!);
      this.good.set(key, Number(decodeJwt(token).exp) * 1000);
    }
    return problem;
  }
}

/**
 * Why a partner token is not good (null when it is): a bad signature (forged, or signed with a
 * secret since rotated), no `exp`, a lifetime over MAX_TOKEN_TTL_SECONDS, or expired.
 */
async function tokenProblem(token: string, secret: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      audience: TOKEN_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat', 'sub'],
      // Refuses an `iat` in the future too, so `exp` is at most 7 days from now.
      maxTokenAge: MAX_TOKEN_TTL_SECONDS,
    });
    if (payload.exp! - payload.iat! > MAX_TOKEN_TTL_SECONDS) return `it lives longer than ${MAX_TOKEN_TTL_SECONDS / 86_400} days`;
    return null;
  } catch (error) {
    const { code, claim } = error as { code?: string; claim?: string };
    if (code === 'ERR_JWT_EXPIRED' && claim === 'exp') return 'it expired';
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp') return 'it has no "exp" (expiry)';
    if (claim === 'iat') return `it was issued in the future or more than ${MAX_TOKEN_TTL_SECONDS / 86_400} days ago`;
    return 'invalid signature or claims';
  }
}

export function newTokenSecret(): string {
  return randomBytes(32).toString('base64url');
}
