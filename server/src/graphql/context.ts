import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../app.js';
import type { Principal } from '../auth/auth.service.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the caller, a forked EntityManager, this request's loaders. */
export interface RequestContext {
  app: App;
  principal: Principal | null;
  em: EntityManager;
  loaders: Loaders;
  /** A WebSocket connection opened with a published board link instead of a credential: that link's token. */
  boardLink?: string;
}

export async function createRequestContext(app: App, authorization: unknown, from: IncomingMessage): Promise<RequestContext> {
  const principal = await app.auth.authenticate(authorization, from);
  const em = app.orm.em.fork();
  const loaders = createLoaders(app, em, principal?.programId ?? null);
  // Read with the token's check a moment ago, in the same request.
  if (principal?.kind === 'partner') loaders.partner.prime(principal.partnerId, principal.partner);
  return { app, principal, em, loaders };
}
