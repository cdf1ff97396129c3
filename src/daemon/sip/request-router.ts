/**
 * sipd's transaction user: every request and stray response the transaction layer hands up goes
 * through here (architecture.md, "sipd's routing pipeline"):
 * 1. protection (ban list, per-source rate limit) and sanity (§16.3: 400, 416, 483, 420, 513);
 *    OPTIONS to the server itself is answered 200;
 * 2. loose routing (§16.4): our own Route values are removed; in-dialog requests (To tag) follow
 *    the rest of the route set, statefully (ACK for 2xx statelessly);
 * 3. CANCEL cancels the matching INVITE's branches (§16.10);
 * 4. REGISTER goes to the registrar, other initial requests to the call router.
 */
import { createHash } from 'node:crypto';
import {
  checkProxyRequest,
  createResponse,
  decrementMaxForwards,
  isSipUri,
  nextHopUri,
  SipParseError,
  viaFor,
  type AnyMessage,
  type MessageSource,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type TransactionLayer,
  type TransactionLayerUser,
} from '../../core/index.js';
import type { LocationService } from '../usrloc/location-service.js';
import type { CallRouter } from './call-router.js';
import type { Myself } from './myself.js';
import { branchFor } from './nat.js';
import type { Protection } from './protection.js';
import { ProxyContext, type ProxyEnvironment } from './proxy-context.js';
import type { RegistrarHandler } from './registrar-handler.js';

interface Counter {
  inc(n?: number): void;
}

export interface RouterCounters {
  request(method: string): void;
  reply(status: number): void;
  dropped: Counter;
  errors: Counter;
  parseErrors: Counter;
  rateLimited: Counter;
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
  onError(err: unknown, what: string): void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';

export class RequestRouter implements TransactionLayerUser {
  /** Set when the listeners are bound (ready hook). */
  myself: Myself | undefined;

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
      this.ack(req);
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
    const routed = this.looseRoute(req);
    if (req.toTag() !== undefined) {
      this.inDialog(req, st, routed);
      return;
    }
    if (req.method === 'OPTIONS' && this.isForMe(req)) {
      this.options(st);
      return;
    }
    const work = req.method === 'REGISTER' ? this.d.registrar.handle(req, st) : this.d.calls.route(req, st);
    work.catch((err: unknown) => this.failed(st, err));
  }

  onStrayResponse(res: SipResponse): void {
    // §16.7 step 3 / RFC 6026: a response for no transaction (2xx retransmissions after the
    // transaction ended) is forwarded statelessly when its top Via is ours.
    this.d.counters.reply(res.status);
    const via = res.topVia();
    if (!via || !this.myself?.isHost(via.host) || res.count('via') < 2) {
      this.d.counters.dropped.inc();
      return;
    }
    const out = res.clone();
    out.removeFirst('via');
    try {
      this.tl.sendStatelessResponse(out);
    } catch {
      this.d.counters.dropped.inc();
    }
  }

  onParseError(err: SipParseError, _raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void {
    this.d.counters.parseErrors.inc();
    // A request we can answer gets a 400 with the reason (505 for the version); anything else is dropped.
    if (!msg || !msg.isRequest || msg.method === 'ACK') return;
    try {
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

  /** Remove our own Route values from the top (two of them after double Record-Route). */
  private looseRoute(req: SipRequest): boolean {
    let removed = false;
    for (let i = 0; i < 2; i++) {
      const routes = req.routes();
      if (routes.length === 0) break;
      const top = routes[0]!.uri;
      if (!isSipUri(top) || !this.myself?.isUri(top)) break;
      req.removeFirst('route');
      removed = true;
    }
    return removed;
  }

  private isForMe(req: SipRequest): boolean {
    const u = req.requestUri();
    return isSipUri(u) && u.user === undefined && this.myself?.isUri(u) === true;
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

  /** In-dialog requests follow the route set; without one naming us they are not ours (404). */
  private inDialog(req: SipRequest, st: ServerTransaction, routed: boolean): void {
    if (!routed && req.routes().length === 0) {
      st.reply(404, 'Not Here');
      return;
    }
    const ctx = new ProxyContext(this.d.env, st, req, false);
    this.d.contexts.set(st, ctx);
    ctx.fork([this.targetOf(req)]);
  }

  /** The branch for an in-dialog request: a registered contact is reached where it registered from. */
  private targetOf(req: SipRequest) {
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
  private ack(req: SipRequest): void {
    const routed = this.looseRoute(req);
    if (!routed && req.routes().length === 0) {
      this.d.counters.dropped.inc();
      return;
    }
    const target = this.targetOf(req);
    void (async () => {
      const hop = nextHopUri(req);
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
