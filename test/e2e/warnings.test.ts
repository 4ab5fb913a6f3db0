/**
 * The server as an operator runs it (`cofactor start`, a real process with the embedded
 * PostgreSQL and the demo program) records a batch whose schemes look up the hierarchy and
 * the stats in overlapping rounds, and prints no warning: in particular no `pg`
 * DeprecationWarning for a query sent while the batch's connection was still busy with two
 * others (pg 9 makes that an error). A separate process, because a warning goes to the
 * process's stderr, which a test inside jest's sandbox does not hear.
 *
 * The demo tree: Ivan (root) → Maria → Oleg, its "Launch campaign": 5 % of sales, then
 * multi-level 3 % / 1 %, and its "Goals and points", a point per sale among others. Two more active campaigns make the rounds overlap: "Second line"
 * (multi-level 2 % to the sponsor) reads the upline at once, "Points" reads the stats at once,
 * and the launch campaign reads the upline only after its first scheme has paid.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, freePort } from '../support/harness.js';

const CLI = join(ROOT_DIR, 'server', 'dist', 'cli.js');
const CREATE_CAMPAIGN = `mutation Create($input: CampaignInput!) { createCampaign(input: $input) { id } }`;
const RECORD = `mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { accepted rewardsCreated } }`;

const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-warnings-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function graphql<T>(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

it('records a batch that reads the upline and the stats in overlapping rounds, and prints no warning', async () => {
  const env = { PORT: String(await freePort()), COFACTOR_PG_PORT: String(await freePort()), COFACTOR_DATA_DIR: dataDir, HOST: '127.0.0.1' };
  const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, ...env }, cwd: ROOT_DIR });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`cofactor start exited early:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = /GraphQL \(HTTP\)\s+(\S+)/.exec(output)![1];
    const key = /Demo admin API key\s+(cfk_\S+)/.exec(output)![1];
    for (const [name, scheme] of [
      ['Second line', { code: 'multi-level', args: { levels: ['2'] } }],
      ['Points', { code: 'points', args: {} }],
    ] as const) {
      const input = { name, startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [scheme] };
      const { createCampaign } = await graphql<{ createCampaign: { id: string } }>(url, key, CREATE_CAMPAIGN, { input });
      await graphql(url, key, `mutation { activateCampaign(id: "${createCampaign.id}") { id } }`);
    }
    const sale = (externalId: string, referralCode: string, day: number) => ({
      externalId,
      type: 'SALE',
      referralCode,
      amount: 1_000_000,
      currency: 'RUB',
      occurredAt: `2026-03-0${day}T10:00:00Z`,
    });
    const result = await graphql(url, key, RECORD, { events: [sale('W-1', 'OLEG', 1), sale('W-2', 'MARIA', 2), sale('W-3', 'OLEG', 3)] });
    // Launch campaign: 5 % to each seller (3), 3 % / 1 % up the tree — Oleg's two sales pay
    // Maria and Ivan (4), Maria's pays Ivan (1): 8. Second line: each sale's sponsor (3).
    // Points: each seller (3). The demo's "Goals and points": a point to each seller (3); its
    // goal of five new customers and its monthly volume step pay nothing here. 8 + 3 + 3 + 3 = 17.
    expect(result).toEqual({ recordEvents: { accepted: 3, rewardsCreated: 17 } });
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
  expect(output).not.toMatch(/Warning/);
});
