import 'reflect-metadata';
import type { GraphQLError, GraphQLSchema } from 'graphql';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../config.js';
import { admitOperation, validationRules } from './admission.js';
import { createSchema } from './schema.js';

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await createSchema();
});

/** The refusal's extensions, or 'admitted'. */
function refusal(query: string, limits: Partial<QueryLimits> = {}, variables?: Record<string, unknown>): unknown {
  try {
    const admission = admitOperation(schema, { query, variables }, { ...DEFAULT_QUERY_LIMITS, ...limits }, validationRules(true));
    return admission.invalid ? admission.invalid.map((error) => error.extensions.code) : 'admitted';
  } catch (error) {
    const { http: _http, ...extensions } = (error as GraphQLError).extensions;
    return extensions;
  }
}

describe('query cost', () => {
  it('multiplies what is under a list argument by its value', () => {
    // node = 1 + (id 1 + amount 1 + campaign { id } 2 + corrects { id event { externalId } } 4) = 9;
    // edges = 10; pageInfo { hasNextPage } = 2; rewards(first: 500) = 1 + 500 × (10 + 2) = 6 001.
    const query = '{ rewards(first: 500) { edges { node { id amount campaign { id } corrects { id event { externalId } } } } pageInfo { hasNextPage } } }';
    expect(refusal(query, { cost: 6_000 })).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measured: 6_001, max: 6_000 });
    expect(refusal(query, { cost: 6_001 })).toBe('admitted');
  });

  it('counts fragments where they are spread, and leaves out what @skip drops', () => {
    // upline(levels: 5) { depth } = 1 + 5 × 1 = 6, spread under partner: 1 + 6 = 7; name is skipped.
    const query = '{ partner(id: "1") { ...Up name @skip(if: true) } } fragment Up on Partner { upline(levels: 5) { depth } }';
    expect(refusal(query, { cost: 6 })).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measured: 7, max: 6 });
  });

  it('counts root fields behind fragments', () => {
    const query = '{ ...Both regions { id } } fragment Both on Query { rewardSchemes { code } me { id } }';
    expect(refusal(query, { rootFields: 2 })).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'rootFields', measured: 3, max: 2 });
  });

  it('refuses a fragment bomb at 10 000 fields', () => {
    // F1 spreads F0 twice, F2 spreads F1 twice, …: F14 expands to 2^14 = 16 384 `regions` fields.
    const fragments = Array.from({ length: 14 }, (_, i) => `fragment F${i + 1} on Query { ...F${i} ...F${i} }`).join(' ');
    const query = `{ ...F14 } fragment F0 on Query { regions { id } } ${fragments}`;
    expect(refusal(query, { depth: 100 })).toEqual({ code: 'QUERY_TOO_COMPLEX', limit: 'cost', measured: 50_001, max: 50_000 });
  });

  it('leaves variables that do not coerce to the normal pipeline, which runs nothing', () => {
    expect(refusal('query($n: Int!) { partners(first: $n) { edges { cursor } } }', {}, { n: 'many' })).toBe('admitted');
  });
});

describe('the order of checks', () => {
  it('reports graphql-js parse and validation errors with their codes, after the shape limits', () => {
    expect(refusal('{ regions { id }')).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(refusal('{ regions { colour } }')).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Too deep and invalid: the limit answers first, without validating a hostile document.
    expect(refusal('{ regions { colour { a { b } } } }', { depth: 2 })).toMatchObject({ limit: 'depth', measured: 4 });
  });
});

describe('the NUL guard', () => {
  it('names the argument path of a literal, through lists and objects', () => {
    const query = 'mutation { createCampaign(input: { name: "x", startsAt: "2026-01-01T00:00:00Z", currency: "RUB", schemes: [{ code: "cpa", args: { label: "a\\u0000" } }] }) { id } }';
    expect(refusal(query)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.schemes[0].args.label' });
  });

  it('names a variable by the argument it is passed to, or by itself', () => {
    const direct = 'mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }';
    expect(refusal(direct, {}, { e: [{ externalId: 'a', type: 'LEAD' }, { externalId: 'b\u0000', type: 'LEAD' }] })).toMatchObject({ field: 'events[1].externalId' });
    const nested = 'mutation($name: String!) { createRegion(input: { code: "X", name: $name }) { id } }';
    expect(refusal(nested, {}, { name: '\u0000' })).toMatchObject({ field: '$name' });
  });
});

describe('remembered texts', () => {
  it("checks a text once, but its variables on every request: a cost that depends on `first`, a NUL in a value", () => {
    const limits = { ...DEFAULT_QUERY_LIMITS, cost: 100 };
    const rules = validationRules(true);
    const query = 'query($first: Int, $id: ID!) { rewards(first: $first) { edges { node { id } } } partner(id: $id) { id } }';
    const admit = (variables: Record<string, unknown>) => admitOperation(schema, { query, variables }, limits, rules);
    const first = admit({ first: 10, id: '1' });
    expect(first.document).toBeDefined();
    // The same parsed document again, not a second parse.
    expect(admit({ first: 10, id: '2' }).document).toBe(first.document);
    // rewards(first: 50) = 1 + 50 × (edges 1 + node 1 + id 1) = 151; partner { id } = 2; 153 is over 100.
    expect(() => admit({ first: 50, id: '1' })).toThrow('the query costs 153; the limit is 100');
    expect(() => admit({ first: 10, id: '\u0000' })).toThrow('NUL');
    // What the text alone decides is remembered, and still refuses: a cost no variable changes
    // (rewards(first: 40) = 1 + 40 × 3 = 121), a NUL in a literal.
    const costly = '{ rewards(first: 40) { edges { node { id } } } }';
    expect(() => admitOperation(schema, { query: costly }, limits, rules)).toThrow('the query costs 121; the limit is 100');
    expect(() => admitOperation(schema, { query: costly }, limits, rules)).toThrow('the query costs 121; the limit is 100');
    const literal = '{ partner(id: "1\\u0000") { id } }';
    expect(() => admitOperation(schema, { query: literal }, limits, rules)).toThrow('NUL');
    expect(() => admitOperation(schema, { query: literal }, limits, rules)).toThrow('NUL');
    // A refusal for the text itself is remembered too, and still refuses.
    const deep = '{ partner(id: "1") { sponsor { sponsor { sponsor { id } } } } }';
    const shallow = { ...DEFAULT_QUERY_LIMITS, depth: 2 };
    expect(() => admitOperation(schema, { query: deep }, shallow, rules)).toThrow('levels deep');
    expect(() => admitOperation(schema, { query: deep }, shallow, rules)).toThrow('levels deep');
  });
});
