/**
 * The program manager's console in a real browser against a real server: the admin key asked
 * once, campaigns paused and activated, and the approval queue, whose API errors appear beside
 * the field they name.
 *
 * Anna (region NORTH) recruits Boris (region SOUTH); 5 % to the seller, 3 % to the sponsor, no
 * hold days. Boris sells 1 000,00 ₽ and 400,00 ₽: pending rewards Boris 5 000 and 2 000, Anna
 * 3 000 and 1 200 kopecks.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { annaRecruitsBoris, startTestServer, type TestServer } from '../support/harness.js';
import { SCREENSHOTS, launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
let page: Page;

const queue = async () => (await page.locator('ul.queue li label').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());

async function statuses(): Promise<Record<string, string>> {
  const rows = await server.sql<{ amount: string; status: string }>('select amount::text, status from reward order by id');
  return Object.fromEntries(rows.map((row) => [row.amount, row.status]));
}

beforeAll(async () => {
  server = await startTestServer();
  const ids = await annaRecruitsBoris(server, 'Spring');
  for (const [code, partner] of [['NORTH', ids.Anna], ['SOUTH', ids.Boris]]) {
    await server.ok(`mutation { createRegion(input: { code: "${code}", name: "${code}" }) { id } }`);
    await server.ok(`mutation { updatePartner(id: "${partner}", input: { regionCode: "${code}" }) { id } }`);
  }
  await server.ok('mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }', {
    e: [
      { externalId: 'S-1', type: 'SALE', partnerId: ids.Boris, amount: 100_000, currency: 'RUB' },
      { externalId: 'S-2', type: 'SALE', partnerId: ids.Boris, amount: 40_000, currency: 'RUB' },
    ],
  });
  browser = await launchBrowser();
  // The program's time zone: the console names this month by the browser's clock, the program counts it in Moscow time.
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Moscow', viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('asks for the admin key once, then lists the campaigns and pauses and activates one', async () => {
  await page.goto(`${server.running.webUrl}#/console`);
  await page.getByLabel('Admin API key').fill(server.adminKey);
  await page.getByRole('button', { name: 'Open the console' }).click();
  const row = page.locator('table.campaigns tbody tr', { hasText: 'Spring' });
  await expect(row.locator('td.status').textContent()).resolves.toBe('active');
  await row.getByRole('button', { name: 'Pause' }).click();
  await row.getByRole('button', { name: 'Activate' }).waitFor();
  await expect(row.locator('td.status').textContent()).resolves.toBe('paused');
  await row.getByRole('button', { name: 'Activate' }).click();
  await row.getByRole('button', { name: 'Pause' }).waitFor();
  const [{ status }] = await server.sql<{ status: string }>("select status from campaign where name = 'Spring'");
  expect(status).toBe('ACTIVE');
  // The key stays for this tab: a reload opens the console again without asking.
  await page.reload();
  await row.waitFor();
});

it('approves the chosen rewards, and shows a missing reason beside its field without rejecting anything', async () => {
  await page.locator('ul.queue li').nth(3).waitFor();
  expect((await queue()).map((text) => text.replace(/ [A-Z][a-z]{2} \d+, \d{4}$/, '')).sort()).toEqual(['RUB 12.00 Anna', 'RUB 20.00 Boris', 'RUB 30.00 Anna', 'RUB 50.00 Boris']);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'console-en');

  await page.locator('ul.queue li', { hasText: 'RUB 50.00' }).getByRole('checkbox').check();
  await page.locator('ul.queue li', { hasText: 'RUB 30.00' }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Approve (2)' }).click();
  await page.locator('ul.queue li').nth(2).waitFor({ state: 'detached' });
  expect(await statuses()).toEqual({ '5000': 'APPROVED', '3000': 'APPROVED', '2000': 'PENDING', '1200': 'PENDING' });

  await page.locator('ul.queue li', { hasText: 'RUB 20.00' }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Reject (1)' }).click();
  await expect(page.locator('#reject-reason-error').textContent()).resolves.toBe('must be 1–1000 characters, got none');
  await expect(page.getByLabel('Reason for rejecting (the partner reads it)').getAttribute('aria-invalid')).resolves.toBe('true');
  await screenshot(page, 'console-reason-error');
  expect(await statuses()).toEqual({ '5000': 'APPROVED', '3000': 'APPROVED', '2000': 'PENDING', '1200': 'PENDING' });

  await page.getByLabel('Reason for rejecting (the partner reads it)').fill('Order S-2 was cancelled before delivery');
  await page.getByRole('button', { name: 'Reject (1)' }).click();
  await page.locator('ul.queue li').nth(1).waitFor({ state: 'detached' });
  expect(await statuses()).toEqual({ '5000': 'APPROVED', '3000': 'APPROVED', '2000': 'REJECTED', '1200': 'PENDING' });
});

it('creates a campaign through the form generated from the scheme, a wrong value shown beside its field first', async () => {
  await page.getByLabel('Name', { exact: true }).fill('Autumn');
  await page.getByLabel('Starts at').fill('2026-09-01T00:00');
  await page.getByLabel('Hold days before approval').fill('0');
  await page.getByLabel('Reward scheme').selectOption({ label: 'Percentage of sales' });
  await page.getByRole('button', { name: 'Add the scheme' }).click();
  await page.locator('#field-schemes-0-args-percent').fill('150');
  await page.getByRole('button', { name: 'Add: Volume tiers' }).click();
  await page.locator('#field-schemes-0-args-tiers-0-from').fill('1000');
  await page.locator('#field-schemes-0-args-tiers-0-percent').fill('7');
  await page.getByRole('button', { name: 'Add: Rates by partner kind' }).click();
  await page.locator('#field-schemes-0-args-kindRates-0-kind').selectOption('DEALER');
  await page.locator('#field-schemes-0-args-kindRates-0-percent').fill('10');
  await page.getByRole('button', { name: 'Create the campaign (as a draft)' }).click();

  // 150 % is over the scheme's maximum of 100: the API's message, beside that field; nothing written.
  await expect(page.locator('#field-schemes-0-args-percent-error').textContent()).resolves.toBe('must be at most 100, got 150');
  await expect(page.locator('#field-schemes-0-args-percent').getAttribute('aria-invalid')).resolves.toBe('true');
  expect(await server.sql("select 1 from campaign where name = 'Autumn'")).toEqual([]);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'console-editor-error');

  await page.locator('#field-schemes-0-args-percent').fill('5');
  await page.getByRole('button', { name: 'Create the campaign (as a draft)' }).click();
  await expect(page.locator('.notice').textContent()).resolves.toBe('Campaign "Autumn" created as a draft; activate it in the list above.');
  await expect(page.locator('table.campaigns tbody tr', { hasText: 'Autumn' }).locator('td.status').textContent()).resolves.toBe('draft');
  // 1 000,00 ₽ is 100 000 kopecks.
  const [campaign] = await server.sql<{ status: string; hold_days: number; args: unknown }>(
    "select c.status, c.hold_days, s.args from campaign c join scheme_instance s on s.campaign_id = c.id where c.name = 'Autumn'",
  );
  expect(campaign).toEqual({ status: 'DRAFT', hold_days: 0, args: { percent: '5', tiers: [{ from: '100000', percent: '7' }], kindRates: [{ kind: 'DEALER', percent: '10' }] } });
});

it('edits a campaign in the same form: limits and targeting, an unknown region named beside its field, the unchanged scheme kept', async () => {
  await page.getByRole('button', { name: 'Edit: Autumn' }).click();
  await page.getByRole('heading', { name: 'Campaign "Autumn"' }).waitFor();
  // The stored args come back as typed: 1 000,00 ₽ in major units.
  await expect(page.locator('#field-schemes-0-args-tiers-0-from').inputValue()).resolves.toBe('1000.00');
  await page.getByLabel('Budget (RUB)').fill('5000');
  await page.getByLabel('Per-partner cap (RUB)').fill('1000,50');
  await page.getByLabel('Cap period').selectOption({ label: 'Quarter' });
  await page.getByRole('checkbox', { name: 'DEALER' }).check();
  await page.getByLabel('Region codes').fill('NORTH, NOWHERE');
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await expect(page.locator('#field-regionCodes-error').textContent()).resolves.toBe('no region "NOWHERE" in this program');
  const stored = async () =>
    (await server.sql<{ budget: string | null; partner_cap: string | null; cap_period: string; targeting: unknown }>(
      "select budget::text, partner_cap::text, cap_period, targeting from campaign where name = 'Autumn'",
    ))[0];
  expect((await stored()).budget).toBeNull();

  await page.getByLabel('Region codes').fill('NORTH');
  await page.getByRole('button', { name: 'Save the changes' }).click();
  await expect(page.locator('.notice', { hasText: 'saved' }).textContent()).resolves.toBe('Campaign "Autumn" saved.');
  const [north] = await server.sql<{ id: string }>("select id::text from region where code = 'NORTH'");
  // 5 000,00 ₽ and 1 000,50 ₽ in kopecks.
  expect(await stored()).toEqual({ budget: '500000', partner_cap: '100050', cap_period: 'QUARTER', targeting: { partnerKinds: ['DEALER'], segments: [], regionIds: [north.id], levels: [] } });
  // The scheme came back unchanged, so its slot (and the keys of its rewards) stayed as it was.
  const instances = await server.sql<{ key: string; retired: boolean }>(
    "select s.key, s.retired_at is not null as retired from scheme_instance s join campaign c on c.id = s.campaign_id where c.name = 'Autumn'",
  );
  expect(instances).toEqual([{ key: 'percentage-of-sales', retired: false }]);
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Stop editing' }).click();
  await page.getByRole('heading', { name: 'New campaign' }).waitFor();
});

it('pays everyone owed at least the minimum in one batch, and downloads its CSV as the API gives it', async () => {
  // Approved above: Boris 5 000 and Anna 3 000 kopecks; nothing is paid yet.
  await page.getByLabel('Pay partners owed at least (RUB)').fill('ten');
  await page.getByRole('button', { name: 'Create a payout batch' }).click();
  await expect(page.locator('#payout-minimumAmount-error').textContent()).resolves.toBe('enter an amount such as 100.00');
  expect(await server.sql('select 1 from payout')).toEqual([]);

  await page.getByLabel('Pay partners owed at least (RUB)').fill('10');
  await page.getByRole('button', { name: 'Create a payout batch' }).click();
  await expect(page.locator('.batch p').innerText()).resolves.toMatch(/^Batch made: 2 payouts, RUB\s80\.00 in all\./);
  const [batch] = await server.sql<{ id: string }>('select id::text from payout_batch');
  const { payoutBatch } = await server.ok<{ payoutBatch: { csv: string } }>(`{ payoutBatch(id: "${batch.id}") { csv } }`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the CSV for the bank' }).click()]);
  expect(download.suggestedFilename()).toBe(`payout-batch-${batch.id}.csv`);
  const saved = await download.createReadStream();
  let csv = '';
  for await (const chunk of saved) csv += chunk;
  expect(csv).toBe(payoutBatch.csv);
  expect(csv.split('\r\n').filter(Boolean)).toHaveLength(3);
  expect(await seriousViolations(page)).toEqual([]);
});

it("compares the regions' net sales this month, as bars and as a table", async () => {
  // SOUTH: Boris's 1 000,00 + 400,00 ₽, one active partner; NORTH: Anna, who sold nothing.
  await page.locator('table.region-table tbody tr').nth(1).waitFor();
  const rows = await page.locator('table.region-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim())));
  expect(rows).toEqual([
    ['NORTH', 'RUB 0.00', '0'],
    ['SOUTH', 'RUB 1,400.00', '1'],
  ]);
  await expect(page.locator('svg.bars').getAttribute('aria-label')).resolves.toBe('Net sales by region, RUB');
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'console-regions');
});


it('finds a partner by a part of the name and opens the hierarchy a level at a time', async () => {
  const rows = async (selector: string) => (await page.locator(selector).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
  const list = page.locator('section.partners > ul.partner-list > li');
  await list.nth(1).waitFor();
  // By id: Anna, then Boris, who shows who recruited him.
  expect(await rows('section.partners > ul.partner-list > li')).toEqual([
    'Anna active AMBASSADOR · NORTH · level 1 · ANNA Recruits: 1',
    'Boris active COFACTOR · SOUTH · level 1 · BORIS · recruited by Anna',
  ]);
  await page.getByRole('button', { name: 'Recruits: 1' }).click();
  await page.locator('.recruits li').waitFor();
  expect(await rows('.recruits li')).toEqual(['Boris active COFACTOR · SOUTH · level 1 · BORIS']);
  await expect(page.getByRole('button', { name: 'Hide the recruits' }).getAttribute('aria-expanded')).resolves.toBe('true');
  await page.locator('section.partners').screenshot({ path: join(SCREENSHOTS, 'console-partners.png') });

  await page.getByLabel('Find by name, referral code or external id').fill('bor');
  // The list empties while the search is on its way, then holds its one match.
  await page.waitForFunction(
    (selector) => (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }).document.querySelectorAll(selector).length === 1,
    'section.partners > ul.partner-list > li',
  );
  expect(await rows('section.partners > ul.partner-list > li')).toEqual(['Boris active COFACTOR · SOUTH · level 1 · BORIS · recruited by Anna']);
  await page.getByLabel('Find by name, referral code or external id').fill('nobody');
  await page.getByText('No partner matches.').waitFor();
  expect(await seriousViolations(page)).toEqual([]);
});

it("shows the API's message about a wrong value in Russian when the page is in Russian", async () => {
  await page.getByLabel('Language').selectOption('ru');
  await page.getByLabel('Название', { exact: true }).fill('Зима');
  await page.getByLabel('Схема вознаграждения').selectOption({ label: 'Процент от продаж' });
  await page.getByRole('button', { name: 'Добавить схему' }).click();
  await page.locator('#field-schemes-0-args-percent').fill('150');
  await page.getByRole('button', { name: 'Создать кампанию (черновик)' }).click();
  await expect(page.locator('#field-schemes-0-args-percent-error').textContent()).resolves.toBe('должно быть не больше 100, а введено 150');
  await screenshot(page, 'console-ru');
  await page.getByLabel('Язык').selectOption('en');
});
