/**
 * What a request context needs from sipd: narrow views of the modules the routing API exposes,
 * so that a route runs the same over the live daemon and over the test harness's in-memory ones
 * (sipkit/routing/testing).
 */
import type {
  BestResponse,
  BranchTarget,
  MessageSource,
  ServerTransaction,
  RouteMarks,
  SipRequest,
  SipResponse,
} from '../../../core/index.js';
import type { Subscriber } from '../../../store/index.js';
import type { Binding } from '../../registrar/binding.js';
import type { RegisteredParties } from '../dialog-guard.js';
import type { MediaRelay } from '../../rtpengine/media-relay.js';
import type { Myself } from '../myself.js';
import type { MaybePromise, RouteSettings } from './route.js';

/** The server transaction, as far as a route's answers go (a test harness gives its own). */
export type Answerer = Pick<ServerTransaction, 'source' | 'state' | 'reply' | 'replyStateless'>;

/** Subscribers, aliases, groups, preferences and domains (the directory caches). */
export interface DirectoryView {
  isLocalDomain(host: string): boolean;
  cached(user: string, domain: string): Subscriber | null | undefined;
  findSubscriber(user: string, domain: string): Promise<Subscriber | undefined>;
  resolveAlias(user: string, domain: string): { username: string; domain: string } | undefined;
  inGroup(user: string, domain: string, group: string): boolean;
  preferences(user: string, domain: string): ReadonlyMap<string, string>;
}

export interface LocationView extends RegisteredParties {
  lookup(aor: string): Binding[];
}

export type AuthResult = { ok: true; username: string; domain: string } | { ok: false };

/** Digest authentication that answers its own challenges (auth-guard.ts). */
export interface AuthService {
  check(req: SipRequest, st: Answerer, domain: string): AuthResult | Promise<AuthResult>;
  consume(req: SipRequest, domain: string): void;
}

export interface RegistrarService {
  /** `user`: the sender already authenticated by the route (the registrar does not ask again) */
  handle(req: SipRequest, st: Answerer, user?: { username: string; domain: string }): void | Promise<void>;
}

/** What the failure hook learns and may do. */
export interface FailureInfo {
  readonly best: BestResponse;
  readonly tried: readonly string[];
  answer(status: number, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): void;
}

/** One stateful relay, as the request context asks for it. */
export interface RelayJob {
  readonly req: SipRequest;
  readonly st: Answerer;
  readonly targets: BranchTarget[];
  readonly recordRoute: boolean;
  /** the caller authenticated as one of our users (its dialogs' marks are `open`) */
  readonly trusted: boolean;
  readonly timers: { fr?: number; timerC?: number };
  /** a promise holds the response (and those after it) until it settles (media relay's answer) */
  onReply?(res: SipResponse, index: number, source: MessageSource | undefined): void | Promise<void>;
  /** the final response went upstream (or sipd answered) */
  onFinal?(status: number): void;
  onBranch?(req: SipRequest, index: number, target: BranchTarget): boolean;
  /** after onBranch, before the branch is sent (the media relay's offer): a status answers the request instead */
  prepareBranch?(
    req: SipRequest,
    index: number,
    viaBranch: string,
    protocol: string,
  ): Promise<number | undefined> | undefined;
  /** more targets to try, or undefined (answered, or the best response goes up) */
  onFailure?(f: FailureInfo): MaybePromise<BranchTarget[] | undefined>;
}

/** Sends: stateful relays (core/proxy's ProxyContext) and stateless forwards. */
export interface Relayer {
  relay(job: RelayJob): void;
  /** stateless (§16.11): to `destination` ("udp:host:port") or the next hop of the request */
  forward(req: SipRequest, st: Answerer, destination: string | undefined): Promise<void>;
}

export interface RouteServices {
  readonly directory: DirectoryView;
  readonly location: LocationView;
  readonly auth: AuthService;
  readonly registrar: RegistrarService;
  readonly relayer: Relayer;
  readonly marks: RouteMarks;
  readonly settings: RouteSettings;
  /** rtpengine ([rtpengine] sockets); absent when none is configured */
  readonly media?: MediaRelay;
  myself(): Myself | undefined;
  /** a refusal to relay for a stranger (security.relay_denied) */
  relayDenied(): void;
}
