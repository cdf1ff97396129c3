/**
 * Route handling of a proxy, RFC 3261 §16.4 (route information preprocessing) and §16.6 steps
 * 3, 4, 6, 7 (Max-Forwards, Record-Route, strict-router postprocessing, next hop). Pure
 * functions over the message model; the caller says which URIs are its own.
 */
import { formatNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { isSipUri, type SipUri, type Uri } from '../grammar/uri.js';
import type { SipRequest } from '../message/message.js';
import { ROUTE_MARK_PARAM } from './route-mark.js';

/** Does this URI designate us (one of our addresses/ports, or a Record-Route we inserted)? */
export type IsLocalUri = (uri: SipUri) => boolean;

export interface PreprocessResult {
  /** The request came from a strict router: the Request-URI was our Record-Route and has been replaced. */
  strictRouterFixed: boolean;
  /** A Route naming us was removed from the top. */
  removedOwnRoute: boolean;
}

/**
 * §16.4: if the Request-URI is a URI we put in a Record-Route (a strict router upstream put it
 * there), restore the real Request-URI from the last Route value; then if the top Route is us,
 * remove it (loose routing).
 */
export function preprocessRoute(req: SipRequest, isLocal: IsLocalUri): PreprocessResult {
  const result: PreprocessResult = { strictRouterFixed: false, removedOwnRoute: false };
  const ruri = req.requestUri();
  if (isSipUri(ruri) && isLocal(ruri) && req.has('route') && looksLikeOurRecordRoute(ruri)) {
    const routes = req.routes();
    const last = routes[routes.length - 1]!;
    req.uri = last.uriText;
    setRoutes(req, routes.slice(0, -1));
    result.strictRouterFixed = true;
  }
  const routes = req.routes();
  if (routes.length > 0) {
    const top = routes[0]!.uri;
    if (isSipUri(top) && isLocal(top)) {
      req.removeFirst('route');
      result.removedOwnRoute = true;
    }
  }
  return result;
}

/** Our Record-Route URIs carry `lr` and no user part; a user's Request-URI has a user part. */
function looksLikeOurRecordRoute(uri: SipUri): boolean {
  return uri.params.has('lr') && uri.user === undefined;
}

function setRoutes(req: SipRequest, routes: NameAddr[]): void {
  req.removeAll('route');
  for (const r of routes) req.append('route', formatNameAddr(r));
}

/** §16.6 step 3: decrement Max-Forwards, or add it with 70. */
export function decrementMaxForwards(req: SipRequest): void {
  const mf = req.maxForwards();
  req.set('max-forwards', String(mf === undefined ? 70 : Math.max(0, mf - 1)));
}

/**
 * §16.6 step 4: a Record-Route URI for this proxy, with `lr` (RFC 3261 §19.1.1). `transport`
 * names the transport it was received on when not UDP, so in-dialog requests come back over it;
 * `mark` is the dialog's signature (route-mark.ts), in the `sig` parameter. With `sips` on a TLS
 * interface the URI is a SIPS URI (§16.6 step 4: the dialog is for a sips: URI), which implies
 * TLS by itself: no `transport` parameter (RFC 5630 §3.1.3 deprecates `transport=tls`; it stays
 * on plain sip: URIs, the only way they can name TLS, as Kamailio's rr does). WebSocket, secure or
 * not, is `transport=ws` in a URI (RFC 7118 §5.2; "WSS" exists only as a Via token): JsSIP,
 * Kamailio and Asterisk write it so, and a sips: URI is what says it is secure.
 */
export function recordRouteUri(host: string, port: number, transport: string, mark?: string, sips = false): string {
  const proto = transport.toLowerCase();
  const t = proto === 'wss' ? 'ws' : proto;
  const sig = mark ? `;${ROUTE_MARK_PARAM}=${mark}` : '';
  if (sips && proto === 'tls') return `<sips:${host}:${port};lr${sig}>`;
  if (sips && proto === 'wss') return `<sips:${host}:${port};transport=ws;lr${sig}>`;
  return `<sip:${host}:${port}${t === 'udp' ? '' : ';transport=' + t};lr${sig}>`;
}

/**
 * §16.6 step 6: if the first Route is a strict router (no `lr`), the Request-URI goes to the end
 * of the route set and the strict router's URI becomes the Request-URI.
 */
export function postprocessStrictRoute(req: SipRequest): boolean {
  const routes = req.routes();
  if (routes.length === 0) return false;
  const top = routes[0]!;
  if (isSipUri(top.uri) && top.uri.params.has('lr')) return false;
  const oldRuri = req.uri;
  req.removeFirst('route');
  req.append('route', `<${oldRuri}>`);
  req.uri = top.uriText;
  return true;
}

/** §16.6 step 7: where to send: the first Route if present, otherwise the Request-URI. */
export function nextHopUri(req: SipRequest): Uri {
  const routes = req.routes();
  return routes.length > 0 ? routes[0]!.uri : req.requestUri();
}
