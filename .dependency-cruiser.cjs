/**
 * The import graph's rules, checked by `pnpm deps:check` (part of `pnpm test`).
 * The server's layers (STYLE.md, "Shape of the server") run one way, so any cycle is a
 * layer imported back up; type-only imports count too.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Imports run one way (api → services → rewarding → ledger → domain → platform): a cycle is a layer importing back up.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'rewarding-steps-hold-no-sql',
      severity: 'error',
      comment: 'The pipeline reaches storage only through RewardingStore; its PostgreSQL implementation (rewarding/postgres/) is the one place with SQL, so another store can run the same steps.',
      from: { path: '^server/src/rewarding/', pathNot: '^server/src/rewarding/postgres/' },
      to: { path: ['^server/src/db/', 'node_modules/(pg|@mikro-orm/[^/]+)/'] },
    },
    {
      name: 'ledger-below-rewarding',
      severity: 'error',
      comment: 'The ledger (entries, writer, limits, reversals, lifecycle, verify) is below the pipeline and the services that use it; its GraphQL types and resolvers are the API edge and exempt.',
      from: { path: '^server/src/ledger/', pathNot: '[.](resolver|types)[.]ts$' },
      to: { path: ['^server/src/(rewarding|events|points)/', '^server/src/periods/period-close', '^server/src/app[.]ts$'] },
    },
    {
      name: 'plugins-import-only-the-contract',
      severity: 'error',
      comment: 'A scheme plugin depends on @cofactor/schema alone, so it runs wherever the contract does (DESIGN.md, Layout).',
      from: { path: '^plugins/[^/]+/src/' },
      to: {
        pathNot: ['^schema/', '^plugins/[^/]+/src/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'plugins-never-import-each-other',
      severity: 'error',
      comment: 'Each plugin is its own package; sharing goes through the contract.',
      from: { path: '^plugins/([^/]+)/src/' },
      to: { path: '^plugins/[^/]+/', pathNot: '^plugins/$1/' },
    },
    {
      name: 'server-never-imports-a-plugin',
      severity: 'error',
      comment: 'The server loads the plugins named in configuration; it never names one in code.',
      from: { path: '^server/src/' },
      to: { path: ['^plugins/', '@cofactor/plugin-'] },
    },
    {
      name: 'schema-imports-nothing-of-ours',
      severity: 'error',
      comment: 'The contract knows no server and no plugin.',
      from: { path: '^schema/src/' },
      to: { path: ['^server/', '^plugins/'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '/dist/'] },
    // Type-only imports are part of the graph: a type imported back up is a layer violation too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
