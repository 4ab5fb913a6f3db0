/**
 * The partner cabinet in a real browser against a real server: the balances, rewards and
 * downline a partner's token opens show the same amounts and explanations the API returns.
 *
 * The tree: Anna → Boris. The campaign: percentage-of-sales 5 %, multi-level 3 % to the sponsor,
 * no hold days. Boris sells 10 000,00 ₽ (Boris 50 000 kopecks, Anna 30 000), approved; then
 * 2 000,00 ₽ (Boris 10 000, pending) and 24 sales of 10,00 ₽ (Boris 50 each, pending). Boris:
 * pending 10 000 + 24 × 50 = 11 200, approved = available = 50 000, paid 0; 26 rewards. Boris
 * is the only partner in region MSK: this month's net sales 10 000 + 2 000 + 24 × 10 = 12 240,00 ₽
 * in 26 sales, first of 1 on the region's board and on the program's (Anna sold nothing).
 */
import type { Browser, Page } from 'playwright-core';
import { annaRecruitsBoris, startTestServer, type TestServer } from '../support/harness.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

const RECORD = 'mutation Record($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }';
let server: TestServer;
let browser: Browser;
const ids: Record<string, string> = {};

async function token(name: string): Promise<string> {
  return (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${ids[name]}") { token } }`)).issuePartnerToken.token;
}

const sale = (externalId: string, amount: number) => ({ externalId, type: 'SALE', partnerId: ids.Boris, amount, currency: 'RUB' });

/** Text as laid out on screen, each run of spaces and line breaks (no-break ones too) as one space. */
const shown = async (page: Page, selector: string) => (await page.locator(selector).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());

beforeAll(async () => {
  server = await startTestServer();
  Object.assign(ids, await annaRecruitsBoris(server, 'Cabinet'));
  await server.ok('mutation { createRegion(input: { code: "MSK", name: "Moscow" }) { id } }');
  await server.ok(`mutation { updatePartner(id: "${ids.Boris}", input: { regionCode: "MSK" }) { id } }`);
  await server.ok(RECORD, { events: [sale('S-1', 1_000_000)] });
  await server.ok('mutation { approveDueRewards { approved } }');
  await server.ok(RECORD, { events: [sale('S-2', 200_000), ...Array.from({ length: 24 }, (_, i) => sale(`S-${i + 3}`, 1_000))] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("shows Boris's balances, and every reward with the API's explanation, loading more as he scrolls", async () => {
  const boris = await token('Boris');
  const api = await server.ok<{ me: { statements: unknown[] } }>('{ me { statements { currency pending approved available paid } } }', {}, boris);
  expect(api.me.statements).toEqual([{ currency: 'RUB', pending: 11_200, approved: 50_000, available: 50_000, paid: 0 }]);

  // The program's time zone: the page names this month by the browser's clock, the program counts it in Moscow time.
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Moscow', viewport: { width: 1000, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.running.webUrl}#/cabinet?token=${boris}`);
  await page.locator('dl.balances').waitFor();
  await expect(page.locator('h1').textContent()).resolves.toBe('Boris');
  expect(await shown(page, 'dl.balances[data-currency="RUB"] div')).toEqual(['Pending RUB 112.00', 'Approved RUB 500.00', 'Available for payout RUB 500.00', 'Paid RUB 0.00']);
  await page.locator('.month-rank').waitFor();
  expect(await shown(page, '.this-month li')).toEqual([
    'Net sales RUB 12,240.00 (26 sales)',
    'Your place in the whole program: 1 of 1. Open the live board',
    'Your place in region MSK: 1 of 1. Open the live board',
  ]);

  // The chart's figures: this month (the last of twelve) Boris's net sales, and his money rewards 500 + 100 + 24 × 0,50 = 612,00 ₽.
  await page.locator('.chart-canvas canvas').waitFor();
  await page.getByText('The figures as a table').click();
  const rows = await shown(page, '.chart details tbody tr');
  const thisMonth = new Intl.DateTimeFormat('en-US', { month: 'short', year: 'numeric', timeZone: 'Europe/Moscow' }).format(new Date());
  expect([rows.length, rows.at(-1)]).toEqual([12, `${thisMonth} RUB 12,240.00 RUB 612.00`]);

  // The newest 20 first; the rest when the end of the list scrolls into view.
  await page.locator('ul.rewards li').nth(19).waitFor();
  await page.locator('ul.rewards li').last().scrollIntoViewIfNeeded();
  await page.locator('ul.rewards li').nth(25).waitFor();
  expect(await page.locator('ul.rewards li').count()).toBe(26);
  const rewards = await server.ok<{ rewards: { edges: { node: { id: string; explanation: { en: string } } }[] } }>(
    '{ rewards(first: 100) { edges { node { id explanation { en } } } } }',
    {},
    boris,
  );
  expect(await shown(page, 'ul.rewards .explanation')).toEqual(rewards.rewards.edges.map((edge) => edge.node.explanation.en.replace(/\s+/g, ' ').trim()));
  const amounts = await shown(page, 'ul.rewards .amount');
  expect([amounts.at(-1), amounts.filter((amount) => amount === 'RUB 100.00').length, amounts.filter((amount) => amount === 'RUB 0.50').length]).toEqual(['RUB 500.00', 1, 24]);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'cabinet-en');

  await page.getByLabel('Status').selectOption('APPROVED');
  await page.locator('ul.rewards li').nth(1).waitFor({ state: 'detached' });
  expect(await shown(page, 'ul.rewards .amount')).toEqual(['RUB 500.00']);

  // The rank links to the live board of the region, as Boris sees it.
  await page.locator('.month-rank').getByRole('link', { name: 'Open the live board' }).click();
  await page.locator('table.ranking tbody tr[aria-current="true"]').waitFor();
  await expect(page.locator('.board-heading').textContent()).resolves.toBe('Net sales · This month · Region MSK');
  await context.close();
});

it("shows Anna's downline by level, in Russian for a Russian browser", async () => {
  const context = await browser.newContext({ locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(`${server.running.webUrl}#/cabinet?token=${await token('Anna')}`);
  await page.locator('dl.balances').waitFor();
  // Anna: 3 % of 10 000,00 ₽ = 300,00 ₽ approved; 3 % of 2 000,00 ₽ + 24 × 0,30 ₽ = 67,20 ₽ pending.
  expect(await shown(page, 'dl.balances div dd')).toEqual(['67,20 ₽', '300,00 ₽', '300,00 ₽', '0,00 ₽']);
  expect(await shown(page, '.fact')).toContain('Приглашённые партнёры 1 уровень 1: 1');
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'cabinet-ru');
  await context.close();
});
