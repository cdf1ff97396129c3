/**
 * sipd's routing API (`sipkit/routing`): the heir of openser.cfg's route blocks, typed.
 *
 * A route is a module whose default export is a `Route`: `request` runs for every request sipd
 * must decide on (Kamailio's request_route), `onReply` for every response a branch receives
 * (onreply_route), `onFailure` when every branch of a relayed request failed (failure_route:
 * serial forking, forwarding on busy), `onBranch` for each branch before it is sent
 * (branch_route). Handlers armed on one request (`ctx.onFailure(fn)`, as `t_on_failure`) take
 * precedence over the route's own.
 *
 * What sipd does before and around the route, whatever it says (RFC 3261 duties, not policy):
 * banned and flooding sources are dropped; ACK and CANCEL are handled by sipd (§16.10, §16.11:
 * an ACK for a 2xx follows the dialog's signed route, a CANCEL cancels the INVITE's branches);
 * §16.3 checks answer 400/416/420/483/513; an INVITE gets 100 Trying; while sipd drains, 503.
 * A route that throws gets the request a 500 (logged with the stack); one that neither answers
 * nor relays gets a 500 too: no request is left hanging.
 *
 * Security invariants the operations keep, so that a route cannot lose them by omission:
 * `relay()` of an in-dialog request follows only a Route sipd signed for that dialog (see
 * looseRoute()); credentials are bound to their request (auth()); a REGISTER is acknowledged
 * only once stored (registrar.save()).
 */
import type { SdpSession } from '../../../core/index.js';

export type { SdpSession, SdpMedia, SdpConnection } from '../../../core/index.js';

export type MaybePromise<T> = T | Promise<T>;

/** A route: the default export of a route module (`route = "/etc/sipkit/route.js"`). */
export interface Route {
  /** a name for logs and `sipd check-config` */
  readonly name?: string;
  /** every request except ACK and CANCEL (request_route) */
  request(ctx: RequestContext): MaybePromise<void>;
  /** every response a branch of a relayed request receives, before it goes upstream (onreply_route) */
  onReply?(ctx: ReplyContext): void;
  /** every branch of a relayed request has failed (failure_route): relay again, reply, or let the best go up */
  onFailure?(ctx: FailureContext): MaybePromise<void>;
  /** each branch, before it is sent (branch_route) */
  onBranch?(ctx: BranchContext): void;
}

/** Typing help for route modules: `export default defineRoute({ request(ctx) { … } })`. */
export function defineRoute<R extends Route>(route: R): R {
  return route;
}

export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS' | 'SCTP';

/** Where the request came from. */
export interface Source {
  readonly address: string;
  readonly port: number;
  readonly transport: TransportName;
  /** the local address and port it arrived on */
  readonly localAddress: string;
  readonly localPort: number;
  /**
   * The sender is behind a NAT (nat_uac_test 1|2|16: a private address in Contact or Via, or a
   * Via that differs from the source address).
   */
  readonly natted: boolean;
}

/** A SIP URI taken apart (the parts a route usually reads). `undefined` for tel: and other schemes. */
export interface UriParts {
  readonly scheme: 'sip' | 'sips';
  /** the user part, unescaped */
  readonly user: string | undefined;
  /** lower-case */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string | null>;
}

/** A From or To header field. */
export interface Party {
  /** the URI as written */
  readonly uri: string;
  /** the URI's parts when it is a SIP/SIPS URI */
  readonly sip: UriParts | undefined;
  readonly displayName: string | undefined;
  readonly tag: string | undefined;
}

/** Lazy, read-mostly access to the request (parsed on first use). */
export interface RequestMessage {
  readonly method: string;
  /** the Request-URI as it is now (after rewrites) */
  readonly ruri: string;
  readonly from: Party;
  readonly to: Party;
  readonly callId: string;
  readonly cseq: { readonly seq: number; readonly method: string };
  /** Contact URIs, in order ('*' for a REGISTER removing all bindings) */
  readonly contacts: readonly string[];
  /** first value of a header field (case-insensitive name, compact forms accepted) */
  header(name: string): string | undefined;
  /** every value of a header field, in order */
  headers(name: string): string[];
  has(name: string): boolean;
  /** the body as text (latin1 when not UTF-8) */
  readonly body: string;
  readonly contentType: string | undefined;
  /** the SDP offer/answer when the body is application/sdp (undefined otherwise or if unparseable) */
  readonly sdp: SdpSession | undefined;
}

/** The user an `auth()` proved the sender to be. */
export interface AuthenticatedUser {
  readonly username: string;
  readonly domain: string;
}

/** A registered contact (location.lookup()). */
export interface Contact {
  /** the Contact URI as registered */
  readonly uri: string;
  readonly aor: string;
  readonly q: number;
  /** ms since the epoch; 0 = permanent */
  readonly expires: number;
  readonly userAgent: string;
  /** where the registration came from when behind NAT (sip:IP:PORT;transport=...) */
  readonly received: string | undefined;
}

/**
 * Where one branch goes: a registered contact, a URI ("sip:+4930123@gw1.example.net"), or a URI
 * with an explicit next hop ("sip:1234@pstn", destination "udp:192.0.2.10:5060", Kamailio's $du).
 */
export type Target = string | Contact | { readonly uri: string; readonly destination?: string };

export interface RelayOptions {
  /** branches: defaults to the Request-URI (after rewrites) */
  readonly targets?: readonly Target[];
  /** per-relay fr_timer / fr_inv_timer override, ms (as setTimer) */
  readonly timers?: Timers;
}

export interface Timers {
  /** no final response (INVITE: no provisional one) by then counts as 408 (fr_timer) */
  readonly fr?: number;
  /** INVITE: no final response after a provisional one by then counts as 408 (fr_inv_timer, Timer C) */
  readonly frInv?: number;
}

/** What looseRoute() found (§16.4). */
export type LooseRoute =
  /** no Route value named sipd */
  | 'none'
  /** sipd's own Route values were removed (in-dialog: each with sipd's mark for this dialog) */
  | 'ours'
  /** an in-dialog request named sipd without a valid mark: relay() will refuse it (403) */
  | 'unsigned';

/** usr_preferences values loaded for a user (avp_db_load), and values the route sets itself. */
export interface Avps {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
  has(name: string): boolean;
  /** load a user's usr_preferences (default: the Request-URI's user after alias resolution) */
  load(user?: string, domain?: string): Promise<number>;
  entries(): IterableIterator<[string, string]>;
}

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** What every context can do to headers of the message it holds. */
export interface HeaderEdits {
  /** replace every value of a header field by one */
  setHeader(name: string, value: string): void;
  appendHeader(name: string, value: string): void;
  removeHeader(name: string): number;
}

/** What sipd.conf says that the default route follows (read-only). */
export interface RouteSettings {
  /** methods whose requests from local users the default route authenticates ([auth] methods) */
  readonly authMethods: readonly string[];
  readonly mode: 'proxy' | 'redirect';
  readonly recordRoute: boolean;
  readonly acl: ReadonlyArray<{ readonly prefix: string; readonly group: string }>;
}

/**
 * Media relay through rtpengine ([rtpengine] in sipd.conf; Kamailio's rtpengine_offer/delete):
 * phones behind NAT put private addresses in their SDP, so the media goes through rtpengine.
 */
export interface MediaRelayOps {
  /** rtpengine instances are configured ([rtpengine] sockets) */
  readonly configured: boolean;
  /** [rtpengine] mode: the default route offers with "always", and with "nat" when either side is behind NAT */
  readonly mode: 'nat' | 'always' | 'off';
  /** rtpengine relays this call now (an offer of its Call-ID went through, no delete since) */
  readonly relaying: boolean;
  /**
   * Relay the media of this INVITE/UPDATE through rtpengine: once relay() sends it, each branch's
   * SDP is offered to rtpengine (with the flags of the transport the branch goes over: WebRTC
   * toward WS/WSS, plain RTP toward a phone; for a new call with the branch's own via-branch, so
   * forked branches do not take each other's media) and carries rtpengine's SDP; the 1xx/2xx
   * with SDP get rtpengine's answer SDP; a branch that fails deletes its own leg, and a final
   * failure of a new call (busy, CANCEL, timeout) deletes the session. When rtpengine cannot take
   * a branch's offer the call is answered 503 ([rtpengine] on_failure = "503", the other
   * branches cancelled) or the branch goes with its own SDP ("relay"). An
   * INVITE without a body (late offer): its 2xx's or reliable 1xx's SDP is offered and the
   * ACK's or PRACK's SDP answered, when they come (call offer() before relaying the PRACK too). Without rtpengine or another method: nothing done. Resolves true (false is
   * kept for routes written against earlier versions: they stop when it is false). Call it right
   * before relay().
   */
  offer(): Promise<boolean>;
  /** Delete the call's session in rtpengine (a BYE); nothing when it has none. */
  delete(): Promise<void>;
}

export interface RequestContext extends HeaderEdits {
  /** the configuration the default route follows (sipd.conf, read-only) */
  readonly settings: RouteSettings;
  readonly method: string;
  readonly msg: RequestMessage;
  readonly source: Source;
  /** a To tag: a request within a dialog (§12.2) */
  readonly inDialog: boolean;
  /** set by a successful auth() */
  readonly user: AuthenticatedUser | undefined;
  readonly avps: Avps;
  /** the Request-URI; assigning rewrites it ($ru) */
  ruri: string;
  /** the Request-URI's parts (undefined for tel: and other schemes) */
  readonly uri: UriParts | undefined;
  /** rewrite the user part of the Request-URI ($rU) */
  setUser(user: string): void;
  /** rewrite the host (and port) of the Request-URI ($rd) */
  setHost(host: string, port?: number): void;
  /** a CANCEL arrived (or sipd answered) while the route was waiting: replies and relays are ignored */
  readonly answered: boolean;

  /** the Request-URI names sipd itself (no user; a served domain or one of sipd's addresses) */
  isForMe(): boolean;
  /** the Request-URI's host is a domain sipd serves (config `domains` and the domain table) */
  isLocalDomain(): boolean;
  /** `host` is a domain sipd serves; false for undefined (e.g. `ctx.msg.from.sip?.host` of a tel: From) */
  isLocalDomain(host: string | undefined): boolean;
  /** one of sipd's own addresses or domains (Kamailio's `myself`), e.g. for a maddr */
  isMyself(host: string): boolean;

  /**
   * Digest authentication (RFC 3261 §22) of the sender as a user of `domain` (default: the From
   * domain; REGISTER: the To domain). Answers the challenge itself (407, or 401 for REGISTER)
   * and resolves false when the request must stop here. On success sets `user`; with `checkFrom`
   * (default true) a From user other than the authenticated one gets 403; the credentials meant
   * for sipd are removed before relaying (§22.3).
   */
  auth(opts?: { domain?: string; checkFrom?: boolean }): Promise<boolean>;
  /** the subscriber exists (default: the Request-URI's user@host) */
  userExists(user?: string, domain?: string): Promise<boolean>;
  readonly registrar: {
    /**
     * Handle a REGISTER as a registrar (§10.3): To must be a user of a served domain, the sender
     * its owner (authenticated when `[auth] register` is on), then the bindings are stored and
     * the 200 lists them. Answers the request in every case.
     */
    save(): Promise<void>;
  };
  readonly location: {
    /** the registered contacts of an AoR (default: the Request-URI's user@host), highest q first */
    lookup(aor?: string): Contact[];
  };
  readonly alias: {
    /** dbaliases: rewrite the Request-URI to the alias's user; true when one was found */
    resolve(): boolean;
    /** the subscriber an alias names, if `user@domain` is an alias */
    lookup(user: string, domain: string): AuthenticatedUser | undefined;
  };
  /** media relay through rtpengine */
  readonly rtpengine: MediaRelayOps;
  readonly groups: {
    /** ACL group membership (grp) of a user (default: the authenticated user) */
    has(group: string, user?: AuthenticatedUser): boolean;
  };

  /** add Record-Route on relay (§16.6 step 4), signed for the dialog */
  recordRoute(): void;
  /** Route information preprocessing (§16.4): remove sipd's own Route values; see LooseRoute */
  looseRoute(): LooseRoute;
  /**
   * Relay statefully (§16.6): one branch per target, in parallel; responses per §16.7 (the hooks
   * run on them). An in-dialog request is relayed only along a route set sipd signed for the
   * dialog (else 403 / 404). An empty target list is answered 480. Ignored once the request is
   * answered.
   */
  relay(opts?: RelayOptions): void;
  /** Forward statelessly (§16.11) to the Request-URI or the given destination ("udp:host:port"). */
  forward(destination?: string): Promise<void>;
  /** Answer the request (statefully). Ignored once the request is answered. */
  reply(status: number, reason?: string, headers?: HeaderList): void;
  /**
   * 403 "Forbidden: <why>" for a request that would make sipd relay for a stranger, counted in
   * the statistic security.relay_denied (the default route's preload Route and maddr refusals).
   */
  denyRelay(why: string): void;
  /** 302 with the given contacts (highest q first), as a redirect server (§8.3) */
  redirect(contacts: readonly (string | Contact)[]): void;
  /** 200 OK to an OPTIONS for sipd itself, with Allow/Accept/Supported */
  replyOptions(): void;
  /** fr_timer / fr_inv_timer for the relay that follows */
  setTimer(timers: Timers): void;
  onReply(handler: (ctx: ReplyContext) => void): void;
  onFailure(handler: (ctx: FailureContext) => MaybePromise<void>): void;
  onBranch(handler: (ctx: BranchContext) => void): void;
}

/** A response a branch received (onreply_route). */
export interface ReplyContext extends HeaderEdits {
  readonly request: RequestContext;
  readonly status: number;
  readonly reason: string;
  readonly branch: number;
  header(name: string): string | undefined;
  headers(name: string): string[];
  readonly body: string;
}

/** Every branch failed (failure_route). */
export interface FailureContext {
  readonly request: RequestContext;
  /**
   * the status of the best final response so far (§16.7 step 6): 408 for a timeout, 503 for a
   * transport failure; a 503 is seen as 503 here (it goes upstream as 500)
   */
  readonly status: number;
  readonly reason: string;
  /** the Request-URIs tried so far, in order */
  readonly tried: readonly string[];
  /** try these targets next (serial forking); the hooks armed for the request stay armed */
  relay(opts: RelayOptions): void;
  /** answer with this instead of the best response */
  reply(status: number, reason?: string, headers?: HeaderList): void;
}

/** One branch about to be sent (branch_route). */
export interface BranchContext extends HeaderEdits {
  readonly request: RequestContext;
  readonly branch: number;
  /** the branch's Request-URI; assigning rewrites it */
  ruri: string;
  /** don't send this branch (it counts as 480) */
  drop(): void;
}
