export * from './chars.js';
export * from './name-addr.js';
export * from './param-list.js';
export * from './params.js';
export * from './scalars.js';
export * from './uri.js';
export * from './via.js';
export * from './auth-params.js';
