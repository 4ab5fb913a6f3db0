import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App } from '../app.js';
import { isReaderKey } from '../auth/access.js';
import type { Principal } from '../auth/auth.service.js';
import { createRequestContext, type RequestContext } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { createSchema } from '../graphql/schema.js';

export const GRAPHQL_PATH = '/graphql';
/** WebSocket close codes for a refused `connection_init` (graphql-ws uses 4403 for Forbidden). */
export const WS_UNAUTHENTICATED = 4401;
export const WS_FORBIDDEN = 4403;

export interface HttpServer {
  server: Server;
  url: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** GraphQL over HTTP and WebSocket on one path, the web client at `/`. */
export async function startHttpServer(app: App, webDir: string | null): Promise<HttpServer> {
  const schema = await createSchema(app.pubSub);
  const http = express();
  const server = createServer(http);
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH });
  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal | null }>(
    {
      schema,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        try {
          const principal = await app.auth.authenticate(ctx.connectionParams?.authorization);
          if (!principal) {
            socket.close(WS_UNAUTHENTICATED, 'UNAUTHENTICATED: send connectionParams.authorization = "Bearer <token>"');
            return false;
          }
          if (principal.kind === 'apiKey' && !isReaderKey(principal)) {
            socket.close(WS_FORBIDDEN, 'FORBIDDEN: subscriptions need a partner token or an API key with analytics:read');
            return false;
          }
          ctx.extra.principal = principal;
          return true;
        } catch (error) {
          socket.close(WS_UNAUTHENTICATED, `UNAUTHENTICATED: ${(error as Error).message}`);
          return false;
        }
      },
      context: (ctx): RequestContext => {
        const principal = ctx.extra.principal ?? null;
        const em = app.orm.em.fork();
        return { app, principal, em, loaders: createLoaders(app, em, principal?.programId ?? null) };
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    schema,
    includeStacktraceInErrorResponses: false,
    // The CLI stops everything in order on SIGINT/SIGTERM; Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
  });
  await apollo.start();
  http.use(
    GRAPHQL_PATH,
    express.json({ limit: '20mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          return await createRequestContext(app, req.headers.authorization);
        } catch (error) {
          if (error instanceof GraphQLError) throw error;
          throw new GraphQLError('could not authenticate the request', { originalError: error as Error });
        }
      },
    }),
  );
  http.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  if (webDir && existsSync(join(webDir, 'index.html'))) http.use(express.static(webDir));

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
