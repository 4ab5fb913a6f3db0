/**
 * docs/integrators.md runs as written: each operation in it, in its order, against a real
 * server over real HTTP (subscriptions over a real WebSocket), with its variables, answers
 * exactly the response printed under it ("…" standing for a value that differs per run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR, collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';

interface Step {
  /** Where in the document, for the test's name. */
  line: number;
  query: string;
  /** `as partner <id>`: sent with a token of that partner; `subscription`: over WebSocket. */
  how: string;
  variables: Record<string, unknown>;
  response: unknown;
}

/** The document's fenced blocks in order: a `graphql` block, then an optional `json variables` and a `json response`. */
function stepsOf(markdown: string): Step[] {
  const steps: Step[] = [];
  const fence = /^```(\w+)(?: (.*))?\n([\s\S]*?)^```$/gm;
  let open: Step | null = null;
  for (const match of markdown.matchAll(fence)) {
    const [, language, info = '', body] = match;
    const line = markdown.slice(0, match.index).split('\n').length;
    if (language === 'graphql') {
      if (open) throw new Error(`the operation at line ${open.line} has no response`);
      open = { line, query: body, how: info.trim(), variables: {}, response: undefined };
    } else if (language === 'json' && open && info === 'variables') open.variables = JSON.parse(body);
    else if (language === 'json' && open && info === 'response') {
      open.response = JSON.parse(body);
      steps.push(open);
      open = null;
    } else throw new Error(`line ${line}: a \`${language} ${info}\` block outside an operation`);
  }
  if (open) throw new Error(`the operation at line ${open.line} has no response`);
  return steps;
}

/** The printed response with each "…" replaced by what the server answered there. */
function withWildcards(printed: unknown, actual: unknown): unknown {
  if (printed === '…') return actual;
  if (Array.isArray(printed)) return printed.map((item, index) => withWildcards(item, Array.isArray(actual) ? actual[index] : undefined));
  if (printed && typeof printed === 'object') {
    const given = (actual && typeof actual === 'object' ? actual : {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(printed).map(([key, value]) => [key, withWildcards(value, given[key])]));
  }
  return printed;
}

const steps = stepsOf(readFileSync(join(ROOT_DIR, 'docs', 'integrators.md'), 'utf8'));
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

it('has operations to run', () => {
  expect(steps.length).toBeGreaterThan(10);
});

/** An operation's name, or the first field it selects when it has none. */
const nameOf = (query: string) => {
  const match = /^\s*(?:query|mutation|subscription)\s+(\w+)|\{\s*(\w+)/.exec(query);
  return match?.[1] ?? match?.[2] ?? 'operation';
};

it.each(steps.map((step) => [`line ${step.line} (${nameOf(step.query)})`, step] as const))(
  'runs the operation at %s as printed',
  async (_name, step) => {
    const asPartner = /^as partner (\d+)$/.exec(step.how);
    const token = asPartner
      ? (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${asPartner[1]}") { token } }`)).issuePartnerToken.token
      : server.adminKey;
    let actual: unknown;
    if (step.how === 'subscription') {
      const client = wsClient(server.wsUrl, token);
      const pushes = collect(client, step.query, step.variables);
      const [first] = await pushes.waitFor(1);
      actual = { data: first };
      pushes.dispose();
      await client.dispose();
    } else {
      actual = await server.gql(step.query, step.variables, token);
    }
    expect(actual).toEqual(withWildcards(step.response, actual));
  },
);
