import type { IncomingMessage } from 'node:http';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../app.js';
import type { Principal } from '../auth/auth.service.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the caller, an EntityManager of its own, this request's loaders. */
export class RequestContext {
  readonly loaders: Loaders;
  /**
   * The request's EntityManager, forked when a resolver first uses it (most requests never do).
   * An object of its own, so that the copy Apollo makes of the context shares it.
   */
  private readonly forked: { em?: EntityManager } = {};

  constructor(
    readonly app: App,
    readonly principal: Principal | null,
    /** A WebSocket connection opened with a published board link instead of a credential: that link's token. */
    readonly boardLink?: string,
  ) {
    this.loaders = createLoaders(app, () => this.em, principal?.programId ?? null);
  }

  get em(): EntityManager {
    return (this.forked.em ??= this.app.orm.em.fork());
  }
}

export async function createRequestContext(app: App, authorization: unknown, from: IncomingMessage): Promise<RequestContext> {
  const principal = await app.auth.authenticate(authorization, from);
  const context = new RequestContext(app, principal);
  // Read with the token's check a moment ago, in the same request.
  if (principal?.kind === 'partner') context.loaders.partner.prime(principal.partnerId, principal.partner);
  return context;
}
