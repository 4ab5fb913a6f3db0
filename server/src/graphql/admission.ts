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

/** How many admitted documents a process remembers, and the longest query text it remembers. */
export const ADMITTED_DOCUMENTS = 500;
export const ADMITTED_QUERY_LENGTH = 10_000;

/** What a document's text alone decides: parsed and valid, invalid, or refused for its shape. */
type Checked = { document: DocumentNode; invalid?: undefined; refused?: undefined } | { invalid: readonly GraphQLError[]; refused?: undefined } | { refused: GraphQLError };

/**
 * The checks of a query's text, by the limits and rules applied: clients send the same few
 * documents again and again, and parsing and validating one costs more than most resolvers.
 * The least recently used goes first; long texts are not kept.
 */
const checkedTexts = new WeakMap<QueryLimits, WeakMap<readonly ValidationRule[], Map<string, Checked>>>();

/**
 * What every operation passes before anything runs, in this order: the token limit while
 * parsing, depth/aliases/directives, the schema's validation, root fields and cost, and no
 * NUL character in its inputs. A refusal (QUERY_TOO_COMPLEX, BAD_USER_INPUT) is thrown.
 */
export function admitOperation(schema: GraphQLSchema, request: OperationRequest, limits: QueryLimits, rules: readonly ValidationRule[]): Admission {
  const checked = checkText(schema, request.query, limits, rules);
  if (checked.refused) throw checked.refused;
  if (checked.invalid) return { invalid: checked.invalid };
  const { document } = checked;
  const operation = getOperationAST(document, request.operationName);
  // No operation to run (unknown or ambiguous name): the pipeline says so and nothing runs.
  if (!operation) return { document };
  checkCostLimits(schema, document, operation, limits, request.variables);
  const nul = findNulCharacter(document, request.variables);
  if (nul) throw nul;
  return { document };
}

function checkText(schema: GraphQLSchema, query: string, limits: QueryLimits, rules: readonly ValidationRule[]): Checked {
  if (query.length > ADMITTED_QUERY_LENGTH) return checkTextOnce(schema, query, limits, rules);
  const byRules = checkedTexts.get(limits) ?? new WeakMap<readonly ValidationRule[], Map<string, Checked>>();
  checkedTexts.set(limits, byRules);
  const texts = byRules.get(rules) ?? new Map<string, Checked>();
  byRules.set(rules, texts);
  const checked = texts.get(query) ?? checkTextOnce(schema, query, limits, rules);
  texts.delete(query);
  texts.set(query, checked);
  if (texts.size > ADMITTED_DOCUMENTS) texts.delete(texts.keys().next().value!);
  return checked;
}

function checkTextOnce(schema: GraphQLSchema, query: string, limits: QueryLimits, rules: readonly ValidationRule[]): Checked {
  let document: DocumentNode;
  try {
    document = parseWithinLimits(query, limits);
    checkShapeLimits(schema, document, limits);
  } catch (error) {
    if ((error as GraphQLError).extensions?.code) return { refused: error as GraphQLError };
    return { invalid: [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')] };
  }
  const invalid = validate(schema, document, rules);
  return invalid.length ? { invalid: invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')) } : { document };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, originalError: error.originalError, extensions: { ...error.extensions, code } });
}
