export * from './order.js';
export * from './edition.js';
export * from './package-name.js';
export * from './target.js';
