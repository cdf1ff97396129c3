/**
 * The routing API's sends over the live transaction layer: a stateful relay is a §16.7
 * response context (core/proxy ProxyContext) with the route's hooks attached; a stateless
 * forward (§16.11) leaves no transaction, and its responses come back through
 * relayStatelessResponse() only when our signed branch says we forwarded the request.
 */
import {
  decrementMaxForwards,
  isSipUri,
  nextHopUri,
  ProxyContext,
  viaFor,
  type Destination,
  type ProxyEnvironment,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../core/index.js';
import type { Answerer, RelayJob, Relayer } from './api/services.js';
import { hopUri } from './api/targets.js';

export class ProxyRelayer implements Relayer {
  constructor(
    private readonly env: ProxyEnvironment,
    /** the proxy context of each server transaction, for CANCEL (§16.10) */
    private readonly contexts: WeakMap<ServerTransaction, ProxyContext>,
    private readonly counted: () => void,
  ) {}

  relay(job: RelayJob): void {
    const st = job.st as ServerTransaction;
    const ctx = new ProxyContext(this.env, st, job.req, job.recordRoute);
    ctx.trustedCaller = job.trusted;
    if (job.timers.fr !== undefined || job.timers.timerC !== undefined) ctx.timers = job.timers;
    if (job.onReply) ctx.onReply = job.onReply;
    if (job.onBranch) ctx.onBranch = job.onBranch;
    if (job.onFinal) ctx.onFinal = job.onFinal;
    if (job.prepareBranch) ctx.prepareBranch = job.prepareBranch;
    const failure = job.onFailure;
    if (failure) {
      // Armed again after every round: serial forking tries target after target (the request
      // context bounds the rounds).
      const hook = (best: Parameters<NonNullable<ProxyContext['onFailure']>>[0], pc: ProxyContext) => {
        pc.onFailure = hook;
        return failure({ best, tried: pc.tried, answer: (s, r, h) => pc.answer(s, r, h) });
      };
      ctx.onFailure = hook;
    }
    this.contexts.set(st, ctx);
    ctx.fork(job.targets);
  }

  async forward(req: SipRequest, st: Answerer, destination: string | undefined): Promise<void> {
    const tl = this.env.tl;
    // No transaction: a retransmission is forwarded again, as a stateless proxy does.
    tl.removeTransaction(st as ServerTransaction);
    const hop = destination ? hopUri(destination) : nextHopUri(req);
    if (!isSipUri(hop)) return;
    const dest = await this.env.resolve(hop);
    const incoming = req.topVia()?.params.get('branch') ?? req.callId();
    this.sendStateless(req, dest, this.env.routeMarks.statelessBranch(incoming, req.callId()));
  }

  /** Send a request statelessly (§16.11) to `dest`: Max-Forwards down, our Via with `branch` on top. */
  sendStateless(req: SipRequest, dest: Destination, branch: string): void {
    const transport = this.env.tl.transport;
    decrementMaxForwards(req);
    const target = transport.targetForRequest(dest);
    req.prepend('via', viaFor(target.transport, branch));
    transport.sendRequest(req, { ...dest, transport: target.transport });
    this.counted();
  }

  /**
   * A response that matched no transaction: relayed (§16.11, our Via removed, sent by the next
   * Via per §18.2.2) when our top Via's branch is the signed one forward() made for the next Via;
   * else false (dropped by the caller).
   */
  relayStatelessResponse(res: SipResponse): boolean {
    const vias = res.vias();
    const ours = vias[0]?.params.get('branch');
    const next = vias[1]?.params.get('branch') ?? res.callId();
    if (!ours || vias.length < 2 || !this.env.routeMarks.verifyStatelessBranch(ours, next, res.callId())) return false;
    const out = res.clone();
    out.removeFirst('via');
    this.env.tl.sendStatelessResponse(out);
    return true;
  }
}
