export * from './args.js';
export * from './money.js';
export * from './scheme.js';
