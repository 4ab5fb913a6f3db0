import { randomBytes } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { errors } from './errors.js';

/**
 * The one error policy at the edge (envelop's useMaskedErrors idea), for HTTP, WebSocket and
 * requests refused before GraphQL: errors a client caused and can act on pass through with
 * their code; anything else becomes INTERNAL_SERVER_ERROR with an id, and the original, with
 * its stack, goes to the server log under that id. A client never sees PostgreSQL's text, a
 * stack or a server path.
 */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  // Apollo's words for a request naming no runnable operation and for a persisted-query request.
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface ErrorPolicyOptions {
  /** Drop graphql-js's "Did you mean …?" hints, which reveal the schema (off with introspection). */
  hideSuggestions: boolean;
}

export function formatClientError(formatted: GraphQLFormattedError, error: unknown, options: ErrorPolicyOptions): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) {
    const { http: _http, stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    const message = options.hideSuggestions ? formatted.message.replace(/ ?Did you mean .*\?$/, '') : formatted.message;
    return { ...formatted, message, extensions };
  }
  const errorId = randomBytes(8).toString('hex');
  logInternalError(errorId, error);
  const masked = errors.internal(errorId).toJSON();
  return { ...masked, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
}

/**
 * An error of a subscription that never started and names no field (no `path`): a variable the
 * schema refuses, or no operation to run. Over HTTP Apollo calls those BAD_USER_INPUT; graphql-ws
 * leaves them without a code, which the policy would mask as internal.
 */
export function asRequestError(error: GraphQLError): GraphQLError {
  if (error.path || error.extensions?.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { code: 'BAD_USER_INPUT' } });
}

/** One line on stderr, so a log collector keeps it whole. */
export function logInternalError(errorId: string, error: unknown): void {
  const original = originalOf(error);
  const cause = original instanceof Error && original.cause instanceof Error ? ` caused by ${original.cause.stack ?? original.cause.message}` : '';
  const detail = original instanceof Error ? (original.stack ?? `${original.name}: ${original.message}`) : String(original);
  process.stderr.write(`cofactor: internal error ${errorId}: ${JSON.stringify(detail + cause)}\n`);
}

function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}
