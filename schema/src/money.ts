/**
 * Money in Cofactor is an integer count of minor units (bigint) plus an ISO 4217 code.
 * Floats never touch an amount. Rates are exact decimal strings ("5", "2.5", "0.125").
 *
 * THE rounding rule (the only one): a computed amount is rounded once, at the end of the
 * computation of one ledger entry, to whole minor units, half to even ("banker's
 * rounding": 0.5 → 0, 1.5 → 2, 2.5 → 2, -2.5 → -2). Half-even keeps the sum of many
 * rounded entries unbiased, so a ledger of a million rewards does not drift by
 * a million half-kopecks in either direction. Intermediate values are exact rationals.
 *
 * Points are stored in integer hundredths (1.5 points = 150), rounded the same way.
 */

/** Minor-unit exponents of currencies whose exponent is not 2. Every other code uses 2. */
const EXPONENT_OVERRIDES: Readonly<Record<string, number>> = {
  BHD: 3, CLP: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KRW: 0, KWD: 3, LYD: 3, OMR: 3,
  PYG: 0, TND: 3, UGX: 0, VND: 0, XAF: 0, XOF: 0,
};

const SYMBOLS: Readonly<Record<string, string>> = {
  RUB: '₽', USD: '$', EUR: '€', GBP: '£', KZT: '₸', BYN: 'Br', UAH: '₴', JPY: '¥', CNY: '¥',
};

export const POINTS_UNIT = 'POINTS';
/** Points are kept in hundredths: 1 point = 100. */
export const POINT_SCALE = 100n;

/**
 * The ISO 4217 codes of currencies in circulation, as the runtime's ICU data knows them
 * (Node 22: 160 and more). Funds, precious metals and test codes (XAU, XTS, XXX) are not
 * among them: nobody is paid in those.
 */
const CURRENCY_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Whether `code` is an ISO 4217 code of a currency in circulation: RUB yes, rub and ZZZ no. */
export function isCurrencyCode(code: string): boolean {
  return CURRENCY_CODES.has(code);
}

export function currencyExponent(currency: string): number {
  return EXPONENT_OVERRIDES[currency] ?? 2;
}

/** An exact decimal: value = units / 10^scale. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * How many decimal texts `parseDecimal` and `formatPercent` remember. Schemes parse the same
 * few rates and percents on every event; a program has far fewer than this, and past it the
 * memory starts over rather than grow.
 */
export const DECIMALS_KEPT = 1000;

/** Remembered answers, at most DECIMALS_KEPT of them. */
class Remembered<T> {
  private readonly answers = new Map<string, T>();

  get(text: string, compute: (text: string) => T): T {
    let answer = this.answers.get(text);
    if (answer === undefined && !this.answers.has(text)) {
      answer = compute(text);
      if (this.answers.size >= DECIMALS_KEPT) this.answers.clear();
      this.answers.set(text, answer);
    }
    return answer as T;
  }
}

const parsedDecimals = new Remembered<Decimal | null>();

/** Parses "12", "2.5", "-0.125" exactly; returns null for anything else (no exponents, no commas). */
export function parseDecimal(text: string): Decimal | null {
  return parsedDecimals.get(text, parse);
}

function parse(text: string): Decimal | null {
  const match = DECIMAL_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole + fraction) * (sign ? -1n : 1n);
  // Frozen: one answer is shared by every caller that parses the same text.
  return Object.freeze({ units, scale: fraction.length });
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const left = a.units * 10n ** BigInt(scale - a.scale);
  const right = b.units * 10n ** BigInt(scale - b.scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Canonical text of a decimal: no trailing fractional zeros, no leading zeros. */
export function formatDecimal(value: Decimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = value.scale === 0 ? digits : digits.slice(0, -value.scale);
  const fraction = value.scale === 0 ? '' : digits.slice(-value.scale).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

/** numerator / denominator rounded to an integer, half to even. The one rounding rule. */
export function divideRoundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator - quotient * denominator;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice < denominator) return quotient;
  const away = remainder < 0n ? quotient - 1n : quotient + 1n;
  if (twice > denominator) return away;
  return quotient % 2n === 0n ? quotient : away;
}

/** `percent` % of `amount`, exact until the single half-even rounding. */
export function percentOf(amount: bigint, percent: string): bigint {
  const rate = parseDecimal(percent);
  if (!rate) throw new RangeError(`not a decimal percent: ${percent}`);
  return divideRoundHalfEven(amount * rate.units, 100n * 10n ** BigInt(rate.scale));
}

/** `amount` × `factor` (a decimal string such as "1.5"), rounded once, half to even. */
export function multiplyBy(amount: bigint, factor: string): bigint {
  const value = parseDecimal(factor);
  if (!value) throw new RangeError(`not a decimal factor: ${factor}`);
  return divideRoundHalfEven(amount * value.units, 10n ** BigInt(value.scale));
}

export type Locale = 'en' | 'ru';

function groupThousands(digits: string, separator: string): string {
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let at = grouped.length; at < digits.length; at += 3) grouped += separator + digits.slice(at, at + 3);
  return grouped;
}

/** "12 000,00 ₽" in ru, "RUB 12,000.00" in en. For explanations a partner reads. */
export function formatMoney(amount: bigint, currency: string, locale: Locale): string {
  const exponent = currencyExponent(currency);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : digits.slice(-exponent);
  const sign = negative ? '-' : '';
  if (locale === 'ru') {
    const number = groupThousands(whole, '\u00a0') + (fraction ? `,${fraction}` : '');
    return `${sign}${number}\u00a0${SYMBOLS[currency] ?? currency}`;
  }
  return `${sign}${currency} ${groupThousands(whole, ',')}${fraction ? `.${fraction}` : ''}`;
}

/** A percent for explanations: "2.5%" (en), "2,5%" (ru). */
export function formatPercent(percent: string, locale: Locale): string {
  return (locale === 'ru' ? percentsRu : percentsEn).get(percent, (text) => renderPercent(text, locale));
}

const percentsEn = new Remembered<string>();
const percentsRu = new Remembered<string>();

function renderPercent(percent: string, locale: Locale): string {
  const value = parseDecimal(percent);
  if (!value) throw new RangeError(`not a decimal percent: ${percent}`);
  const text = formatDecimal(value);
  return `${locale === 'ru' ? text.replace('.', ',') : text}%`;
}

/** Points held in hundredths, shown as a plain number: 150 → "1.5" (en) / "1,5" (ru). */
export function formatPoints(hundredths: bigint, locale: Locale): string {
  const text = formatDecimal({ units: hundredths, scale: 2 });
  return locale === 'ru' ? text.replace('.', ',') : text;
}

/** 1 балл, 2 балла, 5 баллов, 21 балл, 11 баллов. */
function russianPlural(n: bigint, one: string, few: string, many: string): string {
  const lastTwo = n % 100n;
  const last = n % 10n;
  if (lastTwo >= 11n && lastTwo <= 14n) return many;
  if (last === 1n) return one;
  if (last >= 2n && last <= 4n) return few;
  return many;
}

/** "1 point", "1.5 points" / "1 балл", "1,5 балла", "5 баллов". */
export function describePoints(hundredths: bigint, locale: Locale): string {
  const number = formatPoints(hundredths, locale);
  if (locale === 'en') return `${number} ${hundredths === POINT_SCALE ? 'point' : 'points'}`;
  // A fractional number of points takes the genitive singular: 1,5 балла.
  const word = hundredths % POINT_SCALE === 0n ? russianPlural(hundredths / POINT_SCALE, 'балл', 'балла', 'баллов') : 'балла';
  return `${number}\u00a0${word}`;
}
