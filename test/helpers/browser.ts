/**
 * Headless Chromium (Debian's /usr/bin/chromium) for browser tests, driven by playwright-core
 * over the DevTools protocol. We start the process ourselves, in its own process group with a new
 * empty profile directory, so its flags are exactly ours and close() can always end it by PID,
 * renderers included, even when the DevTools connection is gone. Each page records its console,
 * its uncaught errors and every WebSocket frame it sends and receives (what the browser put on
 * the wire). Every wait is bounded.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnGroup, stopGroup, type GroupChild } from '../bench/lib/procs.js';
import { isCi } from './mysql.js';

export const CHROMIUM = process.env.SIPKIT_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, headless Chromium (no sandbox: tests run as root in CI containers). */
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // getUserMedia without a permission prompt, from a fake microphone (audio is not asserted).
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--remote-debugging-address=127.0.0.1',
  '--remote-debugging-port=0',
];

/**
 * Why browser tests cannot run here, or undefined when they can. Under CI=true a missing
 * Chromium is not a reason to skip: the suite runs and fails at launch (.ci/run installs it).
 */
export function chromiumSkip(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return isCi() ? undefined : `${CHROMIUM} is not installed (apt-get install chromium): browser test skipped`;
  }
}

/** base64 SHA-256 of a certificate's public key (SPKI): what --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface LaunchOptions {
  /**
   * base64 SHA-256 hashes of public keys (SPKI) whose certificates Chromium accepts whatever their
   * issuer: the test's own server key, instead of turning certificate checks off for everything.
   */
  trustSpki?: string[];
  /** Milliseconds for Chromium to start and accept the DevTools connection. */
  timeoutMs?: number;
}

export interface WsFrame {
  dir: 'sent' | 'received';
  url: string;
  text: string;
  at: number;
}

/** A page with what it logged and what it sent and received over WebSockets. */
export class BrowserPage {
  readonly console: string[] = [];
  readonly errors: string[] = [];
  readonly frames: WsFrame[] = [];
  /** WebSocket closes and errors, as `url: reason`. */
  readonly wsEvents: string[] = [];

  constructor(readonly page: Page) {
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => this.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.errors.push(e.message));
    page.on('websocket', (ws) => {
      const record = (dir: WsFrame['dir']) => (f: { payload: string | Buffer }) =>
        this.frames.push({ dir, url: ws.url(), text: f.payload.toString(), at: Date.now() });
      ws.on('framesent', record('sent'));
      ws.on('framereceived', record('received'));
      ws.on('socketerror', (e) => this.wsEvents.push(`${ws.url()}: error ${e}`));
      ws.on('close', () => this.wsEvents.push(`${ws.url()}: closed`));
    });
  }

  /** SIP messages in frames of one direction whose text matches `re` (start line, headers, body). */
  sip(dir: WsFrame['dir'], re: RegExp): string[] {
    return this.frames.filter((f) => f.dir === dir && re.test(f.text)).map((f) => f.text);
  }

  /** What to print when a browser test fails: console, errors, socket events. */
  diagnostics(): string {
    return [...this.errors.map((e) => `pageerror: ${e}`), ...this.console, ...this.wsEvents].join('\n');
  }
}

export class HeadlessBrowser {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly group: GroupChild,
    private readonly profile: string,
    readonly browser: Browser,
    /** Chromium's last stderr lines (its own errors, for diagnostics). */
    readonly stderr: string[],
  ) {}

  /** The browser process, leader of its process group. */
  get pid(): number {
    return this.group.pgid;
  }

  static async launch(opts: LaunchOptions = {}): Promise<HeadlessBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'sipkit-chromium-'));
    const args = [...BASE_ARGS, `--user-data-dir=${profile}`];
    if (opts.trustSpki?.length) args.push(`--ignore-certificate-errors-spki-list=${opts.trustSpki.join(',')}`);
    // Its own process group, so close() ends the renderers with it (also if this process exits first).
    const group = spawnGroup(CHROMIUM, [...args, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderr: string[] = [];
    try {
      const endpoint = await devtoolsEndpoint(group.child, stderr, opts.timeoutMs ?? 30_000);
      const browser = await chromium.connectOverCDP(endpoint, { timeout: opts.timeoutMs ?? 30_000 });
      return new HeadlessBrowser(group, profile, browser, stderr);
    } catch (e) {
      await stopGroup(group, 3000);
      rmSync(profile, { recursive: true, force: true });
      throw new Error(`${(e as Error).message}\nchromium stderr:\n${stderr.join('\n')}`);
    }
  }

  /** A new page at `url` (loaded), recording console and WebSocket frames from the start. */
  async open(url: string): Promise<BrowserPage> {
    const context = this.browser.contexts()[0] ?? (await this.browser.newContext());
    const page = new BrowserPage(await context.newPage());
    await page.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    return page;
  }

  /** Close the DevTools connection, end the process group by PID and remove the profile. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Bounded: a hung DevTools connection must not keep the test (or its exit) waiting.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.browser.close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      await stopGroup(this.group, 3000);
      rmSync(this.profile, { recursive: true, force: true });
    })();
    return this.closing;
  }
}

/** Read Chromium's stderr until it names its DevTools WebSocket; fail on exit or after `ms`. */
function devtoolsEndpoint(proc: ChildProcess, stderr: string[], ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let partial = '';
    let settled = false;
    const timer = setTimeout(() => done(new Error(`chromium gave no DevTools endpoint within ${ms} ms`)), ms);
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        stderr.push(line);
        if (stderr.length > 200) stderr.shift();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(line);
        if (m) done(undefined, m[1]);
      }
    };
    const onExit = (code: number | null) => done(new Error(`chromium exited (${code}) before DevTools was up`));
    const onError = (e: Error) => done(new Error(`cannot start ${CHROMIUM}: ${e.message}`));
    function done(err?: Error, url?: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.off('error', onError);
      // Keep draining stderr (a full pipe would block Chromium), now only into the ring.
      proc.stderr!.off('data', onData);
      proc.stderr!.on('data', (c: Buffer) => {
        stderr.push(c.toString());
        if (stderr.length > 200) stderr.shift();
      });
      if (err) reject(err);
      else resolve(url!);
    }
    proc.stderr!.on('data', onData);
    proc.once('exit', onExit);
    proc.once('error', onError);
  });
}
