import { retryDelayMs } from './retry.js';

describe('retryDelayMs', () => {
  const FIRST = 5_000;
  const MAX = 3_600_000;

  it('doubles from the first pause up to the largest, half of it fixed and half random', () => {
    const lowest = [1, 2, 3, 4, 5, 10, 11, 12, 30].map((attempt) => retryDelayMs(attempt, FIRST, MAX, () => 0));
    const highest = [1, 2, 3, 4, 5, 10, 11, 12, 30].map((attempt) => retryDelayMs(attempt, FIRST, MAX, () => 1));
    // 5 s, 10 s, 20 s, 40 s, 80 s, 2 560 s, then 3 600 s (the cap) from the 11th on.
    expect(highest).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 2_560_000, 3_600_000, 3_600_000, 3_600_000]);
    expect(lowest).toEqual(highest.map((delay) => delay / 2));
  });

  it('stays finite for very many attempts', () => {
    expect(retryDelayMs(10_000, FIRST, MAX, () => 0.5)).toBe(2_700_000);
  });
});
