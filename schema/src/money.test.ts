import { DECIMALS_KEPT, describePoints, divideRoundHalfEven, formatMoney, formatPercent, formatPoints, isCurrencyCode, parseDecimal, percentOf } from './money.js';

describe('the one rounding rule: half to even, once per entry', () => {
  it.each([
    [5n, 10n, 0n], // 0.5 → 0
    [15n, 10n, 2n], // 1.5 → 2
    [25n, 10n, 2n], // 2.5 → 2
    [-25n, 10n, -2n], // -2.5 → -2
    [-35n, 10n, -4n], // -3.5 → -4
    [26n, 10n, 3n], // 2.6 → 3
    [-24n, 10n, -2n], // -2.4 → -2
    [7n, -2n, -4n], // -3.5 → -4
  ])('%p / %p = %p', (numerator, denominator, expected) => {
    expect(divideRoundHalfEven(numerator, denominator)).toBe(expected);
  });

  it('computes percentages exactly before rounding', () => {
    expect(percentOf(1_200_000n, '5')).toBe(60_000n); // 5% of 12 000,00
    expect(percentOf(333n, '2.5')).toBe(8n); // 8.325 → 8
    expect(percentOf(350n, '1')).toBe(4n); // 3.5 → 4 (4 is even)
    expect(percentOf(250n, '1')).toBe(2n); // 2.5 → 2 (2 is even)
    expect(percentOf(100_001n, '0.125')).toBe(125n); // 125.00125 → 125
  });

  it('refuses what is not an exact decimal', () => {
    expect(parseDecimal('1e3')).toBeNull();
    expect(parseDecimal('1,5')).toBeNull();
    expect(parseDecimal('-0.125')).toEqual({ units: -125n, scale: 3 });
  });

  it('answers the same after remembering more than DECIMALS_KEPT texts', () => {
    expect(parseDecimal('2.5')).toEqual({ units: 25n, scale: 1 });
    // 0.001, 0.002, … one past the limit: the memory starts over and still answers exactly.
    for (let n = 1; n <= DECIMALS_KEPT + 1; n++) expect(parseDecimal(`0.${String(n).padStart(4, '0')}`)).toEqual({ units: BigInt(n), scale: 4 });
    expect(parseDecimal('2.5')).toEqual({ units: 25n, scale: 1 });
    expect(parseDecimal('x')).toBeNull();
    expect(parseDecimal('x')).toBeNull();
    expect(formatPercent('2.5', 'ru')).toBe('2,5%');
  });
});

describe('formatting for explanations', () => {
  it('writes roubles the Russian way and dollars the English way', () => {
    expect(formatMoney(1_200_000n, 'RUB', 'ru')).toBe('12\u00a0000,00\u00a0₽');
    expect(formatMoney(1_200_000n, 'RUB', 'en')).toBe('RUB 12,000.00');
    expect(formatMoney(-5n, 'USD', 'en')).toBe('-USD 0.05');
    expect(formatMoney(1500n, 'JPY', 'en')).toBe('JPY 1,500');
    // Groups of three from the right, whatever the first group's length.
    expect(formatMoney(123_456_789_012n, 'RUB', 'en')).toBe('RUB 1,234,567,890.12');
    expect(formatMoney(12_345_678_901n, 'RUB', 'en')).toBe('RUB 123,456,789.01');
    expect(formatMoney(99n, 'JPY', 'en')).toBe('JPY 99');
  });

  it('writes percents with the locale decimal separator', () => {
    expect(formatPercent('2.5', 'en')).toBe('2.5%');
    expect(formatPercent('2.5', 'ru')).toBe('2,5%');
    expect(formatPercent('5.00', 'ru')).toBe('5%');
  });

  it('shows points from hundredths', () => {
    expect(formatPoints(150n, 'en')).toBe('1.5');
    expect(formatPoints(150n, 'ru')).toBe('1,5');
    expect(formatPoints(200n, 'en')).toBe('2');
  });
});

describe('points in words', () => {
  it.each([
    [100n, '1 point', '1\u00a0балл'],
    [150n, '1.5 points', '1,5\u00a0балла'],
    [200n, '2 points', '2\u00a0балла'],
    [500n, '5 points', '5\u00a0баллов'],
    [1_100n, '11 points', '11\u00a0баллов'],
    [2_100n, '21 points', '21\u00a0балл'],
    [50_000n, '500 points', '500\u00a0баллов'],
  ])('%p hundredths', (hundredths, en, ru) => {
    expect(describePoints(hundredths, 'en')).toBe(en);
    expect(describePoints(hundredths, 'ru')).toBe(ru);
  });
});

describe('currency codes', () => {
  it('are the ISO 4217 codes of currencies in circulation', () => {
    expect(['RUB', 'USD', 'EUR', 'KZT', 'BYN', 'JPY', 'BHD'].filter(isCurrencyCode)).toEqual(['RUB', 'USD', 'EUR', 'KZT', 'BYN', 'JPY', 'BHD']);
    // Three capital letters are not enough; test and metal codes are not money anyone is paid in.
    expect(['ZZZ', 'rub', 'RUBX', 'XTS', 'XAU', ''].filter(isCurrencyCode)).toEqual([]);
  });
});
