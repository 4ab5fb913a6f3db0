import type { ArgDefinitions } from './args.js';
import { describeTerms } from './terms.js';

const definitions = {
  percent: { type: 'percent', label: { en: 'Percent of the sale', ru: 'Процент от продажи' }, required: true },
  tiers: {
    type: 'object',
    list: true,
    label: { en: 'Volume tiers', ru: 'Ступени объёма' },
    fields: {
      from: { type: 'money', label: { en: 'From', ru: 'От' }, required: true },
      percent: { type: 'percent', label: { en: 'Percent', ru: 'Процент' }, required: true },
    },
  },
  period: {
    type: 'enum',
    label: { en: 'Period', ru: 'Период' },
    options: [
      { value: 'MONTH', label: { en: 'Month', ru: 'Месяц' } },
      { value: 'QUARTER', label: { en: 'Quarter', ru: 'Квартал' } },
    ],
  },
  rate: { type: 'decimal', label: { en: 'Points per sale', ru: 'Баллов за продажу' } },
  firstOnly: { type: 'boolean', label: { en: 'First sale only', ru: 'Только первая продажа' } },
  kinds: { type: 'string', list: true, label: { en: 'Kinds', ru: 'Типы' } },
} as const satisfies ArgDefinitions;

it('says every given arg with its label, money in the campaign currency and options by their labels', () => {
  const terms = describeTerms(
    definitions,
    { percent: '2.5', tiers: [{ from: '100000', percent: '7' }], period: 'QUARTER', rate: '1.5', firstOnly: false, kinds: ['A', 'B'] },
    'RUB',
  );
  // 100000 kopecks = 1 000,00 ₽; ru separates thousands and the ruble sign with no-break spaces.
  expect(terms.en).toBe('Percent of the sale: 2.5%; Volume tiers: (From RUB 1,000.00, Percent 7%); Period: Quarter; Points per sale: 1.5; First sale only: no; Kinds: A, B');
  expect(terms.ru).toBe(
    'Процент от продажи: 2,5%; Ступени объёма: (От 1\u00a0000,00\u00a0₽, Процент 7%); Период: Квартал; Баллов за продажу: 1,5; Только первая продажа: нет; Типы: A, B',
  );
});

it('leaves out args that are absent or empty, and says so when nothing is left', () => {
  expect(describeTerms(definitions, { percent: '5', tiers: [] }, 'USD').en).toBe('Percent of the sale: 5%');
  expect(describeTerms(definitions, {}, 'USD')).toEqual({ en: 'No further terms.', ru: 'Других условий нет.' });
});

it('shows a value that no longer fits its definition as it is stored', () => {
  expect(describeTerms(definitions, { percent: 'x', period: 'YEAR' }, 'RUB').en).toBe('Percent of the sale: "x"; Period: YEAR');
});
