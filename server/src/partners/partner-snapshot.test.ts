import { rowAt } from './partner-snapshot.js';

// Rows as a partner's history holds them, sorted by (validFrom, id): joined at 100 µs,
// a correction written later with the same date, moved at 300.
const rows = [
  { validFrom: 100, name: 'joined' },
  { validFrom: 100, name: 'same date, written later' },
  { validFrom: 300, name: 'moved' },
];

it('takes the last row from the time asked or before, the last written of one date', () => {
  expect(rowAt(rows, 100)?.name).toBe('same date, written later');
  expect(rowAt(rows, 299)?.name).toBe('same date, written later');
  // A change holds from its own microsecond on.
  expect(rowAt(rows, 300)?.name).toBe('moved');
  expect(rowAt(rows, 10_000)?.name).toBe('moved');
});

it('before the first row, takes the earliest date (an event dated before the partner joined)', () => {
  expect(rowAt(rows, 99)?.name).toBe('same date, written later');
  expect(rowAt(rows, 0)?.name).toBe('same date, written later');
});

it('finds nothing in no history', () => {
  expect(rowAt([], 100)).toBeUndefined();
});
