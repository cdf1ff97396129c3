/**
 * A small SIP user agent for sipd's integration tests, made from the core (TransportLayer +
 * TransactionLayer + DigestClient): it registers with digest, places calls (INVITE with 407
 * retry, ACK and BYE along the Record-Route set, CANCEL), answers calls the way a test asks
 * (ring and answer, busy, ring forever, stay silent), and records every message it receives.
 * Loopback only; every wait is bounded.
 */
import {
  createRequest,
  DigestClient,
  isSipUri,
  newBranch,
  newCallId,
  newTag,
  nextHopUri,
  TransactionLayer,
  TransportLayer,
  viaFor,
  type AnyMessage,
  type ClientTransaction,
  type ClientTransactionUser,
  type MessageSource,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type TlsOptions,
  type Transport,
  resolveNextHop,
} from '../../src/core/index.js';
import { wsListeners } from '../../src/wsnet/index.js';

export interface ProxyAddress {
  host: string;
  port: number;
  protocol: 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';
}

export interface UaOptions {
  user: string;
  password?: string;
  domain: string;
  /** sipd: every out-of-dialog request goes there (an outbound proxy). */
  proxy: ProxyAddress;
  /** Host:port to write in Contact instead of our own (a UA behind NAT writes its private address). */
  contactHostPort?: string;
  /** Retransmission T1 (ms) for our transactions. */
  t1?: number;
  /** Certificates of our own TLS listener; required with proxy.protocol TLS and WSS. */
  tls?: TlsOptions;
  /**
   * The Via sent-by host of our requests instead of our address (a browser writes a made-up
   * `xxxx.invalid` name in Via and Contact, RFC 7118 §5.2 and §5.4).
   */
  viaHost?: string;
}

/** How the UA answers an incoming INVITE. */
export type InvitePolicy =
  | { kind: 'answer'; ringMs?: number }
  /** 180 and wait for CANCEL */
  | { kind: 'ring' }
  | { kind: 'reject'; status: number; ringFirst?: boolean }
  /** no answer at all, not even 100 (a phone that is gone) */
  | { kind: 'silent' };

export interface Received {
  msg: AnyMessage;
  source: MessageSource;
  at: number;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

export class TestUA {
  readonly received: Received[] = [];
  invitePolicy: InvitePolicy = { kind: 'answer' };
  /** Whether OPTIONS (keepalives) are answered. */
  answerOptions = true;
  /** The SDP of our INVITEs and 200s (a media test points it at its own RTP socket). */
  sdp = SDP;
  /** Ring with 183 Session Progress carrying our SDP (early media) instead of 180. */
  earlyMedia = false;
  readonly digest: DigestClient | undefined;
  private regCallId = newCallId('127.0.0.1');
  private regCseq = 0;
  private readonly pending = new Map<string, ServerTransaction>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  private constructor(
    readonly opts: UaOptions,
    readonly layer: TransportLayer,
    readonly tl: TransactionLayer,
    readonly transport: Transport,
  ) {
    if (opts.password !== undefined) this.digest = new DigestClient({ username: opts.user, password: opts.password });
  }

  static async create(opts: UaOptions): Promise<TestUA> {
    // Our listener: the proxy's protocol and address family; a WebSocket UA dials sipd through it.
    const host = opts.proxy.host.includes(':') ? '[::1]' : '127.0.0.1';
    const advertise = opts.viaHost ? `;advertise=${opts.viaHost}:5060` : '';
    const layer = await TransportLayer.listen([`${opts.proxy.protocol.toLowerCase()}:${host}:0${advertise}`], {
      ...(opts.tls ? { tls: opts.tls } : {}),
      listeners: wsListeners(),
    });
    const tl = new TransactionLayer({
      transport: layer,
      user: { onRequest: () => {} },
      settings: { T1: opts.t1 ?? 500, trying: 0 },
    });
    const ua = new TestUA(opts, layer, tl, layer.transports[0]!);
    tl.user = {
      onRequest: (req, source) => ua.onRequest(req, source),
      onError: (err) => {
        throw err;
      },
    };
    // Record everything that arrives, before the transaction layer sees it.
    layer.user = {
      onMessage: (msg, source) => {
        ua.received.push({ msg, source, at: Date.now() });
        tl.onMessage(msg, source);
      },
      onParseError: () => {},
      onError: (err) => tl.onError(err),
    };
    return ua;
  }

  get port(): number {
    return this.transport.localPort;
  }

  /** The address-of-record. */
  get aor(): string {
    return `sip:${this.opts.user}@${this.opts.domain}`;
  }

  /** Our Contact URI. */
  get contactUri(): string {
    const host = this.opts.proxy.host.includes(':') ? '[::1]' : '127.0.0.1';
    const hp = this.opts.contactHostPort ?? `${host}:${this.port}`;
    const p = this.opts.proxy.protocol;
    // RFC 7118 §5.2: "ws" is the URI transport of WS and WSS alike.
    const t = p === 'WSS' ? 'ws' : p.toLowerCase();
    return `sip:${this.opts.user}@${hp}${p === 'UDP' ? '' : ';transport=' + t}`;
  }

  // ---- what arrived -----------------------------------------------------------------------------

  requests(method?: string): SipRequest[] {
    const out: SipRequest[] = [];
    for (const r of this.received) if (r.msg.isRequest && (!method || r.msg.method === method)) out.push(r.msg);
    return out;
  }

  responses(): SipResponse[] {
    const out: SipResponse[] = [];
    for (const r of this.received) if (!r.msg.isRequest) out.push(r.msg);
    return out;
  }

  /** Wait until `n` requests of `method` have arrived; returns them. */
  async waitForRequests(method: string, n = 1, ms = 5000): Promise<SipRequest[]> {
    await waitUntil(() => this.requests(method).length >= n, ms, `${this.opts.user}: ${n} ${method}`);
    return this.requests(method);
  }

  // ---- requests out -----------------------------------------------------------------------------

  /** A new out-of-dialog request from us, with our Via (new branch). */
  build(
    method: string,
    init: {
      uri?: string;
      to?: string;
      from?: string;
      callId?: string;
      cseq?: number;
      contact?: string | null;
      headers?: Array<[string, string]>;
      body?: string;
      maxForwards?: number;
    } = {},
  ): SipRequest {
    const req = createRequest({
      method,
      uri: init.uri ?? `sip:${this.opts.domain}`,
      via: viaFor(this.transport, newBranch()),
      from: init.from ?? `<${this.aor}>;tag=${newTag()}`,
      to: init.to ?? `<${init.uri ?? this.aor}>`,
      callId: init.callId ?? newCallId('127.0.0.1'),
      cseq: init.cseq ?? 1,
      maxForwards: init.maxForwards,
      contact: init.contact === null ? undefined : (init.contact ?? `<${this.contactUri}>`),
      headers: init.headers,
      body: init.body,
      contentType: init.body ? 'application/sdp' : undefined,
    });
    return req;
  }

  /** Send a request in a client transaction to sipd (or `dest`); resolves with the final response. */
  send(req: SipRequest, opts: { dest?: ProxyAddress; onProvisional?: (r: SipResponse) => void } = {}) {
    return new Promise<SipResponse>((resolve, reject) => {
      const d = opts.dest ?? this.opts.proxy;
      const user: ClientTransactionUser = {
        onResponse: (res) => {
          if (res.status < 200) opts.onProvisional?.(res);
          else resolve(res);
        },
        onTimeout: () => reject(new Error(`${req.method}: no final response (timeout)`)),
        onTransportError: (_tx, err) => reject(err),
      };
      this.tl.sendRequest(req, { address: d.host, port: d.port, protocol: d.protocol }, user);
    });
  }

  /**
   * Send, and when challenged (401/407) once more with credentials: what a phone does. `make`
   * builds the request for attempt 0 and 1 (the caller raises CSeq, keeps Call-ID and tags).
   * `credentials` overrides the UA's own user/password.
   */
  async sendWithAuth(
    make: (attempt: number) => SipRequest,
    credentials?: { username: string; password: string },
  ): Promise<{ first: SipResponse; final: SipResponse }> {
    const first = await this.send(make(0));
    if (first.status !== 401 && first.status !== 407) return { first, final: first };
    const client = credentials ? new DigestClient(credentials) : this.digest;
    if (!client) return { first, final: first };
    const header = first.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
    client.onChallenge(first.getAll(header));
    const again = make(1);
    again.append(
      first.status === 401 ? 'Authorization' : 'Proxy-Authorization',
      client.authorize(again.method, again.uri),
    );
    return { first, final: await this.send(again) };
  }

  /**
   * REGISTER our Contact (or `contacts`) with `expires`; answers a 401 with our credentials.
   * Keeps one Call-ID with rising CSeq across calls, as RFC 3261 §10.2.4 asks of refreshes;
   * `callId` + `cseq` set them explicitly (the retry after a 401 uses cseq + 1).
   */
  async register(
    opts: {
      expires?: number;
      contacts?: string[];
      headers?: Array<[string, string]>;
      auth?: boolean;
      credentials?: { username: string; password: string };
      callId?: string;
      cseq?: number;
      to?: string;
    } = {},
  ): Promise<SipResponse> {
    const make = (attempt: number) => {
      const explicit = opts.callId !== undefined || opts.cseq !== undefined;
      const headers = [...(opts.headers ?? [])];
      if (opts.expires !== undefined) headers.push(['Expires', String(opts.expires)]);
      const req = this.build('REGISTER', {
        uri: `sip:${this.opts.domain}`,
        to: opts.to ?? `<${this.aor}>`,
        callId: opts.callId ?? this.regCallId,
        cseq: explicit ? (opts.cseq ?? 1) + attempt : ++this.regCseq,
        contact: null,
        headers,
      });
      for (const c of opts.contacts ?? [`<${this.contactUri}>`]) req.append('Contact', c);
      return req;
    };
    if (opts.auth === false) return this.send(make(0));
    return (await this.sendWithAuth(make, opts.credentials)).final;
  }

  /** Start a call to `target` (a user of our domain or a URI). */
  call(target: string, opts: { auth?: boolean; headers?: Array<[string, string]>; from?: string } = {}): Call {
    const uri = target.includes(':') ? target : `sip:${target}@${this.opts.domain}`;
    return new Call(this, uri, opts);
  }

  // ---- requests in ------------------------------------------------------------------------------

  private onRequest(req: SipRequest, source: MessageSource): void {
    if (this.closed) return;
    const m = req.method;
    if (m === 'ACK') return; // recorded; an ACK for our 2xx needs nothing more here
    const st = this.tl.createServerTransaction(req, source);
    if (m === 'INVITE') return this.onInvite(req, st);
    if (m === 'CANCEL') {
      const invite = this.tl.findCancelTarget(req);
      st.reply(invite ? 200 : 481);
      if (invite && (invite.state === 'Proceeding' || invite.state === 'Trying')) invite.reply(487);
      return;
    }
    if (m === 'OPTIONS' && !this.answerOptions) return;
    // An UPDATE with an offer (RFC 3311) gets our SDP as the answer.
    const answer = m === 'UPDATE' && req.body.length > 0 ? { body: this.sdp, contentType: 'application/sdp' } : {};
    st.reply(200, 'OK', { headers: [['Contact', `<${this.contactUri}>`]], ...answer });
  }

  private onInvite(req: SipRequest, st: ServerTransaction): void {
    const p = this.invitePolicy;
    if (p.kind === 'silent') return;
    const extra = (): Array<[string, string]> => [
      ...req.getAll('record-route').map((v): [string, string] => ['Record-Route', v]),
      ['Contact', `<${this.contactUri}>`],
    ];
    if (p.kind === 'reject') {
      if (p.ringFirst) st.reply(180, undefined, { headers: extra() });
      st.reply(p.status);
      return;
    }
    if (this.earlyMedia) st.reply(183, undefined, { headers: extra(), body: this.sdp, contentType: 'application/sdp' });
    else st.reply(180, undefined, { headers: extra() });
    if (p.kind === 'ring') {
      this.pending.set(req.callId(), st);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (st.state === 'Proceeding' && !this.closed)
        st.reply(200, 'OK', { headers: extra(), body: this.sdp, contentType: 'application/sdp' });
    }, p.ringMs ?? 0);
    this.timers.add(t);
  }

  /**
   * Answer a call left ringing ({kind: 'ring'}) with `status`; a 2xx carries `sdp` (default: ours)
   * and the INVITE's Record-Route set, which a UAS copies into the 2xx (RFC 3261 §12.1.1).
   */
  answerPending(callId: string, status = 200, sdp = this.sdp): void {
    const st = this.pending.get(callId);
    if (!st) throw new Error(`no ringing call ${callId}`);
    this.pending.delete(callId);
    const rr = status < 300 ? st.request.getAll('record-route').map((v): [string, string] => ['Record-Route', v]) : [];
    st.reply(status, undefined, {
      headers: [...rr, ['Contact', `<${this.contactUri}>`]],
      ...(status < 300 ? { body: sdp, contentType: 'application/sdp' } : {}),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.tl.close();
    await this.layer.close();
  }
}

/** One outgoing call: INVITE (with a 407 retry), then ACK, BYE or CANCEL. */
export class Call {
  readonly callId = newCallId('127.0.0.1');
  readonly fromTag = newTag();
  readonly provisionals: SipResponse[] = [];
  /** Every final response, the 407 included. */
  readonly finals: SipResponse[] = [];
  /** The final response of the (last) INVITE. */
  readonly final: Promise<SipResponse>;
  invite!: SipRequest;
  private tx: ClientTransaction | undefined;
  private cseq = 1;
  private resolveProvisional!: () => void;
  /** Resolves when the first provisional response (above 100) arrives. */
  readonly ringing = new Promise<void>((r) => (this.resolveProvisional = r));

  constructor(
    private readonly ua: TestUA,
    readonly uri: string,
    private readonly opts: { auth?: boolean; headers?: Array<[string, string]>; from?: string },
  ) {
    this.final = this.run();
  }

  private sendInvite(auth?: [string, string]): Promise<SipResponse> {
    const req = this.ua.build('INVITE', {
      uri: this.uri,
      to: `<${this.uri}>`,
      from: this.opts.from ?? `<${this.ua.aor}>;tag=${this.fromTag}`,
      callId: this.callId,
      cseq: this.cseq,
      headers: [...(this.opts.headers ?? []), ...(auth ? [auth] : [])],
      body: this.ua.sdp,
    });
    this.invite = req;
    return new Promise((resolve, reject) => {
      const d = this.ua.opts.proxy;
      this.tx = this.ua.tl.sendRequest(
        req,
        { address: d.host, port: d.port, protocol: d.protocol },
        {
          onResponse: (res) => {
            if (res.status < 200) {
              this.provisionals.push(res);
              if (res.status > 100) this.resolveProvisional();
              return;
            }
            this.finals.push(res);
            resolve(res);
          },
          onTimeout: () => reject(new Error('INVITE: no final response (timeout)')),
          onTransportError: (_tx, err) => reject(err),
        },
      );
    });
  }

  private async run(): Promise<SipResponse> {
    const first = await this.sendInvite();
    if (first.status !== 407 || this.opts.auth === false || !this.ua.digest) return first;
    this.ua.digest.onChallenge(first.getAll('proxy-authenticate'));
    this.cseq++;
    const value = this.ua.digest.authorize('INVITE', this.uri);
    return this.sendInvite(['Proxy-Authorization', value]);
  }

  /** The route set and remote target learnt from a 2xx (RFC 3261 §12.1.2). */
  private dialog(res: SipResponse): { target: string; routes: string[]; to: string } {
    const contact = res.contacts();
    if (contact === '*' || contact.length === 0) throw new Error('2xx without Contact');
    return {
      target: contact[0]!.uriText,
      routes: res.getAll('record-route').reverse(),
      to: res.get('to')!,
    };
  }

  private inDialog(method: string, res: SipResponse, cseq: number): SipRequest {
    const d = this.dialog(res);
    const req = createRequest({
      method,
      uri: d.target,
      via: viaFor(this.ua.transport, newBranch()),
      from: this.invite.get('from')!,
      to: d.to,
      callId: this.callId,
      cseq,
    });
    for (const r of d.routes) req.append('Route', r);
    return req;
  }

  /** Where an in-dialog request goes: its first Route (a loose router), else the target. */
  private async destOf(req: SipRequest): Promise<ProxyAddress> {
    const hop = nextHopUri(req);
    if (!isSipUri(hop)) throw new Error('next hop is not a SIP URI');
    const d = await resolveNextHop(hop);
    return { host: d.address, port: d.port, protocol: (d.protocol ?? 'UDP') as ProxyAddress['protocol'] };
  }

  /** ACK a 2xx end to end, along the route set (§13.2.2.4); with an SDP answer after a late offer. */
  async ack(res: SipResponse, sdp?: string): Promise<SipRequest> {
    const ack = this.inDialog('ACK', res, this.invite.cseq().seq);
    if (sdp) {
      ack.set('Content-Type', 'application/sdp');
      ack.body = sdp;
    }
    const d = await this.destOf(ack);
    this.ua.layer.sendRequest(ack, { address: d.host, port: d.port, protocol: d.protocol });
    return ack;
  }

  /** Hang up: BYE along the route set; resolves with its final response. */
  async bye(res: SipResponse): Promise<SipResponse> {
    const bye = this.inDialog('BYE', res, this.invite.cseq().seq + 1);
    return this.ua.send(bye, { dest: await this.destOf(bye) });
  }

  /** An UPDATE with an SDP offer within the call (RFC 3311); resolves with its final response. */
  async update(res: SipResponse, sdp: string): Promise<SipResponse> {
    const upd = this.inDialog('UPDATE', res, this.invite.cseq().seq + 1);
    upd.set('Content-Type', 'application/sdp');
    upd.body = sdp;
    return this.ua.send(upd, { dest: await this.destOf(upd) });
  }

  /** CANCEL the pending INVITE (sent once a provisional response has arrived); resolves with the CANCEL's response. */
  cancel(): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const tx = this.tx;
      if (!tx) return reject(new Error('no INVITE to cancel'));
      const ok = tx.cancel({
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onTimeout: () => reject(new Error('CANCEL: no response')),
        onTransportError: (_t, e) => reject(e),
      });
      if (!ok) reject(new Error('INVITE already has a final response'));
    });
  }
}

export async function waitUntil(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
