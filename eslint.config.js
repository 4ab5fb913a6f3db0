// Lint: eslint's and typescript-eslint's recommended rules, and no stylistic rules: the code's
// layout stays as it is. Unused names are errors, except those starting with `_`, which say
// "deliberately unused" (a field left out of a rest object, an ignored parameter).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What Node gives a plain JavaScript file without an import (TypeScript checks its own files). */
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'fetch', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'structuredClone', 'performance'].map(
    (name) => [name, 'readonly'],
  ),
);
const COMMONJS_GLOBALS = { module: 'writable', require: 'readonly', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };

export default defineConfig(
  // web/src/gql is generated from the schema by the web client's build.
  globalIgnores(['**/dist/', '**/node_modules/', '**/.cofactor/', '**/coverage/', 'web/src/gql/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `catch {}` is how a best-effort step says a failure changes nothing (a kill of a
      // process that is already gone, a file that may not exist yet).
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests read GraphQL and SQL results as loosely typed JSON; the assertions check their shape.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: NODE_GLOBALS } },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...NODE_GLOBALS, ...COMMONJS_GLOBALS } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
