/**
 * The live leaderboard page in a real browser against a real server: a partner opens its board,
 * a sale is recorded through the API, and the page shows the new ranking pushed over its
 * WebSocket, with the move marked and the partner's own row highlighted; in English and in
 * Russian. How soon it shows is measured by `pnpm bench board-screen`, not asserted here.
 *
 * Net sales of all time, in kopecks: Anna 300 000, Boris 200 000, Vera 100 000. Vera then sells
 * 250 000 more: 350 000, first; Anna and Boris each move one place down.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/harness.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

const RECORD = 'mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }';
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
const ids: Record<string, string> = {};

async function sale(externalId: string, partner: string, amount: number) {
  await server.ok(RECORD, { events: [{ externalId, type: 'SALE', partnerId: ids[partner], amount, currency: 'RUB' }] });
}

/** The rows on screen: rank, move, name and value cells as shown, each space (no-break ones too) as ' '. */
async function rows(page: Page): Promise<string[][]> {
  const cells = await page.locator('table.ranking tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  return cells.map((row) => row.map((cell) => cell.replace(/\s+/g, ' ').trim()));
}

beforeAll(async () => {
  // Links are re-checked every second, so a revoked one closes its screens within the test.
  server = await startTestServer({ boardPushMs: 250, credentialRecheckSeconds: 1 });
  const create = 'mutation Create($input: CreatePartnerInput!) { createPartner(input: $input) { id } }';
  for (const name of ['Anna', 'Boris', 'Vera']) {
    ids[name] = (await server.ok(create, { input: { name, kind: 'AMBASSADOR', referralCode: name.toUpperCase() } })).createPartner.id;
  }
  await sale('S-1', 'Anna', 300_000);
  await sale('S-2', 'Boris', 200_000);
  await sale('S-3', 'Vera', 100_000);
  // Partners see each other's names and values on this program's boards.
  await server.ok('mutation { setLeaderboardVisibility(names: FULL, values: true) { names } }');
  browser = await launchBrowser();
  context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 700 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("shows Vera's board live: her own row marked, and her new first place pushed to the page after the sale", async () => {
  const { issuePartnerToken } = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Vera}") { token } }`);
  const page = await context.newPage();
  // What reaches the page, to tell a push from a reload or a poll.
  const pushes: string[] = [];
  const requests: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => pushes.push(String(payload))));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${server.running.webUrl}#/board?token=${issuePartnerToken.token}&metric=NET_SALES&period=ALL`);
  await page.locator('.live-status.live').waitFor();
  await page.locator('table.ranking tbody tr').nth(2).waitFor();
  expect(await rows(page)).toEqual([
    ['1', '', 'Anna', 'RUB 3,000.00'],
    ['2', '', 'Boris', 'RUB 2,000.00'],
    ['3', '', 'Vera (you)', 'RUB 1,000.00'],
  ]);
  expect(await page.locator('tr[aria-current="true"]').getAttribute('data-partner')).toBe(ids.Vera);
  await expect(page.locator('.board-me').textContent()).resolves.toBe('Your place: 3 of 3');
  expect(await seriousViolations(page)).toEqual([]);

  const [pushesBefore, requestsBefore] = [pushes.length, requests.length];
  // The listeners see the page: its load (the page, its script) and the board's first push.
  expect(requestsBefore).toBeGreaterThan(0);
  expect(pushes.some((payload) => payload.includes('"leaderboardChanged"'))).toBe(true);
  await sale('S-4', 'Vera', 250_000);
  const recorded = Date.now();
  await page.locator('table.ranking tbody tr').first().locator('td.name', { hasText: 'Vera' }).waitFor({ timeout: 10_000 });
  process.stdout.write(`board: the sale showed on the page ${Date.now() - recorded} ms after recordEvents answered\n`);
  expect(await rows(page)).toEqual([
    ['1', '▲ up 2', 'Vera (you)', 'RUB 3,500.00'],
    ['2', '▼ down 1', 'Anna', 'RUB 3,000.00'],
    ['3', '▼ down 1', 'Boris', 'RUB 2,000.00'],
  ]);
  await expect(page.locator('.board-me').textContent()).resolves.toBe('Your place: 1 of 3');
  // The new ranking came over the WebSocket, the page asked for nothing.
  expect(pushes.slice(pushesBefore).some((payload) => payload.includes('"leaderboardChanged"') && payload.includes('350000'))).toBe(true);
  expect(requests.slice(requestsBefore)).toEqual([]);
  await screenshot(page, 'board-en');
  await page.close();
});

it('switches to Russian, formatting money for it, and keeps the choice on reload', async () => {
  const { issuePartnerToken } = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Anna}") { token } }`);
  const page = await context.newPage();
  await page.goto(`${server.running.webUrl}#/board?token=${issuePartnerToken.token}&period=ALL`);
  await page.locator('table.ranking tbody tr').nth(2).waitFor();
  await page.getByLabel('Language').selectOption('ru');
  await expect(page.locator('h1').textContent()).resolves.toBe('Рейтинг');
  // Russian groups thousands with a (no-break) space and puts the sign after: 3 000,00 ₽.
  expect((await rows(page)).map((row) => [row[0], row[2], row[3]])).toEqual([
    ['1', 'Vera', '3 500,00 ₽'],
    ['2', 'Anna (вы)', '3 000,00 ₽'],
    ['3', 'Boris', '2 000,00 ₽'],
  ]);
  await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ru');
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'board-ru');
  await page.reload();
  await expect(page.locator('.board-heading').textContent()).resolves.toBe('Чистые продажи · За всё время');
  await page.close();
});

it('shows a published link on a screen with no credential, live, until the link is revoked', async () => {
  const PUBLISH = 'mutation($i: LeaderboardInput!) { publishLeaderboard(name: "Shop screen", input: $i) { link { id } token } }';
  const { publishLeaderboard } = await server.ok<{ publishLeaderboard: { link: { id: string }; token: string } }>(PUBLISH, { i: { metric: 'SALES', period: 'ALL' } });
  const screen = await browser.newContext({ locale: 'en-US', viewport: { width: 1920, height: 1080 } });
  const page = await screen.newPage();
  await page.goto(`${server.running.webUrl}#/board?link=${publishLeaderboard.token}`);
  await page.locator('table.ranking tbody tr').nth(2).waitFor();
  // Sales counted: Vera 2 (S-3, S-4); Anna and Boris 1 each, tied for second place, listed by id.
  await expect(page.locator('.board-heading').textContent()).resolves.toBe('Sales · All time');
  expect(await rows(page)).toEqual([
    ['1', '', 'Vera', '2'],
    ['2', '', 'Anna', '1'],
    ['2', '', 'Boris', '1'],
  ]);
  expect(await page.locator('.board-me').count()).toBe(0);
  await sale('S-5', 'Boris', 1_000);
  await sale('S-6', 'Boris', 1_000);
  await page.locator('table.ranking tbody tr').first().locator('td.name', { hasText: 'Boris' }).waitFor({ timeout: 5_000 });
  expect((await rows(page)).map((row) => [row[0], row[2], row[3]])).toEqual([
    ['1', 'Boris', '3'],
    ['2', 'Vera', '2'],
    ['3', 'Anna', '1'],
  ]);
  await screenshot(page, 'board-link-wall');

  await server.ok(`mutation { revokeLeaderboardLink(id: "${publishLeaderboard.link.id}") { revokedAt } }`);
  await expect(page.locator('[role="alert"]').textContent({ timeout: 10_000 })).resolves.toBe('This link does not give access to this page. Ask the program manager for the right one.');
  await screen.close();
});

it('says in words what is wrong when the link has no token, or a withdrawn one', async () => {
  const english = await browser.newContext({ locale: 'en-US' });
  const page = await english.newPage();
  await page.goto(`${server.running.webUrl}#/board`);
  await expect(page.locator('main p').first().textContent()).resolves.toContain('Open it from your partner cabinet');
  const { issuePartnerToken } = await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Vera}") { token } }`);
  // A metric the API does not know: its refusal, in words, naming the field.
  await page.goto(`${server.running.webUrl}#/board?token=${issuePartnerToken.token}&metric=TURNOVER`);
  await expect(page.locator('[role="alert"]').textContent()).resolves.toMatch(/^The page address has a mistake: .*TURNOVER.*\.$/);
  // Only the address's hash changes, so the page is the same document and reacts after goto
  // returns: until then the last refusal is still on screen. Wait for the new board's answer.
  await page.goto(`${server.running.webUrl}#/board?token=cfp_not-a-token&period=ALL`);
  const expired = page.locator('[role="alert"]', { hasText: 'Your link has expired' });
  await expect(expired.textContent()).resolves.toBe('Your link has expired or was withdrawn. Open the page again from your partner cabinet to get a fresh one.');
  await english.close();
});

it('fits a phone-sized screen: nothing wider than the screen, every row on it', async () => {
  const phone = await browser.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  const token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids.Vera}") { token } }`)).issuePartnerToken.token;
  await page.goto(`${server.running.webUrl}#/board?token=${token}&period=ALL`);
  await page.locator('table.ranking tbody tr').nth(2).waitFor();
  const widths = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return { scroll: root.scrollWidth, client: root.clientWidth };
  });
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  expect(await page.locator('table.ranking tbody tr').count()).toBe(3);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'board-phone');
  await phone.close();
});
