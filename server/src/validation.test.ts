import type { InputIssue } from './graphql/errors.js';
import {
  MAX_ATTRIBUTES_BYTES,
  MAX_ATTRIBUTES_DEPTH,
  MAX_EMAIL_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_MONEY_SETTING,
  checkAttributes,
  checkEmail,
  checkIdempotencyKey,
  checkMoney,
  checkOptionalText,
  checkText,
} from './validation.js';

function issuesOf(check: (issues: InputIssue[]) => void): InputIssue[] {
  const issues: InputIssue[] = [];
  check(issues);
  return issues;
}

/** An object nested `depth` levels deep, the outermost counted as 1: {a:{a:{…: 1}}}. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

describe('text', () => {
  it('takes 1 to max characters and refuses blank or longer text', () => {
    expect(issuesOf((issues) => checkText('x'.repeat(10), 'name', 10, issues))).toEqual([]);
    expect(issuesOf((issues) => checkText('x'.repeat(11), 'name', 10, issues))).toEqual([{ path: 'name', message: 'must be 1–10 characters, got 11' }]);
    expect(issuesOf((issues) => checkText('  ', 'name', 10, issues))).toEqual([{ path: 'name', message: 'must be 1–10 characters, got none' }]);
    expect(issuesOf((issues) => checkOptionalText(null, 'name', 10, issues))).toEqual([]);
  });
});

describe('email', () => {
  it('takes an address of up to MAX_EMAIL_LENGTH characters', () => {
    // 64 + 1 + 185 + 4 = 254 characters.
    const longest = `${'a'.repeat(64)}@${'b'.repeat(185)}.com`;
    expect(longest).toHaveLength(MAX_EMAIL_LENGTH);
    expect(issuesOf((issues) => checkEmail(longest, 'email', issues))).toEqual([]);
    expect(issuesOf((issues) => checkEmail(`a${longest}`, 'email', issues))).toEqual([{ path: 'email', message: 'must be at most 254 characters, got 255' }]);
  });

  it('refuses what is not an address', () => {
    for (const bad of ['anna', 'anna@', '@example.com', 'anna@example', 'an na@example.com', 'a@b@example.com']) {
      expect(issuesOf((issues) => checkEmail(bad, 'email', issues))).toEqual([{ path: 'email', message: `"${bad}" is not an email address` }]);
    }
  });
});

describe('idempotency keys', () => {
  it('are 1 to MAX_IDEMPOTENCY_KEY_LENGTH letters, digits or . _ : -', () => {
    expect(issuesOf((issues) => checkIdempotencyKey('k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH), 'key', issues))).toEqual([]);
    expect(issuesOf((issues) => checkIdempotencyKey('k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH + 1), 'key', issues))).toHaveLength(1);
    expect(issuesOf((issues) => checkIdempotencyKey('march 1', 'key', issues))).toHaveLength(1);
  });
});

describe('money settings', () => {
  it('run from 0 to MAX_MONEY_SETTING unless told otherwise', () => {
    expect(issuesOf((issues) => checkMoney(MAX_MONEY_SETTING, 'budget', issues))).toEqual([]);
    expect(issuesOf((issues) => checkMoney(MAX_MONEY_SETTING + 1n, 'budget', issues))).toEqual([
      { path: 'budget', message: 'must be at most 1000000000000000000, got 1000000000000000001' },
    ]);
    expect(issuesOf((issues) => checkMoney(-1n, 'budget', issues))).toEqual([{ path: 'budget', message: 'must not be negative' }]);
    expect(issuesOf((issues) => checkMoney(-5n, 'amount', issues, { min: -5n }))).toEqual([]);
  });
});

describe('attributes', () => {
  it('nest at most MAX_ATTRIBUTES_DEPTH levels', () => {
    expect(issuesOf((issues) => checkAttributes(nested(MAX_ATTRIBUTES_DEPTH), 'attributes', issues))).toEqual([]);
    expect(issuesOf((issues) => checkAttributes(nested(MAX_ATTRIBUTES_DEPTH + 1), 'attributes', issues))).toEqual([
      { path: 'attributes', message: 'must nest at most 8 levels deep' },
    ]);
    // A list is a level too: the object and 8 lists around the 1 are 9 levels.
    expect(issuesOf((issues) => checkAttributes({ a: [[[[[[[[1]]]]]]]] }, 'attributes', issues))).toEqual([
      { path: 'attributes', message: 'must nest at most 8 levels deep' },
    ]);
  });

  it('are at most MAX_ATTRIBUTES_BYTES as JSON', () => {
    // {"note":"…"} is 11 bytes around the text.
    const exactly = { note: 'x'.repeat(MAX_ATTRIBUTES_BYTES - 11) };
    expect(issuesOf((issues) => checkAttributes(exactly, 'attributes', issues))).toEqual([]);
    expect(issuesOf((issues) => checkAttributes({ note: `${exactly.note}x` }, 'attributes', issues))).toEqual([
      { path: 'attributes', message: 'must be at most 16384 bytes as JSON, got 16385' },
    ]);
    // Counted in bytes: a Cyrillic letter is two.
    expect(issuesOf((issues) => checkAttributes({ note: 'я'.repeat(8187) }, 'attributes', issues))).toEqual([
      { path: 'attributes', message: 'must be at most 16384 bytes as JSON, got 16385' },
    ]);
  });

  it('are a JSON object', () => {
    expect(issuesOf((issues) => checkAttributes([1], 'attributes', issues))).toEqual([{ path: 'attributes', message: 'must be a JSON object' }]);
  });
});
