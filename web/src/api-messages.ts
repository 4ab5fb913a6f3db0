import type { Locale } from './i18n';

/**
 * The API's messages about wrong input are English; these are the common ones in Russian, each
 * with the figures it names carried over. A message not listed here is shown as the API wrote
 * it: still exact, only not translated.
 */
const RUSSIAN: readonly [RegExp, (...parts: string[]) => string][] = [
  [/^is required$/, () => 'нужно заполнить'],
  [/^must be at least (.+), got (.+)$/, (min, got) => `должно быть не меньше ${min}, а введено ${got}`],
  [/^must be at most (\d+) characters(?:, got (\d+))?$/, (max) => `не длиннее ${max} символов`],
  [/^must be at most (.+), got (.+)$/, (max, got) => `должно быть не больше ${max}, а введено ${got}`],
  [/^must be an integer from (\d+) to (\d+)$/, (from, to) => `нужно целое число от ${from} до ${to}`],
  [/^must be (?:1 to |1–)(\d+) characters(?:, got .+)?$/, (max) => `от 1 до ${max} символов`],
  [/^needs at least (\d+) item\(s\), got (\d+)$/, (min, got) => `нужно не меньше ${min}, сейчас ${got}`],
  [/^allows at most (\d+) item\(s\), got (\d+)$/, (max, got) => `можно не больше ${max}, сейчас ${got}`],
  [/^expected an integer, got (.+)$/, (got) => `нужно целое число, а введено ${got}`],
  [/^expected a decimal number such as "2\.5", got (.+)$/, (got) => `нужно число вроде 2,5, а введено ${got}`],
  [/^allows at most (\d+) decimal places$/, (places) => `не больше ${places} знаков после запятой`],
  [/^expected one of (.+), got (.+)$/, (allowed, got) => `нужно одно из значений ${allowed}, а введено ${got}`],
  [/^must be one of (.+)$/, (allowed) => `нужно одно из значений ${allowed}`],
  [/^must be after startsAt$/, () => 'должно быть позже начала'],
  [/^must be an ISO 4217 code such as RUB$/, () => 'нужен трёхбуквенный код валюты ISO 4217, например RUB'],
  [/^no region "(.+)" in this program$/, (code) => `в программе нет региона «${code}»`],
  [/^"(.+)" is not an email address$/, (value) => `«${value}» — не адрес электронной почты`],
  [/^enter an amount such as (\d+)\.(\d+)$/, (units, cents) => `введите сумму, например ${units},${cents}`],
  [/^enter whole numbers, such as 1 2$/, () => 'введите целые числа, например 1 2'],
];

/** An API message about wrong input in `locale`. */
export function inputMessage(locale: Locale, message: string): string {
  if (locale === 'en') return message;
  for (const [pattern, russian] of RUSSIAN) {
    const match = pattern.exec(message);
    if (match) return russian(...match.slice(1));
  }
  return message;
}
