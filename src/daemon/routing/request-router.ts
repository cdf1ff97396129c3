/**
 * Folder daemon/routing/: sipd's request pipeline. A request enters at request-router.ts (this
 * file), which does what RFC 3261 asks of every proxy whatever its policy, then hands the request
 * to the route: the routing API (api/route.ts, `sipkit/routing`) with its request context
 * (api/request-context.ts), and the default route written against it (default-route.ts). The
 * live sends are proxy-relayer.ts (core/proxy's ProxyContext); dialog-guard.ts keeps in-dialog
 * relaying to sipd's signed Record-Route; myself.ts says what is "us", protection.ts (with
 * protection-methods.ts) rate-limits and bans, route-secret.ts keys the signed Record-Route
 * marks. sip-module.ts and sip-wiring.ts build it all from the config. The modules the API
 * exposes sit beside it, each with its storage adapter and management methods: registrar/,
 * usrloc/ (where a REGISTER is stored), auth/, directory/ (subscribers, aliases, groups,
 * domains) and nat/.
 *
 * sipd's transaction user: every request and stray response the transaction layer hands up goes
 * through here:
 * 1. protection (ban list, per-source rate limit); 503 while draining; a stateless 503 with
 *    Retry-After for a new request outside a dialog while sipd is behind its input (overload.ts);
 * 2. ACK for a 2xx: statelessly along the dialog's signed route (§16.11); CANCEL cancels the
 *    matching INVITE's branches (§16.10);
 * 3. sanity (§16.3: 400, 416, 483, 420, 513; an OPTIONS for us with Max-Forwards 0 gets 200);
 *    100 Trying to an INVITE (§16.2);
 * 4. the route (default-route.ts unless sipd.conf names one): a route that throws, or ends
 *    without answering or relaying, or takes longer than its time limit, gets the request a 500.
 * Responses are forwarded only through a client transaction, or statelessly when our signed
 * branch says we forwarded the request statelessly: any other stray response is dropped.
 */
import { createHash } from 'node:crypto';
import {
  checkProxyRequest,
  createResponse,
  isSipUri,
  nextHopUri,
  parseMessage,
  postprocessStrictRoute,
  stampReceived,
  SipParseError,
  type AnyMessage,
  type MessageSource,
  type ProxyContext,
  type ProxyEnvironment,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type TransactionLayer,
  type TransactionLayerUser,
} from '../../core/index.js';
import { namesServer, OPTIONS_HEADERS, RequestContextImpl } from './api/request-context.js';
import type { Route } from './api/route.js';
import type { RouteServices } from './api/services.js';
import type { DialogGuard } from './dialog-guard.js';
import type { Protection } from './protection.js';
import type { ProxyRelayer } from './proxy-relayer.js';

interface Counter {
  inc(n?: number): void;
}

export interface RouterCounters {
  request(method: string): void;
  reply(status: number): void;
  dropped: Counter;
  droppedReplies: Counter;
  errors: Counter;
  parseErrors: Counter;
  /** malformed responses (dropped) */
  badReplies: Counter;
  rateLimited: Counter;
  /** new requests refused with 503 while overloaded */
  overloadRejected: Counter;
  /** requests refused (403) or ACKs dropped because relaying them would serve a stranger */
  relayDenied: Counter;
  fwdRequests: Counter;
  serverTransactions: Counter;
}

export interface RouterDeps {
  env: ProxyEnvironment;
  /** what the routes' request contexts use */
  services: RouteServices;
  relayer: ProxyRelayer;
  guard: DialogGuard;
  protection: Protection;
  counters: RouterCounters;
  contexts: WeakMap<ServerTransaction, ProxyContext>;
  /** the route in force; read per request, so that a reload swaps it for new requests only */
  route(): Route;
  /** An ACK's SDP answering a late offer goes through the media relay before it is forwarded (rtpengine/route-media.ts). */
  ackMedia?: (ack: SipRequest) => Promise<void> | undefined;
  /** ms a route may take before its request gets 500 */
  routeTimeout: number;
  /** false while sipd drains: new work gets 503 */
  accepting(): boolean;
  /**
   * true when this new request outside a dialog is to get 503 because sipd is behind its input
   * (overload.ts); `answersChallenge` (credentials in the request) is asked only while sipd sheds.
   */
  overloaded?(answersChallenge: () => boolean): boolean;
  /** Retry-After (s) of the overload 503 */
  overloadRetryAfter?: number;
  /** Work in progress, for the graceful stop: +1 when a request's handling starts, -1 when it settles. */
  busy(delta: 1 | -1): void;
  onError(err: unknown, what: string): void;
  /** the route threw, or ended (or timed out) without answering the request */
  onRouteError(err: unknown, route: Route, req: SipRequest): void;
}

/** Whether a request carries digest credentials (RFC 3261 §22.2, §22.3): it answers our 401/407. */
function answersChallenge(req: SipRequest): boolean {
  return req.has('authorization') || req.has('proxy-authorization');
}

export class RequestRouter implements TransactionLayerUser {
  constructor(private readonly d: RouterDeps) {}

  private get tl(): TransactionLayer {
    return this.d.env.tl;
  }

  onRequest(req: SipRequest, source: MessageSource): void {
    this.d.counters.request(req.method);
    const admitted = this.d.protection.admit(source.remoteAddress);
    if (admitted !== 'ok') {
      // Banned or flooding sources get no answer at all (Kamailio's pike drops too).
      (admitted === 'rate-limited' ? this.d.counters.rateLimited : this.d.counters.dropped).inc();
      return;
    }
    if (req.method === 'ACK') {
      this.ack(req, source);
      return;
    }
    if (req.method !== 'CANCEL' && req.toTag() === undefined && this.refusesNew(req)) {
      this.shed(req, source);
      return;
    }
    const st = this.tl.createServerTransaction(req, source);
    this.d.counters.serverTransactions.inc();
    if (!this.d.accepting()) {
      st.reply(503, 'Service Unavailable', { headers: [['Retry-After', '5']] });
      return;
    }
    if (req.method === 'CANCEL') {
      this.cancel(req, st);
      return;
    }
    if (!this.sane(req, st)) return;
    // §16.2: a stateful proxy answers an INVITE with 100 Trying (at once, as Kamailio's auto_inv_100).
    if (req.method === 'INVITE') st.reply(100);
    this.runRoute(req, st);
  }

  /** Overloaded for this new request (its headers are looked at only while sipd sheds). */
  private refusesNew(req: SipRequest): boolean {
    return this.d.overloaded?.(() => answersChallenge(req)) === true;
  }

  /**
   * Overloaded: a new request outside a dialog gets 503 with Retry-After, statelessly (no
   * transaction, no timers: as cheap as refusing can be; a retransmission is judged afresh, as
   * by Kamailio's sl_send_reply). RFC 3261 §21.5.4: the client may retry after that time, and a
   * proxy in front of sipd tries another server at once (RFC 3263 §4.3).
   */
  private shed(req: SipRequest, source: MessageSource): void {
    this.d.counters.overloadRejected.inc();
    const res = createResponse(req, 503, 'Service Unavailable', {
      headers: [['Retry-After', String(this.d.overloadRetryAfter ?? 5)]],
    });
    this.tl.sendStatelessResponse(res, source);
  }

  /** §16.3 checks; an OPTIONS for us with Max-Forwards 0 is a keepalive, answered 200. */
  private sane(req: SipRequest, st: ServerTransaction): boolean {
    const rejection = checkProxyRequest(req);
    if (!rejection) return true;
    if (rejection.status === 483 && req.method === 'OPTIONS' && namesServer(req, this.d.services)) {
      st.reply(200, 'OK', { headers: OPTIONS_HEADERS });
      return false;
    }
    if (rejection.status === 400) this.d.counters.errors.inc();
    st.reply(rejection.status, rejection.reason, rejection.headers ? { headers: rejection.headers } : {});
    return false;
  }

  /**
   * The route decides. It is synchronous or a promise; either way the request is over for it
   * when it has returned and the operations it started have settled. A route that throws or
   * ends without answering gets the request a 500 (as does one that takes longer than its limit).
   */
  private runRoute(req: SipRequest, st: ServerTransaction): void {
    const route = this.d.route();
    const ctx = new RequestContextImpl(req, st, this.d.services, route, this.unanswered);
    let work: void | Promise<void>;
    try {
      work = route.request(ctx);
    } catch (err) {
      this.routeFailed(ctx, route, err);
      return;
    }
    if (!(work instanceof Promise)) {
      ctx.routeSettled();
      return;
    }
    this.d.busy(1);
    if (!ctx.answered) ctx.armDeadline(this.tl.timers.timer(ctx, 0), this.d.routeTimeout);
    work.then(
      () => {
        this.d.busy(-1);
        ctx.routeSettled();
      },
      (err: unknown) => {
        this.d.busy(-1);
        this.routeFailed(ctx, route, err);
      },
    );
  }

  private readonly unanswered = (ctx: RequestContextImpl, why: 'returned' | 'timeout'): void => {
    const err = new Error(
      why === 'timeout'
        ? `route did not answer or relay ${ctx.method} within ${this.d.routeTimeout} ms`
        : `route returned without answering or relaying ${ctx.method}`,
    );
    this.routeFailed(ctx, this.d.route(), err);
  };

  private routeFailed(ctx: RequestContextImpl, route: Route, err: unknown): void {
    this.d.onRouteError(err, route, ctx.req);
    ctx.reply(500, 'Server Internal Error');
  }

  /**
   * A response that matches no client transaction is dropped (counted in core.drop_replies),
   * unless it answers a request the route forwarded statelessly (our signed branch on top).
   * Forwarding it because its top Via names us would let anyone reflect traffic off sipd to the
   * address in the second Via. Responses are forwarded only through a transaction: §16.7 with
   * RFC 6026, whose Accepted state keeps an INVITE client transaction for 64·T1 after its first
   * 2xx, so the callee's 2xx retransmissions still reach the caller through it.
   */
  onStrayResponse(res: SipResponse): void {
    this.d.counters.reply(res.status);
    if (this.d.relayer.relayStatelessResponse(res)) return;
    this.d.counters.droppedReplies.inc();
  }

  onParseError(err: SipParseError, raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void {
    this.d.counters.parseErrors.inc();
    // A message cut off for its size (513), or whose body is shorter than its Content-Length
    // (§18.3: a request gets 400), did not parse as a whole: its head may, to answer it.
    if (!msg) msg = headOf(raw, err.code === 'SIP_ERR_VERSION');
    // A request we can answer gets a 400 with the reason (505 for the version, 513 for the size);
    // responses and ACKs are dropped (§16.7, §17.2.1).
    if (!msg || !msg.isRequest || msg.method === 'ACK') {
      if (msg) (msg.isRequest ? this.d.counters.dropped : this.d.counters.badReplies).inc();
      return;
    }
    try {
      // The transport stamps received/rport only on messages that passed; the answer must still
      // go back where the request came from (RFC 3581 §4), e.g. through a NAT.
      stampReceived(msg, source);
      const res = createResponse(msg, err.status, err.reason);
      this.tl.sendStatelessResponse(res, source);
      this.d.counters.errors.inc();
    } catch {
      // Not even Via/From/To/Call-ID/CSeq to answer with.
    }
  }

  onError(err: unknown): void {
    this.d.onError(err, 'transaction user');
  }

  /** CANCEL (§16.10): 200 to the CANCEL, then cancel the INVITE's branches (or answer it 487). */
  private cancel(req: SipRequest, st: ServerTransaction): void {
    const invite = this.tl.findCancelTarget(req);
    if (!invite) {
      st.reply(481, 'Call/Transaction Does Not Exist');
      return;
    }
    st.reply(200);
    const ctx = this.d.contexts.get(invite);
    if (ctx) ctx.cancel();
    else if (invite.state === 'Proceeding') invite.reply(487, 'Request Terminated');
  }

  /** ACK for a 2xx (end to end): forwarded statelessly along the route set (§16.11). */
  private ack(req: SipRequest, source: MessageSource): void {
    // As for other in-dialog requests: only along a route set that named us with our mark for
    // the dialog (no open relay). An ACK gets no response: the others are dropped silently.
    const guard = this.d.guard;
    const route = guard.looseRoute(req);
    const target = guard.targetOf(req);
    const refusal = guard.refusal(req, source, route, target) ?? (req.toTag() === undefined ? 'no To tag' : undefined);
    if (refusal) {
      (refusal === 'not ours' ? this.d.counters.dropped : this.d.counters.relayDenied).inc();
      return;
    }
    // §16.6 step 6/7 for a strict router next: it becomes the Request-URI and the next hop.
    const strict = target.destination === undefined && postprocessStrictRoute(req);
    void (async () => {
      await this.d.ackMedia?.(req);
      const hop = strict ? req.requestUri() : nextHopUri(req);
      const dest = target.destination ?? (isSipUri(hop) ? await this.d.env.resolve(hop) : undefined);
      if (!dest) return;
      // A stateless branch is a function of the incoming one, so retransmissions get the same (§16.11).
      const incoming = req.topVia()?.params.get('branch') ?? req.callId();
      const branch = 'z9hG4bK' + createHash('md5').update(`${incoming}:ack`).digest('hex').slice(0, 16);
      this.d.relayer.sendStateless(req, dest, branch);
    })().catch(() => this.d.counters.dropped.inc());
  }
}

/**
 * The head of a message that did not parse as a whole (cut off for its size, too many header
 * fields, or a body shorter than Content-Length): its start line and the header fields a response
 * copies (§8.2.6.2), parsed without body, so that a request can be answered.
 */
function headOf(raw: Buffer, otherVersion: boolean): AnyMessage | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const lines = raw.toString('latin1', 0, end < 0 ? raw.length : end).split('\r\n');
  let head = lines[0] + '\r\n';
  let keep = false;
  let kept = 0;
  for (const line of lines.slice(1)) {
    // A continuation line (§7.3.1 folding) belongs to the field before it; past 200 fields (a
    // flood of Via lines) the rest is left out so that the head stays under the parser's limit.
    if (!/^[ \t]/.test(line)) keep = /^(via|v|from|f|to|t|call-id|i|cseq)[ \t]*:/i.test(line) && ++kept <= 200;
    if (keep) head += line + '\r\n';
  }
  // A request of another SIP version is read as 2.0 to answer it 505 (RFC 3261 §21.5.6); so are
  // its Via values (RFC 4475 badvers.dat says SIP/7.0/UDP), which the answer is routed by.
  if (otherVersion)
    head = head
      .replace(/^([^\r\n]* )SIP\/\d+\.\d+\r\n/i, '$1SIP/2.0\r\n')
      .replace(/^((?:via|v)[ \t]*:[ \t]*)SIP[ \t]*\/[ \t]*\d+\.\d+[ \t]*\//gim, '$1SIP/2.0/');
  try {
    return parseMessage(Buffer.from(head + 'Content-Length: 0\r\n\r\n', 'latin1'));
  } catch {
    return undefined;
  }
}
