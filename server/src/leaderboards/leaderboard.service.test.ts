import { shortName, showTo, type BoardEntry } from './leaderboard.service.js';

it('shortens a name to the first word and the initial of the second', () => {
  expect(shortName('Ivan Petrov')).toBe('Ivan P.');
  expect(shortName('  Анна   Смирнова Ивановна ')).toBe('Анна С.');
  expect(shortName('Gleb')).toBe('Gleb');
});

it('shows an entry read for an admin to a partner as the program chooses, and to that partner itself in full', () => {
  const read: BoardEntry = {
    rank: 1, position: 1, partnerId: '7', name: 'Ivan Petrov', value: 500n, previousRank: null,
    full: { name: 'Ivan Petrov', alias: 'Ivanhoe', value: 500n, names: 'SHORT', values: false },
  };
  const other = { kind: 'partner', partnerId: '8' } as const;
  expect([showTo(read, other).name, showTo(read, other).value]).toEqual(['Ivan P.', null]);
  expect([showTo(read, { kind: 'partner', partnerId: '7' }).name, showTo(read, { kind: 'partner', partnerId: '7' }).value]).toEqual(['Ivan Petrov', 500n]);
  const aliases = { ...read, full: { ...read.full, names: 'ALIAS' as const, values: true } };
  expect([showTo(aliases, other).name, showTo(aliases, other).value]).toEqual(['Ivanhoe', 500n]);
  const full = { ...read, full: { ...read.full, names: 'FULL' as const } };
  expect(showTo(full, other).name).toBe('Ivan Petrov');
  expect(showTo(full, { kind: 'admin' }).value).toBe(500n);
});
