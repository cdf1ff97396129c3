/**
 * `sipkit/routing`: the routing API for sipd's route modules (route.ts documents it) and the
 * default route to start from.
 */
export * from './route.js';
export { parseUriParts } from './message-view.js';
export { defaultRoute, FORWARD_ATTRIBUTES } from '../default-route.js';
