export * from './ha1.js';
export * from './digest-math.js';
export * from './digest-headers.js';
export * from './nonce.js';
export * from './nonce-counter.js';
export * from './digest-server.js';
export * from './digest-client.js';
