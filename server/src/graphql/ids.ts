import { errors } from './errors.js';

/** Ids are bigint row ids, sent as GraphQL `ID` strings. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value);
}

export function requireId(value: string, path: string): string {
  if (!isId(value)) throw errors.badInput([{ path, message: `"${value}" is not an id` }]);
  return value;
}
