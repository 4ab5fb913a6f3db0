import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import cors from 'cors';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import helmet from 'helmet';
import type { CofactorConfig } from '../config.js';
import type { OperationRequest } from '../graphql/admission.js';
import { formatClientError, type ErrorPolicyOptions } from '../graphql/error-policy.js';
import { errors } from '../graphql/errors.js';

/** A middleware that only sets headers (helmet, cors): it works on Node's own request and response too. */
export type HeaderMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Security headers for everything served. The policy allows nothing from another origin:
 * the web client's scripts, styles, fonts and images come from this server only.
 */
export function securityHeaders(): HeaderMiddleware {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'font-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        // The server speaks plain HTTP unless a proxy in front adds TLS; upgrading would break the page.
        'upgrade-insecure-requests': null,
      },
    },
  });
}

/**
 * The built web client. Files under assets/ are named by their content's hash: browsers keep
 * them for a year without asking again. Everything else (index.html, which names the current
 * assets) is revalidated on every visit, so a new build reaches browsers at once.
 */
export function webClient(dir: string): RequestHandler {
  const assets = join(dir, 'assets') + sep;
  return express.static(dir, {
    index: 'index.html',
    setHeaders: (res, path) => {
      res.setHeader('Cache-Control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/** CORS is off (no header, browsers refuse cross-origin reads) unless origins are listed. */
export function corsPolicy(config: CofactorConfig): HeaderMiddleware | null {
  if (config.corsOrigins.length === 0) return null;
  return cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 });
}

/**
 * Failures before GraphQL sees the request (body too large, malformed JSON, …) answered as a
 * GraphQL JSON error, never Express's HTML page.
 */
export function requestErrorHandler(config: CofactorConfig, policy: ErrorPolicyOptions): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    answerFailure(res, error, config, policy);
  };
}

/** A failure before GraphQL ran: the client's own (its status and message) or masked as internal (500). */
export function answerFailure(res: ServerResponse, error: unknown, config: CofactorConfig, policy: ErrorPolicyOptions): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const refusal = refusalOf(error, config);
  const status = refusal ? (refusal.extensions.http as { status: number }).status : 500;
  const formatted = formatClientError(refusal ? refusal.toJSON() : { message: String(error) }, error, policy);
  const body = JSON.stringify({ errors: [formatted] });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** body-parser marks its errors with a `type`; only those, and the refusals we made, are the client's doing. */
function refusalOf(error: unknown, config: CofactorConfig): GraphQLError | null {
  // Our own refusals (graphql-post.ts) carry their status.
  if (error instanceof GraphQLError && (error.extensions.http as { status?: unknown } | undefined)?.status !== undefined) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return errors.payloadTooLarge(config.bodyLimitBytes);
  if (type === 'entity.parse.failed') return errors.badRequest('the request body is not valid JSON');
  // Other http-errors a middleware marked as safe to show (an unsupported charset, a body shorter than announced, …).
  const { status, expose, message } = (error ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
  if (expose === true && typeof status === 'number' && status >= 400 && status < 500 && typeof message === 'string') {
    return new GraphQLError(message, { extensions: { code: status === 404 ? 'NOT_FOUND' : status === 403 ? 'FORBIDDEN' : 'BAD_REQUEST', http: { status } } });
  }
  return null;
}

/** Paths nobody serves get a JSON 404 too, not Express's HTML page. */
export function unknownPath(): RequestHandler {
  return (_req, res) => {
    res.status(404).json({ errors: [{ message: 'nothing is served at this path; GraphQL is at /graphql', extensions: { code: 'NOT_FOUND' } }] });
  };
}

/**
 * The operation in a GraphQL-over-HTTP request, read the way Apollo reads it; null when Apollo
 * refuses the request's shape itself (and so runs nothing).
 */
export function operationOf(method: string, url: string, body: unknown): OperationRequest | null {
  const params = method === 'GET' ? searchParamsOf(url) : body;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  const { query, variables, operationName } = params as Record<string, unknown>;
  if (typeof query !== 'string' || (operationName != null && typeof operationName !== 'string')) return null;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return { query, variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: operationName ?? undefined };
}

/** A GET's parameters; a repeated one or JSON that does not parse makes Apollo refuse the request. */
function searchParamsOf(url: string): Record<string, unknown> | null {
  const search = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const params: Record<string, unknown> = {};
  for (const name of ['query', 'operationName', 'variables']) {
    const values = search.getAll(name);
    if (values.length > 1) return null;
    if (values.length === 1) params[name] = values[0];
  }
  if (typeof params.variables === 'string') {
    try {
      params.variables = JSON.parse(params.variables);
    } catch {
      return null;
    }
  }
  return params;
}
