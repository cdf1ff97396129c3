/**
 * The route test harness (`sipkit/routing/testing`): runs a Route on requests built in the test,
 * with no sockets, over in-memory services (services.ts), and returns what the route did as data
 * for the test's own assertions: the responses sent upstream, the relays with their branches
 * (which the test answers to drive onReply / onFailure), the stateless forwards, the errors.
 *
 * What sipd does around the route is done here too (request-router.ts): the §16.3 checks, 100
 * Trying to an INVITE, and a 500 when the route throws or ends without answering or relaying.
 * ACK and CANCEL never reach a route, so the harness refuses them.
 */
import {
  checkProxyRequest,
  digestAuthorization,
  parseMessage,
  selectChallenge,
  serialize,
  type MessageSource,
  type SipRequest,
  type SipResponse,
} from '../../../core/index.js';
import type { Binding } from '../../registrar/binding.js';
import { RequestContextImpl } from '../api/request-context.js';
import type { RequestContext, Route } from '../api/route.js';
import { splitAor } from './memory-directory.js';
import { RecordingAnswerer } from './recording-answerer.js';
import { RecordingRelayer, type RecordedForward, type RecordedRelay } from './recording-relayer.js';
import { inputText, parseRequest, wireText, type RequestInput } from './requests.js';
import { harnessServices, withRelayer, type BaseServices, type HarnessOptions } from './services.js';

export interface ContactSpec {
  /** seconds (default 3600) */
  expires?: number;
  q?: number;
  /** where a NAT'd phone registered from: "sip:203.0.113.7:40000;transport=udp" */
  received?: string;
  path?: string;
  userAgent?: string;
}

export class RouteHarness {
  readonly services: BaseServices;
  private readonly now: () => number;
  private ruid = 0;

  constructor(
    readonly route: Route,
    opts: HarnessOptions = {},
  ) {
    this.services = harnessServices(opts);
    this.now = opts.now ?? Date.now;
  }

  get directory(): BaseServices['directory'] {
    return this.services.directory;
  }

  /** Add a registered contact of an AoR ("alice@example.com"), as `sipctl ul add` does. */
  async register(aor: string, contact: string, spec: ContactSpec = {}): Promise<void> {
    const { user, domain } = splitAor(aor);
    const now = this.now();
    const b: Binding = {
      aor: `${user}@${domain}`,
      contact,
      expires: now + (spec.expires ?? 3600) * 1000,
      q: spec.q ?? 1,
      callId: `harness-${++this.ruid}`,
      cseq: 1,
      received: spec.received,
      path: spec.path,
      userAgent: spec.userAgent ?? 'harness',
      instance: undefined,
      regId: 0,
      socket: undefined,
      ruid: `harness-${this.ruid}`,
      lastModified: now,
      connectionId: 0,
    };
    await this.services.location.add(b);
  }

  /** Run the route on one request (a spec, raw SIP text, or { raw, source }). */
  run(input: RequestInput): Promise<RouteRun> {
    const { text, source } = inputText(input);
    return this.runText(wireText(text), source);
  }

  /** @internal */
  async runText(text: string, source: MessageSource): Promise<RouteRun> {
    const req = parseRequest(text, source);
    if (req.method === 'ACK' || req.method === 'CANCEL')
      throw new TypeError(`sipd handles ${req.method} itself; a route never sees it (route.ts)`);
    const st = new RecordingAnswerer(req, source);
    const relayer = new RecordingRelayer(this.services.marks);
    const errors: unknown[] = [];
    const unanswered = (c: RequestContextImpl, why: string) => {
      errors.push(new Error(`route ${why} without answering or relaying ${c.method}`));
      c.reply(500, 'Server Internal Error');
    };
    const ctx = new RequestContextImpl(req, st, withRelayer(this.services, relayer), this.route, unanswered);
    const run = new RouteRun(this, text, source, ctx, st, relayer, errors);
    const rejection = checkProxyRequest(req);
    if (rejection) {
      st.reply(rejection.status, rejection.reason, rejection.headers ? { headers: rejection.headers } : {});
      return run;
    }
    if (req.method === 'INVITE') st.reply(100);
    try {
      await this.route.request(ctx);
      ctx.routeSettled();
    } catch (err) {
      errors.push(err);
      ctx.reply(500, 'Server Internal Error');
    }
    await settle();
    return run;
  }
}

/** Let the operations a route started and did not await (registrar.save()...) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** What a route did with one request. */
export class RouteRun {
  constructor(
    private readonly harness: RouteHarness,
    /** the request as it arrived (SIP text), to send it again */
    readonly text: string,
    readonly source: MessageSource,
    /** the request context the route had: user, avps, ruri after rewrites... */
    readonly ctx: RequestContext,
    private readonly st: RecordingAnswerer,
    private readonly relayer: RecordingRelayer,
    /** what the route threw, or why it got a 500 for not answering */
    readonly errors: readonly unknown[],
  ) {}

  /** every response that went upstream, sipd's own and relayed ones, in order (100 Trying included) */
  get responses(): readonly SipResponse[] {
    return this.st.responses;
  }

  get statuses(): number[] {
    return this.st.responses.map((r) => r.status);
  }

  /** the first final response upstream, if any yet */
  get final(): SipResponse | undefined {
    return this.st.responses.find((r) => r.status >= 200);
  }

  get status(): number | undefined {
    return this.final?.status;
  }

  get relays(): readonly RecordedRelay[] {
    return this.relayer.relays;
  }

  get forwards(): readonly RecordedForward[] {
    return this.relayer.forwards;
  }

  /** the request as the route left it (Request-URI rewrites, header edits) */
  get request(): SipRequest {
    return (this.ctx as RequestContextImpl).req;
  }

  /**
   * Send the request again with credentials answering this run's 401/407 (a new CSeq), as a
   * phone does: `await (await h.run(invite)).retryWithCredentials('alice', 'secret')`.
   */
  retryWithCredentials(username: string, password: string): Promise<RouteRun> {
    const res = this.final;
    if (res?.status !== 401 && res?.status !== 407) throw new Error(`no challenge to answer (status ${res?.status})`);
    const [challengeHeader, credsHeader] =
      res.status === 401 ? ['www-authenticate', 'Authorization'] : ['proxy-authenticate', 'Proxy-Authorization'];
    const challenge = selectChallenge(res.getAll(challengeHeader));
    if (!challenge) throw new Error(`the ${res.status} has no Digest challenge`);
    const req = parseMessage(Buffer.from(this.text, 'latin1')) as SipRequest;
    const cseq = req.cseq();
    req.set('cseq', `${cseq.seq + 1} ${cseq.method}`);
    req.append(credsHeader, digestAuthorization({ challenge, method: req.method, uri: req.uri, username, password }));
    return this.harness.runText(serialize(req).toString('latin1'), this.source);
  }
}
