/**
 * Credentials that expire and can be withdrawn, over real HTTP and WebSocket: partner tokens
 * carry an expiry of at most 7 days and stop working when their partner is no longer ACTIVE or
 * the program's token secret is rotated, open subscriptions are closed when that happens, API
 * keys can be listed and revoked, and failed authentications are rate-limited per address.
 * A second server process on the same database shows that nothing is cached per process.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { readConfig, startCofactor, type RunningCofactor } from '../../server/src/index.js';
import { ROOT_DIR, collect, rewardListeners, startTestServer, type TestServer } from '../support/harness.js';

const ME = '{ me { name } }';
const SALE = `mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`;
const REWARD_CREATED = 'subscription { rewardCreated { amount } }';
const TOKEN_TTL = 900;

let server: TestServer;
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Tokens live 15 minutes unless asked otherwise; open connections are re-checked every second.
  server = await startTestServer({ tokenTtlSeconds: TOKEN_TTL, credentialRecheckSeconds: 1 });
  for (const name of ['Anna', 'Boris', 'Vera', 'Gleb', 'Dina']) {
    ids[name] = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "${name}", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
  }
  const campaign = await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
    input: { name: 'Spring', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] },
  });
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
});

afterAll(async () => {
  await server?.stop();
});

async function tokenFor(name: string, ttlSeconds?: number): Promise<string> {
  const data = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation($p: ID!, $ttl: Int) { issuePartnerToken(partnerId: $p, ttlSeconds: $ttl) { token } }`, {
    p: ids[name],
    ttl: ttlSeconds ?? null,
  });
  return data.issuePartnerToken.token;
}

function claimsOf(token: string): Record<string, number | string> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** A token signed by hand with the program's secret, as anyone holding it could. */
async function handSigned(claims: Record<string, unknown>): Promise<string> {
  const [{ token_secret: secret }] = await server.sql<{ token_secret: string }>('select token_secret from program where id = $1', [server.programId]);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256' })}.${part({ prg: server.programId, aud: 'cofactor:partner', ...claims })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

async function setStatus(name: string, status: string): Promise<void> {
  await server.ok(`mutation($id: ID!, $s: String) { updatePartner(id: $id, input: { status: $s }) { status } }`, { id: ids[name], s: status });
}

async function sale(name: string, externalId: string): Promise<void> {
  await server.ok(SALE, { e: [{ externalId, type: 'SALE', partnerId: ids[name], amount: 100_000, currency: 'RUB' }] });
}

/** The harness's client, but a close by the server is what these tests wait for, not an error to print. */
function wsClient(url: string, token: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
}

/** Resolves with the close code and reason once the server closes the client's socket. */
function closing(client: Client): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.on('closed', (event) => resolve({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason })));
}

/**
 * A raw graphql-ws `connection_init` (with `token` as its authorization, or the payload given)
 * and optional extra headers: the first message the server answers, or how it closed.
 */
function connectionInit(url: string, token: string | null | { payload: Record<string, unknown> }, headers: Record<string, string> = {}): Promise<{ type?: string; code?: number; reason?: string }> {
  const payload = token && typeof token === 'object' ? token.payload : token ? { authorization: `Bearer ${token}` } : {};
  return new Promise((resolve) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
    socket.on('message', (data) => {
      resolve({ type: JSON.parse(data.toString()).type });
      socket.close();
    });
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

describe('partner tokens', () => {
  it('expire after the configured lifetime by default, after ttlSeconds when asked, and never after more than 7 days', async () => {
    const standard = claimsOf(await tokenFor('Anna'));
    expect(Number(standard.exp) - Number(standard.iat)).toBe(TOKEN_TTL);
    const short = claimsOf(await tokenFor('Anna', 120));
    expect(Number(short.exp) - Number(short.iat)).toBe(120);
    // 7 days = 604 800 s is the most; one second more is refused.
    const long = await server.gql(`mutation { issuePartnerToken(partnerId: "${ids.Anna}", ttlSeconds: 604801) { token } }`);
    expect(long.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ttlSeconds' });
  });

  it('refuse a token without an expiry, one living longer than 7 days, and one signed with another secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const control = await handSigned({ sub: ids.Anna, iat: now, exp: now + 3600 });
    expect(await server.ok(ME, {}, control)).toEqual({ me: { name: 'Anna' } });

    const noExpiry = await server.gql(ME, {}, await handSigned({ sub: ids.Anna, iat: now }));
    expect(noExpiry.errors?.[0]).toMatchObject({ message: 'partner token refused: it has no "exp" (expiry)', extensions: { code: 'UNAUTHENTICATED' } });
    const tenYears = await server.gql(ME, {}, await handSigned({ sub: ids.Anna, iat: now, exp: now + 10 * 365 * 86_400 }));
    expect(tenYears.errors?.[0]).toMatchObject({ message: 'partner token refused: it lives longer than 7 days', extensions: { code: 'UNAUTHENTICATED' } });
    const expired = await server.gql(ME, {}, await handSigned({ sub: ids.Anna, iat: now - 7200, exp: now - 3600 }));
    expect(expired.errors?.[0]).toMatchObject({ message: 'partner token refused: it expired', extensions: { code: 'UNAUTHENTICATED' } });
    const forged = `${control.slice(0, control.lastIndexOf('.'))}.${createHmac('sha256', 'guess').update('x').digest('base64url')}`;
    expect((await server.gql(ME, {}, forged)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('are refused on HTTP and WebSocket while the partner is SUSPENDED, TERMINATED or PENDING, and none is issued then', async () => {
    const token = await tokenFor('Boris');
    for (const status of ['SUSPENDED', 'TERMINATED', 'PENDING']) {
      await setStatus('Boris', status);
      const refused = await server.gql(ME, {}, token);
      expect(refused.errors?.[0]).toMatchObject({ message: `partner token refused: the partner is ${status}`, extensions: { code: 'UNAUTHENTICATED' } });
      expect(await connectionInit(server.wsUrl, token)).toEqual({ code: 4401, reason: `UNAUTHENTICATED: partner token refused: the partner is ${status}` });
      const issued = await server.gql(`mutation { issuePartnerToken(partnerId: "${ids.Boris}") { token } }`);
      expect(issued.errors?.[0].extensions?.code).toBe('CONFLICT');
    }
    await setStatus('Boris', 'ACTIVE');
    expect(await server.ok(ME, {}, token)).toEqual({ me: { name: 'Boris' } });
    expect(await connectionInit(server.wsUrl, token)).toEqual({ type: 'connection_ack' });
  });
});

describe('rewardCreated subscriptions', () => {
  it('are closed when their token expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const client = wsClient(server.wsUrl, await handSigned({ sub: ids.Vera, iat: now, exp: now + 5 }));
    const closed = closing(client);
    const stream = collect<{ rewardCreated: { amount: number } }>(client, REWARD_CREATED);
    try {
      await server.rewardListeners(ids.Vera);
      // Before expiry the subscription works: 5% of 1 000,00 ₽ = 5 000 kopecks.
      await sale('Vera', 'EXP-1');
      expect(await stream.waitFor(1)).toEqual([{ rewardCreated: { amount: 5_000 } }]);
      expect(await closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED: the partner token expired' });
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });

  it('are closed when their partner is suspended', async () => {
    const client = wsClient(server.wsUrl, await tokenFor('Gleb'));
    const closed = closing(client);
    const stream = collect<{ rewardCreated: { amount: number } }>(client, REWARD_CREATED);
    try {
      await server.rewardListeners(ids.Gleb);
      await sale('Gleb', 'SUS-1');
      expect(await stream.waitFor(1)).toEqual([{ rewardCreated: { amount: 5_000 } }]);
      await setStatus('Gleb', 'SUSPENDED');
      expect(await closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED: the partner is SUSPENDED' });
    } finally {
      stream.dispose();
      await client.dispose();
      await setStatus('Gleb', 'ACTIVE');
    }
  });
});

describe('API keys', () => {
  const LIST = '{ apiKeys { id name prefix scopes createdAt lastUsedAt revokedAt } }';
  interface KeyRow {
    id: string;
    name: string;
    prefix: string;
    scopes: string[];
    createdAt: string;
    lastUsedAt: string | null;
    revokedAt: string | null;
  }
  const listed = async (name: string) => (await server.ok<{ apiKeys: KeyRow[] }>(LIST)).apiKeys.find((key) => key.name === name)!;

  it("are listed with their scopes and last use, and only the program's own", async () => {
    const created = await server.ok<{ createApiKey: { key: string; apiKey: { id: string; prefix: string } } }>(
      `mutation { createApiKey(name: "reports", scopes: ["analytics:read"]) { key apiKey { id prefix } } }`,
    );
    const { key, apiKey } = created.createApiKey;
    expect(key.startsWith(`cfk_${apiKey.prefix}_`)).toBe(true);
    expect(await listed('reports')).toMatchObject({ id: apiKey.id, scopes: ['analytics:read'], lastUsedAt: null, revokedAt: null });

    await server.ok('{ partners { edges { node { id } } } }', {}, key);
    const used = await listed('reports');
    expect(used.lastUsedAt).not.toBeNull();
    // Recorded at most once a minute: a second use right away leaves it as it was.
    await server.ok('{ partners { edges { node { id } } } }', {}, key);
    expect((await listed('reports')).lastUsedAt).toBe(used.lastUsedAt);

    // A key of another program on the same server is neither listed nor revocable from here.
    const [other] = await server.sql<{ id: string }>(`insert into program (name, default_currency, time_zone, token_secret) values ('Other', 'EUR', 'Europe/Berlin', 'x') returning id`);
    const foreign = await server.running.app.auth.createApiKey(other.id, 'foreign', ['admin']);
    expect((await server.ok<{ apiKeys: KeyRow[] }>(LIST)).apiKeys.map((row) => row.name)).not.toContain('foreign');
    const revokeForeign = await server.gql(`mutation { revokeApiKey(id: "${foreign.apiKey.id}") { id } }`);
    expect(revokeForeign.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('once revoked are refused at once on HTTP and on new WebSocket connections, and their open connections closed; revoking again changes nothing', async () => {
    const created = await server.ok<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(name: "dashboard", scopes: ["analytics:read"]) { key apiKey { id } } }`);
    const { key, apiKey } = created.createApiKey;
    expect(await connectionInit(server.wsUrl, key)).toEqual({ type: 'connection_ack' });
    const open = wsClient(server.wsUrl, key);
    const closed = closing(open);
    const stream = collect(open, 'subscription($p: ID) { rewardCreated(partnerId: $p) { amount } }', { p: ids.Anna });
    await server.rewardListeners(ids.Anna);

    const revoked = await server.ok<{ revokeApiKey: KeyRow }>(`mutation { revokeApiKey(id: "${apiKey.id}") { id revokedAt } }`);
    expect(revoked.revokeApiKey.revokedAt).not.toBeNull();
    const refused = await server.gql('{ partners { edges { node { id } } } }', {}, key);
    expect(refused.errors?.[0]).toMatchObject({ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } });
    expect(await connectionInit(server.wsUrl, key)).toEqual({ code: 4401, reason: 'UNAUTHENTICATED: invalid or revoked API key' });
    // The connection opened before is closed at the next re-check.
    expect(await closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED: the API key was revoked' });
    stream.dispose();
    await open.dispose();

    const again = await server.ok<{ revokeApiKey: KeyRow }>(`mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`);
    expect(again.revokeApiKey.revokedAt).toBe(revoked.revokeApiKey.revokedAt);
    expect((await listed('dashboard')).revokedAt).toBe(revoked.revokeApiKey.revokedAt);
  });
});

describe('cofactor api-key --revoke', () => {
  const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
  const cli = (...args: string[]) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      const env = { ...process.env, DATABASE_URL: server.appDatabaseUrl, DATABASE_OWNER_URL: server.databaseUrl };
      execFile(process.execPath, [CLI, 'api-key', ...args], { env, cwd: ROOT_DIR }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }));
    });

  it('revokes a key named by its prefix or its id, and says so in one line when there is none', async () => {
    const create = async (name: string) =>
      (await server.ok<{ createApiKey: { key: string; apiKey: { id: string; prefix: string } } }>(`mutation { createApiKey(name: "${name}", scopes: ["analytics:read"]) { key apiKey { id prefix } } }`))
        .createApiKey;
    const [byPrefix, byId] = [await create('warehouse'), await create('crm')];
    expect(await cli('--revoke', `cfk_${byPrefix.apiKey.prefix}`)).toEqual({
      code: 0,
      output: `revoked API key ${byPrefix.apiKey.id} "warehouse" (cfk_${byPrefix.apiKey.prefix}_…) of program ${server.programId}\n`,
    });
    expect(await cli('--revoke', byId.apiKey.id)).toMatchObject({ code: 0, output: expect.stringContaining(`revoked API key ${byId.apiKey.id} "crm"`) });
    for (const { key } of [byPrefix, byId]) {
      expect((await server.gql('{ partners { edges { node { id } } } }', {}, key)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await cli('--revoke', 'nope')).toEqual({ code: 1, output: 'cofactor: no API key has the id or prefix "nope"\n' });
  });
});

describe('a second server process on the same database', () => {
  let second: RunningCofactor;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cofactor-second-'));
    const database = { databaseUrl: server.appDatabaseUrl, databaseOwnerUrl: server.databaseUrl };
    second = await startCofactor(
      readConfig({}, { rootDir: ROOT_DIR, host: '127.0.0.1', port: 0, ...database, dataDir, seedDemo: false, approveEverySeconds: 0, credentialRecheckSeconds: 1 }),
    );
  });

  afterAll(async () => {
    await second?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const meOn = async (url: string, token: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: ME }) });
    return (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] };
  };

  it('refuses a key revoked through the first at once', async () => {
    const created = await server.ok<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(name: "shop", scopes: ["analytics:read"]) { key apiKey { id } } }`);
    const { key, apiKey } = created.createApiKey;
    expect((await meOn(second.url, key)).data).toEqual({ me: null });
    await server.ok(`mutation { revokeApiKey(id: "${apiKey.id}") { id } }`);
    expect((await meOn(second.url, key)).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('refuses every partner token issued before rotatePartnerTokenSecret, and closes their subscriptions', async () => {
    const before = await tokenFor('Dina');
    expect((await meOn(second.url, before)).data).toEqual({ me: { name: 'Dina' } });
    const client = wsClient(second.wsUrl, before);
    const closed = closing(client);
    const stream = collect(client, REWARD_CREATED);
    try {
      await rewardListeners(second, server.programId, ids.Dina);
      const rotated = await server.ok<{ rotatePartnerTokenSecret: { rotatedAt: string } }>('mutation { rotatePartnerTokenSecret { rotatedAt } }');
      expect(Date.parse(rotated.rotatePartnerTokenSecret.rotatedAt)).toBeLessThanOrEqual(Date.now());
      for (const url of [server.url, second.url]) {
        expect((await meOn(url, before)).errors?.[0]).toMatchObject({ message: 'partner token refused: invalid signature or claims', extensions: { code: 'UNAUTHENTICATED' } });
      }
      expect(await closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED: invalid signature or claims' });
      const after = await tokenFor('Dina');
      expect((await meOn(second.url, after)).data).toEqual({ me: { name: 'Dina' } });
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });
});

describe('failed authentications', () => {
  let limited: TestServer;
  // Three failures a minute per address; X-Forwarded-For names the client (the test's proxy is trusted).
  beforeAll(async () => {
    limited = await startTestServer({ authFailuresPerMinute: 3, trustProxy: true });
  });

  afterAll(async () => {
    await limited?.stop();
  });

  const post = async (from: string, key: string) =>
    fetch(limited.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': from },
      body: JSON.stringify({ query: '{ partners { edges { node { id } } } }' }),
    });

  it('are answered 429 RATE_LIMITED past the limit, for that address only, on HTTP and WebSocket', async () => {
    const attacker = '203.0.113.7';
    for (let attempt = 1; attempt <= 3; attempt++) {
      const response = await post(attacker, `cfk_000000000000_guess-${attempt}`);
      expect(response.status).toBe(401);
    }
    // The 4th failure goes past the limit of 3.
    const blocked = await post(attacker, 'cfk_000000000000_guess-4');
    expect(blocked.status).toBe(429);
    const body = (await blocked.json()) as { errors: { message: string; extensions: { code: string; retryAfter: number } }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    // The window is one minute from the first failure.
    expect(body.errors[0].extensions.retryAfter).toBeGreaterThanOrEqual(1);
    expect(body.errors[0].extensions.retryAfter).toBeLessThanOrEqual(60);
    expect(blocked.headers.get('retry-after')).toBe(String(body.errors[0].extensions.retryAfter));

    // Even the right key is refused from that address, and accepted from another.
    expect((await post(attacker, limited.adminKey)).status).toBe(429);
    const honest = await post('198.51.100.2', limited.adminKey);
    expect(honest.status).toBe(200);
    expect(await honest.json()).toEqual({ data: { partners: { edges: [] } } });

    const wsBlocked = await connectionInit(limited.wsUrl, limited.adminKey, { 'x-forwarded-for': attacker });
    expect(wsBlocked).toMatchObject({ code: 4429, reason: expect.stringMatching(/^RATE_LIMITED: too many failed authentications/) });
    expect(await connectionInit(limited.wsUrl, limited.adminKey, { 'x-forwarded-for': '198.51.100.2' })).toEqual({ type: 'connection_ack' });
  });

  it('count a WebSocket opened with a wrong board link, as a wrong credential would be', async () => {
    const PUBLISH = 'mutation { publishLeaderboard(name: "Screen", input: { metric: SALES, period: MONTH }) { token } }';
    const { publishLeaderboard } = await limited.ok<{ publishLeaderboard: { token: string } }>(PUBLISH);
    const guesser = { 'x-forwarded-for': '203.0.113.9' };
    const guess = (n: number) => ({ payload: { boardLink: `cfb_00000000000${n}_${'x'.repeat(43)}` } });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await connectionInit(limited.wsUrl, guess(attempt), guesser)).toEqual({ code: 4403, reason: 'FORBIDDEN: this board link is unknown or was revoked' });
    }
    expect(await connectionInit(limited.wsUrl, guess(4), guesser)).toMatchObject({ code: 4429, reason: expect.stringMatching(/^RATE_LIMITED/) });
    // The right link is refused from that address too, and opens from another.
    expect(await connectionInit(limited.wsUrl, { payload: { boardLink: publishLeaderboard.token } }, guesser)).toMatchObject({ code: 4429 });
    expect(await connectionInit(limited.wsUrl, { payload: { boardLink: publishLeaderboard.token } }, { 'x-forwarded-for': '198.51.100.3' })).toEqual({ type: 'connection_ack' });
  });
});
