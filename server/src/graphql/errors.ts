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
  conflict(message: string, path?: string): GraphQLError {
    return new GraphQLError(message, { extensions: { code: 'CONFLICT', field: path } });
  },
};
