import {
  GraphQLBoolean,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getVariableValues,
  isAbstractType,
  isCompositeType,
  visit,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from './connection.js';

/**
 * The cost of an operation, measured on its document before it runs: every field costs 1 (or
 * the cost its definition declares); the
 * fields under a field with a list argument cost that many times more (`first` absent on a
 * connection means the default page size). Where a selection set is on an interface or union,
 * the costliest of its object types counts.
 *
 * Only the variables that reach a list argument or `@skip`/`@include` are coerced here: a batch
 * of events in a variable cannot change the cost, and coercing it would double the work
 * execution does on it anyway.
 */

/** Arguments that say how many items a field returns, so how often the fields under it run. */
const LIST_ARGUMENTS = ['first', 'depth', 'levels'] as const;

/** Selections visited (fragments expanded) before the walk gives up: a fragment bomb's guard. */
export const MAX_COST_NODES = 10_000;

export type Cost = { cost: number; rootFields: number } | { tooManyNodes: true };

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  nodes: number;
}

class TooManyNodes extends Error {}

/**
 * The costs of operations that no variable changes, by schema and operation node. Admission
 * keeps each parsed document for the clients that send its text again, so such an operation's
 * fields are walked once, not on every request.
 */
const fixedCosts = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, Cost>>();

/** Null when a variable the cost depends on does not coerce: execution then refuses it and runs nothing. */
export function measureCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, raw: Record<string, unknown>): Cost | null {
  const used = costVariables(operation, document);
  const definitions = (operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value));
  if (definitions.length > 0) {
    const coerced = getVariableValues(schema, definitions, raw);
    return coerced.errors ? null : walkCost(schema, document, operation, coerced.coerced);
  }
  const known = fixedCosts.get(schema) ?? new WeakMap<OperationDefinitionNode, Cost>();
  fixedCosts.set(schema, known);
  const cost = known.get(operation) ?? walkCost(schema, document, operation, {});
  known.set(operation, cost);
  return cost;
}

function walkCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): Cost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const root = schema.getRootType(operation.operation)!;
  const walk: Walk = { schema, fragments, variables, nodes: 0 };
  try {
    const fields = [...fieldsOn(walk, operation.selectionSet, root)];
    return { cost: fields.reduce((sum, [node, def]) => sum + fieldCost(walk, node, def), 0), rootFields: fields.length };
  } catch (error) {
    if (error instanceof TooManyNodes) return { tooManyNodes: true };
    throw error;
  }
}

/** What `costVariables` found, by operation node: it depends on the document alone. */
const costVariablesOf = new WeakMap<OperationDefinitionNode, Set<string>>();

/** Names of the variables used as a list argument or as a `@skip`/`@include` condition, anywhere in the document. */
function costVariables(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const known = costVariablesOf.get(operation);
  if (known) return known;
  const used = new Set<string>();
  costVariablesOf.set(operation, used);
  if (!operation.variableDefinitions?.length) return used;
  visit(document, {
    Argument(node) {
      if (node.value.kind === Kind.VARIABLE && ((LIST_ARGUMENTS as readonly string[]).includes(node.name.value) || node.name.value === 'if')) {
        used.add(node.value.name.value);
      }
    },
  });
  return used;
}

function selectionCost(walk: Walk, selectionSet: SelectionSetNode, type: GraphQLCompositeType): number {
  const concrete = isAbstractType(type) ? walk.schema.getPossibleTypes(type) : [type];
  let most = 0;
  for (const object of concrete) {
    let cost = 0;
    for (const [node, def] of fieldsOn(walk, selectionSet, object)) cost += fieldCost(walk, node, def);
    most = Math.max(most, cost);
  }
  return most;
}

/**
 * What a field costs by itself: 1, or the `cost` its definition declares (`@Extensions({ cost })`)
 * when it does more work than reading a row, such as an analytics query over rollups.
 */
function ownCost(def: GraphQLField<unknown, unknown>): number {
  const declared = (def.extensions as { cost?: unknown } | undefined)?.cost;
  return typeof declared === 'number' ? declared : 1;
}

function fieldCost(walk: Walk, node: FieldNode, def: GraphQLField<unknown, unknown>): number {
  const named = getNamedType(def.type);
  const children = node.selectionSet && isCompositeType(named) ? selectionCost(walk, node.selectionSet, named) : 0;
  return ownCost(def) + listSize(walk, node, def) * children;
}

function listSize(walk: Walk, node: FieldNode, def: GraphQLField<unknown, unknown>): number {
  let times = 1;
  for (const name of LIST_ARGUMENTS) {
    const arg = def.args.find((candidate) => candidate.name === name);
    if (!arg) continue;
    const given = node.arguments?.find((argument) => argument.name.value === name);
    const value = given ? valueFromAST(given.value, arg.type, walk.variables) : arg.defaultValue;
    times *= typeof value === 'number' ? Math.max(value, 1) : name === 'first' ? DEFAULT_PAGE_SIZE : 1;
  }
  return times;
}

/** The fields a selection set selects on one object type: fragments that apply expanded, skipped ones left out. */
function* fieldsOn(walk: Walk, selectionSet: SelectionSetNode, object: GraphQLObjectType): Generator<[FieldNode, GraphQLField<unknown, unknown>]> {
  for (const selection of selectionSet.selections) {
    walk.nodes += 1;
    if (walk.nodes >= MAX_COST_NODES) throw new TooManyNodes();
    if (!included(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const def = fieldDefinition(object, selection.name.value);
      if (def) yield [selection, def];
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : walk.fragments.get(selection.name.value);
    if (!fragment) continue;
    const condition = fragment.typeCondition && walk.schema.getType(fragment.typeCondition.name.value);
    if (condition && condition !== object && !(isAbstractType(condition) && walk.schema.isSubType(condition, object))) continue;
    yield* fieldsOn(walk, fragment.selectionSet, object);
  }
}

function fieldDefinition(object: GraphQLObjectType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return object.getFields()[name];
}

/** False when `@skip(if: true)` or `@include(if: false)` drops the selection. */
function included(walk: Walk, selection: SelectionNode): boolean {
  for (const directive of selection.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((candidate) => candidate.name.value === 'if');
    const value = argument ? valueFromAST(argument.value, GraphQLBoolean, walk.variables) : undefined;
    if (typeof value === 'boolean' && value === (name === 'skip')) return false;
  }
  return true;
}
