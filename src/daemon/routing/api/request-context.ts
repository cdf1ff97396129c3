/**
 * The request context a route receives (RequestContext in route.ts): the request, its source,
 * and the operations, each over the narrow services of services.ts. Answers go through the
 * server transaction; once the request is answered or relayed, further answers are ignored, so
 * that a CANCEL racing a route's database wait cannot produce a second final response.
 */
import {
  formatUri,
  isSipUri,
  parseUri,
  type BranchTarget,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type Timer,
  type TimerTarget,
} from '../../../core/index.js';
import { natReceived } from '../../nat/nat.js';
import { RouteMedia, type MediaHooks } from '../../rtpengine/route-media.js';
import { DialogGuard, type RouteCheck } from '../dialog-guard.js';
import { AvpStore } from './avps.js';
import { HeaderEditing } from './header-editing.js';
import { AliasOps, GroupOps, LocationOps, RegistrarOps, type OpsHost } from './module-ops.js';
import { contactsOf, toBranchTargets } from './targets.js';
import { BranchContextImpl, FailureContextImpl, ReplyContextImpl } from './hook-contexts.js';
import { MessageView, uriParts } from './message-view.js';
import type {
  AuthenticatedUser,
  BranchContext,
  Contact,
  FailureContext,
  HeaderList,
  LooseRoute,
  MaybePromise,
  RelayOptions,
  ReplyContext,
  RequestContext,
  Route,
  RouteSettings,
  Source,
  Timers,
  TransportName,
  UriParts,
} from './route.js';
import type { Answerer, FailureInfo, RelayJob, RouteServices } from './services.js';

export const ALLOW =
  'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';

/** What sipd's 200 to an OPTIONS for itself says it can do. */
export const OPTIONS_HEADERS: HeaderList = [
  ['Allow', ALLOW],
  ['Accept', 'application/sdp'],
  ['Supported', ''],
];

/**
 * The Request-URI names sipd itself: no user part, and a domain we serve (whatever the port: a
 * phone writes `sip:DOMAIN` and means its registrar) or one of our addresses with one of our ports.
 */
export function namesServer(req: SipRequest, s: Pick<RouteServices, 'directory' | 'myself'>): boolean {
  const u = req.requestUri();
  if (!isSipUri(u) || u.user !== undefined) return false;
  return s.directory.isLocalDomain(u.host) || s.myself()?.isUri(u) === true;
}

/** A failure hook re-armed after every round: serial forking ends after this many rounds (Kamailio's max_branches). */
export const MAX_FAILURE_ROUNDS = 12;

type Handlers = {
  reply?: (ctx: ReplyContext) => void;
  failure?: (ctx: FailureContext) => MaybePromise<void>;
  branch?: (ctx: BranchContext) => void;
};

export class RequestContextImpl extends HeaderEditing implements RequestContext, TimerTarget, OpsHost {
  private _msg: MessageView | undefined;
  private _avps: AvpStore | undefined;
  private _user: AuthenticatedUser | undefined;
  private _source: Source | undefined;
  private _route: RouteCheck | undefined;
  private recordRouted = false;
  private timers: { fr?: number; timerC?: number } = {};
  private readonly handlers: Handlers = {};
  /** replied or relayed by the route (the transaction may have answered on its own too) */
  private done = false;
  private pending = 0;
  private settledRoute = false;
  private deadline: Timer | undefined;
  private _guard: DialogGuard | undefined;
  private _media: RouteMedia | undefined;

  constructor(
    readonly req: SipRequest,
    readonly st: Answerer,
    private readonly s: RouteServices,
    private readonly route: Route,
    /** called once if the route ends (or times out) without answering or relaying */
    private readonly unanswered: (ctx: RequestContextImpl, why: 'returned' | 'timeout') => void,
  ) {
    super(req);
  }

  get msg(): MessageView {
    return (this._msg ??= new MessageView(this.req));
  }

  get avps(): AvpStore {
    return (this._avps ??= new AvpStore(this.s.directory, () => this.ruriOwner()));
  }

  /** in-dialog checks, made on first use (most requests of a busy registrar never need them) */
  private get guard(): DialogGuard {
    return (this._guard ??= new DialogGuard(this.s.marks, this.s.location, this.s.myself));
  }

  get settings(): RouteSettings {
    return this.s.settings;
  }

  get method(): string {
    return this.req.method;
  }

  get inDialog(): boolean {
    return this.req.toTag() !== undefined;
  }

  get user(): AuthenticatedUser | undefined {
    return this._user;
  }

  get source(): Source {
    return (this._source ??= sourceOf(this.req, this.st));
  }

  get ruri(): string {
    return this.req.uri;
  }

  set ruri(uri: string) {
    parseUri(uri); // a malformed URI fails here, in the route, not when a branch is built
    this.req.uri = uri;
  }

  get uri(): UriParts | undefined {
    return uriParts(this.req.requestUri());
  }

  setUser(user: string): void {
    this.rewrite((u) => (u.user = user === '' ? undefined : user));
  }

  setHost(host: string, port?: number): void {
    this.rewrite((u) => {
      u.host = host;
      u.port = port;
    });
  }

  private rewrite(edit: (u: SipUri) => void): void {
    const u = parseUri(this.req.uri);
    if (!isSipUri(u)) throw new TypeError(`cannot rewrite a ${u.scheme}: Request-URI`);
    edit(u);
    this.req.uri = formatUri(u);
  }

  get answered(): boolean {
    return this.done || (this.st.state !== 'Trying' && this.st.state !== 'Proceeding');
  }

  // ---- who and where --------------------------------------------------------------------------

  isForMe(): boolean {
    return namesServer(this.req, this.s);
  }

  isLocalDomain(...args: [] | [host: string | undefined]): boolean {
    // An explicit undefined is a missing host (a From of another scheme), not "the Request-URI's".
    const h = args.length === 0 ? this.uri?.host : args[0];
    return h !== undefined && this.s.directory.isLocalDomain(h);
  }

  isMyself(host: string): boolean {
    return this.s.myself()?.isHost(host) === true;
  }

  /** user@domain of the Request-URI (unescaped user, lower-case host), for the defaults below */
  private ruriOwner(): { user: string; domain: string } | undefined {
    const u = this.uri;
    return u?.user === undefined ? undefined : { user: u.user, domain: u.host };
  }

  // ---- modules --------------------------------------------------------------------------------

  auth(opts: { domain?: string; checkFrom?: boolean } = {}): Promise<boolean> {
    const req = this.req;
    const party = req.method === 'REGISTER' ? this.msg.to : this.msg.from;
    const domain = (opts.domain ?? party.sip?.host ?? '').toLowerCase();
    const a = this.s.auth.check(req, this.st, domain);
    const then = (r: Awaited<typeof a>): boolean => {
      if (!r.ok) return false;
      // The From user must be the authenticated one (Kamailio's check_from / db_check_from).
      if (opts.checkFrom !== false && req.method !== 'REGISTER' && this.msg.from.sip?.user !== r.username) {
        this.reply(403, 'Forbidden: From does not match the authenticated user');
        return false;
      }
      if (req.method !== 'REGISTER') this.s.auth.consume(req, domain);
      this._user = { username: r.username, domain: r.domain };
      // A CANCEL may have come while the database was asked: it was answered with 487 already.
      return !this.answered;
    };
    return a instanceof Promise ? this.track(a.then(then)) : Promise.resolve(then(a));
  }

  userExists(user?: string, domain?: string): Promise<boolean> {
    const owner =
      user !== undefined ? { user, domain: (domain ?? this.uri?.host ?? '').toLowerCase() } : this.ruriOwner();
    if (!owner) return Promise.resolve(false);
    const known = this.s.directory.cached(owner.user, owner.domain);
    if (known !== undefined) return Promise.resolve(known !== null);
    return this.track(this.s.directory.findSubscriber(owner.user, owner.domain).then((s) => s !== undefined));
  }

  // The module views are made on first use and call back into the context (a few objects per
  // request instead of a dozen closures: the registrar never needs `alias`, a call never `registrar`).
  private _registrar: RegistrarOps | undefined;
  private _location: LocationOps | undefined;
  private _alias: AliasOps | undefined;
  private _groups: GroupOps | undefined;

  get registrar(): RegistrarOps {
    return (this._registrar ??= new RegistrarOps(this));
  }

  get location(): LocationOps {
    return (this._location ??= new LocationOps(this));
  }

  get alias(): AliasOps {
    return (this._alias ??= new AliasOps(this));
  }

  get groups(): GroupOps {
    return (this._groups ??= new GroupOps(this));
  }

  get rtpengine(): RouteMedia {
    return (this._media ??= new RouteMedia(this, this.req, this.s.media));
  }

  /** @internal RegistrarOps.save */
  saveRegistration(): Promise<void> {
    if (this.answered) return Promise.resolve();
    this.done = true;
    const work = this.s.registrar.handle(this.req, this.st, this._user);
    return work ? this.track(work) : Promise.resolve();
  }

  /** @internal LocationOps.lookup */
  lookupContacts(aor?: string): Contact[] {
    const owner = aor === undefined ? this.ruriOwner() : undefined;
    const key = aor ?? (owner && `${owner.user}@${owner.domain}`);
    return key ? contactsOf(this.s.location.lookup(key)) : [];
  }

  /** @internal AliasOps.resolve */
  resolveAlias(): boolean {
    const owner = this.ruriOwner();
    const alias = owner && this.s.directory.resolveAlias(owner.user, owner.domain);
    if (!alias) return false;
    this.rewrite((u) => {
      u.user = alias.username;
      u.host = alias.domain.toLowerCase();
    });
    return true;
  }

  /** @internal AliasOps.lookup */
  aliasOf(user: string, domain: string): AuthenticatedUser | undefined {
    return this.s.directory.resolveAlias(user, domain.toLowerCase());
  }

  /** @internal GroupOps.has */
  inGroup(group: string, user: AuthenticatedUser | undefined = this._user): boolean {
    return user !== undefined && this.s.directory.inGroup(user.username, user.domain, group);
  }

  // ---- routing --------------------------------------------------------------------------------

  recordRoute(): void {
    this.recordRouted = true;
  }

  looseRoute(): LooseRoute {
    const r = (this._route ??= this.guard.looseRoute(this.req));
    return r === 'ours-local' ? 'ours' : r;
  }

  setTimer(t: Timers): void {
    if (t.fr !== undefined) this.timers.fr = t.fr;
    if (t.frInv !== undefined) this.timers.timerC = t.frInv;
  }

  onReply(handler: (ctx: ReplyContext) => void): void {
    this.handlers.reply = handler;
  }

  onFailure(handler: (ctx: FailureContext) => MaybePromise<void>): void {
    this.handlers.failure = handler;
  }

  onBranch(handler: (ctx: BranchContext) => void): void {
    this.handlers.branch = handler;
  }

  relay(opts: RelayOptions = {}): void {
    if (this.answered) return;
    if (opts.timers) this.setTimer(opts.timers);
    const targets = this.inDialog ? this.dialogTarget(opts) : toBranchTargets(opts.targets ?? [this.req.uri]);
    if (!targets) return;
    // No branch to try (an empty contact list passed on): as Kamailio's t_relay with no
    // branches fails, the caller learns nobody is reachable rather than waiting for nothing.
    if (targets.length === 0) return this.reply(480, 'Temporarily Unavailable');
    this.done = true;
    const failure = this.handlers.failure ?? this.route.onFailure?.bind(this.route);
    const reply = this.handlers.reply ?? this.route.onReply?.bind(this.route);
    const branch = this.handlers.branch ?? this.route.onBranch?.bind(this.route);
    let rounds = 0;
    const media = this._media?.hooks;
    this.s.relayer.relay({
      req: this.req,
      st: this.st,
      targets,
      recordRoute: this.recordRouted && !this.inDialog && this.req.method !== 'REGISTER',
      trusted: this._user !== undefined,
      timers: this.timers,
      onReply: withMedia(reply && ((res, i) => reply(new ReplyContextImpl(this, res, i))), media),
      onFinal: media?.onFinal,
      prepareBranch: media?.prepareBranch,
      onBranch: branch && ((req, i) => BranchContextImpl.run(branch, this, req, i)),
      onFailure:
        failure &&
        ((f: FailureInfo) => (++rounds > MAX_FAILURE_ROUNDS ? undefined : FailureContextImpl.run(failure, this, f))),
    });
  }

  /**
   * An in-dialog request follows its route set, and only one sipd signed for the dialog
   * (dialog-guard.ts): 404 when no Route named us, 403 when ours had no valid mark, a foreign
   * maddr, or a stranger's dialog used to reach a third party.
   */
  private dialogTarget(opts: RelayOptions): BranchTarget[] | undefined {
    if (opts.targets)
      throw new TypeError('an in-dialog request follows its route set: relay() takes no targets for it');
    const route = (this._route ??= this.guard.looseRoute(this.req));
    const target = this.guard.targetOf(this.req);
    const refusal = this.guard.refusal(this.req, this.st.source, route, target);
    if (refusal === 'not ours') {
      this.reply(404, 'Not Here');
      return undefined;
    }
    if (refusal) {
      this.denyRelay(refusal);
      return undefined;
    }
    return [target];
  }

  forward(destination?: string): Promise<void> {
    if (this.answered) return Promise.resolve();
    this.done = true;
    return this.track(this.s.relayer.forward(this.req, this.st, destination));
  }

  reply(status: number, reason?: string, headers?: HeaderList): void {
    if (this.answered) return;
    this.done = true;
    this.st.reply(status, reason, headers ? { headers } : {});
  }

  denyRelay(why: string): void {
    if (this.answered) return;
    this.s.relayDenied();
    this.reply(403, `Forbidden: ${why}`);
  }

  redirect(contacts: readonly (string | Contact)[]): void {
    const headers = contacts.map((c): [string, string] =>
      typeof c === 'string' ? ['Contact', `<${c}>`] : ['Contact', `<${c.uri}>${c.q !== 1 ? `;q=${c.q}` : ''}`],
    );
    this.reply(302, 'Moved Temporarily', headers);
  }

  replyOptions(): void {
    this.reply(200, 'OK', OPTIONS_HEADERS);
  }

  // ---- completion -----------------------------------------------------------------------------

  /** Count an operation in flight: the route is over when it has returned and these have settled. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.pending++;
    const settle = (): void => {
      this.pending--;
      this.check();
    };
    p.then(settle, settle);
    return p;
  }

  /** The route's handler has returned (or its promise settled). */
  routeSettled(): void {
    this.settledRoute = true;
    this.check();
  }

  /** Arm the route's time limit (the request gets 500 if nothing answered it by then). */
  armDeadline(timer: Timer, ms: number): void {
    this.deadline = timer;
    timer.start(ms);
  }

  onTimer(): void {
    this.deadline = undefined;
    if (!this.answered) this.unanswered(this, 'timeout');
  }

  private check(): void {
    if (!this.settledRoute || this.pending > 0) return;
    this.deadline?.stop();
    this.deadline = undefined;
    if (!this.answered) this.unanswered(this, 'returned');
  }
}

/** The route's reply hook, then the media relay's answer (which may hold the response until rtpengine answers). */
function withMedia(
  reply: ((res: SipResponse, i: number) => void) | undefined,
  media: MediaHooks | undefined,
): RelayJob['onReply'] {
  if (!media) return reply;
  return (res, i, source) => {
    reply?.(res, i);
    return media.onReply(res, source);
  };
}

function sourceOf(req: SipRequest, st: Answerer): Source {
  const s = st.source;
  return {
    address: s.remoteAddress,
    port: s.remotePort,
    transport: s.protocol.toUpperCase() as TransportName,
    localAddress: s.localAddress,
    localPort: s.localPort,
    natted: natReceived(req, s) !== undefined,
  };
}
