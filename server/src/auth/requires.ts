import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../graphql/context.js';
import type { ApiScope } from './api-key.entity.js';
import { requireScope } from './access.js';

/** What a field declares; it is in the built schema as `extensions.requires`. */
export interface Requirement {
  scope: ApiScope;
  /** Also let in a partner token whose own partner id is this argument's value. */
  ownPartnerArg?: string;
}

/**
 * Declares and enforces who may call a field, next to its `@Mutation`:
 * `@Requires('admin')`, or `@Requires('admin', { ownPartnerArg: 'partnerId' })` to also let a
 * partner act on itself. The check runs before the arguments are read, so a caller without
 * the scope learns nothing from its arguments and writes nothing.
 */
export function Requires(scope: ApiScope, options: { ownPartnerArg?: string } = {}): MethodDecorator {
  const requirement: Requirement = { scope, ...options };
  const check: MiddlewareFn<RequestContext> = async ({ args, context }, next) => {
    const principal = context.principal;
    const ownPartner = requirement.ownPartnerArg !== undefined && principal?.kind === 'partner' && args[requirement.ownPartnerArg] === principal.partnerId;
    if (!ownPartner) requireScope(principal, requirement.scope);
    return next();
  };
  return (target, key, descriptor) => {
    Extensions({ requires: requirement })(target, key, descriptor);
    UseMiddleware(check)(target, key, descriptor);
  };
}
