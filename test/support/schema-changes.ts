/**
 * The published schema's breaking changes, and which of them CHANGELOG.md owns up to. A change
 * @graphql-inspector/core rates BREAKING (a field or type removed, an argument made required, a
 * type narrowed, ...) breaks some integrator's query; it may ship only when the changelog's
 * "Unreleased — breaking" section names its path in backticks (`Query.partners`), so that
 * integrators read about it before their queries fail.
 */
import { execFileSync } from 'node:child_process';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

export const BREAKING_HEADING = /^## Unreleased — breaking[ \t]*$/m;

/** The changes from `before` to `after` (schema SDL) that break existing operations. */
export async function breakingChanges(before: string, after: string): Promise<Change[]> {
  const changes = await diff(buildSchema(before), buildSchema(after));
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
}

/** The text of the changelog's "Unreleased — breaking" section, empty when it has none. */
export function breakingSection(changelog: string): string {
  const heading = BREAKING_HEADING.exec(changelog);
  if (!heading) return '';
  const rest = changelog.slice(heading.index + heading[0].length);
  const next = /^## /m.exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** The breaking changes whose path the section does not name in backticks. */
export function unlisted(changes: readonly Change[], changelog: string): Change[] {
  const section = breakingSection(changelog);
  return changes.filter((change) => !section.includes(`\`${change.path ?? change.message}\``));
}

/**
 * What the schema is compared with: the last release tag (`v*`); before the first, the previous
 * commit on main — the last commit itself while the working tree changes the schema, so an
 * edit is checked before it is committed. Null in a repository of one commit.
 */
export function baselineRef(root: string, schemaPath: string, current: string): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return git('describe', '--tags', '--abbrev=0', '--match', 'v*').trim();
  } catch {
    // No release tag yet.
  }
  if (git('show', `HEAD:${schemaPath}`) !== current) return 'HEAD';
  try {
    git('rev-parse', '--verify', '--quiet', 'HEAD~1');
    return 'HEAD~1';
  } catch {
    return null;
  }
}

export function schemaAt(root: string, ref: string, schemaPath: string): string {
  return execFileSync('git', ['show', `${ref}:${schemaPath}`], { cwd: root, encoding: 'utf8' });
}
