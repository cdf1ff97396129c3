export * from './address.js';
export * from './errors.js';
export * from './stream-framer.js';
export * from './tcp.js';
export * from './transport-layer.js';
export * from './types.js';
export * from './udp.js';
export * from './via-routing.js';
