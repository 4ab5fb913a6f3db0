import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { QueryLimits } from '../config.js';
import { findNulCharacter } from './input-guard.js';
import { checkCostLimits, checkShapeLimits, parseWithinLimits } from './limits.js';

/** One GraphQL operation as a client sent it, over HTTP or WebSocket. */
export interface OperationRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** The document to run, or why it does not parse or validate (graphql-js's own errors). */
export type Admission = { document: DocumentNode; invalid?: undefined } | { document?: undefined; invalid: readonly GraphQLError[] };

export function validationRules(introspection: boolean): readonly ValidationRule[] {
  return introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
}

/**
 * What every operation passes before anything runs, in this order: the token limit while
 * parsing, depth/aliases/directives, the schema's validation, root fields and cost, and no
 * NUL character in its inputs. A refusal (QUERY_TOO_COMPLEX, BAD_USER_INPUT) is thrown.
 */
export function admitOperation(schema: GraphQLSchema, request: OperationRequest, limits: QueryLimits, rules: readonly ValidationRule[]): Admission {
  let document: DocumentNode;
  try {
    document = parseWithinLimits(request.query, limits);
  } catch (error) {
    if ((error as GraphQLError).extensions?.code) throw error;
    return { invalid: [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')] };
  }
  checkShapeLimits(schema, document, limits);
  const invalid = validate(schema, document, rules);
  if (invalid.length) return { invalid: invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')) };
  const operation = getOperationAST(document, request.operationName);
  // No operation to run (unknown or ambiguous name): the pipeline says so and nothing runs.
  if (!operation) return { document };
  checkCostLimits(schema, document, operation, limits, request.variables);
  const nul = findNulCharacter(document, request.variables);
  if (nul) throw nul;
  return { document };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, originalError: error.originalError, extensions: { ...error.extensions, code } });
}
