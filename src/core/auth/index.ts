export * from './ha1.js';
export * from './digest-headers.js';
