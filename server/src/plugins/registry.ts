import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  EVENT_TYPE_PATTERN,
  SCHEME_CODE_PATTERN,
  SCHEME_VERSION_PATTERN,
  parseArgs,
  type ArgDefinitions,
  type RewardScheme,
} from '@cofactor/schema';

/**
 * The schemes this server can run, loaded by package name from configuration. The server
 * knows schemes only through the contract in @cofactor/schema; it imports none by name.
 */
export class SchemeRegistry {
  private readonly schemes = new Map<string, RewardScheme>();

  constructor(schemes: Iterable<RewardScheme> = []) {
    for (const scheme of schemes) this.register(scheme);
  }

  register(scheme: RewardScheme): void {
    const problem = checkScheme(scheme);
    if (problem) throw new Error(`scheme "${String(scheme?.code)}" cannot be registered: ${problem}`);
    if (this.schemes.has(scheme.code)) throw new Error(`scheme "${scheme.code}" is registered twice`);
    this.schemes.set(scheme.code, scheme);
  }

  get(code: string): RewardScheme | undefined {
    return this.schemes.get(code);
  }

  list(): RewardScheme[] {
    return [...this.schemes.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
}

function checkScheme(scheme: RewardScheme): string | null {
  if (!scheme || typeof scheme !== 'object') return 'not an object';
  if (!SCHEME_CODE_PATTERN.test(scheme.code)) return 'code must be kebab-case';
  if (!SCHEME_VERSION_PATTERN.test(scheme.version)) return 'version must be semver, e.g. 1.0.0';
  const evaluates = typeof scheme.evaluate === 'function';
  if (!evaluates && typeof scheme.closePeriod !== 'function' && typeof scheme.stack !== 'function') {
    return 'it has none of evaluate, stack and closePeriod';
  }
  if (!Array.isArray(scheme.eventTypes) || !scheme.eventTypes.every((type) => EVENT_TYPE_PATTERN.test(type))) {
    return 'eventTypes must be a list of UPPER_SNAKE names';
  }
  if (evaluates !== scheme.eventTypes.length > 0) return 'eventTypes must be given exactly when evaluate is';
  for (const [name, definition] of Object.entries(scheme.args as ArgDefinitions)) {
    if (definition.default === undefined) continue;
    const parsed = parseArgs({ [name]: definition }, { [name]: definition.default });
    if (!parsed.ok) return `default of arg "${name}" is invalid: ${parsed.issues[0].message}`;
  }
  return null;
}

/**
 * Imports each plugin package as the project root would (so a deployment chooses its
 * schemes by listing packages it depends on) and registers its default export, or its
 * `scheme` export, or every scheme in its `schemes` export.
 */
export async function loadSchemeRegistry(packageNames: string[], rootDir: string): Promise<SchemeRegistry> {
  const requireFromRoot = createRequire(join(rootDir, 'package.json'));
  const registry = new SchemeRegistry();
  for (const name of packageNames) {
    let entry: string;
    try {
      entry = requireFromRoot.resolve(name);
    } catch {
      throw new Error(`plugin "${name}" is not installed in ${rootDir} (add it to package.json dependencies)`);
    }
    const module = (await import(pathToFileURL(entry).href)) as {
      default?: RewardScheme;
      scheme?: RewardScheme;
      schemes?: RewardScheme[];
    };
    const schemes = module.schemes ?? [module.default ?? module.scheme].filter((s): s is RewardScheme => !!s);
    if (schemes.length === 0) throw new Error(`plugin "${name}" exports no scheme (default, scheme or schemes)`);
    for (const scheme of schemes) registry.register(scheme);
  }
  return registry;
}
