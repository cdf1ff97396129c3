/**
 * The harness's Relayer: it sends nothing and records what the route asked for. A stateful relay
 * becomes a RecordedRelay whose branches the test answers (`relay.branches[0].respond(486)`);
 * the answers go through the same response context rules as core/proxy's ProxyContext (§16.7:
 * provisional and 2xx up at once, the best final response once every branch has one, chosen by
 * core's chooseBestResponse) and run the route's onReply / onFailure hooks. When the failure
 * hook relays again (serial forking), the new branches are recorded as a new relay.
 */
import {
  bestResponseMessage,
  chooseBestResponse,
  createResponse,
  decrementMaxForwards,
  formatUri,
  newBranch,
  recordRouteUri,
  type BestResponse,
  type BranchTarget,
  type RouteMarks,
  type SipRequest,
  type SipResponse,
} from '../../../core/index.js';
import type { HeaderList } from '../api/route.js';
import type { Answerer, RelayJob, Relayer } from '../api/services.js';
import type { RecordingAnswerer } from './recording-answerer.js';
import { PROXY } from './requests.js';

/** One branch of a relay: where it went, the request as sent, and a way to answer it. */
export interface RecordedBranch {
  readonly index: number;
  readonly target: BranchTarget;
  /** the branch's Request-URI */
  readonly uri: string;
  /**
   * the next hop when the target names one, as a URI ("sip:203.0.113.7:5060;transport=udp": a
   * NAT'd contact's source, or a route's `destination`), else undefined (the Request-URI's host)
   */
  readonly destination: string | undefined;
  /** the request as sent (Record-Route, the route's header edits...); undefined when onBranch dropped it */
  readonly request: SipRequest | undefined;
  /** the responses it received */
  readonly responses: readonly SipResponse[];
  readonly final: SipResponse | undefined;
  /** Answer the branch as the next hop would (hooks run; resolves once the failure hook settled). */
  respond(status: number, reason?: string, headers?: HeaderList): Promise<void>;
  /** No final response in time: counts as 408, as fr_timer / Timer C (§16.8). */
  timeout(): Promise<void>;
}

/** One stateful relay (a round of branches: the route's relay(), or a failure hook's). */
export interface RecordedRelay {
  /** 0 for the route's relay, then one per failure-hook relay */
  readonly round: number;
  readonly branches: readonly RecordedBranch[];
  /** the targets' Request-URIs */
  readonly uris: readonly string[];
  readonly recordRoute: boolean;
  /** the caller authenticated as one of ours */
  readonly trusted: boolean;
  readonly timers: { readonly fr?: number; readonly timerC?: number };
}

/** A stateless forward(). */
export interface RecordedForward {
  readonly request: SipRequest;
  readonly destination: string | undefined;
}

export class RecordingRelayer implements Relayer {
  readonly relays: RecordedRelay[] = [];
  readonly forwards: RecordedForward[] = [];

  constructor(private readonly marks: RouteMarks) {}

  relay(job: RelayJob): void {
    new ResponseContext(job, this.marks, this.relays).fork(job.targets);
  }

  forward(req: SipRequest, _st: Answerer, destination: string | undefined): Promise<void> {
    decrementMaxForwards(req);
    this.forwards.push({ request: req.clone(), destination });
    return Promise.resolve();
  }
}

class Branch implements RecordedBranch {
  final: SipResponse | undefined;
  readonly responses: SipResponse[] = [];
  cancelled = false;
  request: SipRequest | undefined;

  constructor(
    private readonly ctx: ResponseContext,
    readonly index: number,
    readonly target: BranchTarget,
  ) {}

  get uri(): string {
    return this.target.uri;
  }

  get destination(): string | undefined {
    const d = this.target.destination;
    if (d) {
      const host = d.address.includes(':') && !d.address.startsWith('[') ? `[${d.address}]` : d.address;
      return `sip:${host}:${d.port};transport=${(d.protocol ?? 'udp').toLowerCase()}`;
    }
    return this.target.hop ? formatUri(this.target.hop) : undefined;
  }

  respond(status: number, reason?: string, headers?: HeaderList): Promise<void> {
    if (!this.request) throw new Error(`branch ${this.index} was not sent (dropped by onBranch)`);
    if (this.final && status >= 300) throw new Error(`branch ${this.index} already has a final response`);
    const res = createResponse(this.request, status, reason, { toTag: `b${this.index}`, headers: headers ?? [] });
    return this.ctx.onResponse(this, res);
  }

  timeout(): Promise<void> {
    return this.ctx.branchFinal(this, this.ctx.synthetic(408, 'Request Timeout', this));
  }
}

/** §16.7 for one relayed request, across the rounds of its failure hook (as ProxyContext). */
class ResponseContext {
  private readonly branches: Branch[] = [];
  private rounds = 0;
  private done = false;

  constructor(
    private readonly job: RelayJob,
    private readonly marks: RouteMarks,
    private readonly relays: RecordedRelay[],
  ) {}

  private get upstream(): RecordingAnswerer {
    return this.job.st as RecordingAnswerer;
  }

  fork(targets: readonly BranchTarget[]): void {
    const round = targets.map((t) => new Branch(this, this.branches.length, t));
    this.branches.push(...round);
    const j = this.job;
    this.relays.push({
      round: this.rounds++,
      branches: round,
      uris: round.map((b) => b.uri),
      recordRoute: j.recordRoute,
      trusted: j.trusted,
      timers: { ...j.timers },
    });
    // As ProxyContext, a dropped branch ends as 480 once every branch of the round is built.
    const dropped = round.filter((b) => !this.send(b));
    for (const b of dropped) void this.branchFinal(b, this.synthetic(480, 'Temporarily Unavailable', b));
  }

  /** §16.6 steps 1–8 without the network; false when the branch hook dropped the branch. */
  private send(b: Branch): boolean {
    const req = this.job.req.clone();
    req.uri = b.target.uri;
    decrementMaxForwards(req);
    if (b.target.path) for (const r of b.target.path.split(',').reverse()) req.prepend('route', r.trim());
    if (this.job.recordRoute) {
      const scope = this.job.trusted || !b.target.registered ? 'open' : 'local';
      const mark = this.marks.mark({ callId: req.callId(), fromTag: req.fromTag() ?? '', scope });
      req.prepend('record-route', recordRouteUri(PROXY.address, PROXY.port, 'udp', mark));
    }
    if (this.job.onBranch && !this.job.onBranch(req, b.index, b.target)) return false;
    req.prepend('via', `SIP/2.0/UDP ${PROXY.address}:${PROXY.port};branch=${newBranch()}`);
    b.request = req;
    return true;
  }

  async onResponse(b: Branch, res: SipResponse): Promise<void> {
    b.responses.push(res);
    void this.job.onReply?.(res, b.index, undefined);
    const status = res.status;
    if (status < 200) {
      if (status !== 100 && !this.done && !b.final) this.up(res);
      return;
    }
    if (status < 300) {
      this.up(res);
      if (!b.final) b.final = res;
      if (this.job.req.method === 'INVITE') this.cancelOthers(b);
      return;
    }
    if (b.final) return;
    if (status >= 600 && this.job.req.method === 'INVITE') this.cancelOthers(b);
    await this.branchFinal(b, res);
  }

  /** A branch's final response: when it is the last one, the failure hook or the best goes up. */
  async branchFinal(b: Branch, res: SipResponse): Promise<void> {
    b.final = res;
    if (this.done || this.branches.some((x) => !x.final)) return;
    const best = chooseBestResponse(this.branches.map((x) => x.final!).filter((r) => r.status >= 300));
    const more = await this.job.onFailure?.({
      best,
      tried: this.branches.map((x) => x.uri),
      answer: (status, reason, headers) => this.answer(status, reason, headers),
    });
    if (this.done) return;
    if (more && more.length > 0) this.fork(more);
    else this.sendBest(best);
  }

  /** The branches still pending get their 487 (the next hops answer the CANCEL). */
  private cancelOthers(except: Branch): void {
    for (const o of this.branches) {
      if (o === except || o.final || !o.request) continue;
      o.cancelled = true;
      o.final = createResponse(o.request, 487, 'Request Terminated', { toTag: `b${o.index}` });
      o.responses.push(o.final);
    }
  }

  private answer(status: number, reason?: string, headers?: HeaderList): void {
    if (this.done) return;
    this.done = true;
    this.upstream.reply(status, reason, headers ? { headers } : {});
  }

  private sendBest(best: BestResponse): void {
    this.done = true;
    const res = bestResponseMessage(best);
    if (res) this.up(res);
    else this.upstream.reply(best.status);
  }

  /** Upstream without our Via (§16.7 step 3). */
  private up(res: SipResponse): void {
    const out = res.clone();
    out.removeFirst('via');
    if (res.status >= 200) this.done = true;
    this.upstream.respond(out);
  }

  /** A response sipd makes up for a branch (timeout, dropped branch), as if the branch sent it. */
  synthetic(status: number, reason: string, b: Branch): SipResponse {
    const res = createResponse(b.request ?? this.job.req, status, reason, { toTag: this.upstream.localTag });
    if (!b.request) res.prepend('via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-local');
    return res;
  }
}
