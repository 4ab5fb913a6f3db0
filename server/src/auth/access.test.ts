import { grants } from './access.js';

describe('scopes', () => {
  it('admin grants every scope of its program but not platform:admin', () => {
    expect(['admin', 'events:write', 'analytics:read'].map((scope) => grants(['admin'], scope as never))).toEqual([true, true, true]);
    expect(grants(['admin'], 'platform:admin')).toBe(false);
    expect(grants(['analytics:read'], 'events:write')).toBe(false);
  });
});
