/**
 * The published schema never breaks its clients silently: against the last release (or the
 * previous commit before the first release), every breaking change must be named in
 * CHANGELOG.md under "Unreleased — breaking". And the check itself catches what it should.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from '../support/harness.js';
import { baselineRef, breakingChanges, schemaAt, unlisted } from '../support/schema-changes.js';

const SCHEMA_PATH = 'schema/schema.graphql';

const BEFORE = `type Query { partner(id: ID!): Partner, partners(first: Int): [Partner!]! }
type Partner { id: ID!, name: String!, email: String }`;

describe('the breaking-change check', () => {
  it('finds a removed field and an argument made required, and not an added field', async () => {
    const after = `type Query { partner(id: ID!): Partner, partners(first: Int!): [Partner!]! }
type Partner { id: ID!, name: String!, level: Int }`;
    const changes = await breakingChanges(BEFORE, after);
    expect(changes.map((change) => change.path).sort()).toEqual(['Partner.email', 'Query.partners.first']);
  });

  it("lets a change through only when the changelog's breaking section names its path", async () => {
    const [removed] = await breakingChanges(BEFORE, BEFORE.replace(', email: String', ''));
    const changelog = (section: string) => `# Changelog\n\n## Unreleased — breaking\n\n${section}\n\n## 0.1.0\n\n- \`Partner.email\` added.\n`;
    expect(unlisted([removed], changelog('- `Partner.email` removed: read it from `contacts`.'))).toEqual([]);
    // Named only under a release heading, or not in backticks: not owned up to.
    expect(unlisted([removed], changelog('- Partner.email removed.'))).toEqual([removed]);
    expect(unlisted([removed], '# Changelog\n')).toEqual([removed]);
  });
});

it('the schema has no breaking change since the last release that CHANGELOG.md does not name', async () => {
  const current = readFileSync(join(ROOT_DIR, SCHEMA_PATH), 'utf8');
  const ref = baselineRef(ROOT_DIR, SCHEMA_PATH, current);
  if (ref === null) return; // the first commit: nothing published before it
  const changelog = readFileSync(join(ROOT_DIR, 'CHANGELOG.md'), 'utf8');
  const missing = unlisted(await breakingChanges(schemaAt(ROOT_DIR, ref, SCHEMA_PATH), current), changelog);
  // Each line says what broke; list its path in backticks under "## Unreleased — breaking", or deprecate instead of removing.
  expect(missing.map((change) => `${change.path}: ${change.message} (since ${ref})`)).toEqual([]);
});
