/**
 * docs/integrators.md runs as written: each operation in it, in its order, against a real
 * server over real HTTP (subscriptions over a real WebSocket), with its variables, answers
 * exactly the response printed under it ("…" standing for a value that differs per run). Its
 * webhook verification code, in Node and in Python, is run as printed on a real delivery.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, collect, startTestServer, wsClient, type TestServer } from '../support/harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

interface Step {
  /** Where in the document, for the test's name. */
  line: number;
  query: string;
  /** `as partner <id>`: sent with a token of that partner; `subscription`: over WebSocket. */
  how: string;
  variables: Record<string, unknown>;
  response: unknown;
}

/** The code blocks of a language (`js`, `python`) outside the operations. */
function codeOf(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1]);
}

/** The document's fenced blocks in order: a `graphql` block, then an optional `json variables` and a `json response`; code in other languages between operations is left to codeOf. */
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
    } else if (!open && (language === 'js' || language === 'python')) continue;
    else throw new Error(`line ${line}: a \`${language} ${info}\` block outside an operation`);
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

const markdown = readFileSync(join(ROOT_DIR, 'docs', 'integrators.md'), 'utf8');
const steps = stepsOf(markdown);
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

describe('the webhook verification code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cofactor-verify-'));
  let receiver: WebhookReceiver;
  let secret: string;
  afterAll(async () => {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the printed code on a request; its answer is the body's type, or the error it raised. */
  function verifyWith(language: 'node' | 'python', request: { secret: string; headers: Record<string, string>; body: string }): string {
    const input = JSON.stringify(request);
    const [code] = codeOf(markdown, language === 'node' ? 'js' : 'python');
    if (language === 'node') {
      writeFileSync(join(dir, 'verify.mjs'), code);
      const run = `import { verifyWebhook } from './verify.mjs';
        const { secret, headers, body } = JSON.parse(process.argv[1]);
        try { console.log(verifyWebhook(secret, headers, body).type); } catch (error) { console.log('refused: ' + error.message); }`;
      return execFileSync(process.execPath, ['--input-type=module', '-e', run, input], { cwd: dir, encoding: 'utf8' }).trim();
    }
    writeFileSync(join(dir, 'verify_webhook.py'), code);
    const run = `import json, sys
from verify_webhook import verify_webhook
request = json.loads(sys.argv[1])
try:
    print(verify_webhook(request["secret"], request["headers"], request["body"].encode())["type"])
except ValueError as error:
    print("refused: " + str(error))`;
    return execFileSync('python3', ['-c', run, input], { cwd: dir, encoding: 'utf8' }).trim();
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // The receiver is on loopback, which a server refuses unless told otherwise.
    server.running.app.config.webhooks.allowPrivateAddresses = true;
    const created = await server.ok<{ createWebhookEndpoint: { secret: string } }>(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: ["partner.created"] }) { secret } }`,
      { url: receiver.url() },
    );
    secret = created.createWebhookEndpoint.secret;
    await server.ok(`mutation { createPartner(input: { name: "Pyotr Verify", kind: "AMBASSADOR" }) { id } }`);
    await receiver.waitFor(() => receiver.received.length > 0);
  });

  it.each(['node', 'python'] as const)('in %s accepts a real delivery and refuses a changed body, a wrong secret and an old request', (language) => {
    const [item] = receiver.received;
    const headers = { 'webhook-id': item.id, 'webhook-timestamp': item.timestamp, 'webhook-signature': item.signature };
    expect(verifyWith(language, { secret, headers, body: item.body })).toBe('partner.created');
    expect(verifyWith(language, { secret, headers, body: item.body.replace('Pyotr', 'Petra') })).toBe('refused: no signature matches');
    const other = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect(verifyWith(language, { secret: other, headers, body: item.body })).toBe('refused: no signature matches');
    const old = { ...headers, 'webhook-timestamp': String(Number(item.timestamp) - 3600) };
    expect(verifyWith(language, { secret, headers: old, body: item.body })).toBe('refused: the timestamp is too far from now');
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(verifyWith(language, { secret, headers: unsigned, body: item.body })).toBe('refused: not a webhook: a header is missing');
  });
});
