import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App } from '../app.js';
import type { Principal } from '../auth/auth.service.js';
import { LiveConnections } from '../auth/live-connections.js';
import { admitOperation, validationRules } from '../graphql/admission.js';
import { subscribeShared } from '../graphql/shared-subscribe.js';
import { createRequestContext, RequestContext } from '../graphql/context.js';
import { asRequestError, formatClientError } from '../graphql/error-policy.js';
import { limitsFor } from '../graphql/limits.js';
import { createSchema } from '../graphql/schema.js';
import { answerFailure, corsPolicy, operationOf, requestErrorHandler, securityHeaders, unknownPath, webClient } from './edge.js';
import { graphqlPostHandler } from './graphql-post.js';

export const GRAPHQL_PATH = '/graphql';

export interface HttpServer {
  server: Server;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** GraphQL over HTTP and WebSocket on one path, the web client at `/`. */
export async function startHttpServer(app: App, webDir: string | null): Promise<HttpServer> {
  const schema = await createSchema(app.pubSub);
  const policy = { hideSuggestions: !app.config.introspection };
  const rules = validationRules(app.config.introspection);
  const http = express();
  let graphqlPost: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  // Set once Apollo has started, before the server listens.
  const server = createServer((req, res) => {
    if (!graphqlPost?.(req, res)) http(req, res);
  });
  // A WebSocket message larger than the body limit closes the connection (1009).
  const wsServer = new WebSocketServer({ noServer: true, path: GRAPHQL_PATH, maxPayload: app.config.bodyLimitBytes });
  // Upgrades are handed over by hand (`noServer`): attached to the HTTP server, ws would re-emit
  // its errors, and graphql-ws print a taken port as an internal error with a stack trace.
  server.on('upgrade', (request, socket, head) => wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit('connection', ws, request)));
  const connections = new LiveConnections(app.auth, app.boardLinks, app.config.credentialRecheckSeconds, wsServer);
  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal | null; boardLink?: string }>(
    {
      schema,
      // A live board pushed to many subscribers is executed once per document, not per subscriber.
      subscribe: subscribeShared,
      // Authenticates connection_init, then closes the connection when its credential expires or is withdrawn.
      onConnect: (ctx) => connections.admit(ctx),
      // The same admission as over HTTP; graphql-ws then runs the document as given.
      onSubscribe: (ctx, _id, payload) => {
        try {
          const admission = admitOperation(schema, { query: payload.query, variables: payload.variables ?? undefined, operationName: payload.operationName ?? undefined }, limitsFor(app.config, ctx.extra.principal ?? null), rules);
          if (admission.invalid) return admission.invalid;
          return { schema, document: admission.document, variableValues: payload.variables, operationName: payload.operationName };
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('admission failed', { originalError: error as Error })];
        }
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        const started = result.data !== undefined;
        return { ...result, errors: result.errors.map((error) => (started ? error : asRequestError(error))).map((error) => formatClientError(error.toJSON(), error, policy)) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatClientError(error.toJSON(), error, policy)),
      context: (ctx): RequestContext => new RequestContext(app, ctx.extra.principal ?? null, ctx.extra.boardLink),
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    introspection: app.config.introspection,
    // A cached document would skip the admission of whoever sends its hash next.
    persistedQueries: false,
    formatError: (formatted, error) => formatClientError(formatted, error, policy),
    // The CLI stops everything in order on SIGINT/SIGTERM; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      // Apollo's Sandbox page loads its code from an external CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Responses are never cached by HTTP caches (they depend on the credential); left on, the
      // cache-control plugin wraps every field's resolver: 3 ms of a read of 80 groups.
      ApolloServerPluginCacheControlDisabled(),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();
  const httpContext = async (req: IncomingMessage, body: unknown): Promise<RequestContext> => {
    try {
      const context = await createRequestContext(app, req.headers.authorization, req);
      // Measured before Apollo parses: a refusal is thrown; what does not parse or validate Apollo reports itself.
      const operation = operationOf(req.method ?? '', req.url ?? '', body);
      if (operation) admitOperation(schema, operation, limitsFor(app.config, context.principal), rules);
      return context;
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      throw new GraphQLError('could not authenticate the request', { originalError: error as Error });
    }
  };
  const headers = securityHeaders();
  const cors = corsPolicy(app.config);
  graphqlPost = graphqlPostHandler(apollo, {
    path: GRAPHQL_PATH,
    bodyLimitBytes: app.config.bodyLimitBytes,
    headers: cors ? [headers, cors] : [headers],
    context: httpContext,
    fail: (res, error) => answerFailure(res, error, app.config, policy),
  });
  http.disable('x-powered-by');
  http.use(headers);
  if (cors) http.use(GRAPHQL_PATH, cors);
  http.use(GRAPHQL_PATH, express.json({ limit: app.config.bodyLimitBytes }), expressMiddleware(apollo, { context: ({ req }) => httpContext(req, req.body) }));
  http.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (webDir && existsSync(join(webDir, 'index.html'))) http.use(webClient(webDir));
  http.use(unknownPath());
  http.use(requestErrorHandler(app.config, policy));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(app.config.port, app.config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = app.config.host.includes(':') ? `[${app.config.host}]` : app.config.host;
  return {
    server,
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    wsUrl: `ws://${host}:${port}${GRAPHQL_PATH}`,
    async stop() {
      await apollo.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
