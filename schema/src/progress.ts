/**
 * What the server relies on in a scheme's progress targets, checked in one place: the server
 * runs it on every answer of `progress` and the conformance kit on every sample.
 */
import { isCurrencyCode, POINTS_UNIT } from './money.js';
import { COUNT_UNIT, type ProgressTarget } from './scheme.js';

/** Longer keys say something a label should. */
export const MAX_PROGRESS_KEY_LENGTH = 100;

/** Every way these targets break the contract, one line each; empty when they keep it. */
export function progressProblems(targets: readonly ProgressTarget[]): string[] {
  if (!Array.isArray(targets)) return ['progress must return a list of targets'];
  const problems: string[] = [];
  const keys = new Set<string>();
  targets.forEach((target, index) => {
    const at = `target ${index}`;
    if (typeof target?.key !== 'string' || target.key === '' || target.key.length > MAX_PROGRESS_KEY_LENGTH) {
      problems.push(`${at}: key must be 1 to ${MAX_PROGRESS_KEY_LENGTH} characters`);
    } else if (keys.has(target.key)) problems.push(`${at}: key "${target.key}" is used twice`);
    else keys.add(target.key);
    for (const field of ['label', 'reward'] as const) {
      for (const locale of ['en', 'ru'] as const) {
        const text = target?.[field]?.[locale];
        if (typeof text !== 'string' || text.trim() === '') problems.push(`${at}: ${field} has no ${locale} text`);
      }
    }
    if (typeof target?.current !== 'bigint' || target.current < 0n) problems.push(`${at}: current must be a bigint of 0 or more`);
    if (typeof target?.threshold !== 'bigint' || target.threshold <= 0n) problems.push(`${at}: threshold must be a positive bigint`);
    const unit = target?.unit;
    if (typeof unit !== 'string' || (unit !== COUNT_UNIT && unit !== POINTS_UNIT && !isCurrencyCode(unit))) {
      problems.push(`${at}: unit must be ${COUNT_UNIT}, ${POINTS_UNIT} or an ISO currency code`);
    }
    if (target?.endsAt !== null && !(target?.endsAt instanceof Date && !Number.isNaN(target.endsAt.getTime()))) {
      problems.push(`${at}: endsAt must be a valid Date or null`);
    }
  });
  return problems;
}
