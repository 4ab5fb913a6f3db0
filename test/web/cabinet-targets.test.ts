/**
 * A partner's targets and points catalog in the cabinet, in a real browser against a real
 * server: the page draws what `Partner.progress` and `Partner.pointsCatalog` say, and
 * redeeming an item takes its cost off the balance shown.
 *
 * Vera's campaign "Goals": fixed-goal, 5 leads in the campaign for a 500,00 ₽ bonus, and
 * points at the seeds' table (1 point a sale) with a pen for 2 points and a mug for 5.
 * Vera records 3 leads and 3 sales: "3 of 5" leads, not reached; 3 points, so the pen can be
 * redeemed (1 point left) and the mug cannot.
 */
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/harness.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

let server: TestServer;
let browser: Browser;
let vera: string;
let token: string;

const shown = async (page: Page, selector: string) => (await page.locator(selector).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());

beforeAll(async () => {
  server = await startTestServer();
  vera = (await server.ok<{ createPartner: { id: string } }>('mutation { createPartner(input: { name: "Vera", kind: "AMBASSADOR" }) { id } }')).createPartner.id;
  const campaign = await server.ok<{ createCampaign: { id: string } }>('mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }', {
    input: {
      name: 'Goals',
      startsAt: '2026-01-01T00:00:00Z',
      currency: 'RUB',
      schemes: [
        { code: 'fixed-goal', args: { metric: 'LEADS', target: 5, amount: '50000' } },
        {
          code: 'points',
          args: {
            catalog: [
              { code: 'PEN', name: 'Branded pen', kind: 'MERCHANDISE', cost: '2' },
              { code: 'MUG', name: 'Branded mug', kind: 'MERCHANDISE', cost: '5' },
            ],
          },
        },
      ],
    },
  });
  await server.ok(`mutation { activateCampaign(id: "${campaign.createCampaign.id}") { id } }`);
  const events = [1, 2, 3].flatMap((n) => [
    { externalId: `L-${n}`, type: 'LEAD', partnerId: vera },
    { externalId: `S-${n}`, type: 'SALE', partnerId: vera, amount: 100_000, currency: 'RUB' },
  ]);
  await server.ok('mutation($events: [EventInput!]!) { recordEvents(events: $events) { accepted } }', { events });
  token = (await server.ok<{ issuePartnerToken: { token: string } }>(`mutation { issuePartnerToken(partnerId: "${vera}") { token } }`)).issuePartnerToken.token;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("shows Vera's targets as the API reports them, and redeems the item her points cover", async () => {
  const api = await server.ok<{ me: { progress: unknown[] } }>('{ me { progress { campaignName key current threshold unit reached reward { en } } } }', {}, token);
  expect(api.me.progress).toEqual([{ campaignName: 'Goals', key: 'goal', current: 3, threshold: 5, unit: 'COUNT', reached: false, reward: { en: 'Bonus RUB 500.00' } }]);

  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.running.webUrl}#/cabinet?token=${token}`);
  await page.locator('.targets li').waitFor();
  expect(await shown(page, '.progress h3')).toEqual(['Goals']);
  expect(await shown(page, '.targets li')).toEqual(['Leads in the campaign 3 of 5 gives: Bonus RUB 500.00']);
  const bar = page.getByRole('progressbar', { name: 'Leads in the campaign: 3 of 5' });
  await expect(bar.getAttribute('value')).resolves.toBe('600');

  await page.locator('.offers li').nth(1).waitFor();
  expect(await shown(page, '.offers li')).toEqual(['Branded pen 2 points Redeem', 'Branded mug 5 points Redeem']);
  await expect(page.getByRole('button', { name: 'Redeem Branded mug for 5 points' }).isDisabled()).resolves.toBe(true);
  expect(await seriousViolations(page)).toEqual([]);
  await screenshot(page, 'cabinet-targets');

  await page.getByRole('button', { name: 'Redeem Branded pen for 2 points' }).click();
  await page.getByRole('status').waitFor();
  await expect(page.getByRole('status').textContent()).resolves.toBe('Branded pen is yours. Points left: 1.');
  expect(await shown(page, '.fact')).toContain('Points 1');
  await expect(page.getByRole('button', { name: 'Redeem Branded pen for 2 points' }).isDisabled()).resolves.toBe(true);
  const balance = await server.ok<{ me: { pointsBalance: number } }>('{ me { pointsBalance } }', {}, token);
  expect(balance.me.pointsBalance).toBe(100);
  await context.close();
});

it('shows the targets in Russian for a Russian browser', async () => {
  const context = await browser.newContext({ locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(`${server.running.webUrl}#/cabinet?token=${token}`);
  await page.locator('.targets li').waitFor();
  expect(await shown(page, '.targets li')).toEqual(['Лиды за кампанию 3 из 5 даёт: Бонус 500,00 ₽']);
  await context.close();
});
