#!/usr/bin/env node
// Cofactor board-on-screen benchmark: how long from recording a sale to the live board page
// showing it, in headless Chromium, beside the push reaching a plain graphql-ws subscriber in
// this process (the baseline: what the page adds is the difference). See `--help`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { fmt, freePort, log, percentile, readArgs } from './common.mjs';
import { RECORD_EVENTS, cleanupOnSignals, graphqlClient, now, reportFailure, startServer, stopServer } from './server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const USAGE = `Usage: node test/bench/board-screen.mjs [options]   (or: pnpm bench board-screen -- [options])

Starts one Cofactor server (embedded PostgreSQL in a fresh temp dir, the demo program), opens
the demo partner Oleg's live board (net sales this month) in headless Chromium, and subscribes
to the same board from this process over graphql-ws. Then, one at a time, it records a sale by
Oleg or Maria and measures, from just before the \`recordEvents\` request:
  - push: the subscriber here receiving the board's next push;
  - screen: the page's board table changing (a MutationObserver in the page).
Prints p50, p95 and max of each and the ratio of the medians (screen / push).

Options (defaults in brackets):
  --events N      sales measured, after 3 not measured                 [30]
  --gap-ms N      pause after each sale is on screen, so pushes do not merge   [600]
  --server PATH   the cli.js to start (default server/dist/cli.js)
  --chromium PATH the browser (default CHROMIUM_PATH or /usr/bin/chromium)
  --help          print this help

Everything listens on 127.0.0.1 and is stopped at the end.`;

const WARMUP = 3;
const BOARD = { metric: 'NET_SALES', period: 'MONTH' };
const SUBSCRIPTION = `subscription($input: LeaderboardInput!) { leaderboardChanged(input: $input, top: 10) { edges { node { rank value } } } }`;
const STEP_TIMEOUT_MS = 10_000;

const { values, integer } = readArgs(USAGE, {
  events: { type: 'string', default: '30' },
  'gap-ms': { type: 'string', default: '600' },
  server: { type: 'string', default: join(ROOT, 'server', 'dist', 'cli.js') },
  chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
});
const events = integer('events', 1, 10_000);
const gapMs = integer('gap-ms', 0, 60_000);

/** Something that happens again and again: `next()` resolves with the time of the first `fire()` after it, or rejects after STEP_TIMEOUT_MS. */
function signal() {
  let waiting = null;
  return {
    fire(at) {
      waiting?.(at);
      waiting = null;
    },
    next(what) {
      return new Promise((resolveAt, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
        waiting = (at) => (clearTimeout(timer), resolveAt(at));
      });
    },
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'cofactor-board-screen-'));
let server = null;
let browser = null;
let client = null;
const cleanup = async () => {
  await client?.dispose();
  await browser?.close().catch(() => {});
  if (server) await stopServer(server);
  rmSync(dataDir, { recursive: true, force: true });
};
cleanupOnSignals(cleanup);

try {
  const port = await freePort();
  server = startServer({ cli: values.server, port, pgPort: await freePort(), dataDir, env: { COFACTOR_APPROVE_EVERY: '0' } });
  await server.ready;
  // The banner's first lines are out once it says it is running; the key is among them.
  await new Promise((settle) => setTimeout(settle, 500));
  const adminKey = /Demo admin API key\s+(cfk_\S+)/.exec(server.output())[1];
  const url = `http://127.0.0.1:${port}`;
  const graphql = graphqlClient(`${url}/graphql`, adminKey);
  const { partners } = await graphql('{ partners(first: 10) { edges { node { id referralCode } } } }');
  const idOf = Object.fromEntries(partners.edges.map(({ node }) => [node.referralCode, node.id]));
  const { issuePartnerToken } = await graphql(`mutation { issuePartnerToken(partnerId: "${idOf.OLEG}") { token } }`);
  const token = issuePartnerToken.token;

  const push = signal();
  client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${adminKey}` }, retryAttempts: 0 });
  const firstPush = push.next('first push');
  client.subscribe({ query: SUBSCRIPTION, variables: { input: BOARD } }, { next: () => push.fire(now()), error: (error) => log(`subscription failed: ${JSON.stringify(error)}`), complete: () => {} });
  await firstPush;

  // A sale before the page opens, so the board has a table to change.
  await graphql(RECORD_EVENTS, { events: [{ externalId: 'SCREEN-first', type: 'SALE', partnerId: idOf.IVAN, amount: 50_000, currency: 'RUB' }] });
  const screen = signal();
  browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.exposeFunction('boardChanged', () => screen.fire(now()));
  await page.goto(`${url}/#/board?token=${token}&metric=${BOARD.metric}&period=${BOARD.period}`);
  await page.locator('table.ranking').waitFor();
  // Runs in the page, where globalThis is its window.
  await page.evaluate(() => {
    const observer = new globalThis.MutationObserver(() => globalThis.boardChanged());
    observer.observe(globalThis.document.querySelector('table.ranking'), { childList: true, subtree: true, characterData: true });
  });
  log(`board open in Chromium; recording ${WARMUP} + ${events} sales one at a time`);

  const pushes = [];
  const screens = [];
  for (let index = 0; index < WARMUP + events; index++) {
    // Oleg and Maria take turns, each sale larger than the last, so the ranking changes every time.
    const seller = index % 2 === 0 ? 'OLEG' : 'MARIA';
    const pushed = push.next('push');
    const shown = screen.next('change on screen');
    const sentAt = now();
    await graphql(RECORD_EVENTS, { events: [{ externalId: `SCREEN-${index}`, type: 'SALE', partnerId: idOf[seller], amount: 100_000 * (index + 1), currency: 'RUB' }] });
    const [pushAt, shownAt] = await Promise.all([pushed, shown]);
    if (index >= WARMUP) {
      pushes.push(pushAt - sentAt);
      screens.push(shownAt - sentAt);
    }
    await new Promise((settle) => setTimeout(settle, gapMs));
  }

  const figures = (latencies) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
  };
  const [p, s] = [figures(pushes), figures(screens)];
  const ms = (value) => `${value.toFixed(1)} ms`;
  console.log(`\nFrom a sale's recordEvents request to the board (${events} sales, net sales this month, push interval of the server's default):`);
  console.log(`  push to a graphql-ws subscriber   p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  max ${ms(p.max)}`);
  console.log(`  change on the page in Chromium    p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}`);
  console.log(`  screen / push, medians            ×${(s.p50 / p.p50).toFixed(2)} (the page adds ${ms(s.p50 - p.p50)})`);
  console.log(`  sales recorded                    ${fmt(WARMUP + events)}`);
} catch (error) {
  reportFailure(error, server);
} finally {
  await cleanup();
}
