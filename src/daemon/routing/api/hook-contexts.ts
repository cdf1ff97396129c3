/**
 * The contexts of the hooks: onReply (each response a branch receives), onFailure (every branch
 * failed: relay again or answer) and onBranch (each branch before it is sent).
 */
import type { BranchTarget, SipRequest, SipResponse } from '../../../core/index.js';
import { HeaderEditing } from './header-editing.js';
import { bodyText } from './message-view.js';
import type {
  BranchContext,
  FailureContext,
  HeaderList,
  MaybePromise,
  RelayOptions,
  ReplyContext,
  RequestContext,
} from './route.js';
import type { FailureInfo } from './services.js';
import { toBranchTargets } from './targets.js';

export class ReplyContextImpl extends HeaderEditing implements ReplyContext {
  constructor(
    readonly request: RequestContext,
    private readonly res: SipResponse,
    readonly branch: number,
  ) {
    super(res);
  }

  get status(): number {
    return this.res.status;
  }

  get reason(): string {
    return this.res.reason;
  }

  get body(): string {
    return bodyText(this.res.body);
  }

  header(name: string): string | undefined {
    return this.res.get(name);
  }

  headers(name: string): string[] {
    return this.res.getAll(name);
  }
}

export class FailureContextImpl implements FailureContext {
  private next: BranchTarget[] | undefined;

  private constructor(
    readonly request: RequestContext,
    private readonly info: FailureInfo,
  ) {}

  /** Run a failure hook; resolves to the targets it chose (undefined: it answered, or the best goes up). */
  static run(
    hook: (ctx: FailureContext) => MaybePromise<void>,
    request: RequestContext,
    info: FailureInfo,
  ): MaybePromise<BranchTarget[] | undefined> {
    const ctx = new FailureContextImpl(request, info);
    const r = hook(ctx);
    return r instanceof Promise ? r.then(() => ctx.next) : ctx.next;
  }

  /** the best response's own status: a 503 is 503 here (it goes upstream as 500, §16.7 step 6) */
  get status(): number {
    return this.info.best.response?.status ?? this.info.best.status;
  }

  get reason(): string {
    return this.info.best.response?.reason ?? '';
  }

  get tried(): readonly string[] {
    return this.info.tried;
  }

  relay(opts: RelayOptions): void {
    this.next = toBranchTargets(opts.targets ?? []);
  }

  reply(status: number, reason?: string, headers?: HeaderList): void {
    this.next = undefined;
    this.info.answer(status, reason, headers);
  }
}

export class BranchContextImpl extends HeaderEditing implements BranchContext {
  private dropped = false;

  private constructor(
    readonly request: RequestContext,
    private readonly req: SipRequest,
    readonly branch: number,
  ) {
    super(req);
  }

  /** Run a branch hook; false when it dropped the branch. */
  static run(hook: (ctx: BranchContext) => void, request: RequestContext, req: SipRequest, branch: number): boolean {
    const ctx = new BranchContextImpl(request, req, branch);
    hook(ctx);
    return !ctx.dropped;
  }

  get ruri(): string {
    return this.req.uri;
  }

  set ruri(uri: string) {
    this.req.uri = uri;
  }

  drop(): void {
    this.dropped = true;
  }
}
