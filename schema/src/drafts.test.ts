import { cappedKey, ledgerKey, redemptionKey, reservedKeyProblem, reversalKey, validateDrafts } from './drafts.js';
import type { RewardDraft } from './scheme.js';

/** 600,00 ₽ to partner 7 for sale 1: well-formed. */
const good: RewardDraft = {
  partnerId: '7',
  kind: 'MONEY',
  amount: 60_000n,
  unit: 'RUB',
  key: 'sale:1',
  explanation: { en: '5% of sale RUB 12,000.00 (order A-17)', ru: '5% от продажи 12 000,00 ₽ (заказ A-17)' },
  details: { base: '1200000', percent: '5' },
};

/** The problems of one draft that is `good` with `change` applied. */
function problemsOf(change: Record<string, unknown>): string[] {
  return validateDrafts([{ ...good, ...change }]);
}

describe('validateDrafts', () => {
  it('accepts a well-formed draft, and none at all', () => {
    expect(validateDrafts([good])).toEqual([]);
    expect(validateDrafts([])).toEqual([]);
  });

  it('refuses something that is not a list of drafts', () => {
    expect(validateDrafts(good)).toEqual(['the scheme did not return a list of drafts']);
  });

  it('needs a partner id: any non-empty string, or what the caller counts as one', () => {
    expect(problemsOf({ partnerId: '' })).toEqual(['draft 0 (key "sale:1"): partnerId "" is not a partner id']);
    expect(problemsOf({ partnerId: 'partner-1' })).toEqual([]);
    const serverIds = { isPartnerId: (id: string) => /^[1-9]\d*$/.test(id) };
    expect(validateDrafts([{ ...good, partnerId: 'partner-1' }], serverIds)).toEqual([
      'draft 0 (key "sale:1"): partnerId "partner-1" is not a partner id',
    ]);
  });

  it('needs a known kind and a bigint amount', () => {
    expect(problemsOf({ kind: 'CASH' })).toEqual(['draft 0 (key "sale:1"): kind CASH is not one of MONEY, POINTS, PERK, BADGE, LEVEL']);
    expect(problemsOf({ amount: 600 })).toEqual(['draft 0 (key "sale:1"): amount is a number, not a bigint']);
  });

  it('needs a unit: an ISO currency for MONEY, any name for a badge', () => {
    expect(problemsOf({ unit: '' })).toEqual(['draft 0 (key "sale:1"): no unit']);
    expect(problemsOf({ unit: 'rubles' })).toEqual(['draft 0 (key "sale:1"): MONEY in rubles, not an ISO currency']);
    expect(problemsOf({ kind: 'BADGE', unit: 'FIRST-SALE', amount: 1n })).toEqual([]);
  });

  it('needs unit LEVEL and a level of at least 1 for a LEVEL entry', () => {
    expect(problemsOf({ kind: 'LEVEL', unit: 'LEVEL', amount: 2n })).toEqual([]);
    const problem = ['draft 0 (key "sale:1"): a LEVEL entry needs unit LEVEL and a level of at least 1'];
    expect(problemsOf({ kind: 'LEVEL', unit: 'LEVEL', amount: 0n })).toEqual(problem);
    expect(problemsOf({ kind: 'LEVEL', unit: 'RUB', amount: 2n })).toEqual(problem);
  });

  it('needs a key, unique within one call', () => {
    expect(problemsOf({ key: '' })).toEqual(['draft 0 (key ""): no key']);
    expect(validateDrafts([good, { ...good, partnerId: '8' }])).toEqual(['draft 1 (key "sale:1"): key repeated within one call']);
  });

  it('refuses the keys the server builds from a draft key', () => {
    expect(problemsOf({ key: 'sale:1:capped' })).toEqual([
      'draft 0 (key "sale:1:capped"): key ends with ":capped", reserved for the CAPPED rest of a reward',
    ]);
    expect(problemsOf({ key: 'sale:1:reversal:9' })).toEqual([
      'draft 0 (key "sale:1:reversal:9"): key contains ":reversal:", reserved for the entries a refund writes',
    ]);
    expect(problemsOf({ key: 'redeem:7:r-1' })).toEqual([
      'draft 0 (key "redeem:7:r-1"): key starts with "redeem:", reserved for points redemptions',
    ]);
    // Read after the ":" before it in the entry key, "capped" alone ends with ":capped" too.
    expect(reservedKeyProblem('capped')).toBe('ends with ":capped", reserved for the CAPPED rest of a reward');
    expect(reservedKeyProblem('reversal:9')).toBe('contains ":reversal:", reserved for the entries a refund writes');
    // The words elsewhere, or inside a part, take nothing the server builds.
    for (const key of ['capped:sale:1', 'sale:1:reversal', 'sale:redeem:1', 'redeem', 'uncapped', 'sale:1:recapped']) {
      expect(reservedKeyProblem(key)).toBeNull();
    }
  });

  it('needs an explanation in en and ru, not just spaces', () => {
    expect(problemsOf({ explanation: { en: 'Bonus', ru: '  ' } })).toEqual(['draft 0 (key "sale:1"): explanation has no ru text']);
    expect(problemsOf({ explanation: undefined })).toEqual([
      'draft 0 (key "sale:1"): explanation has no en text',
      'draft 0 (key "sale:1"): explanation has no ru text',
    ]);
  });

  it('keeps details plain JSON, without the names the server writes', () => {
    expect(problemsOf({ details: { base: 1_200_000n } })).toEqual(['draft 0 (key "sale:1"): details are not a plain JSON object']);
    expect(problemsOf({ details: { at: new Date(0) } })).toEqual(['draft 0 (key "sale:1"): details are not a plain JSON object']);
    expect(problemsOf({ details: { granted: '100' } })).toEqual(['draft 0 (key "sale:1"): details.granted is written by the server']);
  });

  it("reads a BADGE's details.name as its name, so it must be a non-empty string", () => {
    const badge = { kind: 'BADGE', unit: 'FIRST-SALE', amount: 1n };
    expect(problemsOf({ ...badge, details: { name: 'First sale' } })).toEqual([]);
    expect(problemsOf({ ...badge, details: { name: 7 } })).toEqual([
      `draft 0 (key "sale:1"): details.name, the badge's name, is not a non-empty string`,
    ]);
  });

  it('knows the reversals', () => {
    expect(problemsOf({ reversal: 'NONE' })).toEqual([]);
    expect(problemsOf({ reversal: 'HALF' })).toEqual(['draft 0 (key "sale:1"): reversal HALF is not one of PROPORTIONAL, NONE']);
  });
});

describe('the keys the server builds', () => {
  it('prefix the draft key with campaign and instance, and suffix it for caps and refunds', () => {
    const key = ledgerKey('12', 'sales', 'sale:1');
    expect(key).toBe('12:sales:sale:1');
    expect(cappedKey(key)).toBe('12:sales:sale:1:capped');
    expect(reversalKey(key, '40')).toBe('12:sales:sale:1:reversal:40');
    expect(ledgerKey('12', 'points', redemptionKey('7', 'r-1'))).toBe('12:points:redeem:7:r-1');
  });
});
