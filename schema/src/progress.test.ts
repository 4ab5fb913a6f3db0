import { progressProblems } from './progress.js';
import type { ProgressTarget } from './scheme.js';

const target = (overrides: Partial<ProgressTarget> = {}): ProgressTarget => ({
  key: 'goal',
  label: { en: 'New customers in the campaign', ru: 'Новые клиенты за кампанию' },
  current: 3n,
  threshold: 5n,
  unit: 'COUNT',
  reward: { en: 'Bonus RUB 500.00', ru: 'Бонус 500,00 ₽' },
  endsAt: null,
  ...overrides,
});

describe('progressProblems', () => {
  it('accepts counts, money and points targets, reached or not', () => {
    expect(progressProblems([target(), target({ key: 'volume', unit: 'RUB', current: 0n, threshold: 100_000n, endsAt: new Date('2026-07-01') }), target({ key: 'points', unit: 'POINTS', current: 900n })])).toEqual([]);
  });

  it('names each broken target by its place and what is wrong with it', () => {
    expect(
      progressProblems([
        target(),
        target({ current: -1n }),
        target({ key: 'b', threshold: 0n, unit: 'rub', label: { en: 'x', ru: ' ' } }),
        target({ key: '', endsAt: new Date('nonsense') }),
      ]),
    ).toEqual([
      'target 1: key "goal" is used twice',
      'target 1: current must be a bigint of 0 or more',
      'target 2: label has no ru text',
      'target 2: threshold must be a positive bigint',
      'target 2: unit must be COUNT, POINTS or an ISO currency code',
      'target 3: key must be 1 to 100 characters',
      'target 3: endsAt must be a valid Date or null',
    ]);
  });

  it('refuses an answer that is not a list', () => {
    expect(progressProblems({} as never)).toEqual(['progress must return a list of targets']);
  });
});
