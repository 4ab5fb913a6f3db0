import { parseArgs, type JsonObject, type RewardDraft, type SchemeEvent } from '@cofactor/schema';
import { createTestContext, describeRewardSchemeConformance, testEvent, testPartner } from '@cofactor/schema/testing';
import { scheme } from './index.js';

const NBSP = '\u00a0';

/** Moscow-time June promo, ×1.5 on money rewards, everywhere. */
const JUNE: JsonObject = { startsAt: '2026-06-01T00:00:00+03:00', endsAt: '2026-07-01T00:00:00+03:00', multiplier: '1.5' };
/** The same June dates, +100,00 ₽ on each money reward and ×2 on money and points, in Moscow only. */
const JUNE_MOSCOW: JsonObject = {
  startsAt: '2026-06-01T00:00:00+03:00',
  endsAt: '2026-07-01T00:00:00+03:00',
  regionIds: ['region-msk'],
  kinds: ['MONEY', 'POINTS'],
  multiplier: '2',
  addAmount: '10000',
};

// Olga sells for 12 000,00 ₽ (order A-17, 2026-06-01 10:00 UTC); Sergey sponsored her.
const olga = testPartner({ id: 'partner-olga', name: 'Olga', regionId: 'region-msk', sponsorId: 'partner-sergey' });
const sale = (overrides: Partial<SchemeEvent> = {}) => testEvent({ partner: olga, ...overrides });

/** What percentage-of-sales at 5 % gives Olga for the sale: 1 200 000 × 5 / 100 = 60 000. */
const percentDraft: RewardDraft = {
  partnerId: 'partner-olga',
  kind: 'MONEY',
  amount: 60_000n,
  unit: 'RUB',
  key: 'sale:event-1',
  explanation: { en: '5% of sale RUB 12,000.00 (order A-17)', ru: `5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)` },
  details: { base: '1200000', percent: '5', rule: 'percent' },
};
/** What multi-level at 3 % gives Sergey, her sponsor: 1 200 000 × 3 / 100 = 36 000. */
const sponsorDraft: RewardDraft = {
  partnerId: 'partner-sergey',
  kind: 'MONEY',
  amount: 36_000n,
  unit: 'RUB',
  key: 'sale:event-1:level:1',
  explanation: {
    en: "3% of sale RUB 12,000.00 (order A-17), level 1 of Sergey's downline",
    ru: `3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), уровень 1 в структуре Sergey`,
  },
  details: { base: '1200000', percent: '3', level: 1 },
};
/** Points for the sale: 1.5 points = 150 hundredths. */
const pointsDraft: RewardDraft = {
  partnerId: 'partner-olga',
  kind: 'POINTS',
  amount: 150n,
  unit: 'POINTS',
  key: 'points:event-1',
  explanation: { en: '1.5 points for sale RUB 12,000.00 (order A-17)', ru: `1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17)` },
};
/** A perk is never boosted. */
const perkDraft: RewardDraft = {
  partnerId: 'partner-olga',
  kind: 'PERK',
  amount: 1n,
  unit: 'CLOSED_EVENT',
  key: 'perk:event-1',
  explanation: { en: 'Perk: invitation to a closed event', ru: 'Привилегия: приглашение на закрытое мероприятие' },
};
const allDrafts = [percentDraft, sponsorDraft, pointsDraft, perkDraft];

describeRewardSchemeConformance(scheme, {
  validArgs: [JUNE, JUNE_MOSCOW, { startsAt: 'not a date', endsAt: '2026-07-01T00:00:00Z' }],
  stackSamples: [
    { name: 'a sale in June', drafts: allDrafts, event: sale() },
    { name: 'a sale in June in Moscow', drafts: allDrafts, event: sale(), args: JUNE_MOSCOW },
    { name: 'a sale in July', drafts: allDrafts, event: sale({ occurredAt: new Date('2026-07-05T09:00:00Z') }) },
    { name: 'an unreadable start', drafts: allDrafts, event: sale(), args: { startsAt: 'not a date', endsAt: '2026-07-01T00:00:00Z' } },
  ],
});

async function stack(raw: JsonObject, drafts: readonly RewardDraft[], event = sale(), ctx = createTestContext({ partners: [olga] })) {
  const parsed = parseArgs(scheme.args, raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return scheme.stack!(drafts, event, parsed.values, ctx);
}

describe('seasonal-promo', () => {
  it('adds (multiplier − 1) × each money reward, for whichever partner earned it', async () => {
    // Olga:   60 000 × 1.5 = 90 000 → +30 000 kopecks = +300,00 ₽
    // Sergey: 36 000 × 1.5 = 54 000 → +18 000 kopecks = +180,00 ₽
    // Points and perks are not boosted with the default kinds (["MONEY"]).
    expect(await stack(JUNE, allDrafts)).toEqual([
      {
        partnerId: 'partner-olga',
        kind: 'MONEY',
        amount: 30_000n,
        unit: 'RUB',
        key: 'promo:sale:event-1',
        explanation: {
          en: 'Seasonal promo ×1.5 on 5% of sale RUB 12,000.00 (order A-17): +RUB 300.00',
          ru: `Сезонная акция ×1,5 к начислению «5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +300,00${NBSP}₽`,
        },
        details: { boosts: 'sale:event-1', multiplier: '1.5', addAmount: '0', base: '60000' },
      },
      {
        partnerId: 'partner-sergey',
        kind: 'MONEY',
        amount: 18_000n,
        unit: 'RUB',
        key: 'promo:sale:event-1:level:1',
        explanation: {
          en: "Seasonal promo ×1.5 on 3% of sale RUB 12,000.00 (order A-17), level 1 of Sergey's downline: +RUB 180.00",
          ru: `Сезонная акция ×1,5 к начислению «3% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17), уровень 1 в структуре Sergey»: +180,00${NBSP}₽`,
        },
        details: { boosts: 'sale:event-1:level:1', multiplier: '1.5', addAmount: '0', base: '36000' },
      },
    ]);
  });

  it('pays the README example: December in Moscow, ×1.5 plus 100,00 ₽ on money', async () => {
    const december = { startsAt: '2026-12-01T00:00:00+03:00', endsAt: '2027-01-01T00:00:00+03:00', regionIds: ['msk'], multiplier: '1.5', addAmount: '10000' };
    const inMoscow = sale({ partner: { ...olga, regionId: 'msk' }, occurredAt: new Date('2026-12-10T09:00:00Z') });
    // Olga:   60 000 × 1.5 = 90 000; 90 000 − 60 000 + 10 000 = 40 000 = 400,00 ₽
    // Sergey: 36 000 × 1.5 = 54 000; 54 000 − 36 000 + 10 000 = 28 000 = 280,00 ₽
    const boosts = await stack(december, allDrafts, inMoscow);
    expect(boosts.map((boost) => [boost.partnerId, boost.amount])).toEqual([
      ['partner-olga', 40_000n],
      ['partner-sergey', 28_000n],
    ]);
    expect(boosts[0].explanation).toEqual({
      en: 'Seasonal promo ×1.5 +RUB 100.00 on 5% of sale RUB 12,000.00 (order A-17): +RUB 400.00',
      ru: `Сезонная акция ×1,5 +100,00${NBSP}₽ к начислению «5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +400,00${NBSP}₽`,
    });
    // 1 January 2027 00:00 Moscow time is endsAt, exclusive; region spb is not msk
    expect(await stack(december, allDrafts, sale({ partner: { ...olga, regionId: 'msk' }, occurredAt: new Date('2026-12-31T21:00:00Z') }))).toEqual([]);
    expect(await stack(december, allDrafts, sale({ partner: { ...olga, regionId: 'spb' }, occurredAt: new Date('2026-12-10T09:00:00Z') }))).toEqual([]);
    // Points too: 150 × 1.5 = 225; 225 − 150 = 75 hundredths = +0.75 points, with no addAmount
    const [, , points] = await stack({ ...december, kinds: ['MONEY', 'POINTS'] }, allDrafts, inMoscow);
    expect([points.kind, points.amount, points.details?.addAmount]).toEqual(['POINTS', 75n, '0']);
    // The fixed amount is not added to points, so their explanation leaves it out.
    expect(points.explanation.en).toBe('Seasonal promo ×1.5 on 1.5 points for sale RUB 12,000.00 (order A-17): +0.75 points');
  });

  it('rounds the boosted amount once, half to even', async () => {
    // 61 729 × 1.5 = 92 593.5 → 92 594 (even) → extra 92 594 − 61 729 = 30 865
    // 61 731 × 1.5 = 92 596.5 → 92 596 (even) → extra 92 596 − 61 731 = 30 865
    const odd = [{ ...percentDraft, amount: 61_729n }, { ...sponsorDraft, amount: 61_731n }];
    expect((await stack(JUNE, odd)).map((boost) => boost.amount)).toEqual([30_865n, 30_865n]);
    // 0,01 ₽ × 1.5 = 1.5 → 2 (even) → extra 1; 0,03 ₽ × 1.25 = 3.75 → 4 → extra 1
    expect((await stack(JUNE, [{ ...percentDraft, amount: 1n }])).map((boost) => boost.amount)).toEqual([1n]);
    expect((await stack({ ...JUNE, multiplier: '1.25' }, [{ ...percentDraft, amount: 3n }])).map((boost) => boost.amount)).toEqual([1n]);
    // 0,01 ₽ × 1.25 = 1.25 → 1 → extra 0 → nothing
    expect(await stack({ ...JUNE, multiplier: '1.25' }, [{ ...percentDraft, amount: 1n }])).toEqual([]);
  });

  it('boosts points when asked to, and adds the fixed amount to money only', async () => {
    // Moscow promo, ×2 and +100,00 ₽:
    // Olga's money:   60 000 × 2 − 60 000 + 10 000 = 60 000 + 10 000 = 70 000 = +700,00 ₽
    // Sergey's money: 36 000 × 2 − 36 000 + 10 000 = 36 000 + 10 000 = 46 000 = +460,00 ₽
    // Olga's points:  150 × 2 − 150 = 150 hundredths = +1.5 points (no fixed amount on points)
    const boosts = await stack(JUNE_MOSCOW, allDrafts);
    expect(boosts.map((boost) => [boost.partnerId, boost.kind, boost.amount, boost.unit, boost.key])).toEqual([
      ['partner-olga', 'MONEY', 70_000n, 'RUB', 'promo:sale:event-1'],
      ['partner-sergey', 'MONEY', 46_000n, 'RUB', 'promo:sale:event-1:level:1'],
      ['partner-olga', 'POINTS', 150n, 'POINTS', 'promo:points:event-1'],
    ]);
    expect(boosts[0].explanation).toEqual({
      en: 'Seasonal promo ×2 +RUB 100.00 on 5% of sale RUB 12,000.00 (order A-17): +RUB 700.00',
      ru: `Сезонная акция ×2 +100,00${NBSP}₽ к начислению «5% от продажи 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +700,00${NBSP}₽`,
    });
    expect(boosts[0].details).toEqual({ boosts: 'sale:event-1', multiplier: '2', addAmount: '10000', base: '60000' });
    expect(boosts[2].explanation).toEqual({
      en: 'Seasonal promo ×2 on 1.5 points for sale RUB 12,000.00 (order A-17): +1.5 points',
      ru: `Сезонная акция ×2 к начислению «1,5${NBSP}балла за продажу 12${NBSP}000,00${NBSP}₽ (заказ A-17)»: +1,5${NBSP}балла`,
    });
    expect(boosts[2].details).toEqual({ boosts: 'points:event-1', multiplier: '2', addAmount: '0', base: '150' });
  });

  it('words points as a partner reads them', async () => {
    const points = (amount: bigint) => [{ ...pointsDraft, amount }];
    const pointsOnly = { ...JUNE, kinds: ['POINTS'], multiplier: '2' };
    // ×2 adds as many points as the reward had: 1 → +1, 3 → +3, 5 → +5, 11 → +11, 21 → +21
    const read = async (amount: bigint) => (await stack(pointsOnly, points(amount)))[0].explanation;
    expect(await read(100n)).toEqual({
      en: expect.stringMatching(/: \+1 point$/),
      ru: expect.stringMatching(/: \+1\u00a0балл$/),
    });
    expect((await read(300n)).en).toMatch(/: \+3 points$/);
    expect((await read(300n)).ru).toMatch(/: \+3\u00a0балла$/);
    expect((await read(500n)).ru).toMatch(/: \+5\u00a0баллов$/);
    expect((await read(1_100n)).ru).toMatch(/: \+11\u00a0баллов$/);
    expect((await read(2_100n)).ru).toMatch(/: \+21\u00a0балл$/);
  });

  it('gives the fixed amount alone when the multiplier is 1', async () => {
    // 60 000 × 1 − 60 000 + 5 000 = 5 000 = +50,00 ₽
    const [boost] = await stack({ ...JUNE, multiplier: '1', addAmount: '5000' }, [percentDraft]);
    expect(boost.amount).toBe(5_000n);
    expect(boost.explanation.en).toBe('Seasonal promo +RUB 50.00 on 5% of sale RUB 12,000.00 (order A-17): +RUB 50.00');
    // With neither a multiplier above 1 nor a fixed amount there is nothing to add.
    expect(await stack({ ...JUNE, multiplier: '1' }, allDrafts)).toEqual([]);
  });

  it('never adds the fixed amount to money in another currency than the campaign', async () => {
    // A USD reward in a RUB campaign: ×2 → +USD 10.00 (1 000 cents), but no +100,00 ₽
    const usd: RewardDraft = { ...percentDraft, unit: 'USD', amount: 1_000n, key: 'sale:event-1:usd' };
    const [boost] = await stack(JUNE_MOSCOW, [usd]);
    expect([boost.unit, boost.amount, boost.details?.addAmount]).toEqual(['USD', 1_000n, '0']);
  });

  it('applies from startsAt inclusive to endsAt exclusive', async () => {
    const at = (iso: string) => sale({ occurredAt: new Date(iso) });
    // startsAt 2026-06-01T00:00:00+03:00 = 2026-05-31T21:00:00Z; endsAt 2026-06-30T21:00:00Z
    expect(await stack(JUNE, [percentDraft], at('2026-05-31T20:59:59.999Z'))).toEqual([]);
    expect((await stack(JUNE, [percentDraft], at('2026-05-31T21:00:00.000Z'))).map((b) => b.amount)).toEqual([30_000n]);
    expect((await stack(JUNE, [percentDraft], at('2026-06-30T20:59:59.999Z'))).map((b) => b.amount)).toEqual([30_000n]);
    expect(await stack(JUNE, [percentDraft], at('2026-06-30T21:00:00.000Z'))).toEqual([]);
    // Written with Z and with a negative offset, the same instants
    const sameDates = { ...JUNE, startsAt: '2026-05-31T21:00Z', endsAt: '2026-06-30T16:00:00.000-05:00' };
    expect((await stack(sameDates, [percentDraft], at('2026-05-31T21:00:00.000Z'))).map((b) => b.amount)).toEqual([30_000n]);
    expect(await stack(sameDates, [percentDraft], at('2026-06-30T21:00:00.000Z'))).toEqual([]);
  });

  it('never applies with a date it cannot read', async () => {
    const unreadable = [
      'not a date',
      '2026-06-01', // a date without a time
      '2026-06-01T00:00:00', // no offset: it would depend on the server's time zone
      '01.06.2026 00:00',
      '2026-02-30T00:00:00+03:00', // no 30 February
      '2026-06-01T24:00:00Z',
      '2026-06-01T00:00:00+3:00',
      '',
    ];
    for (const startsAt of unreadable) expect(await stack({ ...JUNE, startsAt }, allDrafts)).toEqual([]);
    for (const endsAt of unreadable) expect(await stack({ ...JUNE, endsAt }, allDrafts)).toEqual([]);
    // An end before the start is readable but empty.
    expect(await stack({ ...JUNE, startsAt: JUNE.endsAt, endsAt: JUNE.startsAt }, allDrafts)).toEqual([]);
    // 29 February exists in a leap year.
    expect(await stack({ ...JUNE, startsAt: '2024-02-29T00:00:00Z' }, [percentDraft])).toHaveLength(1);
  });

  it("applies only to events whose partner is in one of the regions, exactly", async () => {
    // Olga is in region-msk: boosted (see above). Partners elsewhere, in a sub-region, or in none are not.
    expect(await stack(JUNE_MOSCOW, allDrafts)).toHaveLength(3);
    for (const regionId of ['region-spb', 'region-msk-zelenograd', null]) {
      expect(await stack(JUNE_MOSCOW, allDrafts, sale({ partner: { ...olga, regionId } }))).toEqual([]);
    }
    // With no regions the promo applies everywhere, a partner without a region included.
    expect(await stack(JUNE, [percentDraft], sale({ partner: { ...olga, regionId: null } }))).toHaveLength(1);
    expect(await stack({ ...JUNE, regionIds: ['region-spb', 'region-msk'] }, [percentDraft])).toHaveLength(1);
  });

  it('boosts each of two drafts with the same key, under keys of their own', async () => {
    // Two percentage-of-sales instances before the promo both propose sale:event-1.
    const second: RewardDraft = { ...percentDraft, amount: 24_000n, explanation: { en: '2% of sale RUB 12,000.00 (order A-17)', ru: '2% от продажи' } };
    // 60 000 × 1.5 − 60 000 = 30 000; 24 000 × 1.5 − 24 000 = 12 000
    expect((await stack(JUNE, [percentDraft, second])).map((boost) => [boost.key, boost.amount])).toEqual([
      ['promo:sale:event-1', 30_000n],
      ['promo#2:sale:event-1', 12_000n],
    ]);
  });

  it('leaves out drafts without a positive amount', async () => {
    expect(await stack(JUNE_MOSCOW, [{ ...percentDraft, amount: 0n }, { ...sponsorDraft, amount: -36_000n }])).toEqual([]);
  });

  it('boosts the boosts of a promo placed before it, so two promos compound', async () => {
    // First promo ×1.5: +30 000 on 60 000. A second ×1.2 after it sees both:
    // 60 000 × 1.2 − 60 000 = 12 000, and 30 000 × 1.2 − 30 000 = 6 000: 60 000 × 1.5 × 1.2 = 108 000 in all
    const first = await stack(JUNE, [percentDraft]);
    const second = await stack({ ...JUNE, multiplier: '1.2' }, [percentDraft, ...first]);
    expect(second.map((boost) => [boost.key, boost.amount])).toEqual([
      ['promo:sale:event-1', 12_000n],
      ['promo:promo:sale:event-1', 6_000n],
    ]);
  });

  it('takes a multiplier from 1 to 10, a non-negative fixed amount and at least one kind', () => {
    const refused = parseArgs(scheme.args, { ...JUNE, multiplier: '0.9', addAmount: '-1', kinds: [] });
    expect(refused.ok ? [] : refused.issues.map((issue) => issue.path)).toEqual(['args.kinds', 'args.multiplier', 'args.addAmount']);
    const tooMuch = parseArgs(scheme.args, { ...JUNE, multiplier: '10.5', kinds: ['PERK'] });
    expect(tooMuch.ok ? [] : tooMuch.issues.map((issue) => issue.path)).toEqual(['args.kinds[0]', 'args.multiplier']);
    const dates = parseArgs(scheme.args, { multiplier: '2' });
    expect(dates.ok ? [] : dates.issues.map((issue) => issue.path)).toEqual(['args.startsAt', 'args.endsAt']);
  });
});
