/**
 * Arg definitions: the typed configuration of a scheme instance. They double as UI
 * metadata (label, help, ui hint, options) that the API serves, so a cabinet can render a
 * form, and as the validator the server runs before a campaign is saved.
 *
 * Validation is strict: a wrong type, a value out of range, a value outside `options` or an
 * arg the scheme does not declare is an error carrying the arg's path (e.g.
 * `schemes[0].args.tiers[1].percent`).
 */
import { compareDecimals, formatDecimal, parseDecimal, type Decimal } from './money.js';

export interface LocalizedText {
  en: string;
  ru: string;
}

/**
 * - `int`: a JS safe integer.
 * - `money`: minor units (bigint); given as an integer or an integer string.
 * - `percent`: an exact decimal string such as "2.5" (meaning 2.5 %).
 * - `decimal`: an exact decimal string such as "1.5" (a factor, a points rate).
 * - `string`, `boolean`: as in JSON.
 * - `enum`: one of `options`.
 * - `object`: a record of nested `fields`.
 */
export type ArgType = 'int' | 'money' | 'percent' | 'decimal' | 'string' | 'boolean' | 'enum' | 'object';

export interface ArgOption {
  value: string;
  label: LocalizedText;
}

export interface ArgDefinition {
  type: ArgType;
  label: LocalizedText;
  help?: LocalizedText;
  /** Required args have no default; an optional arg without a default is simply absent. */
  required?: boolean;
  /** In the arg's JSON form (money as an integer string). */
  default?: JsonValue;
  list?: boolean;
  /** Bounds (inclusive) for int, money, percent and decimal; for a list, the bounds apply to each item. */
  min?: number | string;
  max?: number | string;
  /** For lists: how many items at least / at most. */
  minItems?: number;
  maxItems?: number;
  options?: readonly ArgOption[];
  fields?: ArgDefinitions;
  /** A hint for form renderers: 'currency-amount', 'percent', 'textarea', 'partner-kind', ... */
  ui?: string;
}

export type ArgDefinitions = Readonly<Record<string, ArgDefinition>>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

type ScalarValue<D extends ArgDefinition> = D['type'] extends 'int'
  ? number
  : D['type'] extends 'money'
    ? bigint
    : D['type'] extends 'boolean'
      ? boolean
      : D['type'] extends 'enum'
        ? D['options'] extends readonly { value: infer V }[]
          ? V
          : string
        : D['type'] extends 'object'
          ? D['fields'] extends ArgDefinitions
            ? ArgValues<D['fields']>
            : Record<string, never>
          : string;

type ArgValue<D extends ArgDefinition> = D['list'] extends true ? ScalarValue<D>[] : ScalarValue<D>;

type PresentKeys<A extends ArgDefinitions> = {
  [K in keyof A]: A[K]['required'] extends true ? K : A[K] extends { default: JsonValue } ? K : never;
}[keyof A];

/** The runtime values a scheme receives for its arg definitions. */
export type ArgValues<A extends ArgDefinitions> = {
  -readonly [K in PresentKeys<A>]: ArgValue<A[K]>;
} & {
  -readonly [K in Exclude<keyof A, PresentKeys<A>>]?: ArgValue<A[K]>;
};

export interface ArgIssue {
  /** The arg's path, e.g. `schemes[0].args.tiers[1].percent`. */
  path: string;
  message: string;
}

export type ArgParseResult<A extends ArgDefinitions> =
  | { ok: true; values: ArgValues<A>; snapshot: JsonObject }
  | { ok: false; issues: ArgIssue[] };

/**
 * Validates raw JSON args against the definitions and returns both the runtime values
 * (bigint money) and the canonical JSON snapshot that is stored as the instance's terms.
 * Parsing a snapshot again yields the same snapshot.
 */
export function parseArgs<A extends ArgDefinitions>(definitions: A, raw: unknown, path = 'args'): ArgParseResult<A> {
  const issues: ArgIssue[] = [];
  const parsed = parseRecord(definitions, raw ?? {}, path, issues);
  if (issues.length > 0 || !parsed) return { ok: false, issues };
  return { ok: true, values: parsed.values as ArgValues<A>, snapshot: parsed.snapshot };
}

interface Parsed {
  values: unknown;
  snapshot: JsonValue;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? 'an object' : String(value);
}

function parseRecord(
  definitions: ArgDefinitions,
  raw: unknown,
  path: string,
  issues: ArgIssue[],
): { values: Record<string, unknown>; snapshot: JsonObject } | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: `expected an object, got ${describe(raw)}` });
    return null;
  }
  const input = raw as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  const snapshot: JsonObject = {};
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(definitions, key)) {
      const known = Object.keys(definitions).join(', ') || 'none';
      issues.push({ path: `${path}.${key}`, message: `unknown arg "${key}" (known: ${known})` });
    }
  }
  for (const [name, definition] of Object.entries(definitions)) {
    const argPath = `${path}.${name}`;
    let value = input[name];
    if (value === undefined || value === null) {
      if (definition.default !== undefined) value = definition.default;
      else if (definition.required) {
        issues.push({ path: argPath, message: 'is required' });
        continue;
      } else continue;
    }
    const parsed = parseValue(definition, value, argPath, issues);
    if (parsed) {
      values[name] = parsed.values;
      snapshot[name] = parsed.snapshot;
    }
  }
  return { values, snapshot };
}

function parseValue(definition: ArgDefinition, raw: unknown, path: string, issues: ArgIssue[]): Parsed | null {
  if (!definition.list) return parseScalar(definition, raw, path, issues);
  if (!Array.isArray(raw)) {
    issues.push({ path, message: `expected a list, got ${describe(raw)}` });
    return null;
  }
  if (definition.minItems !== undefined && raw.length < definition.minItems) {
    issues.push({ path, message: `needs at least ${definition.minItems} item(s), got ${raw.length}` });
  }
  if (definition.maxItems !== undefined && raw.length > definition.maxItems) {
    issues.push({ path, message: `allows at most ${definition.maxItems} item(s), got ${raw.length}` });
  }
  const before = issues.length;
  const items = raw.map((item, index) => parseScalar(definition, item, `${path}[${index}]`, issues));
  if (issues.length > before) return null;
  return { values: items.map((item) => item!.values), snapshot: items.map((item) => item!.snapshot) };
}

function parseScalar(definition: ArgDefinition, raw: unknown, path: string, issues: ArgIssue[]): Parsed | null {
  const fail = (message: string): null => {
    issues.push({ path, message });
    return null;
  };
  switch (definition.type) {
    case 'int': {
      if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) return fail(`expected an integer, got ${describe(raw)}`);
      if (!inRange(definition, { units: BigInt(raw), scale: 0 }, path, issues)) return null;
      return { values: raw, snapshot: raw };
    }
    case 'money': {
      const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
      if (typeof text !== 'string' || !/^-?\d+$/.test(text)) {
        return fail(`expected an amount in minor units (an integer), got ${describe(raw)}`);
      }
      const amount = BigInt(text);
      if (!inRange(definition, { units: amount, scale: 0 }, path, issues)) return null;
      return { values: amount, snapshot: amount.toString() };
    }
    case 'percent':
    case 'decimal': {
      const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
      const value = typeof text === 'string' ? parseDecimal(text) : null;
      if (!value) return fail(`expected a decimal number such as "2.5", got ${describe(raw)}`);
      if (value.scale > 6) return fail('allows at most 6 decimal places');
      if (!inRange(definition, value, path, issues)) return null;
      const canonical = formatDecimal(value);
      return { values: canonical, snapshot: canonical };
    }
    case 'string':
      if (typeof raw !== 'string') return fail(`expected a string, got ${describe(raw)}`);
      return { values: raw, snapshot: raw };
    case 'boolean':
      if (typeof raw !== 'boolean') return fail(`expected true or false, got ${describe(raw)}`);
      return { values: raw, snapshot: raw };
    case 'enum': {
      const allowed = (definition.options ?? []).map((option) => option.value);
      if (typeof raw !== 'string' || !allowed.includes(raw)) {
        return fail(`expected one of ${allowed.join(', ')}, got ${describe(raw)}`);
      }
      return { values: raw, snapshot: raw };
    }
    case 'object': {
      const parsed = parseRecord(definition.fields ?? {}, raw, path, issues);
      return parsed ? { values: parsed.values, snapshot: parsed.snapshot } : null;
    }
  }
}

function bound(value: number | string | undefined): Decimal | null {
  return value === undefined ? null : parseDecimal(String(value));
}

function inRange(definition: ArgDefinition, value: Decimal, path: string, issues: ArgIssue[]): boolean {
  const min = bound(definition.min);
  const max = bound(definition.max);
  if (min && compareDecimals(value, min) < 0) {
    issues.push({ path, message: `must be at least ${definition.min}, got ${formatDecimal(value)}` });
    return false;
  }
  if (max && compareDecimals(value, max) > 0) {
    issues.push({ path, message: `must be at most ${definition.max}, got ${formatDecimal(value)}` });
    return false;
  }
  return true;
}
