import { shortName } from './leaderboard.service.js';

it('shortens a name to the first word and the initial of the second', () => {
  expect(shortName('Ivan Petrov')).toBe('Ivan P.');
  expect(shortName('  Анна   Смирнова Ивановна ')).toBe('Анна С.');
  expect(shortName('Gleb')).toBe('Gleb');
});
