/**
 * recruit-bonus and ad-placement through the real API, with amounts written out.
 * The program's time zone is Moscow (UTC+3): a "day" for daily caps is a Moscow day.
 */
import { startTestServer, type TestServer } from '../support/harness.js';

let server: TestServer;
let maria: string;
let adsCampaign: string;
let recruitCampaign: string;

async function campaign(name: string, schemes: unknown[]): Promise<string> {
  const created = await server.ok<{ createCampaign: { id: string } }>(
    `mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`,
    { input: { name, startsAt: '2026-01-01T00:00:00+03:00', currency: 'RUB', schemes } },
  );
  await server.ok(`mutation { activateCampaign(id: "${created.createCampaign.id}") { id } }`);
  return created.createCampaign.id;
}

async function paid(campaignId: string): Promise<{ partner: string; amount: string }[]> {
  return server.sql(
    `select p.name as partner, r.amount::text from reward r join partner p on p.id = r.partner_id where r.campaign_id = $1 order by r.id`,
    [campaignId],
  );
}

beforeAll(async () => {
  server = await startTestServer();
  // 1 000,00 ₽ to the sponsor when a recruit is approved.
  recruitCampaign = await campaign('Bring a partner', [{ code: 'recruit-bonus', args: { trigger: 'APPROVED', amount: '100000' } }]);
  // 2,00 ₽ per click, 50,00 ₽ per 1 000 impressions, at most 100,00 ₽ a day.
  adsCampaign = await campaign('Ads', [{ code: 'ad-placement', args: { perClick: '200', perThousandImpressions: '5000', dailyCap: '10000' } }]);
  const created = await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Maria", kind: "INFLUENCER" }) { id } }`);
  maria = created.createPartner.id;
});

afterAll(async () => {
  await server?.stop();
});

it("pays the sponsor once when a recruit is approved, not when it joins", async () => {
  const ivan = await server.ok<{ createPartner: { id: string } }>(
    `mutation { createPartner(input: { name: "Ivan", kind: "AMBASSADOR", status: "PENDING", sponsorId: "${maria}" }) { id } }`,
  );
  expect(await paid(recruitCampaign)).toEqual([]);
  const setStatus = (status: string) => server.ok(`mutation { updatePartner(id: "${ivan.createPartner.id}", input: { status: "${status}" }) { id } }`);
  await setStatus('ACTIVE');
  expect(await paid(recruitCampaign)).toEqual([{ partner: 'Maria', amount: '100000' }]);
  // Suspending and re-activating is not a second approval.
  await setStatus('SUSPENDED');
  await setStatus('ACTIVE');
  expect(await paid(recruitCampaign)).toHaveLength(1);
});

it('caps ad earnings per Moscow day', async () => {
  const record = (events: unknown[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
  const at = '2026-05-10T10:00:00+03:00';
  // 40 clicks: 40 × 200 = 8 000.
  await record(Array.from({ length: 40 }, (_, i) => ({ externalId: `C-${i}`, type: 'CLICK', partnerId: maria, occurredAt: at })));
  // 1 000 impressions: the 1 000th would add 5 000, but the day is capped at 10 000: it adds 2 000.
  await record(Array.from({ length: 1000 }, (_, i) => ({ externalId: `I-${i}`, type: 'IMPRESSION', partnerId: maria, occurredAt: at })));
  // 5 more clicks the same day: nothing left under the cap.
  await record(Array.from({ length: 5 }, (_, i) => ({ externalId: `C-late-${i}`, type: 'CLICK', partnerId: maria, occurredAt: '2026-05-10T23:00:00+03:00' })));
  // 00:30 on 11 May in Moscow is still 10 May in UTC, but it is a new day for the cap: 200.
  await record([{ externalId: 'C-next', type: 'CLICK', partnerId: maria, occurredAt: '2026-05-11T00:30:00+03:00' }]);

  const byDay = await server.sql<{ day: string; total: string; entries: number }>(
    `select to_char(e.occurred_at at time zone 'Europe/Moscow', 'YYYY-MM-DD') as day, sum(r.amount)::text as total, count(*)::int as entries
       from reward r join event e on e.id = r.event_id where r.campaign_id = $1 group by 1 order by 1`,
    [adsCampaign],
  );
  expect(byDay).toEqual([
    { day: '2026-05-10', total: '10000', entries: 41 },
    { day: '2026-05-11', total: '200', entries: 1 },
  ]);
  const capped = await server.sql<{ amount: string; explanation_en: string }>(
    `select r.amount::text, r.explanation_en from reward r join event e on e.id = r.event_id where r.campaign_id = $1 and e.external_id = 'I-999'`,
    [adsCampaign],
  );
  expect(capped).toEqual([{ amount: '2000', explanation_en: expect.stringContaining('daily cap') }]);
});
