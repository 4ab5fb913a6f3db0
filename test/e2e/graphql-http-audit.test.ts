/**
 * The GraphQL-over-HTTP conformance audit of `graphql-http`, run against the real server:
 * every MUST passes, and the SHOULDs that do not are exactly the ones we chose not to follow.
 */
import { serverAudits, type AuditResult } from 'graphql-http';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * SHOULDs we do not follow, and why. All three ask for status 200 when a client accepts only
 * the legacy `application/json`; Apollo Server answers 400 to any request that cannot run, which
 * is what the newer `application/graphql-response+json` SHOULDs ask for, and what our own
 * refusals (QUERY_TOO_COMPLEX, BAD_REQUEST) do.
 */
const KNOWN_SHOULD_FAILURES: Record<string, string> = {
  '572B': 'document parsing failure with application/json: 400 instead of 200',
  FDE2: 'document validation failure with application/json: 400 instead of 200',
  '7B9B': 'variable coercion failure with application/json: 400 instead of 200',
};

let server: TestServer;
let results: AuditResult[];

beforeAll(async () => {
  server = await startTestServer();
  results = [];
  // One at a time: each audit is a real request; 2 shared cores.
  for (const audit of serverAudits({ url: server.url })) results.push(await audit.fn());
});

afterAll(async () => {
  await server?.stop();
});

it('passes every MUST', () => {
  const failed = results.filter((result) => result.status === 'error').map((result) => `${result.id} ${result.name}: ${'reason' in result ? result.reason : ''}`);
  expect(failed).toEqual([]);
  expect(results.filter((result) => result.name.startsWith('MUST')).length).toBeGreaterThan(10);
});

it('fails only the SHOULDs we chose not to follow', () => {
  const warned = results.filter((result) => result.status === 'warn').map((result) => result.id);
  expect(warned.sort()).toEqual(Object.keys(KNOWN_SHOULD_FAILURES).sort());
});
