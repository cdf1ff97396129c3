/**
 * The test softphone (JsSIP in a headless Chromium page, test/fixtures/browser/softphone.js)
 * seen from a test: register over ws:// or wss://, call, hang up, unregister, and the JsSIP events
 * and SIP messages the browser saw. Every wait is bounded.
 */
import type { BrowserPage } from './browser.js';

export interface PhoneEvent {
  name: string;
  at: number;
  status?: number;
  reason?: string;
  cause?: string | null;
  originator?: string;
}

export interface RegisterArgs {
  wsUri: string;
  user: string;
  domain: string;
  password: string;
  expires?: number;
}

interface PhoneApi {
  events: PhoneEvent[];
  register(a: RegisterArgs): Promise<{ status: number; reason: string }>;
  call(target: string): { callId: string };
  answerCalls(on: boolean): void;
  hangup(): void;
  unregister(): Promise<{ status: number; reason: string }>;
  stop(): void;
  version: string;
}

declare const window: { phone: PhoneApi };

export class Softphone {
  constructor(readonly page: BrowserPage) {}

  /** REGISTER (answering a digest challenge); resolves with the final status, rejects with JsSIP's cause. */
  register(a: RegisterArgs): Promise<{ status: number; reason: string }> {
    return this.page.page.evaluate((args) => window.phone.register(args), a);
  }

  call(target: string): Promise<{ callId: string }> {
    return this.page.page.evaluate((t) => window.phone.call(t), target);
  }

  /** Answer incoming calls at once (or stop answering them). */
  answerCalls(on = true): Promise<void> {
    return this.page.page.evaluate((b) => window.phone.answerCalls(b), on);
  }

  hangup(): Promise<void> {
    return this.page.page.evaluate(() => window.phone.hangup());
  }

  unregister(): Promise<{ status: number; reason: string }> {
    return this.page.page.evaluate(() => window.phone.unregister());
  }

  stop(): Promise<void> {
    return this.page.page.evaluate(() => window.phone.stop());
  }

  events(): Promise<PhoneEvent[]> {
    return this.page.page.evaluate(() => window.phone.events);
  }

  /** How many events so far: pass it to waitEvent to wait for a later one. */
  async mark(): Promise<number> {
    return (await this.events()).length;
  }

  /** The first event named one of `names` from index `after` on (waiting up to `ms` for it). */
  async waitEvent(names: string[], opts: { after?: number; ms?: number } = {}): Promise<PhoneEvent> {
    const after = opts.after ?? 0;
    await this.page.page.waitForFunction(
      ([n, a]) => window.phone.events.slice(a).some((e) => n.includes(e.name)),
      [names, after] as const,
      { timeout: opts.ms ?? 10_000, polling: 50 },
    );
    return (await this.events()).slice(after).find((e) => names.includes(e.name))!;
  }

  /**
   * The SIP messages the browser sent (>) and received (<) over its WebSockets, in order: a request
   * as its method, a response as its status and CSeq method (`> INVITE`, `< 407 INVITE`).
   */
  flow(): string[] {
    return this.page.frames
      .filter((f) => f.text.trim() !== '') // keepalives (RFC 5626 §4.4.1 CRLFs)
      .map((f) => {
        const start = f.text.slice(0, f.text.indexOf('\r\n')).split(' ');
        const method = /^CSeq:\s*\d+\s+(\S+)/im.exec(f.text)?.[1] ?? '?';
        const what = start[0] === 'SIP/2.0' ? `${start[1]} ${method}` : start[0];
        return `${f.dir === 'sent' ? '>' : '<'} ${what}`;
      });
  }
}

/** Whether `expected` occurs in `flow` in this order, other messages allowed in between. */
export function inOrder(flow: string[], expected: string[]): boolean {
  let at = 0;
  for (const m of expected) {
    const i = flow.indexOf(m, at);
    if (i < 0) return false;
    at = i + 1;
  }
  return true;
}
