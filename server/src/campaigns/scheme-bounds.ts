import type { ArgDefinitions, JsonObject, JsonValue, RewardScheme } from '@cofactor/schema';
import type { InputIssue } from '../graphql/errors.js';
import { MAX_CODE_LENGTH, MAX_MONEY_SETTING, MAX_NAME_LENGTH, MAX_TEXT_LENGTH, checkMoney } from '../validation.js';

/**
 * What a scheme's own arg definitions leave open and the server must bound: every money arg
 * within ±MAX_MONEY_SETTING (so an entry it pays fits the ledger), every text arg at most
 * MAX_TEXT_LENGTH characters, and every catalog item's code, name and cost. `args` is the
 * canonical snapshot `parseArgs` returned (money as digit strings).
 */
export function checkSchemeBounds(scheme: RewardScheme, values: unknown, args: JsonObject, path: string, issues: InputIssue[]): void {
  checkArgs(scheme.args, args, path, issues);
  for (const item of scheme.catalog?.(values as never) ?? []) {
    const where = `${path}: catalog item "${item.code.slice(0, MAX_CODE_LENGTH)}"`;
    if (item.code.length > MAX_CODE_LENGTH) issues.push({ path, message: `${where} has a code longer than ${MAX_CODE_LENGTH} characters` });
    if (item.name.length > MAX_NAME_LENGTH) issues.push({ path, message: `${where} has a name longer than ${MAX_NAME_LENGTH} characters` });
    if (item.cost > MAX_MONEY_SETTING) issues.push({ path, message: `${where} costs ${item.cost} hundredths of a point, more than ${MAX_MONEY_SETTING}` });
  }
}

function checkArgs(definitions: ArgDefinitions, args: JsonObject, path: string, issues: InputIssue[]): void {
  for (const [name, definition] of Object.entries(definitions)) {
    const value = args[name];
    if (value === undefined || value === null) continue;
    const items: [JsonValue, string][] = definition.list
      ? (value as JsonValue[]).map((item, index) => [item, `${path}.${name}[${index}]`])
      : [[value, `${path}.${name}`]];
    for (const [item, itemPath] of items) {
      if (definition.type === 'money') checkMoney(BigInt(item as string), itemPath, issues, { min: -MAX_MONEY_SETTING });
      else if (definition.type === 'string' && (item as string).length > MAX_TEXT_LENGTH) {
        issues.push({ path: itemPath, message: `must be at most ${MAX_TEXT_LENGTH} characters, got ${(item as string).length}` });
      } else if (definition.type === 'object') checkArgs(definition.fields ?? {}, item as JsonObject, itemPath, issues);
    }
  }
}
