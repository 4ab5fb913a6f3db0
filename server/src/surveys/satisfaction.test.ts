import { satisfactionOf } from './satisfaction.js';

describe('satisfactionOf', () => {
  it('has no average or NPS without answers', () => {
    expect(satisfactionOf({ responses: 0, scoreSum: 0, promoters: 0, detractors: 0 })).toEqual({
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
      averageScore: null,
      nps: null,
    });
  });

  it('computes NPS as promoters minus detractors over all answers, in whole percent', () => {
    // Scores 10, 9, 8, 3: 2 promoters, 1 passive, 1 detractor; (2 − 1) ÷ 4 = 25 %; average 30 ÷ 4 = 7.5.
    expect(satisfactionOf({ responses: 4, scoreSum: 30, promoters: 2, detractors: 1 })).toEqual({
      responses: 4,
      promoters: 2,
      passives: 1,
      detractors: 1,
      averageScore: 7.5,
      nps: 25,
    });
  });

  it('rounds NPS halves away from zero and the average to hundredths', () => {
    // 1 promoter, 7 passives, 0 detractors of 8: 100 ÷ 8 = 12.5 → 13.
    expect(satisfactionOf({ responses: 8, scoreSum: 66, promoters: 1, detractors: 0 }).nps).toBe(13);
    // 0 promoters, 7 passives, 1 detractor of 8: −12.5 → −13.
    expect(satisfactionOf({ responses: 8, scoreSum: 52, promoters: 0, detractors: 1 }).nps).toBe(-13);
    // 1 promoter of 3: 33.33… → 33; 2 promoters of 3: 66.66… → 67; average 22 ÷ 3 = 7.333… → 7.33, 20 ÷ 3 = 6.666… → 6.67.
    expect(satisfactionOf({ responses: 3, scoreSum: 22, promoters: 1, detractors: 0 })).toMatchObject({ nps: 33, averageScore: 7.33 });
    expect(satisfactionOf({ responses: 3, scoreSum: 20, promoters: 2, detractors: 0 })).toMatchObject({ nps: 67, averageScore: 6.67 });
    // All detractors: −100.
    expect(satisfactionOf({ responses: 2, scoreSum: 0, promoters: 0, detractors: 2 }).nps).toBe(-100);
  });
});
