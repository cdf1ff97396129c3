export * from './ha1.js';
