import { GraphQLError } from 'graphql';

/** A problem with one field of the input; `path` names it, e.g. `input.schemes[0].args.percent`. */
export interface InputIssue {
  path: string;
  message: string;
}

/** The one error helper: every error the API raises on purpose goes through here. */
export const errors = {
  badInput(issues: InputIssue[], message?: string): GraphQLError {
    const first = issues[0];
    return new GraphQLError(message ?? (first ? `${first.path}: ${first.message}` : 'invalid input'), {
      extensions: { code: 'BAD_USER_INPUT', field: first?.path, issues },
    });
  },
  unauthenticated(message = 'authentication required: send an API key or a partner token as "Authorization: Bearer <token>"'): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  },
  forbidden(message: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  },
  notFound(what: string, id: string): GraphQLError {
    return new GraphQLError(`${what} ${id} not found`, { extensions: { code: 'NOT_FOUND' } });
  },
  /** `issues`, when the conflict is in items of the input: each with its path, as for badInput. */
  conflict(message: string, path?: string, issues?: InputIssue[]): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'CONFLICT', field: path ?? issues?.[0]?.path, ...(issues ? { issues } : {}) } });
  },
  /** Too many failed authentications from one address: try again in `retryAfter` seconds. */
  rateLimited(retryAfter: number): GraphQLError {
    return new GraphQLError(`too many failed authentications from this address; retry in ${retryAfter} s`, {
      extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: new Map([['retry-after', String(retryAfter)]]) } },
    });
  },
  /** A query refused before it runs: `limit` names which one (depth, aliases, …). */
  queryTooComplex(limit: string, measured: number, max: number, message?: string): GraphQLError {
    return new GraphQLError(message ?? `query ${limit} is ${measured}, more than the limit of ${max}`, {
      extensions: { code: 'QUERY_TOO_COMPLEX', limit, measured, max, http: { status: 400 } },
    });
  },
  payloadTooLarge(maxBytes: number): GraphQLError {
    return new GraphQLError(`the request body is larger than the limit of ${maxBytes} bytes`, {
      extensions: { code: 'PAYLOAD_TOO_LARGE', max: maxBytes, http: { status: 413 } },
    });
  },
  badRequest(message: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
  },
  /** What a client sees of an error we did not mean: an id to quote, the details are in the server log. */
  internal(errorId: string): GraphQLError {
    return new GraphQLError(`internal error (id ${errorId})`, { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
  },
};
