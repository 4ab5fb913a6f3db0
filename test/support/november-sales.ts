import type { TestServer } from './harness.js';

/** A SALE in roubles (amounts in kopecks), as the simulation tests record them. */
export const sale = (externalId: string, partnerId: string, amount: number, occurredAt: string) => ({
  externalId,
  type: 'SALE',
  partnerId,
  amount,
  currency: 'RUB',
  occurredAt,
});

export interface NovemberSales {
  annaId: string;
  borisId: string;
  campaignId: string;
}

/**
 * The program the simulation tests replay: Anna (an AMBASSADOR) sponsors Boris (a RESELLER);
 * campaign "Sales" pays 5 % of each sale (percentage-of-sales) since 2026-01-01. Recorded in
 * four batches: S-0 (Anna, 10 000,00 ₽) in October, before a November span; then in November
 * S-1 (Anna, 100 000,00 ₽) with S-2 (Boris, 30 000,00 ₽), S-3 (Boris, 12 345,67 ₽), and R-1
 * returning 15 000,00 ₽ of S-2.
 */
export async function seedNovemberSales(server: TestServer): Promise<NovemberSales> {
  const annaId = (await server.ok<{ createPartner: { id: string } }>(`mutation { createPartner(input: { name: "Anna", kind: "AMBASSADOR" }) { id } }`)).createPartner.id;
  const borisId = (
    await server.ok<{ createPartner: { id: string } }>(`mutation($s: ID) { createPartner(input: { name: "Boris", kind: "RESELLER", sponsorId: $s }) { id } }`, {
      s: annaId,
    })
  ).createPartner.id;
  const campaignId = (
    await server.ok<{ createCampaign: { id: string } }>(`mutation($input: CampaignInput!) { createCampaign(input: $input) { id } }`, {
      input: { name: 'Sales', startsAt: '2026-01-01T00:00:00Z', currency: 'RUB', schemes: [{ code: 'percentage-of-sales', args: { percent: '5' } }] },
    })
  ).createCampaign.id;
  await server.ok(`mutation { activateCampaign(id: "${campaignId}") { id } }`);
  const record = (events: object[]) => server.ok(`mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted } }`, { e: events });
  await record([sale('S-0', annaId, 1_000_000, '2026-10-15T10:00:00Z')]);
  await record([sale('S-1', annaId, 10_000_000, '2026-11-03T10:00:00Z'), sale('S-2', borisId, 3_000_000, '2026-11-10T10:00:00Z')]);
  await record([sale('S-3', borisId, 1_234_567, '2026-11-12T10:00:00Z')]);
  await record([{ externalId: 'R-1', type: 'REFUND', refundOf: 'S-2', amount: 1_500_000, currency: 'RUB', occurredAt: '2026-11-20T10:00:00Z' }]);
  return { annaId, borisId, campaignId };
}
