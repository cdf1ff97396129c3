/**
 * Folder daemon/routing/: sipd's request pipeline (the future routing API). A request enters at
 * request-router.ts (this file); initial requests other than REGISTER go on to call-router.ts
 * (caller auth, aliases, ACL, location lookup, forking through core/proxy's ProxyContext);
 * myself.ts says what is "us", protection.ts (with protection-methods.ts) rate-limits and bans,
 * route-secret.ts keys the signed Record-Route marks; next hops come from core's resolveNextHop.
 * sip-module.ts and sip-wiring.ts build it all from the config. The modules it calls sit beside
 * it, each with its storage adapter and management methods: registrar/ (a REGISTER's answer),
 * usrloc/ (where a REGISTER is stored: location-service.ts, location-persistence.ts,
 * ul-methods.ts), auth/, directory/ (subscribers, aliases, groups, domains) and nat/.
 *
 * sipd's transaction user: every request and stray response the transaction layer hands up goes
 * through here (architecture.md, "sipd's routing pipeline"):
 * 1. protection (ban list, per-source rate limit) and sanity (§16.3: 400, 416, 483, 420, 513);
 * 2. loose routing (§16.4): our own Route values are removed; OPTIONS to the server itself is
 *    answered 200 (before any authentication: phones use it as a keepalive);
 * 3. in-dialog requests (To tag) follow the rest of the route set, statefully (ACK for 2xx
 *    statelessly), only when our Route values carry a valid mark for their dialog (signed
 *    Record-Route, core/proxy/route-mark.ts): sipd relays no in-dialog request for a dialog it
 *    did not record-route;
 * 4. CANCEL cancels the matching INVITE's branches (§16.10);
 * 5. REGISTER goes to the registrar, other initial requests to the call router.
 * Responses are forwarded only through a client transaction: a stray response is dropped.
 */
import { createHash } from 'node:crypto';
import {
  checkProxyRequest,
  createResponse,
  decrementMaxForwards,
  defaultPort,
  parseMessage,
  postprocessStrictRoute,
  stampReceived,
  formatNameAddr,
  isSipUri,
  nextHopUri,
  SipParseError,
  viaFor,
  type AnyMessage,
  type MessageSource,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type TransactionLayer,
  type TransactionLayerUser,
  ProxyContext,
  type BranchTarget,
  type ProxyEnvironment,
} from '../../core/index.js';
import type { LocationService } from '../usrloc/location-service.js';
import type { CallRouter } from './call-router.js';
import { hasForeignMaddr, type Myself } from './myself.js';
import { branchFor } from '../nat/nat.js';
import type { Protection } from './protection.js';
import type { RegistrarHandler } from '../registrar/registrar-handler.js';

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
  /** requests refused (403) or ACKs dropped because relaying them would serve a stranger */
  relayDenied: Counter;
  fwdRequests: Counter;
  serverTransactions: Counter;
}

export interface RouterDeps {
  env: ProxyEnvironment;
  registrar: RegistrarHandler;
  calls: CallRouter;
  location: LocationService;
  protection: Protection;
  counters: RouterCounters;
  contexts: WeakMap<ServerTransaction, ProxyContext>;
  /** false while sipd drains: new work gets 503 */
  accepting(): boolean;
  /** Work in progress, for the graceful stop: +1 when a request's handling starts, -1 when it settles. */
  busy(delta: 1 | -1): void;
  onError(err: unknown, what: string): void;
}

/**
 * What route information preprocessing (§16.4) found: no Route value (nor a strict router's
 * Request-URI) named us; ours were removed (in-dialog: each with a valid mark); or an in-dialog
 * request named us without a valid mark for its dialog (nothing removed; not relayed).
 */
type RouteCheck = 'none' | 'ours' | 'ours-local' | 'unsigned';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';

export class RequestRouter implements TransactionLayerUser {
  private me: Myself | undefined;

  constructor(private readonly d: RouterDeps) {
    d.calls.onRelayDenied = () => d.counters.relayDenied.inc();
  }

  /** Set when the listeners are bound (ready hook); the call router needs it too (maddr). */
  set myself(m: Myself | undefined) {
    this.me = m;
    this.d.calls.myself = m;
  }

  get myself(): Myself | undefined {
    return this.me;
  }

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
    const rejection = checkProxyRequest(req);
    if (rejection) {
      if (rejection.status === 483 && req.method === 'OPTIONS' && this.isForMe(req)) {
        this.options(st);
        return;
      }
      if (rejection.status === 400) this.d.counters.errors.inc();
      st.reply(rejection.status, rejection.reason, rejection.headers ? { headers: rejection.headers } : {});
      return;
    }
    // §16.2: a stateful proxy answers an INVITE with 100 Trying (at once, as Kamailio's auto_inv_100).
    if (req.method === 'INVITE') st.reply(100);
    const route = this.looseRoute(req);
    // After §16.4, so that an in-dialog OPTIONS from a strict router (R-URI = our Record-Route)
    // goes on; before the call router, so that nobody is challenged for a keepalive.
    if (req.method === 'OPTIONS' && this.isForMe(req)) {
      this.options(st);
      return;
    }
    if (req.toTag() !== undefined) {
      this.inDialog(req, st, route);
      return;
    }
    // Synchronous when everything needed is in memory; a promise only when the database is asked.
    let work: void | Promise<void>;
    try {
      work = req.method === 'REGISTER' ? this.d.registrar.handle(req, st) : this.d.calls.route(req, st);
    } catch (err) {
      this.failed(st, err);
      return;
    }
    if (work) {
      this.d.busy(1);
      work.then(this.settled, (err: unknown) => {
        this.d.busy(-1);
        this.failed(st, err);
      });
    }
  }

  private readonly settled = (): void => this.d.busy(-1);

  /**
   * A response that matches no client transaction is dropped (counted in core.drop_replies).
   * Forwarding it because its top Via names us would let anyone reflect traffic off sipd to the
   * address in the second Via. Responses are forwarded only through a transaction: §16.7 with
   * RFC 6026, whose Accepted state keeps an INVITE client transaction for 64·T1 after its first
   * 2xx, so the callee's 2xx retransmissions still reach the caller through it.
   */
  onStrayResponse(res: SipResponse): void {
    this.d.counters.reply(res.status);
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

  /**
   * Route information preprocessing (§16.4): a strict router upstream puts our Record-Route URI
   * in the Request-URI and the real one at the end of the route set; put it back. Then remove
   * our own Route values from the top (two of them after double Record-Route).
   *
   * For an in-dialog request (To tag) each of our values must carry a valid mark for the
   * request's dialog (Call-ID and the From or To tag, route-mark.ts); otherwise nothing is
   * removed and the answer is 'unsigned'. An initial request may name us without a mark (a phone
   * with sipd as its outbound proxy preloads that Route).
   */
  private looseRoute(req: SipRequest): RouteCheck {
    const me = this.me;
    if (!me) return 'none';
    const inDialog = req.toTag() !== undefined;
    let local = false;
    const signed = (uri: SipUri): boolean => {
      if (!inDialog) return true;
      const scope = this.d.env.routeMarks.verifyUri(uri, req.callId(), [req.fromTag() ?? '', req.toTag()]);
      if (scope === 'local') local = true;
      return scope !== undefined;
    };
    let removed = false;
    const ruri = req.requestUri();
    if (isSipUri(ruri) && ruri.user === undefined && ruri.params.has('lr') && req.has('route') && me.isUri(ruri)) {
      if (!signed(ruri)) return 'unsigned';
      const routes = req.routes();
      req.uri = routes[routes.length - 1]!.uriText;
      req.removeAll('route');
      for (let i = 0; i < routes.length - 1; i++) {
        const r = routes[i]!;
        req.append('route', formatNameAddr({ displayName: r.displayName, uri: r.uriText, params: r.params }));
      }
      removed = true;
    }
    for (let i = 0; i < 2; i++) {
      const routes = req.routes();
      if (routes.length === 0) break;
      const top = routes[0]!.uri;
      if (!isSipUri(top) || !me.isUri(top)) break;
      if (!signed(top)) return 'unsigned';
      req.removeFirst('route');
      removed = true;
    }
    return !removed ? 'none' : local ? 'ours-local' : 'ours';
  }

  /**
   * In a stranger's dialog (mark scope `local`: an unauthenticated caller reached a registered
   * user), a request is relayed only when it comes from or goes to one of our registered user
   * agents: the stranger may talk to our user, not use the dialog's route to reach anyone else.
   * Who sends cannot be read from the tags (either party holds the mark and can swap them), so
   * the source and the next hop are compared with the registered contacts and their sources.
   */
  private partyOfOurs(req: SipRequest, source: MessageSource, target: BranchTarget): boolean {
    const loc = this.d.location;
    if (target.registered || loc.isRegisteredSource(source)) return true;
    const hop = nextHopUri(req);
    return isSipUri(hop) && loc.isRegisteredAddress(hop.host, defaultPort(hop));
  }

  /**
   * A request for the server itself: no user part, and a domain we serve (whatever the port: a
   * phone writes `sip:DOMAIN` and means its registrar) or one of our addresses with one of our ports.
   */
  private isForMe(req: SipRequest): boolean {
    const u = req.requestUri();
    if (!isSipUri(u) || u.user !== undefined) return false;
    return this.d.calls.servesDomain(u.host) || this.me?.isUri(u) === true;
  }

  private options(st: ServerTransaction): void {
    st.reply(200, 'OK', {
      headers: [
        ['Allow', ALLOW],
        ['Accept', 'application/sdp'],
        ['Supported', ''],
      ],
    });
  }

  /**
   * In-dialog requests follow the route set only when it named us with our mark for their dialog
   * (we record-routed it). A Route naming us without a valid mark is refused (403); a request
   * that does not name us at all is not ours (404, as Kamailio's default script, §12.2.2 leaves
   * it to the UAS). Relaying a request just because it has a To tag and a Route naming us would
   * make sipd an open relay. A Request-URI whose maddr names another host would make sipd send
   * somewhere the route set never said: refused too.
   */
  private inDialog(req: SipRequest, st: ServerTransaction, route: RouteCheck): void {
    const target = this.targetOf(req);
    const refusal = this.relayRefusal(req, st.source, route, target);
    if (refusal === 'not ours') {
      st.reply(404, 'Not Here');
      return;
    }
    if (refusal) {
      this.d.counters.relayDenied.inc();
      st.reply(403, `Forbidden: ${refusal}`);
      return;
    }
    const ctx = new ProxyContext(this.d.env, st, req, false);
    this.d.contexts.set(st, ctx);
    ctx.fork([target]);
  }

  /**
   * Why an in-dialog request (or ACK) must not be relayed, or undefined when it may: it does not
   * name us ('not ours'), names us without our mark, has a foreign maddr, or, in a stranger's
   * dialog, neither comes from nor goes to one of our users.
   */
  private relayRefusal(req: SipRequest, source: MessageSource, route: RouteCheck, target: BranchTarget) {
    if (route === 'none') return 'not ours';
    if (route === 'unsigned') return 'Route not signed for this dialog';
    if (hasForeignMaddr(req.requestUri(), this.me)) return 'maddr in Request-URI';
    if (route === 'ours-local' && !this.partyOfOurs(req, source, target)) return 'not a party of this dialog';
    return undefined;
  }

  /** The branch for an in-dialog request: a registered contact is reached where it registered from. */
  private targetOf(req: SipRequest): BranchTarget {
    if (req.routes().length === 0) {
      const b = this.d.location.findContact(req.uri);
      if (b) return branchFor(b);
    }
    return { uri: req.uri };
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
    const route = this.looseRoute(req);
    const target = this.targetOf(req);
    const refusal =
      this.relayRefusal(req, source, route, target) ?? (req.toTag() === undefined ? 'no To tag' : undefined);
    if (refusal) {
      (refusal === 'not ours' ? this.d.counters.dropped : this.d.counters.relayDenied).inc();
      return;
    }
    // §16.6 step 6/7 for a strict router next: it becomes the Request-URI and the next hop.
    const strict = target.destination === undefined && postprocessStrictRoute(req);
    void (async () => {
      const hop = strict ? req.requestUri() : nextHopUri(req);
      const dest = target.destination ?? (isSipUri(hop) ? await this.d.env.resolve(hop) : undefined);
      if (!dest) return;
      decrementMaxForwards(req);
      const sendTarget = this.tl.transport.targetForRequest(dest);
      // A stateless branch is a function of the incoming one, so retransmissions get the same (§16.11).
      const incoming = req.topVia()?.params.get('branch') ?? req.callId();
      const branch = 'z9hG4bK' + createHash('md5').update(`${incoming}:ack`).digest('hex').slice(0, 16);
      req.prepend('via', viaFor(sendTarget.transport, branch));
      this.tl.transport.sendRequest(req, { ...dest, transport: sendTarget.transport });
      this.d.counters.fwdRequests.inc();
    })().catch(() => this.d.counters.dropped.inc());
  }

  private failed(st: ServerTransaction, err: unknown): void {
    this.d.onError(err, 'request');
    if (st.state === 'Proceeding' || st.state === 'Trying') st.reply(500, 'Server Internal Error');
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
