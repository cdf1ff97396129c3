export * from './best-response.js';
export * from './request-checks.js';
export * from './route-mark.js';
export * from './routing.js';
export * from './proxy-context.js';
