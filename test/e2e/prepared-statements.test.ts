/**
 * The reads nearly every request makes are PostgreSQL prepared statements, parsed and planned
 * once per connection: checked against a real database, on a pool of one connection so that
 * what PostgreSQL holds for that session is what the pool used.
 */
import { PreparedStatement } from '../../server/src/db/sql.js';
import { sqlOfOneConnection } from '../support/harness.js';

const sql = sqlOfOneConnection();

const SUM = new PreparedStatement('test-sum', 'select $1::int + $2::int as n');

it('prepares a statement once per connection and runs it with each call’s values', async () => {
  expect(await sql().query<{ n: number }>(SUM, [1, 2])).toEqual([{ n: 3 }]);
  expect(await sql().query<{ n: number }>(SUM, [3, 4])).toEqual([{ n: 7 }]);
  const held = await sql().query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by name');
  expect(held).toEqual([{ name: 'test-sum', statement: 'select $1::int + $2::int as n' }]);
});

it('refuses a second text under a name already given, and accepts the same text again', () => {
  expect(() => new PreparedStatement('test-sum', 'select $1::int - $2::int as n')).toThrow('two prepared statements are named "test-sum"');
  expect(new PreparedStatement('test-sum', 'select $1::int + $2::int as n').name).toBe('test-sum');
});
