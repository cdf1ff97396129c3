/**
 * One request being proxied statefully (RFC 3261 §16.6–16.10): the server transaction upstream,
 * one client transaction per branch downstream (parallel forking), and the response context
 * that decides what goes back up:
 * - 100 stays here (we sent our own); other provisional responses go up at once (§16.7 step 5);
 * - every 2xx goes up at once, and for an INVITE the other branches are cancelled (§16.7 step 10);
 * - a 6xx to an INVITE cancels the other branches;
 * - otherwise final responses are kept until every branch has one, then the best goes up
 *   (§16.7 step 6), unless the failure hook (call forwarding on busy / no answer) adds branches;
 * - a branch that times out counts as 408, one whose transport failed as 503 (§16.7 step 6).
 * A CANCEL from upstream cancels every pending branch (§16.10).
 */
import type { Timer, TimerTarget } from '../timers/timer-queue.js';
import { isSipUri, type SipUri } from '../grammar/uri.js';
import { createResponse } from '../message/builders.js';
import { ownString } from '../message/own-string.js';
import { newBranch } from '../message/ids.js';
import { SipResponse, type SipRequest } from '../message/message.js';
import type { ClientTransaction } from '../transaction/client.js';
import type { ServerTransaction } from '../transaction/server.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser } from '../transaction/types.js';
import type { TransportError } from '../transport/errors.js';
import type { Destination, MessageSource, Transport } from '../transport/types.js';
import { viaFor } from '../transport/via-routing.js';
import { bestResponseMessage, chooseBestResponse, type BestResponse } from './best-response.js';
import type { RouteMarks } from './route-mark.js';
import { decrementMaxForwards, nextHopUri, postprocessStrictRoute } from './routing.js';

/** Where one branch goes. */
export interface BranchTarget {
  /** Request-URI of the branch (a registered Contact, a forwarding target...). */
  uri: string;
  /**
   * Where to send it when that is not the Route set's or the Request-URI's host: the real
   * source address of a NAT'd registration, or its TCP connection.
   */
  destination?: Destination;
  /** The binding's Path (RFC 3327), which becomes the branch's first Route values. */
  path?: string;
  /** A registered contact of one of our users (branchFor), not a URI relayed as is. */
  registered?: boolean;
  /**
   * The next hop to resolve instead of the first Route or the Request-URI (Kamailio's $du as a
   * URI: "sip:gw1.example.net:5060;transport=tcp"), when no `destination` is given.
   */
  hop?: SipUri;
}

/** What the context needs from the daemon. */
export interface ProxyEnvironment {
  readonly tl: TransactionLayer;
  /** Where to send for a next-hop URI (RFC 3263 without NAPTR/SRV: host, port, transport). */
  resolve(uri: SipUri): Promise<Destination>;
  /** Signs and checks the dialog marks of our Record-Route values (auth.secret). */
  readonly routeMarks: RouteMarks;
  /**
   * Record-Route values for a request received from `inbound` and sent over `outbound`, top
   * first, each carrying the dialog's `mark`. `sips` says which side's URI must be a SIPS URI
   * (RFC 3261 §16.6 step 4): the caller's side when its request was for a sips: URI, the
   * callee's side when the forwarded request's Request-URI or top Route is one.
   */
  recordRoute(inbound: MessageSource, outbound: Transport, mark: string, sips?: RecordRouteSips): string[];
  /** Proxy Timer C for INVITE branches, ms (0 = none). */
  readonly timerC: number;
  /**
   * Final-response timer, ms (Kamailio's fr_timer; 0 = the transaction's own 64·T1): a branch
   * with no final response (INVITE: no provisional one) by then counts as 408 (§16.8).
   */
  readonly frTimer?: number;
  /** Called for every request sent downstream, every response sent upstream and every branch that timed out (statistics). */
  count?(what: 'fwd_request' | 'fwd_reply' | 'timeout'): void;
  /** Called for every response a branch receives (statistics by class). */
  countReply?(status: number): void;
  /** An unexpected failure (a bug); the context answers 500 and goes on. */
  onError?(err: unknown): void;
  /** Work in progress (graceful stop waits for it): +1 when a context starts, -1 when it has answered. */
  busy?(delta: 1 | -1): void;
}

interface Branch {
  /** index in branches (the fr timer's kind) */
  index: number;
  /** where the branch goes; dropped once the messages are released (only `uri` is kept) */
  target: BranchTarget | undefined;
  /** the branch's Request-URI (`tried`): its own copy once the messages are released */
  uri: string;
  /** the fr timer, while armed */
  fr: Timer | undefined;
  request: SipRequest | undefined;
  tx: ClientTransaction | undefined;
  final: SipResponse | undefined;
  cancelled: boolean;
}

/** Stands for a branch's final response once the messages are released (only "has one" matters then). */
const ANSWERED = new SipResponse(200, 'OK');

/** The bits of ProxyContext.flags: a 2xx went upstream. */
const FORWARDED_2XX = 1;
/** A final response other than a 2xx went upstream (or answer()). */
const ANSWERED_UP = 2;
/** cancel() ran. */
const CANCELLED = 4;
/** finish() ran. */
const FINISHED = 8;

export class ProxyContext implements ClientTransactionUser, TimerTarget {
  private branches: Branch[] = [];
  /**
   * Four booleans in one field: a context lingers with its transactions (64·T1), and each field
   * is 8 bytes of every one of them (issue 14).
   */
  private flags = 0;
  /**
   * Called when every branch has a final response, none was a 2xx and the request was not
   * cancelled: return new targets to try them (serial forking, call forwarding), or nothing to
   * answer with the best response (or answer() meanwhile). It is disarmed while it runs: set it
   * again to be called after the new branches fail too. A promise holds the answer until it
   * settles (a CANCEL meanwhile gets the best response up).
   */
  onFailure:
    | ((best: BestResponse, ctx: ProxyContext) => BranchTarget[] | undefined | Promise<BranchTarget[] | undefined>)
    | undefined;
  /** Called for each branch's request before it is sent; false drops the branch (it ends as 480). */
  onBranch: ((req: SipRequest, index: number, target: BranchTarget) => boolean) | undefined;
  /**
   * An asynchronous step for each branch after onBranch, before it is sent: the media relay's
   * offer of this branch's SDP, keyed by the branch's own Via branch (`viaBranch`, the value
   * our Via will carry: Kamailio's via-branch=next) and chosen by the transport it goes over
   * (`protocol`: "UDP", "TLS", "WSS"...). A status answers the request with it at once, the
   * other branches cancelled (503: the media relay failed); undefined, or a promise of it,
   * sends the branch.
   */
  prepareBranch:
    | ((req: SipRequest, index: number, viaBranch: string, protocol: string) => Promise<number | undefined> | undefined)
    | undefined;
  /**
   * Called for every response a branch receives, before §16.7 decides (it may edit the headers
   * and the body). A promise holds the response, and every later one of this context, until it
   * settles (a media relay rewriting the SDP); without one nothing waits.
   */
  onReply: ((res: SipResponse, index: number, source: MessageSource | undefined) => void | Promise<void>) | undefined;
  /** Called once when the final response went upstream (relayed, the best, or answer()). */
  onFinal: ((status: number) => void) | undefined;
  /** responses held behind an asynchronous reply hook, in arrival order */
  private replyWork: Promise<void> | undefined;
  /** Per-context fr_timer and Timer C, ms (the environment's when unset; no object per context by default: it would be kept for 32 s while the context lingers). */
  timers: { fr?: number; timerC?: number } | undefined;
  /**
   * The caller authenticated as one of our users: its dialogs' marks are `open` (route-mark.ts).
   * Otherwise only branches to a foreign target (chosen by sipd, e.g. call forwarding) are.
   */
  trustedCaller = false;

  /** the request as received, after route preprocessing (§16.4); dropped once all is answered */
  private req: SipRequest | undefined;

  constructor(
    private readonly env: ProxyEnvironment,
    readonly server: ServerTransaction,
    request: SipRequest,
    /** add Record-Route (§16.6 step 4) */
    private readonly recordRoute: boolean,
  ) {
    this.req = request;
    env.busy?.(1);
  }

  /**
   * Once the answer is upstream and every branch has its final response, only 2xx
   * retransmissions still pass through (RFC 6026, up to 64·T1): the messages can go.
   */
  private maybeRelease(): void {
    if (!this.done || this.req === undefined || this.branches.some((x) => !x.final)) return;
    this.req = undefined;
    // Per-context timers only matter to branches that start: none will.
    this.timers = undefined;
    for (const b of this.branches) {
      b.request = undefined;
      b.final = ANSWERED;
      // An in-dialog branch's URI is cut from the request's text: keep a copy, not the text (nor
      // the target object: one object less per lingering branch).
      b.uri = ownString(b.uri);
      b.target = undefined;
    }
    // push() left room for 16 more branches: a lingering context keeps an array of its length.
    this.branches = this.branches.slice();
  }

  /** The request's method (the server transaction's: not a field of its own). */
  private get method(): string {
    return this.server.method;
  }

  /** Whether the flag `bit` is set (the flags are only ever set, never cleared). */
  private has(bit: number): boolean {
    return (this.flags & bit) !== 0;
  }

  private mark(bit: number): void {
    this.flags |= bit;
  }

  /** The Request-URIs of the branches so far, in the order they were started. */
  get tried(): string[] {
    return this.branches.map((b) => b.uri);
  }

  get cancelled(): boolean {
    return this.has(CANCELLED);
  }

  /** Whether a final response has gone upstream. */
  get done(): boolean {
    return this.has(ANSWERED_UP) || this.has(FORWARDED_2XX);
  }

  /** Start one branch per target (§16.6). */
  fork(targets: readonly BranchTarget[]): void {
    for (const t of targets) {
      const b: Branch = {
        index: this.branches.length,
        target: t,
        uri: t.uri,
        fr: undefined,
        request: undefined,
        tx: undefined,
        final: undefined,
        cancelled: false,
      };
      this.branches.push(b);
      void this.startBranch(b);
    }
  }

  /** CANCEL from upstream (§16.10): cancel every branch that has no final response yet. */
  cancel(): void {
    if (this.has(CANCELLED)) return;
    this.mark(CANCELLED);
    for (const b of this.branches) {
      if (b.final) continue;
      b.cancelled = true;
      // A branch still resolving has sent nothing: it ends as 487 right away.
      if (b.tx) b.tx.cancel();
      else if (b.request === undefined) this.branchFinal(b, this.synthetic(487, 'Request Terminated'));
    }
  }

  private async startBranch(b: Branch): Promise<void> {
    try {
      // Started before the release (fork() after the final answer is refused below: 487).
      const t = b.target!;
      // §16.6 steps 1–6: copy, Request-URI, Max-Forwards, Record-Route, Path, strict-route fix-up.
      const req = this.req!.clone();
      req.uri = t.uri;
      decrementMaxForwards(req);
      if (t.path) {
        for (const r of t.path.split(',').reverse()) req.prepend('route', r.trim());
      }
      const strict = postprocessStrictRoute(req);
      // Step 7: the next hop is the first Route, else the Request-URI, unless the target says;
      // after the step 6 fix-up for a strict router it is the Request-URI (the strict router).
      let dest = t.destination;
      if (dest === undefined) {
        const hop = t.hop ?? (strict ? req.requestUri() : nextHopUri(req));
        if (!isSipUri(hop)) {
          this.branchFinal(b, this.synthetic(416, 'Unsupported URI Scheme'));
          return;
        }
        dest = await this.env.resolve(hop);
      }
      if (b.cancelled || this.done) {
        if (!b.final) this.branchFinal(b, this.synthetic(487, 'Request Terminated'));
        return;
      }
      const target = this.env.tl.transport.targetForRequest(dest);
      if (!secureEnough(this.req ?? req, req, target.transport)) {
        // RFC 3261 §26.2.2 / RFC 5630 §3.1.3: a request for a SIPS URI travels over TLS on every
        // hop; it is not sent over UDP/TCP. The target cannot be reached securely: 480.
        this.branchFinal(b, this.synthetic(480, 'Temporarily Unavailable (sips: target not reachable over TLS)'));
        return;
      }
      if (this.recordRoute) {
        // The mark lets sipd (and every node sharing auth.secret) recognise the dialog's
        // in-dialog requests without state (route-mark.ts): Call-ID and the initial From tag.
        const scope = this.trustedCaller || !t.registered ? 'open' : 'local';
        const mark = this.env.routeMarks.mark({ callId: req.callId(), fromTag: req.fromTag() ?? '', scope });
        const sips = { inbound: isSips(this.req ?? req), outbound: isSips(req) };
        const rr = this.env.recordRoute(this.server.source, target.transport, mark, sips);
        for (let i = rr.length - 1; i >= 0; i--) req.prepend('record-route', rr[i]!);
      }
      if (this.onBranch && !this.runBranchHook(b, req, t)) return;
      const branch = newBranch();
      if (this.prepareBranch && !(await this.runPrepareHook(b, req, branch, target.transport.protocol))) return;
      // Step 8: our Via, with a new branch.
      req.prepend('via', viaFor(target.transport, branch));
      b.request = req;
      const timerC = req.method === 'INVITE' ? (this.timers?.timerC ?? this.env.timerC) : 0;
      b.tx = this.env.tl.sendRequest(req, { ...dest, transport: target.transport }, this, { timerC });
      this.env.count?.('fwd_request');
      const fr = this.timers?.fr ?? this.env.frTimer ?? 0;
      if (fr > 0 && !b.final) {
        b.fr = this.env.tl.timers.timer(this, b.index);
        b.fr.start(fr);
      }
    } catch (err) {
      // Resolution failure or no listener for the destination: the branch failed (§16.7: 503).
      if (!b.final) this.branchFinal(b, this.synthetic(503, 'Service Unavailable'));
      if (!(err as TransportError).code) this.env.onError?.(err);
    }
  }

  // ---- ClientTransactionUser ------------------------------------------------------------------

  onResponse(res: SipResponse, tx: ClientTransaction): void {
    const b = this.branches.find((x) => x.tx === tx);
    if (!b) return;
    this.env.countReply?.(res.status);
    if (this.replyWork) return this.holdReply(res, b, undefined, tx);
    const wait = this.onReply ? this.runReplyHook(res, b.index, tx.lastSource) : undefined;
    if (wait) return this.holdReply(res, b, wait, tx);
    this.afterReplyHook(res, b, tx);
  }

  /** A response behind an asynchronous reply hook: handled once its hook and those before it settled. */
  private holdReply(res: SipResponse, b: Branch, wait: Promise<void> | undefined, tx: ClientTransaction): void {
    const source = tx.lastSource;
    const work = (this.replyWork ?? Promise.resolve())
      .then(() => wait ?? (this.onReply ? this.runReplyHook(res, b.index, source) : undefined))
      .catch((err: unknown) => this.env.onError?.(err))
      .then(() => this.afterReplyHook(res, b, tx));
    this.replyWork = work;
    void work.then(() => {
      if (this.replyWork === work) this.replyWork = undefined;
    });
  }

  private afterReplyHook(res: SipResponse, b: Branch, tx: ClientTransaction): void {
    const status = res.status;
    // fr_timer runs until a final response, or for an INVITE a provisional one (then Timer C).
    if (b.fr && (status >= 200 || this.method === 'INVITE')) this.stopFr(b);
    if (status < 200) {
      // §16.7 step 5: provisional responses go up at once; 100 is hop-by-hop.
      // (Not from a branch already given up as 408 by fr_timer either.)
      if (status === 100 || this.done || b.final) return;
      this.up(res);
      return;
    }
    if (status < 300) {
      // §16.7 step 5: 2xx go up at once (for INVITE every one of them: RFC 6026).
      const first = !this.has(FORWARDED_2XX);
      if (first || this.method === 'INVITE') {
        this.mark(FORWARDED_2XX);
        this.up(res);
      }
      if (!b.final) b.final = res;
      if (first && this.method === 'INVITE') this.cancelOthers(b);
      this.maybeRelease();
      return;
    }
    if (b.final) return;
    if (status >= 600 && this.method === 'INVITE') this.cancelOthers(b);
    // A 487 we did not ask for: Timer C fired and the transaction cancelled itself (§16.8). The
    // branch timed out: it counts as 408 (as Kamailio's fr_inv_timer), so no-answer forwarding
    // applies and the caller learns the callee did not answer, not that someone hung up.
    if (status === 487 && !b.cancelled && !this.has(CANCELLED) && tx.cancelTransaction !== undefined) {
      this.env.count?.('timeout');
      this.branchFinal(b, this.synthetic(408, 'Request Timeout', b));
      return;
    }
    this.branchFinal(b, res);
  }

  onTimeout(tx: ClientTransaction): void {
    const b = this.branches.find((x) => x.tx === tx);
    if (!b || b.final) return;
    this.env.count?.('timeout');
    this.branchFinal(b, this.synthetic(408, 'Request Timeout', b));
  }

  onTransportError(tx: ClientTransaction, _err: TransportError): void {
    const b = this.branches.find((x) => x.tx === tx);
    if (b && !b.final) this.branchFinal(b, this.synthetic(503, 'Service Unavailable', b));
  }

  /** fr_timer fired (§16.8): the branch counts as 408; an INVITE branch is cancelled if it ever rings. */
  onTimer(kind: number): void {
    const b = this.branches[kind];
    if (!b || b.final) return;
    b.fr = undefined;
    b.tx?.cancel();
    this.env.count?.('timeout');
    this.branchFinal(b, this.synthetic(408, 'Request Timeout', b));
  }

  private stopFr(b: Branch): void {
    b.fr?.stop();
    b.fr = undefined;
  }

  // ---- response context -------------------------------------------------------------------------

  private cancelOthers(except: Branch): void {
    for (const o of this.branches) {
      if (o === except || o.final) continue;
      o.cancelled = true;
      if (o.tx) o.tx.cancel();
    }
  }

  private branchFinal(b: Branch, res: SipResponse): void {
    b.final = res;
    if (b.fr) this.stopFr(b);
    if (this.done) {
      this.maybeRelease();
      return;
    }
    if (this.branches.some((x) => !x.final)) return;
    const finals = this.branches.map((x) => x.final!).filter((r) => r.status >= 300);
    const best = chooseBestResponse(finals);
    const hook = this.has(CANCELLED) ? undefined : this.onFailure;
    if (hook) {
      this.onFailure = undefined;
      let more: ReturnType<typeof hook> | undefined;
      try {
        more = hook(best, this);
      } catch (err) {
        this.env.onError?.(err);
      }
      if (more instanceof Promise) {
        more.then(
          (m) => this.afterFailure(best, m),
          (err: unknown) => {
            this.env.onError?.(err);
            this.afterFailure(best, undefined);
          },
        );
        return;
      }
      this.afterFailure(best, more);
      return;
    }
    this.sendBest(best);
    this.maybeRelease();
  }

  /** After the failure hook: fork the new targets, or send the best response up (unless answered). */
  private afterFailure(best: BestResponse, more: BranchTarget[] | undefined): void {
    if (this.done) {
      this.maybeRelease();
      return;
    }
    if (more && more.length > 0 && !this.has(CANCELLED)) {
      this.fork(more);
      return;
    }
    this.sendBest(best);
    this.maybeRelease();
  }

  /** Answer upstream with our own final response instead of the best one (failure_route's reply). */
  answer(status: number, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): void {
    if (this.done) return;
    this.mark(ANSWERED_UP);
    this.finish(status);
    this.server.reply(status, reason, headers ? { headers } : {});
    this.maybeRelease();
  }

  /** The branch hook: a throw counts as a bug (the branch is sent as is); false drops the branch. */
  private runBranchHook(b: Branch, req: SipRequest, target: BranchTarget): boolean {
    try {
      if (this.onBranch!(req, b.index, target)) return true;
    } catch (err) {
      this.env.onError?.(err);
      return true;
    }
    this.branchFinal(b, this.synthetic(480, 'Temporarily Unavailable'));
    return false;
  }

  /** The prepare hook: false when the branch ended meanwhile (its status, or 487 if cancelled while it ran). */
  private async runPrepareHook(b: Branch, req: SipRequest, branch: string, protocol: string): Promise<boolean> {
    let status: number | undefined;
    try {
      status = await this.prepareBranch!(req, b.index, branch, protocol);
    } catch (err) {
      this.env.onError?.(err);
    }
    if (b.final) return false;
    if (status !== undefined) {
      // This proxy cannot send the branch (its media relay failed): it answers the request
      // itself, as it would before relaying, and cancels the other branches. (A 503 that went
      // through best-response selection would go up as 500, §16.7 step 6.)
      const reason = status === 503 ? 'Service Unavailable (media relay)' : undefined;
      b.final = this.synthetic(status, reason ?? 'Server Error');
      this.cancelOthers(b);
      this.answer(status, reason);
      return false;
    }
    if (b.cancelled || this.done) {
      this.branchFinal(b, this.synthetic(487, 'Request Terminated'));
      return false;
    }
    return true;
  }

  private runReplyHook(res: SipResponse, index: number, source: MessageSource | undefined): Promise<void> | undefined {
    try {
      const r = this.onReply!(res, index, source);
      return r instanceof Promise ? r : undefined;
    } catch (err) {
      this.env.onError?.(err);
      return undefined;
    }
  }

  /** The final answer went upstream: no longer work in progress. */
  private finish(status: number): void {
    if (this.has(FINISHED)) return;
    this.mark(FINISHED);
    this.env.busy?.(-1);
    if (this.onFinal) {
      try {
        this.onFinal(status);
      } catch (err) {
        this.env.onError?.(err);
      }
    }
    // No branch starts and no failure is handled any more: let go of the hooks (and what they
    // hold, a route's whole request context) while the transactions linger for retransmissions.
    this.onFailure = this.onBranch = this.onFinal = this.prepareBranch = undefined;
  }

  private sendBest(best: BestResponse): void {
    this.mark(ANSWERED_UP);
    this.finish(best.status);
    const res = bestResponseMessage(best);
    if (res) this.up(res);
    else this.server.reply(best.status);
  }

  /** Send a response upstream: remove our Via (§16.7 step 3), then through the server transaction. */
  private up(res: SipResponse): void {
    const out = res.clone();
    out.removeFirst('via');
    if (res.status >= 300) this.mark(ANSWERED_UP);
    if (res.status >= 200) this.finish(res.status);
    if (this.server.respond(out)) this.env.count?.('fwd_reply');
  }

  /** A response we make up for a branch (timeout, transport failure), as if the branch sent it. */
  private synthetic(status: number, reason: string, b?: Branch): SipResponse {
    const base = b?.request ?? this.req!;
    const res = createResponse(base, status, reason, { toTag: this.server.localTag });
    // up() strips the top Via: give a made-up response for an unsent branch one to strip.
    if (!b?.request) res.prepend('via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-local');
    return res;
  }
}

/** Which Record-Route URIs must be SIPS URIs (RFC 3261 §16.6 step 4). */
export interface RecordRouteSips {
  /** The side the request came from: it was for a sips: URI. */
  inbound: boolean;
  /** The side it goes to: its Request-URI or top Route (after step 6) is a sips: URI. */
  outbound: boolean;
}

/** §16.6 step 4: the request's Request-URI, or its topmost Route, is a SIPS URI. */
function isSips(req: SipRequest): boolean {
  if (req.requestUri().scheme === 'sips') return true;
  const top = req.routes()[0];
  return top !== undefined && top.uri.scheme === 'sips';
}

/** Transports that keep a SIPS request secure on the next hop. */
const SECURE = new Set(['TLS', 'WSS', 'TLS-SCTP']);

/** False when the request (as received, or as retargeted for this branch) is for a sips: URI and `t` is not TLS. */
function secureEnough(original: SipRequest, branch: SipRequest, t: Transport): boolean {
  if (SECURE.has(t.protocol)) return true;
  return original.requestUri().scheme !== 'sips' && branch.requestUri().scheme !== 'sips';
}
