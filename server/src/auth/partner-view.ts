import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { errors } from '../graphql/errors.js';
import { isReaderKey } from './access.js';
import type { Principal } from './auth.service.js';

/**
 * The one way a field says "not for partner tokens". A partner token that asks for it gets
 * FORBIDDEN at the field's path (a nullable field is null, a non-null one nulls its parent, as
 * GraphQL does); the field's description says so with this sentence.
 */
export const HIDDEN_FROM_PARTNERS = 'Hidden from partner tokens (FORBIDDEN).';
export const HIDDEN_UNLESS_OWN = "Hidden from partner tokens (FORBIDDEN) unless it is the partner's own.";

/** What a hidden field declares; it is in the built schema as `extensions.hiddenFromPartners`. */
export type Hidden = 'always' | 'unlessOwn';

/**
 * Hides a field (an object type's `@Field` or a `@FieldResolver`) from partner tokens; API keys
 * that may read the program (analytics:read or admin) see it. With `ownerOf`, a partner token
 * still reads it on its own rows: `ownerOf` names the partner a row belongs to.
 */
export function HiddenFromPartners<Row>(ownerOf?: (row: Row) => string | null): PropertyDecorator & MethodDecorator {
  // Reads only the caller, so this module needs no import of the request context (which imports the types that use it).
  const check: MiddlewareFn<{ principal: Principal | null }> = async ({ root, context, info }, next) => {
    const principal = context.principal;
    if (isReaderKey(principal)) return next();
    if (ownerOf && principal?.kind === 'partner' && ownerOf(root as Row) === principal.partnerId) return next();
    throw errors.forbidden(`${info.parentType.name}.${info.fieldName} is not shown to ${principal?.kind === 'partner' ? 'a partner token' : 'this caller'}`);
  };
  const hidden: Hidden = ownerOf ? 'unlessOwn' : 'always';
  return (target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    Extensions({ hiddenFromPartners: hidden })(target, key, descriptor as never);
    UseMiddleware(check)(target, key, descriptor as never);
  };
}

/**
 * Who made a change, as anyone may read it: an API key is the program's "administrator",
 * no key (the scheduled approval) is the "system".
 */
export type ActorKind = 'administrator' | 'system';

export function actorKind(apiKeyId: string | null): ActorKind {
  return apiKeyId === null ? 'system' : 'administrator';
}

export const ACTOR_KIND_DESCRIPTION = '"administrator" (an API key of the program) or "system" (the server by itself, e.g. the scheduled approval). Shown to everyone.';
