import { defineRewardScheme, type RewardScheme } from '@cofactor/schema';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemeRegistry, loadSchemeRegistry } from './registry.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const flat = defineRewardScheme({
  code: 'flat-bonus',
  version: '1.0.0',
  name: { en: 'Flat bonus', ru: 'Фиксированный бонус' },
  description: { en: 'Pays a flat amount per sale.', ru: 'Фиксированная сумма за продажу.' },
  eventTypes: ['SALE'],
  args: { amount: { type: 'money', required: true, min: 1, label: { en: 'Amount', ru: 'Сумма' } } },
  evaluate: () => [],
});

describe('the scheme registry', () => {
  it('lists registered schemes by code', () => {
    const registry = new SchemeRegistry([flat]);
    expect(registry.get('flat-bonus')).toBe(flat);
    expect(registry.list().map((scheme) => scheme.code)).toEqual(['flat-bonus']);
  });

  it('refuses a second scheme with the same code', () => {
    expect(() => new SchemeRegistry([flat, { ...flat }])).toThrow('scheme "flat-bonus" is registered twice');
  });

  it.each([
    [{ code: 'Flat_Bonus' }, 'code must be kebab-case'],
    [{ version: 'v1' }, 'version must be semver, e.g. 1.0.0'],
    [{ eventTypes: [] }, 'eventTypes must be given exactly when evaluate is'],
    [{ eventTypes: ['sale'] }, 'eventTypes must be a list of UPPER_SNAKE names'],
    [{ evaluate: undefined }, 'it has none of evaluate, stack and closePeriod'],
    [{ evaluate: undefined, closePeriod: () => [] }, 'eventTypes must be given exactly when evaluate is'],
    [
      { args: { percent: { type: 'percent', default: '150', max: 100, label: { en: 'p', ru: 'p' } } } },
      'default of arg "percent" is invalid: must be at most 100, got 150',
    ],
  ])('refuses a malformed scheme %#', (override, message) => {
    const broken = { ...flat, ...override } as unknown as RewardScheme;
    expect(() => new SchemeRegistry([broken])).toThrow(message);
  });

  it('loads plugin packages by name from the project root', async () => {
    const registry = await loadSchemeRegistry(['@cofactor/plugin-percentage-of-sales', '@cofactor/plugin-multi-level'], ROOT);
    expect(registry.list().map((scheme) => scheme.code)).toEqual(['multi-level', 'percentage-of-sales']);
  });

  it('says which plugin is missing', async () => {
    await expect(loadSchemeRegistry(['@cofactor/plugin-nope'], ROOT)).rejects.toThrow(
      `plugin "@cofactor/plugin-nope" is not installed in ${ROOT} (add it to package.json dependencies)`,
    );
  });
});
