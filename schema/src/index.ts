export * from './args.js';
export * from './money.js';
export * from './scheme.js';
export * from './stats-window.js';
export * from './drafts.js';
export * from './ranking.js';
export * from './terms.js';
export * from './progress.js';
