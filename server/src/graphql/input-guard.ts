import { Kind, visit, type DocumentNode, type GraphQLError, type ValueNode } from 'graphql';
import { errors } from './errors.js';

/**
 * PostgreSQL cannot store a NUL character in text or jsonb, and no name, code or id needs one:
 * a string holding one anywhere in an operation's inputs is refused before any resolver runs,
 * naming where it was.
 */
const NUL = '\u0000';

/** The first NUL in the document's literal arguments or in the variables, as BAD_USER_INPUT. */
export function findNulCharacter(document: DocumentNode, variables: Record<string, unknown> | undefined): GraphQLError | null {
  const path = nulInLiterals(document) ?? nulInVariables(document, variables ?? {});
  return path ? errors.badInput([{ path, message: 'must not contain a NUL character (\\u0000)' }]) : null;
}

/**
 * What a document alone decides, by document: admission keeps each parsed document for the
 * clients that send its text again, so its literals are searched once, not on every request.
 */
const literalNuls = new WeakMap<DocumentNode, string | null>();
const argumentsOfVariables = new WeakMap<DocumentNode, Map<string, string>>();

function nulInLiterals(document: DocumentNode): string | null {
  const known = literalNuls.get(document);
  if (known !== undefined) return known;
  let found: string | null = null;
  visit(document, {
    Argument(node) {
      found ??= nulInValue(node.value, node.name.value);
      return false;
    },
  });
  literalNuls.set(document, found);
  return found;
}

function nulInValue(node: ValueNode, path: string): string | null {
  if (node.kind === Kind.STRING) return node.value.includes(NUL) ? path : null;
  if (node.kind === Kind.LIST) return firstOf(node.values, (item, index) => nulInValue(item, `${path}[${index}]`));
  if (node.kind === Kind.OBJECT) {
    return firstOf(node.fields, (field) => (field.name.value.includes(NUL) ? path : nulInValue(field.value, `${path}.${field.name.value}`)));
  }
  return null;
}

/** A variable is named by the argument it is passed to, when it is passed to one directly. */
function nulInVariables(document: DocumentNode, variables: Record<string, unknown>): string | null {
  const argumentOf = argumentsOf(document);
  return firstOf(Object.entries(variables), ([name, value]) => nulInJson(value, argumentOf.get(name) ?? `$${name}`));
}

/** Each variable's first argument, by variable name. */
function argumentsOf(document: DocumentNode): Map<string, string> {
  const known = argumentsOfVariables.get(document);
  if (known) return known;
  const argumentOf = new Map<string, string>();
  visit(document, {
    Argument(node) {
      if (node.value.kind === Kind.VARIABLE && !argumentOf.has(node.value.name.value)) argumentOf.set(node.value.name.value, node.name.value);
    },
  });
  argumentsOfVariables.set(document, argumentOf);
  return argumentOf;
}

function nulInJson(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (Array.isArray(value)) return firstOf(value, (item, index) => nulInJson(item, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return firstOf(Object.entries(value), ([key, item]) => (key.includes(NUL) ? path : nulInJson(item, `${path}.${key}`)));
  }
  return null;
}

function firstOf<T>(items: readonly T[], find: (item: T, index: number) => string | null): string | null {
  for (let index = 0; index < items.length; index += 1) {
    const found = find(items[index], index);
    if (found) return found;
  }
  return null;
}
