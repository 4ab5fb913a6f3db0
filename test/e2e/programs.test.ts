/**
 * More than one program per server: `cofactor init` and the `createProgram` mutation create a
 * program with its currency, time zone and first admin key, and nothing else (no demo).
 * `cofactor api-key` picks the program it is told, or the only one, and never seeds the demo.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, freePort, startTestServer, type TestServer } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
const CREATE = `mutation($input: CreateProgramInput!) {
  createProgram(input: $input) { program { id name defaultCurrency timeZone } adminKey }
}`;
const INIT_HINT = '`pnpm cofactor init --name "My brand" --currency RUB --time-zone Europe/Moscow`';

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd: ROOT_DIR }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('cofactor init and api-key', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = {
      COFACTOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'cofactor-programs-')),
      COFACTOR_PG_PORT: String(await freePort()),
      PORT: String(await freePort()),
      COFACTOR_SEED_DEMO: 'false',
    };
  });
  afterAll(() => rmSync(env.COFACTOR_DATA_DIR, { recursive: true, force: true }));

  it('says how to create a program when there is none, and seeds no demo', async () => {
    const apiKey = await cli(env, 'api-key');
    expect(apiKey).toEqual({ code: 1, stdout: '', stderr: `cofactor: no program yet; create one with ${INIT_HINT}\n` });

    const start = await new Promise<string>((resolve) => {
      const child = execFile(process.execPath, [CLI, 'start'], { env: { ...process.env, ...env }, cwd: ROOT_DIR }, (_error, stdout) => resolve(stdout));
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Press Ctrl-C to stop.')) child.kill('SIGTERM');
      });
    });
    expect(start).toContain(`  No program yet       create one with ${INIT_HINT}\n`);
    expect(start).not.toContain('Demo admin API key');
  });

  it('refuses bad input in one line naming each option, and writes nothing', async () => {
    const bad = await cli(env, 'init', '--name', ' ', '--currency', 'rub', '--time-zone', '+03:00');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      'cofactor: --name: must be 1–200 characters, got none; --currency: must be an ISO 4217 code such as RUB; --time-zone: must be an IANA time zone such as Europe/Moscow\n',
    );
    expect((await cli(env, 'api-key')).stderr).toContain('no program yet');
  });

  it('creates a program with its first admin key, and picks the program for api-key', async () => {
    const first = await cli(env, 'init', '--name', 'Acme Bikes', '--currency', 'EUR', '--time-zone', 'Europe/Berlin');
    expect(first.code).toBe(0);
    const [, firstId] = /^program (\d+) "Acme Bikes" created \(EUR, Europe\/Berlin\)$/m.exec(first.stdout)!;
    expect(first.stdout).toMatch(/\ncfk_\S+\n$/);

    // One program: api-key takes it without being told.
    expect((await cli(env, 'api-key', '--scopes', 'analytics:read')).stdout).toMatch(/^cfk_\S+\n$/);

    const second = await cli(env, 'init', '--name', 'Acme Scooters', '--currency', 'RUB', '--time-zone', 'Europe/Moscow');
    const [, secondId] = /^program (\d+) "Acme Scooters"/m.exec(second.stdout)!;
    const list = `${firstId} "Acme Bikes", ${secondId} "Acme Scooters"`;
    expect(await cli(env, 'api-key')).toEqual({ code: 1, stdout: '', stderr: `cofactor: 2 programs (${list}): choose one with --program <id>\n` });
    expect((await cli(env, 'api-key', '--program', secondId)).stdout).toMatch(/^cfk_\S+\n$/);
    expect(await cli(env, 'api-key', '--program', '999')).toEqual({ code: 1, stdout: '', stderr: `cofactor: no program 999; the programs are: ${list}\n` });
    expect((await cli(env, 'api-key', '--program', firstId, '--scopes', 'admin,root')).stderr).toBe(
      'cofactor: --scopes: unknown scope "root" (known: admin, events:write, analytics:read, platform:admin)\n',
    );
  });
});

describe('createProgram', () => {
  let server: TestServer;
  let platformKey: string;
  let partnerToken: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ key: platformKey } = await server.running.app.auth.createApiKey(server.programId, 'operator', ['platform:admin']));
    const { createPartner } = await server.ok<{ createPartner: { id: string } }>(
      `mutation { createPartner(input: { name: "First program's partner", kind: "RESELLER", referralCode: "FIRST" }) { id } }`,
    );
    ({ token: partnerToken } = await server.running.app.auth.issuePartnerToken(server.programId, createPartner.id));
  });
  afterAll(() => server?.stop());

  const input = { name: 'Second brand', defaultCurrency: 'KZT', timeZone: 'Asia/Almaty' };

  it("is refused to a program's admin key and to a partner token", async () => {
    const byAdmin = await server.gql(CREATE, { input });
    expect(byAdmin.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const byPartner = await server.gql(CREATE, { input }, partnerToken);
    expect(byPartner.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    // Nor may a program's admin mint a platform key for itself.
    const mint = await server.gql(`mutation { createApiKey(name: "climb", scopes: ["platform:admin"]) { key } }`);
    expect(mint.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await server.sql('select count(*)::int as programs from program')).toEqual([{ programs: 1 }]);
  });

  it('creates a program for a platform:admin key, whose first admin key sees only the new program', async () => {
    const { createProgram } = await server.ok<{ createProgram: { program: Record<string, string>; adminKey: string } }>(CREATE, { input }, platformKey);
    expect(createProgram.program).toEqual({ id: expect.any(String), ...input });
    expect(createProgram.program.id).not.toBe(server.programId);
    const rows = await server.sql<{ token_secret: string }>('select token_secret from program order by id');
    expect(new Set(rows.map((row) => row.token_secret)).size).toBe(2); // its own token secret

    // Nothing seeded: no partners, campaigns or regions; the first program's partner is not visible.
    const view = await server.ok(`{ partners { edges { node { id } } } campaigns { edges { node { id } } } regions { id } }`, {}, createProgram.adminKey);
    expect(view).toEqual({ partners: { edges: [] }, campaigns: { edges: [] }, regions: [] });
  });

  it('refuses bad input with the path of each field, and writes nothing', async () => {
    const before = await server.sql('select count(*)::int as programs from program');
    // MAX_NAME_LENGTH = 200: 201 characters is one too many.
    const result = await server.gql(CREATE, { input: { name: 'x'.repeat(201), defaultCurrency: 'ZZZ', timeZone: 'Mars/Olympus_Mons' } }, platformKey);
    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      issues: [
        { path: 'input.name', message: 'must be 1–200 characters, got 201' },
        { path: 'input.defaultCurrency', message: 'must be an ISO 4217 code such as RUB' },
        { path: 'input.timeZone', message: 'must be an IANA time zone such as Europe/Moscow' },
      ],
    });
    expect(await server.sql('select count(*)::int as programs from program')).toEqual(before);
    // Exactly 200 characters, the limit itself, is accepted; an offset is not a time zone.
    const atLimit = await server.ok<{ createProgram: { program: { name: string } } }>(CREATE, { input: { ...input, name: 'y'.repeat(200) } }, platformKey);
    expect(atLimit.createProgram.program.name).toHaveLength(200);
    const offset = await server.gql(CREATE, { input: { ...input, timeZone: '+03:00' } }, platformKey);
    expect(offset.errors?.[0].extensions?.issues).toEqual([{ path: 'input.timeZone', message: 'must be an IANA time zone such as Europe/Moscow' }]);
  });
});
