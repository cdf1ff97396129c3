export * from './clock.js';
export * from './fake-clock.js';
export * from './timer-queue.js';
