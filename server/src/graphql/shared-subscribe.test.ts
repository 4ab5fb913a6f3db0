import { GraphQLInt, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { subscribeShared } from './shared-subscribe.js';

/** A schema whose `board` subscription yields what `events` holds, counting how often its `title` field runs. */
function fixture(events: unknown[]) {
  let runs = 0;
  let ended = 0;
  const Board = new GraphQLObjectType({
    name: 'Board',
    fields: { title: { type: GraphQLString, args: { suffix: { type: GraphQLString } }, resolve: (board: { title: string }, { suffix }) => (runs++, `${board.title}${suffix ?? ''}`) } },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        board: {
          type: Board,
          subscribe: async function* () {
            try {
              yield* events;
            } finally {
              ended++;
            }
          },
          resolve: (payload: { board?: unknown }) => payload.board ?? payload,
        },
      },
    }),
  });
  return { schema, runs: () => runs, ended: () => ended };
}

const document = parse('subscription($s: String) { board { title(suffix: $s) } }');

async function all(iterable: unknown): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const value of iterable as AsyncIterable<unknown>) values.push(value);
  return values;
}

it('executes a shared payload once per document and variables, however many subscribers receive it', async () => {
  const board = { title: 'March' };
  const payload = { board, shared: board };
  const { schema, runs } = fixture([payload]);
  const first = await all(await subscribeShared({ schema, document, variableValues: { s: '!' } }));
  const second = await all(await subscribeShared({ schema, document, variableValues: { s: '!' } }));
  expect([first, second]).toEqual([[{ data: { board: { title: 'March!' } } }], [{ data: { board: { title: 'March!' } } }]]);
  expect(runs()).toBe(1);
  // Other variables are another result.
  expect(await all(await subscribeShared({ schema, document, variableValues: { s: '?' } }))).toEqual([{ data: { board: { title: 'March?' } } }]);
  expect(runs()).toBe(2);
  // graphql-js's results are null-prototype objects; a shared one is made plain, which serializes faster.
  const [shared] = first as { data: { board: object } }[];
  expect([Object.getPrototypeOf(shared.data), Object.getPrototypeOf(shared.data.board)]).toEqual([Object.prototype, Object.prototype]);
});

it('keeps a scalar that serializes to an object as it is, so JSON writes it as the scalar says', async () => {
  const at = new Date('2026-12-05T10:00:00.000Z');
  const Stamp = new GraphQLScalarType({ name: 'Stamp', serialize: (value) => value });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { changed: { type: new GraphQLObjectType({ name: 'Changed', fields: { at: { type: Stamp } } }), subscribe: async function* () { yield { at, shared: {} }; }, resolve: (payload) => payload } },
    }),
  });
  const [result] = await all(await subscribeShared({ schema, document: parse('subscription { changed { at } } ') }));
  expect(JSON.stringify(result)).toBe('{"data":{"changed":{"at":"2026-12-05T10:00:00.000Z"}}}');
});

it('executes a payload without a shared object for every subscriber, as graphql-js does', async () => {
  const { schema, runs } = fixture([{ title: 'April' }]);
  await all(await subscribeShared({ schema, document }));
  await all(await subscribeShared({ schema, document }));
  expect(runs()).toBe(2);
});

it('ends the source when the subscriber unsubscribes', async () => {
  const { schema, ended } = fixture([{ title: 'May' }, { title: 'June' }]);
  const iterator = (await subscribeShared({ schema, document })) as AsyncIterableIterator<unknown>;
  expect(await iterator.next()).toEqual({ done: false, value: { data: { board: { title: 'May' } } } });
  expect(await iterator.return!()).toEqual({ done: true, value: undefined });
  expect(ended()).toBe(1);
});
