/**
 * A scheme instance's args in words, for the partner who is paid by them: each arg's label
 * and its value as a person writes it ("Percent of the sale: 5%; Volume tiers: (From sale
 * amount RUB 1,000.00, Percent 7%)"). Built from the arg definitions alone, so every scheme
 * gets it without writing any text of its own.
 */
import type { ArgDefinition, ArgDefinitions, JsonValue, LocalizedText } from './args.js';
import { formatMoney, formatPercent, type Locale } from './money.js';

const WORDS = {
  en: { yes: 'yes', no: 'no', none: 'No further terms.' },
  ru: { yes: 'да', no: 'нет', none: 'Других условий нет.' },
} as const;

/** `snapshot` is the stored args (money as integer strings); money is in `currency`. */
export function describeTerms(definitions: ArgDefinitions, snapshot: Readonly<Record<string, JsonValue>>, currency: string): LocalizedText {
  const say = (locale: Locale) => {
    const parts = Object.entries(definitions)
      .filter(([name]) => present(snapshot[name]))
      .map(([name, definition]) => `${definition.label[locale]}: ${valueOf(definition, snapshot[name], currency, locale)}`);
    return parts.length ? parts.join('; ') : WORDS[locale].none;
  };
  return { en: say('en'), ru: say('ru') };
}

function present(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function valueOf(definition: ArgDefinition, value: JsonValue, currency: string, locale: Locale): string {
  if (definition.list && Array.isArray(value)) return value.map((item) => itemOf(definition, item, currency, locale)).join(', ');
  return itemOf(definition, value, currency, locale);
}

/** One value; a value that does not fit its definition (terms of an older version) is shown as it is. */
function itemOf(definition: ArgDefinition, value: JsonValue, currency: string, locale: Locale): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  switch (definition.type) {
    case 'money':
      return text !== null && /^-?\d+$/.test(text) ? formatMoney(BigInt(text), currency, locale) : JSON.stringify(value);
    case 'percent':
      return text !== null && /^-?\d+(\.\d+)?$/.test(text) ? formatPercent(text, locale) : JSON.stringify(value);
    case 'decimal':
      return text !== null ? (locale === 'ru' ? text.replace('.', ',') : text) : JSON.stringify(value);
    case 'boolean':
      return value === true ? WORDS[locale].yes : value === false ? WORDS[locale].no : JSON.stringify(value);
    case 'enum':
      return definition.options?.find((option) => option.value === value)?.label[locale] ?? String(value);
    case 'object':
      return objectOf(definition.fields ?? {}, value, currency, locale);
    default:
      return text ?? JSON.stringify(value);
  }
}

function objectOf(fields: ArgDefinitions, value: JsonValue, currency: string, locale: Locale): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return JSON.stringify(value);
  const parts = Object.entries(fields)
    .filter(([name]) => present(value[name]))
    .map(([name, field]) => `${field.label[locale]} ${valueOf(field, value[name], currency, locale)}`);
  return `(${parts.join(', ')})`;
}
