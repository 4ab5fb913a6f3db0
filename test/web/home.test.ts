/**
 * The built web client as the server serves it: the first page in a real browser, caching
 * headers that let browsers keep the hashed assets, and the initial JavaScript within budget.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { ROOT_DIR, startTestServer, type TestServer } from '../support/harness.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

const DIST = join(ROOT_DIR, 'web', 'dist');
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** index.html's module script and module preloads: what a first visit loads before anything else. */
function initialScripts(): string[] {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  return [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="\/([^"]+\.js)"/g)].map((match) => match[1]);
}

it('loads at most 100 KB of JavaScript, gzipped, on a first visit', () => {
  const scripts = initialScripts();
  expect(scripts.length).toBeGreaterThan(0);
  const bytes = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(join(DIST, file))).length, 0);
  expect(bytes).toBeLessThanOrEqual(100 * 1024);
});

it('lets browsers keep hashed assets for a year and revalidate the page itself', async () => {
  const page = await fetch(server.running.webUrl);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const [script] = initialScripts();
  expect(script).toMatch(/^assets\/.+-[\w-]{8}\.js$/);
  const asset = await fetch(`${server.running.webUrl}${script}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
});

it('shows the installed reward schemes in the browser language, with no serious accessibility violation', async () => {
  const context = await browser.newContext({ locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(server.running.webUrl);
  await page.locator('ul.schemes li').first().waitFor();
  await expect(page.locator('h1').textContent()).resolves.toBe('Партнёрская программа');
  await expect(page.locator('ul.schemes li code').allTextContents()).resolves.toContain('percentage-of-sales');
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'home-ru');
  await context.close();
});
