/**
 * sipkit's SIP protocol core: the only import path other folders use. It depends on nothing but
 * node:* and itself.
 */
export * from './errors.js';
export * from './grammar/index.js';
export * from './message/index.js';
export * from './auth/index.js';
export * from './message/builders.js';
export * from './message/ids.js';
export * from './message/reason-phrases.js';
export * from './timers/index.js';
export * from './transport/index.js';
export * from './transaction/index.js';
export * from './proxy/index.js';
