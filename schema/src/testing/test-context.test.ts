import { createTestContext, testEvent, testPartner } from './index.js';

// Dan sells; Carl sponsored Dan, Bea sponsored Carl, Ada sponsored Bea.
const ada = testPartner({ id: 'ada', name: 'Ada' });
const bea = testPartner({ id: 'bea', name: 'Bea', sponsorId: 'ada' });
const carl = testPartner({ id: 'carl', name: 'Carl', sponsorId: 'bea' });
const dan = testPartner({ id: 'dan', name: 'Dan', sponsorId: 'carl' });

describe('createTestContext', () => {
  it('walks the upline nearest first, at most the levels asked for', async () => {
    const ctx = createTestContext({ partners: [dan, carl, bea, ada] });
    const upline = async (id: string, levels: number) =>
      (await ctx.upline(id, levels)).map((member) => [member.depth, member.partner.id]);
    expect(await upline('dan', 10)).toEqual([
      [1, 'carl'],
      [2, 'bea'],
      [3, 'ada'],
    ]);
    expect(await upline('dan', 2)).toEqual([
      [1, 'carl'],
      [2, 'bea'],
    ]);
    expect(await upline('ada', 3)).toEqual([]);
  });

  it('refuses test data a real hierarchy could not hold', async () => {
    await expect(createTestContext({ partners: [dan, carl] }).upline('dan', 3)).rejects.toThrow(
      'partner bea is not among the test context',
    );
    const loop = [testPartner({ id: 'x', sponsorId: 'y' }), testPartner({ id: 'y', sponsorId: 'x' })];
    await expect(createTestContext({ partners: loop }).upline('x', 5)).rejects.toThrow('sponsor cycle through x');
    expect(() => createTestContext({ partners: [ada, ada] })).toThrow('test partner ada is listed twice');
  });

  it('looks partners up by id and answers null for an unknown one', async () => {
    const ctx = createTestContext({ partners: [ada] });
    expect(await ctx.partner('ada')).toEqual(ada);
    expect(await ctx.partner('nobody')).toBeNull();
  });

  it('fills stats that were left out with empty counts', async () => {
    const ctx = createTestContext({ stats: { ada: { count: { LEAD: 4 } } } });
    expect(await ctx.stats('ada')).toEqual({ count: { LEAD: 4 }, amount: {}, newCustomers: 0 });
    expect(await ctx.stats('bea')).toEqual({ count: {}, amount: {}, newCustomers: 0 });
  });

  it('has a RUB campaign and a fixed clock unless told otherwise', () => {
    const ctx = createTestContext();
    expect(ctx.campaign.currency).toBe('RUB');
    expect(ctx.now().toISOString()).toBe('2026-06-01T12:00:00.000Z');
    const usd = createTestContext({ campaign: { currency: 'USD' }, now: new Date('2027-01-01T00:00:00.000Z') });
    expect(usd.campaign.currency).toBe('USD');
    expect(usd.campaign.id).toBe('campaign-1');
    expect(usd.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('test factories', () => {
  it('make a 12 000,00 ₽ sale, order A-17, by an ambassador without a sponsor', () => {
    const event = testEvent();
    expect([event.type, event.externalId, event.amount, event.currency]).toEqual(['SALE', 'A-17', 1_200_000n, 'RUB']);
    expect(event.partner).toEqual({
      id: 'partner-1',
      name: 'Anna',
      kind: 'AMBASSADOR',
      regionId: null,
      segment: null,
      level: 1,
      status: 'ACTIVE',
      referralCode: 'REF-PARTNER-1',
      sponsorId: null,
    });
    expect(testPartner({ id: 'p-7' }).referralCode).toBe('REF-P-7');
  });
});
