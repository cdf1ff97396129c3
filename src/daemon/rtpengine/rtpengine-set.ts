/**
 * The configured rtpengine instances ([rtpengine] sockets) and the calls each one relays. A new
 * call goes to an instance chosen by weight among the usable ones (enabled by the operator and
 * answering); if it does not answer, it is marked down and the call tries the next. Every later
 * command of a call goes to the instance that took its offer (rtpengine keeps the call's state).
 * Instances that are down are probed with `ping` every `disable_time`; an answer brings them back.
 */
import { NgClient, NgTimeout, type NgTarget } from './ng-client.js';
import { textField, type NgDict } from './ng-codec.js';

export interface InstanceConfig extends NgTarget {
  /** as configured: "udp:127.0.0.1:2223" */
  readonly socket: string;
  readonly weight: number;
}

export interface InstanceState {
  readonly socket: string;
  readonly weight: number;
  /** the operator's switch (sipctl rtpengine enable|disable) */
  readonly enabled: boolean;
  /** answered its last command or ping */
  readonly up: boolean;
  /** calls it relays for sipd now */
  readonly sessions: number;
  readonly lastError: string | undefined;
}

/** rtpengine answered `result: error`, or no instance could be asked. */
export class RtpengineError extends Error {
  override name = 'RtpengineError';
}

class Instance {
  enabled = true;
  up = true;
  sessions = 0;
  lastError: string | undefined;
  constructor(readonly cfg: InstanceConfig) {}
  get usable(): boolean {
    return this.enabled && this.up;
  }
}

/** A call sipd has in rtpengine: where, since when, when it was last seen there (ms since epoch). */
interface CallRecord {
  readonly instance: Instance;
  readonly since: number;
  checked: number;
}

/** What the sweep reads of a call. */
export interface BoundCall {
  readonly callId: string;
  readonly since: number;
  readonly checked: number;
}

export class RtpengineSet {
  private readonly instances: Instance[];
  /** Call-ID → its record; in the order last checked (the sweep re-checks the oldest first) */
  private readonly calls = new Map<string, CallRecord>();
  /** Call-ID → the first offer still choosing an instance: the other branches' offers wait for it */
  private readonly choosing = new Map<string, Promise<unknown>>();
  private probe: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    configs: readonly InstanceConfig[],
    private readonly client: NgClient,
    private readonly onDown: (socket: string, why: string) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {
    this.instances = configs.map((c) => new Instance(c));
  }

  get sessions(): number {
    return this.calls.size;
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  /**
   * The offer of a new call (or of a call already relayed: then its own instance). The offers
   * of a call's forked branches go out together: the first chooses the instance, the others
   * follow it there (rtpengine keeps a call on one instance).
   */
  async offer(callId: string, dict: NgDict): Promise<NgDict> {
    const first = this.choosing.get(callId);
    if (first) await first.catch(() => undefined);
    const own = this.calls.get(callId);
    if (own) return this.ask(own.instance, dict);
    const work = this.offerNew(callId, dict);
    this.choosing.set(callId, work);
    try {
      return await work;
    } finally {
      if (this.choosing.get(callId) === work) this.choosing.delete(callId);
    }
  }

  private async offerNew(callId: string, dict: NgDict): Promise<NgDict> {
    const tried = new Set<Instance>();
    for (let i = this.pick(tried); i; i = this.pick(tried)) {
      tried.add(i);
      try {
        const reply = await this.ask(i, dict);
        this.bind(callId, i);
        return reply;
      } catch (err) {
        if (!(err instanceof NgTimeout)) throw err;
      }
    }
    throw new RtpengineError(tried.size ? 'no rtpengine instance answered' : 'no rtpengine instance is usable');
  }

  /** A command of a relayed call (answer, delete, query): to the instance that has it. */
  forCall(callId: string, dict: NgDict, opts: { end?: boolean } = {}): Promise<NgDict> {
    const c = this.calls.get(callId);
    if (!c) return Promise.reject(new RtpengineError(`no rtpengine session for Call-ID ${callId}`));
    if (opts.end) this.unbind(callId);
    return this.ask(c.instance, dict);
  }

  /** The calls sipd has in rtpengine, the longest unchecked first. */
  *bound(): IterableIterator<BoundCall> {
    for (const [callId, c] of this.calls) yield { callId, since: c.since, checked: c.checked };
  }

  /** The call was seen in rtpengine at `now`: it moves to the end of the sweep's order. */
  checked(callId: string, now: number): void {
    const c = this.calls.get(callId);
    if (!c) return;
    c.checked = now;
    this.calls.delete(callId);
    this.calls.set(callId, c);
  }

  /** rtpengine no longer has the call (its own timeout ended it): sipd lets go of it too. */
  forget(callId: string): void {
    this.unbind(callId);
  }

  /** Send to one instance; a timeout marks it down, `result: error` is an RtpengineError. */
  private async ask(i: Instance, dict: NgDict): Promise<NgDict> {
    let reply: NgDict;
    try {
      reply = await this.client.request(i.cfg, dict);
    } catch (err) {
      if (err instanceof NgTimeout && i.up) {
        i.up = false;
        i.lastError = err.message;
        this.onDown(i.cfg.socket, err.message);
      }
      throw err;
    }
    i.up = true;
    const result = textField(reply, 'result');
    if (result === 'error' || result === undefined) {
      const why = textField(reply, 'error-reason') ?? (result ? 'error' : 'reply without result');
      i.lastError = why;
      throw new RtpengineError(`rtpengine ${i.cfg.socket}: ${why}`);
    }
    return reply;
  }

  /**
   * Weighted random choice among the usable instances not tried yet; weight 0 marks a spare,
   * taken (in order) only when no weighted instance is usable.
   */
  private pick(tried: ReadonlySet<Instance>): Instance | undefined {
    const candidates = this.instances.filter((i) => i.usable && !tried.has(i));
    const usable = candidates.filter((i) => i.cfg.weight > 0);
    if (usable.length === 0) return candidates[0];
    const total = usable.reduce((n, i) => n + i.cfg.weight, 0);
    let r = this.random() * total;
    for (const i of usable) {
      r -= i.cfg.weight;
      if (r < 0) return i;
    }
    return usable[usable.length - 1];
  }

  private bind(callId: string, i: Instance): void {
    if (this.calls.has(callId)) return;
    const now = Date.now();
    this.calls.set(callId, { instance: i, since: now, checked: now });
    i.sessions++;
  }

  private unbind(callId: string): void {
    const c = this.calls.get(callId);
    if (!c) return;
    this.calls.delete(callId);
    c.instance.sessions--;
  }

  // ---- management -----------------------------------------------------------------------------

  show(): InstanceState[] {
    return this.instances.map((i) => ({
      socket: i.cfg.socket,
      weight: i.cfg.weight,
      enabled: i.enabled,
      up: i.up,
      sessions: i.sessions,
      lastError: i.lastError,
    }));
  }

  private find(socket: string | undefined): Instance[] {
    if (socket === undefined || socket === '' || socket === 'all') return this.instances;
    const i = this.instances.filter((x) => x.cfg.socket === socket);
    if (i.length === 0) throw new RtpengineError(`no rtpengine instance ${socket}`);
    return i;
  }

  /** Ping each (or one) instance: its state follows the answer. */
  async ping(socket?: string): Promise<Array<{ socket: string; up: boolean; ms: number; error?: string }>> {
    return Promise.all(
      this.find(socket).map(async (i) => {
        const t0 = Date.now();
        try {
          await this.ask(i, { command: 'ping' });
          return { socket: i.cfg.socket, up: true, ms: Date.now() - t0 };
        } catch (err) {
          return { socket: i.cfg.socket, up: false, ms: Date.now() - t0, error: (err as Error).message };
        }
      }),
    );
  }

  /** Enable or disable instances for new calls (calls already relayed stay where they are). */
  setEnabled(socket: string | undefined, enabled: boolean): string[] {
    const list = this.find(socket);
    for (const i of list) i.enabled = enabled;
    return list.map((i) => i.cfg.socket);
  }

  /** Probe the instances that are down every `ms` (Kamailio rtpengine_disable_tout). */
  startProbing(ms: number): void {
    this.probe = setInterval(() => {
      for (const i of this.instances) if (!i.up) void this.ask(i, { command: 'ping' }).catch(() => undefined);
    }, ms);
    this.probe.unref();
  }

  /** Run `sweep` every `ms` (the media relay's check of calls whose end sipd never saw), one at a time. */
  startSweeping(ms: number, sweep: () => Promise<void>): void {
    let running = false;
    this.sweeper = setInterval(() => {
      if (running) return;
      running = true;
      void sweep()
        .catch(() => undefined)
        .finally(() => (running = false));
    }, ms);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.probe);
    clearInterval(this.sweeper);
    this.client.close();
  }
}
