/**
 * Walking the built schema to reach every field a credential can reach, in queries of bounded
 * depth, and reading the answers back: which objects came back, and which leaf values; and
 * calling any field with arguments generated from their types.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export interface WalkOptions {
  /** Fields not to select (e.g. those hidden from the caller). */
  skip(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>): boolean;
  /** The argument text of a nested field, e.g. `(first: 3)`; '' for none. */
  args(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>): string;
  /** The deepest level a field may sit at (the root field is level 1). */
  maxDepth: number;
}

/** `Type.field` names. */
export const fieldName = (parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>) => `${parent.name}.${field.name}`;

/**
 * A selection of every field of `type` whose fields sit at `level`: leaves by name, object
 * fields expanded until `maxDepth`, and a type already on the path only by `__typename`, so
 * cycles (Reward.corrects) end. Adds every selected field to `covered`.
 */
export function selectionOf(type: GraphQLObjectType, level: number, options: WalkOptions, covered: Set<string>, path: string[] = []): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (options.skip(type, field)) continue;
    const named = getNamedType(field.type);
    const selected = `${field.name}${options.args(type, field)}`;
    if (isLeafType(named)) parts.push(selected);
    else if (isObjectType(named) && level < options.maxDepth) {
      const expand = level + 1 < options.maxDepth && !path.includes(named.name);
      parts.push(`${selected} ${expand ? selectionOf(named, level + 1, options, covered, [...path, type.name]) : '{ __typename }'}`);
    } else continue;
    covered.add(fieldName(type, field));
  }
  return `{ ${parts.join(' ')} }`;
}

/**
 * Every `Type.field` reachable from `roots` through fields not skipped, with the shortest path
 * (root first) that reaches each object type.
 */
export function reachable(schema: GraphQLSchema, roots: GraphQLField<unknown, unknown>[], skip: WalkOptions['skip']) {
  const fields = new Set<string>();
  const pathTo = new Map<string, GraphQLField<unknown, unknown>[]>();
  const queue: [GraphQLObjectType, GraphQLField<unknown, unknown>[]][] = [];
  const visit = (type: GraphQLObjectType, path: GraphQLField<unknown, unknown>[]) => {
    if (pathTo.has(type.name)) return;
    pathTo.set(type.name, path);
    queue.push([type, path]);
  };
  const query = schema.getQueryType()!;
  for (const root of roots) {
    fields.add(fieldName(query, root));
    const named = getNamedType(root.type);
    if (isObjectType(named)) visit(named, [root]);
  }
  while (queue.length) {
    const [type, path] = queue.shift()!;
    for (const field of Object.values(type.getFields())) {
      fields.add(fieldName(type, field));
      const named = getNamedType(field.type);
      if (!skip(type, field) && isObjectType(named)) visit(named, [...path, field]);
    }
  }
  return { fields, pathTo };
}

export interface Found {
  typename: string;
  object: Record<string, unknown>;
  path: (string | number)[];
}

/** Every object in an answer that carries `__typename`, with where it is. */
export function objectsIn(value: unknown, path: (string | number)[] = [], found: Found[] = []): Found[] {
  if (Array.isArray(value)) value.forEach((item, index) => objectsIn(item, [...path, index], found));
  else if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.__typename === 'string') found.push({ typename: object.__typename, object, path });
    for (const [key, child] of Object.entries(object)) objectsIn(child, [...path, key], found);
  }
  return found;
}

/** Every leaf value of an answer with its path. */
export function leavesIn(value: unknown, path: (string | number)[] = [], found: { path: (string | number)[]; value: unknown }[] = []) {
  if (Array.isArray(value)) value.forEach((item, index) => leavesIn(item, [...path, index], found));
  else if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) leavesIn(child, [...path, key], found);
  else found.push({ path, value });
  return found;
}

/** How a generated call fills in its arguments. */
export interface ArgumentValues {
  /** Every ID argument and input field gets this id. */
  id: string;
  /** Values by argument or input field name, e.g. `{ currency: 'RUB' }`, for leaves. */
  byName?: Record<string, unknown>;
  /** Optional arguments and input fields to fill in as well as the required ones. */
  include?(name: string, type: GraphQLInputType): boolean;
}

const required = (item: GraphQLArgument | GraphQLInputField) => isNonNullType(item.type) && item.defaultValue === undefined;

/** A value of an input type: `values.id` in every ID, input objects with their required fields and those `include` picks. */
export function valueOf(type: GraphQLInputType, name: string, values: ArgumentValues): unknown {
  if (isNonNullType(type)) return valueOf(type.ofType, name, values);
  if (isListType(type)) return [valueOf(type.ofType, name, values)];
  if (values.byName && name in values.byName && !isInputObjectType(type)) return values.byName[name];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => required(field) || values.include?.(field.name, field.type));
    return Object.fromEntries(fields.map((field) => [field.name, valueOf(field.type, field.name, values)]));
  }
  const byScalar: Record<string, unknown> = { ID: values.id, String: 'x', Int: 1, Float: 1, Boolean: false, BigInt: '1', DateTime: '2026-06-01T00:00:00Z', JSON: {}, JSONObject: {} };
  if (isScalarType(type) && type.name in byScalar) return byScalar[type.name];
  throw new Error(`no value for ${String(type)}: add one`);
}

/** `op($x: T) { field(x: $x) selection }` with the required arguments and those `include` picks, as variables. */
export function callOf(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, selection: string, values: ArgumentValues) {
  const args = field.args.filter((arg) => required(arg) || values.include?.(arg.name, arg.type));
  const variables = Object.fromEntries(args.map((arg) => [arg.name, valueOf(arg.type, arg.name, values)]));
  const declared = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  return { query: `${operation}${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''} ${selection} }`, variables };
}
