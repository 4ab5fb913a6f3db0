import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../auth/auth.service.js';
import type { CofactorConfig, QueryLimits } from '../config.js';
import { MAX_COST_NODES, measureCost } from './cost.js';
import { errors } from './errors.js';

/**
 * Query limits, measured before a document runs. The libraries measure (graphql-js counts
 * tokens while parsing, graphql-armor measures depth, aliases and directives,
 * cost.ts walks the fields for the cost); this module only compares.
 */

/** How a refusal words each measure: "the query is 30 levels deep; the limit is 12". */
const MEASURED: Record<Exclude<keyof QueryLimits, 'tokens'>, (measured: number) => string> = {
  depth: (measured) => `is ${measured} levels deep`,
  aliases: (measured) => `has ${measured} aliases`,
  directives: (measured) => `has ${measured} directives`,
  rootFields: (measured) => `asks for ${measured} root fields`,
  cost: (measured) => `costs ${measured}`,
};

function tooComplex(limit: keyof typeof MEASURED, measured: number, max: number): GraphQLError {
  return errors.queryTooComplex(limit, measured, max, `the query ${MEASURED[limit](measured)}; the limit is ${max}`);
}

/** Callers without a key or token get the tighter set. */
export function limitsFor(config: CofactorConfig, principal: Principal | null): QueryLimits {
  return principal ? config.queryLimits.authenticated : config.queryLimits.anonymous;
}

/** Parses, giving up as soon as the document has more tokens than the limit. */
export function parseWithinLimits(source: string, limits: QueryLimits): DocumentNode {
  try {
    return parse(source, { maxTokens: limits.tokens });
  } catch (error) {
    // graphql-js 16 words it "Document contains more that N tokens. Parsing aborted."
    if (error instanceof GraphQLError && /contains more th\w+ \d+ tokens/.test(error.message)) {
      throw errors.queryTooComplex('tokens', limits.tokens + 1, limits.tokens, `the query has more than ${limits.tokens} tokens, the limit; parsing stopped there`);
    }
    throw error;
  }
}

/** Throws QUERY_TOO_COMPLEX when depth, aliases or directives exceed the limits; needs only a parsed document. */
export function checkShapeLimits(schema: GraphQLSchema, document: DocumentNode, limits: QueryLimits): void {
  const shape = measureShape(schema, document);
  for (const limit of ['depth', 'aliases', 'directives'] as const) {
    if (shape[limit] > limits[limit]) throw tooComplex(limit, shape[limit], limits[limit]);
  }
}

/** Throws QUERY_TOO_COMPLEX when the operation's root fields or cost exceed the limits; needs a valid document. */
export function checkCostLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: QueryLimits,
  variables: Record<string, unknown> | undefined,
): void {
  const measured = measureCost(schema, document, operation, variables ?? {});
  // A variable the cost depends on does not coerce: execution refuses it with the same error and runs nothing.
  if (!measured) return;
  if ('tooManyNodes' in measured) {
    throw errors.queryTooComplex('cost', limits.cost + 1, limits.cost, `the query expands to more than ${MAX_COST_NODES} fields; its cost is over the limit of ${limits.cost}`);
  }
  if (measured.rootFields > limits.rootFields) throw tooComplex('rootFields', measured.rootFields, limits.rootFields);
  if (measured.cost > limits.cost) throw tooComplex('cost', measured.cost, limits.cost);
}

/** Depth, aliases and directives of the largest operation, as graphql-armor counts them. */
function measureShape(schema: GraphQLSchema, document: DocumentNode): { depth: number; aliases: number; directives: number } {
  const measured = { depth: 0, aliases: 0, directives: 0 };
  const record = (name: keyof typeof measured) => ({
    // A limit armor never reaches: it reports every measurement to onAccept, and we compare.
    n: Number.MAX_SAFE_INTEGER,
    propagateOnRejection: false,
    onAccept: [(_context: unknown, details: { n: number }) => (measured[name] = Math.max(measured[name], details.n))],
  });
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    maxDepth: record('depth'),
    maxAliases: record('aliases'),
    maxDirectives: record('directives'),
  }).protect();
  validate(schema, document, validationRules);
  return measured;
}
