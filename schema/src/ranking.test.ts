import { testPartner } from './testing/index.js';
import { compareIds, rankByCompetition } from './ranking.js';

describe('competition ranking', () => {
  it('shares places on ties and skips the next ones, ordering a tie by partner id', () => {
    const entry = (id: string, value: bigint) => ({ partner: testPartner({ id }), value });
    const ranked = rankByCompetition([entry('10', 7n), entry('4', 5n), entry('9', 7n), entry('2', 9n)]);
    expect(ranked.map(({ partner, place, sharedBy }) => [partner.id, place, sharedBy])).toEqual([
      ['2', 1, 1],
      ['9', 2, 2],
      ['10', 2, 2],
      ['4', 4, 1],
    ]);
  });

  it('orders numeric ids by value, before any other ids', () => {
    expect(['10', 'b', '9', 'a'].sort(compareIds)).toEqual(['9', '10', 'a', 'b']);
  });
});
