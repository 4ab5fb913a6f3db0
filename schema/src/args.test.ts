import { parseArgs, type ArgDefinitions, type ArgIssue } from './args.js';

const label = { en: 'Label', ru: 'Подпись' };

const definitions = {
  percent: { type: 'percent', label, required: true, min: 0, max: 100 },
  bonus: { type: 'money', label, default: '50000', min: 0 },
  target: { type: 'int', label, min: 1, max: 1000 },
  factor: { type: 'decimal', label, min: '0.5', max: '2.5' },
  note: { type: 'string', label },
  active: { type: 'boolean', label, default: true },
  metric: {
    type: 'enum',
    label,
    options: [
      { value: 'LEADS', label },
      { value: 'SALES', label },
    ],
  },
  tiers: {
    type: 'object',
    label,
    list: true,
    minItems: 1,
    maxItems: 3,
    fields: {
      from: { type: 'money', label, required: true, min: 0 },
      percent: { type: 'percent', label, required: true, min: 0, max: 100 },
    },
  },
  levels: { type: 'percent', label, list: true, maxItems: 2, max: 50 },
  venue: {
    type: 'object',
    label,
    fields: {
      city: { type: 'string', label, required: true },
      area: { type: 'object', label, fields: { radius: { type: 'int', label, min: 1 } } },
    },
  },
} as const satisfies ArgDefinitions;

/** The issues of a parse that must fail. */
function issues(raw: unknown, path?: string): ArgIssue[] {
  const result = parseArgs(definitions, raw, path);
  if (result.ok) throw new Error(`expected ${JSON.stringify(result.snapshot)} to be rejected`);
  return result.issues;
}

function snapshotOf(raw: unknown) {
  const result = parseArgs(definitions, raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.snapshot;
}

describe('parseArgs', () => {
  describe('types', () => {
    it('turns JSON into runtime values: money as bigint, rates as canonical decimal strings', () => {
      const result = parseArgs(definitions, {
        percent: 2.5,
        bonus: 1500,
        target: 10,
        factor: '1.50',
        note: 'spring',
        active: false,
        metric: 'LEADS',
        tiers: [{ from: '10000000', percent: '7' }],
        levels: ['5', 3],
        venue: { city: 'Kazan', area: { radius: 20 } },
      });
      expect(result).toEqual({
        ok: true,
        values: {
          percent: '2.5',
          bonus: 1500n,
          target: 10,
          factor: '1.5',
          note: 'spring',
          active: false,
          metric: 'LEADS',
          tiers: [{ from: 10_000_000n, percent: '7' }],
          levels: ['5', '3'],
          venue: { city: 'Kazan', area: { radius: 20 } },
        },
        snapshot: {
          percent: '2.5',
          bonus: '1500',
          target: 10,
          factor: '1.5',
          note: 'spring',
          active: false,
          metric: 'LEADS',
          tiers: [{ from: '10000000', percent: '7' }],
          levels: ['5', '3'],
          venue: { city: 'Kazan', area: { radius: 20 } },
        },
      });
    });

    it('keeps money exact beyond the safe integers when given as a string', () => {
      const result = parseArgs(definitions, { percent: '5', bonus: '900719925474099312' });
      expect(result.ok && result.values.bonus).toBe(900_719_925_474_099_312n);
    });

    it.each([
      [{ percent: 'five' }, 'args.percent', 'expected a decimal number such as "2.5", got "five"'],
      [{ percent: '1e2' }, 'args.percent', 'expected a decimal number such as "2.5", got "1e2"'],
      [{ percent: '0.1234567' }, 'args.percent', 'allows at most 6 decimal places'],
      [{ percent: '5', bonus: '12.50' }, 'args.bonus', 'expected an amount in minor units (an integer), got "12.50"'],
      [{ percent: '5', bonus: 12.5 }, 'args.bonus', 'expected an amount in minor units (an integer), got 12.5'],
      [{ percent: '5', target: 2.5 }, 'args.target', 'expected an integer, got 2.5'],
      [{ percent: '5', target: '10' }, 'args.target', 'expected an integer, got "10"'],
      [{ percent: '5', note: 5 }, 'args.note', 'expected a string, got 5'],
      [{ percent: '5', active: 'yes' }, 'args.active', 'expected true or false, got "yes"'],
      [{ percent: '5', venue: 'Kazan' }, 'args.venue', 'expected an object, got "Kazan"'],
      [{ percent: '5', levels: '5' }, 'args.levels', 'expected a list, got "5"'],
    ])('rejects %j at %s', (raw, path, message) => {
      expect(issues(raw)).toEqual([{ path, message }]);
    });

    it('rejects anything but an object as the args themselves', () => {
      expect(issues('percent=5')).toEqual([{ path: 'args', message: 'expected an object, got "percent=5"' }]);
      expect(issues([])).toEqual([{ path: 'args', message: 'expected an object, got a list' }]);
    });
  });

  describe('ranges', () => {
    it('accepts both inclusive bounds', () => {
      expect(parseArgs(definitions, { percent: '0', target: 1, factor: '0.5' }).ok).toBe(true);
      expect(parseArgs(definitions, { percent: '100', target: 1000, factor: '2.5' }).ok).toBe(true);
    });

    it.each([
      [{ percent: '-0.5' }, 'args.percent', 'must be at least 0, got -0.5'],
      [{ percent: '100.000001' }, 'args.percent', 'must be at most 100, got 100.000001'],
      [{ percent: '5', bonus: '-1' }, 'args.bonus', 'must be at least 0, got -1'],
      [{ percent: '5', target: 0 }, 'args.target', 'must be at least 1, got 0'],
      [{ percent: '5', target: 1001 }, 'args.target', 'must be at most 1000, got 1001'],
      [{ percent: '5', factor: '0.49' }, 'args.factor', 'must be at least 0.5, got 0.49'],
      [{ percent: '5', factor: 2.6 }, 'args.factor', 'must be at most 2.5, got 2.6'],
      [{ percent: '5', levels: ['5', '50.5'] }, 'args.levels[1]', 'must be at most 50, got 50.5'],
    ])('rejects %j at %s', (raw, path, message) => {
      expect(issues(raw)).toEqual([{ path, message }]);
    });

    it('points into a list of objects', () => {
      const raw = {
        percent: '5',
        tiers: [
          { from: '0', percent: '5' },
          { from: '10000000', percent: '101' },
        ],
      };
      expect(issues(raw)).toEqual([{ path: 'args.tiers[1].percent', message: 'must be at most 100, got 101' }]);
    });

    it('points into nested objects', () => {
      const raw = { percent: '5', venue: { city: 'Kazan', area: { radius: 0 } } };
      expect(issues(raw)).toEqual([{ path: 'args.venue.area.radius', message: 'must be at least 1, got 0' }]);
    });

    it('prefixes the paths with the place the args sit in', () => {
      const raw = { percent: '5', tiers: [{ from: '0', percent: '5' }, { from: '-1', percent: '5' }] };
      expect(issues(raw, 'schemes[0].args')).toEqual([
        { path: 'schemes[0].args.tiers[1].from', message: 'must be at least 0, got -1' },
      ]);
    });
  });

  describe('options', () => {
    it('accepts only a listed option', () => {
      expect(parseArgs(definitions, { percent: '5', metric: 'SALES' }).ok).toBe(true);
      expect(issues({ percent: '5', metric: 'sales' })).toEqual([
        { path: 'args.metric', message: 'expected one of LEADS, SALES, got "sales"' },
      ]);
    });
  });

  describe('presence', () => {
    it('rejects a missing or null required arg', () => {
      expect(issues({})).toEqual([{ path: 'args.percent', message: 'is required' }]);
      expect(issues({ percent: null })).toEqual([{ path: 'args.percent', message: 'is required' }]);
      expect(issues(undefined)).toEqual([{ path: 'args.percent', message: 'is required' }]);
    });

    it('rejects a missing required field of a list item', () => {
      expect(issues({ percent: '5', tiers: [{ percent: '7' }] })).toEqual([
        { path: 'args.tiers[0].from', message: 'is required' },
      ]);
    });

    it('rejects an arg the scheme does not declare, at any depth', () => {
      expect(issues({ percent: '5', percnt: '5' })).toEqual([
        {
          path: 'args.percnt',
          message:
            'unknown arg "percnt" (known: percent, bonus, target, factor, note, active, metric, tiers, levels, venue)',
        },
      ]);
      expect(issues({ percent: '5', tiers: [{ from: '0', percent: '5', rate: '5' }] })).toEqual([
        { path: 'args.tiers[0].rate', message: 'unknown arg "rate" (known: from, percent)' },
      ]);
    });

    it('reports every issue at once', () => {
      expect(issues({ target: 0, metric: 'X', extra: 1 }).map((issue) => issue.path)).toEqual([
        'args.extra',
        'args.percent',
        'args.target',
        'args.metric',
      ]);
    });
  });

  describe('lists', () => {
    it('enforces minItems and maxItems on the list itself', () => {
      expect(issues({ percent: '5', tiers: [] })).toEqual([
        { path: 'args.tiers', message: 'needs at least 1 item(s), got 0' },
      ]);
      const four = [0, 1, 2, 3].map((index) => ({ from: String(index * 1000), percent: '5' }));
      expect(issues({ percent: '5', tiers: four })).toEqual([
        { path: 'args.tiers', message: 'allows at most 3 item(s), got 4' },
      ]);
      expect(issues({ percent: '5', levels: ['1', '2', '3'] })).toEqual([
        { path: 'args.levels', message: 'allows at most 2 item(s), got 3' },
      ]);
    });
  });

  describe('defaults', () => {
    it('fills an absent or null optional arg from its default and leaves others absent', () => {
      for (const raw of [{ percent: '5' }, { percent: '5', bonus: null, active: null }]) {
        expect(parseArgs(definitions, raw)).toEqual({
          ok: true,
          values: { percent: '5', bonus: 50_000n, active: true },
          snapshot: { percent: '5', bonus: '50000', active: true },
        });
      }
    });

    it('lets a given value beat the default', () => {
      expect(snapshotOf({ percent: '5', bonus: 0, active: false })).toEqual({ percent: '5', bonus: '0', active: false });
    });
  });

  describe('snapshot', () => {
    it('is canonical, so parsing it again yields the same snapshot and values', () => {
      const raw = {
        percent: 7.50,
        bonus: 120000,
        factor: '02.250',
        levels: [5, '2.500000'],
        tiers: [{ from: 0, percent: '3.0' }],
        venue: { city: 'Omsk' },
      };
      const first = parseArgs(definitions, raw);
      expect(first).toEqual({
        ok: true,
        values: {
          percent: '7.5',
          bonus: 120_000n,
          active: true,
          factor: '2.25',
          levels: ['5', '2.5'],
          tiers: [{ from: 0n, percent: '3' }],
          venue: { city: 'Omsk' },
        },
        snapshot: {
          percent: '7.5',
          bonus: '120000',
          active: true,
          factor: '2.25',
          levels: ['5', '2.5'],
          tiers: [{ from: '0', percent: '3' }],
          venue: { city: 'Omsk' },
        },
      });
      const second = parseArgs(definitions, first.ok ? first.snapshot : null);
      expect(second).toEqual(first);
    });
  });
});
