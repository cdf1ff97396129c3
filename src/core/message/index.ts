export * from './header-names.js';
export * from './message.js';
export * from './parser.js';
export * from './serializer.js';
export * from './split.js';
export * from './validate.js';
export * from './sdp.js';
export * from './detach.js';
