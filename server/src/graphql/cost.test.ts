import 'reflect-metadata';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { measureCost } from './cost.js';

const schema = buildSchema(`
  interface Reward { id: ID! }
  type Money implements Reward { id: ID! amount: Int! }
  type Badge implements Reward { id: ID! holders(first: Int): [Holder!]! }
  type Holder { name: String! }
  input EventInput { externalId: String! amount: Int! }
  type Query { rewards(first: Int): [Reward!]! stats: Holder! }
  type Mutation { record(events: [EventInput!]!, first: Int): [Reward!]! }
`);
// A field that declares what it costs by itself, as @Extensions({ cost }) does.
(schema.getQueryType()!.getFields().stats as { extensions: unknown }).extensions = { cost: 500 };

function cost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return measureCost(schema, document, getOperationAST(document)!, variables);
}

describe('measureCost', () => {
  it('counts the costliest object type under an interface', () => {
    // Money: id 1 + amount 1 = 2. Badge: id 1 + holders(first: 10) { name } = 1 + 10 × 1 = 11, so 12.
    // rewards(first: 3) = 1 + 3 × max(2, 12) = 37.
    expect(cost('{ rewards(first: 3) { id ... on Money { amount } ... on Badge { holders(first: 10) { name } } } }')).toEqual({ cost: 37, rootFields: 1 });
  });

  it('reads list sizes and @include conditions from variables', () => {
    // With the badge's holders: 1 + 2 × (1 + (1 + 4 × 1)) = 13; without: 1 + 2 × 1 = 3.
    const query = 'query($n: Int, $all: Boolean!) { rewards(first: 2) { id ... on Badge { holders(first: $n) @include(if: $all) { name } } } }';
    expect(cost(query, { n: 4, all: true })).toEqual({ cost: 13, rootFields: 1 });
    expect(cost(query, { n: 4, all: false })).toEqual({ cost: 3, rootFields: 1 });
  });

  it('never coerces a variable the cost does not depend on', () => {
    // The events do not coerce (amount is not an Int), yet the cost is measured: only $first was
    // read. Execution, which coerces every variable, refuses the events. record(first: 5) = 1 + 5 × 1.
    const query = 'mutation($events: [EventInput!]!, $first: Int) { record(events: $events, first: $first) { id } }';
    expect(cost(query, { events: [{ externalId: 'a', amount: 'lots' }], first: 5 })).toEqual({ cost: 6, rootFields: 1 });
  });

  it('answers null when a variable it depends on does not coerce', () => {
    expect(cost('query($n: Int) { rewards(first: $n) { id } }', { n: 'many' })).toBeNull();
  });

  it('measures one parsed operation again with each request’s variables, and once when none changes its cost', () => {
    const document = parse('query($n: Int, $label: String) { rewards(first: $n) { id } stats { name } }');
    const operation = getOperationAST(document)!;
    // rewards(first: n) = 1 + n × 1; stats { name } = 500 + 1.
    expect(measureCost(schema, document, operation, { n: 2 })).toEqual({ cost: 504, rootFields: 2 });
    expect(measureCost(schema, document, operation, { n: 5 })).toEqual({ cost: 507, rootFields: 2 });
    expect(measureCost(schema, document, operation, { n: 'five' })).toBeNull();
    // No variable here is a list size: the same cost for any $label, found once.
    const fixed = parse('query($label: String) { rewards(first: 3) { id } }');
    const once = measureCost(schema, fixed, getOperationAST(fixed)!, { label: 'a' });
    expect(once).toEqual({ cost: 4, rootFields: 1 });
    expect(measureCost(schema, fixed, getOperationAST(fixed)!, { label: 'b' })).toBe(once);
  });

  it("adds a field's declared cost instead of 1", () => {
    // 500 for stats, 1 for its name; twice with an alias.
    expect(cost('{ stats { name } again: stats { name } }')).toEqual({ cost: 1002, rootFields: 2 });
  });
});
