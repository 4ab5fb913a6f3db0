import { errors } from '../graphql/errors.js';
import { requireId } from '../graphql/ids.js';
import type { ApiScope } from './api-key.entity.js';
import type { Principal } from './auth.service.js';

/** Creating programs is a server operator's power, above any one program's `admin`. */
export const PLATFORM_ADMIN = 'platform:admin' satisfies ApiScope;

/** `admin` may do everything within its program; `platform:admin` is granted only by name. */
export function grants(scopes: readonly string[], scope: ApiScope): boolean {
  return scopes.includes(scope) || (scope !== PLATFORM_ADMIN && scopes.includes('admin'));
}

/**
 * Who may do what. `admin` may do everything; `events:write` may record events;
 * `analytics:read` may read partners, campaigns and rewards. A partner token may read only
 * its own partner, its own rewards and its downline summary.
 */
export function requireScope(principal: Principal | null, scope: ApiScope): string {
  if (!principal) throw errors.unauthenticated();
  if (principal.kind === 'partner') throw errors.forbidden(`a partner token cannot do this (needs an API key with scope "${scope}")`);
  if (!grants(principal.scopes, scope)) throw errors.forbidden(`this API key lacks the "${scope}" scope`);
  return principal.programId;
}

/** Reading program-wide data: an API key with admin or analytics:read. */
export function requireReader(principal: Principal | null): string {
  return requireScope(principal, 'analytics:read');
}

/** Reading one partner's own data: a reader key, or that partner's own token. */
export function requirePartnerAccess(principal: Principal | null, partnerId: string): string {
  if (!principal) throw errors.unauthenticated();
  if (principal.kind === 'partner') {
    if (principal.partnerId !== partnerId) throw errors.forbidden("a partner token can read only its own partner's data");
    return principal.programId;
  }
  return requireReader(principal);
}

/** The caller's program, in a resolver whose `@Requires` already let the caller in. */
export function callerProgram(principal: Principal | null): string {
  if (!principal) throw errors.unauthenticated();
  return principal.programId;
}

/**
 * Who to record as having done an admin action: the API key. Only API keys pass an
 * `@Requires` without a partner option.
 */
export function actingKey(principal: Principal | null): string {
  if (principal?.kind !== 'apiKey') throw errors.forbidden('only an API key can do this');
  return principal.apiKeyId;
}

/**
 * Whose rows a list query reads: a partner token always its own partner's, whether or not it
 * names itself; an API key the partner it names, or the whole program.
 */
export function listScope(principal: Principal | null, partnerId: string | undefined): { programId: string; partnerId: string | undefined } {
  const own = partnerId ?? (principal?.kind === 'partner' ? principal.partnerId : undefined);
  return { programId: own ? requirePartnerAccess(principal, requireId(own, 'partnerId')) : requireReader(principal), partnerId: own };
}

export function isReaderKey(principal: Principal | null): boolean {
  return principal?.kind === 'apiKey' && grants(principal.scopes, 'analytics:read');
}
