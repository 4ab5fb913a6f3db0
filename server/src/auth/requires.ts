import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../graphql/context.js';
import { errors } from '../graphql/errors.js';
import type { ApiScope } from './api-key.entity.js';
import { requireScope } from './access.js';

/** What a field declares; it is in the built schema as `extensions.requires`. */
export interface Requirement {
  scope: ApiScope;
  /** Also let in a partner token whose own partner id is this argument's value. */
  ownPartnerArg?: string;
  /** Also let in a partner token when every item of this list argument names its own partner as `partnerId`. */
  ownPartnerItems?: string;
}

/**
 * Declares and enforces who may call a field, next to its `@Mutation`:
 * `@Requires('admin')`, or `@Requires('admin', { ownPartnerArg: 'partnerId' })` to also let a
 * partner act on itself (`ownPartnerItems: 'responses'` when each item of a list names the partner). The check runs before the arguments are read, so a caller without
 * the scope learns nothing from its arguments and writes nothing.
 */
export function Requires(scope: ApiScope, options: Omit<Requirement, 'scope'> = {}): MethodDecorator {
  const requirement: Requirement = { scope, ...options };
  const check: MiddlewareFn<RequestContext> = async ({ args, context }, next) => {
    const principal = context.principal;
    if (principal?.kind !== 'partner' || !actsForItself(requirement, args, principal.partnerId)) requireScope(principal, requirement.scope);
    return next();
  };
  return (target, key, descriptor) => {
    Extensions({ requires: requirement })(target, key, descriptor);
    UseMiddleware(check)(target, key, descriptor);
  };
}

/** Whether a partner token acts only for itself, as the requirement lets it; a list item naming another partner is FORBIDDEN by its path. */
function actsForItself(requirement: Requirement, args: Record<string, unknown>, partnerId: string): boolean {
  if (requirement.ownPartnerArg !== undefined && args[requirement.ownPartnerArg] === partnerId) return true;
  if (requirement.ownPartnerItems === undefined) return false;
  const other = (args[requirement.ownPartnerItems] as { partnerId?: unknown }[]).findIndex((item) => item.partnerId !== partnerId);
  if (other >= 0) throw errors.forbidden(`a partner token acts only for its own partner: ${requirement.ownPartnerItems}[${other}].partnerId names another`);
  return true;
}
