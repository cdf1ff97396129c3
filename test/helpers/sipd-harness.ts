/**
 * sipd in process for SIP behaviour tests: a throwaway directory with its own SQLite database
 * (subscribers, aliases, groups, AVPs written through src/store), a SipdServer with the built-in
 * modules on 127.0.0.1 port 0 (UDP and TCP), and the management socket for ul.* / stats.fetch.
 * `restart()` stops it and starts a new one on the same database, as `sipd restart` would.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { mgmtCall } from '../../src/mgmt/client.js';
import { builtinModules } from '../../src/daemon/modules.js';
import { SipdServer } from '../../src/daemon/server.js';
import { openStore, type Store } from '../../src/store/index.js';
import { cleanup, testConfig, tmpDir } from './sipd.js';
import { TestUA, type UaOptions } from './test-ua.js';

export const DOMAIN = 'sipkit.test';

export interface SipdSetup {
  /** TOML appended after the harness's own top-level keys (domains, db_url). */
  config?: string;
  /** Subscribers to create: [user, password]. */
  users?: Array<[string, string]>;
  /** More provisioning before sipd starts (aliases, groups, AVPs...). */
  provision?: (store: Store) => Promise<void>;
  /** Listen specs (default UDP and TCP on 127.0.0.1 port 0). */
  listen?: string[];
}

export class SipdHarness {
  /** Log lines at level error or above (sipd's own failures: a handler threw, a write failed...). */
  readonly errors: string[];
  private readonly uas: TestUA[] = [];

  private constructor(
    readonly dir: string,
    readonly store: Store,
    public server: SipdServer,
    private readonly setup: SipdSetup,
    errors: string[],
  ) {
    this.errors = errors;
  }

  /** A fresh directory and database, provisioned, and sipd running on it. */
  static async start(setup: SipdSetup = {}): Promise<SipdHarness> {
    const dir = tmpDir('sipd-sip-');
    const store = await openStore(`sqlite:${join(dir, 'sipd.db')}`, { schema: 'create' });
    try {
      for (const [u, p] of setup.users ?? []) await store.subscribers.add(u, DOMAIN, p);
      await setup.provision?.(store);
      const errors: string[] = [];
      const h = new SipdHarness(dir, store, SipdHarness.newServer(dir, setup, errors), setup, errors);
      await h.server.start();
      return h;
    } catch (e) {
      await store.close();
      cleanup(dir);
      throw e;
    }
  }

  private static newServer(dir: string, setup: SipdSetup, errors: string[]): SipdServer {
    const text = [`domains = ["${DOMAIN}"]`, `db_url = "sqlite:${join(dir, 'sipd.db')}"`, setup.config ?? ''].join(
      '\n',
    );
    const config = testConfig(dir, { configText: text, listen: setup.listen });
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    return new SipdServer({ config, log, modules: builtinModules(config) });
  }

  get udpPort(): number {
    return this.server.addresses.find((a) => a.proto === 'udp')!.port;
  }

  get tcpPort(): number {
    return this.server.addresses.find((a) => a.proto === 'tcp')!.port;
  }

  get tlsPort(): number {
    return this.server.addresses.find((a) => a.proto === 'tls')!.port;
  }

  /** The port of sipd's first listener for `proto` (udp, tcp, tls, ws, wss) on `host`'s family. */
  portOf(proto: string, host = '127.0.0.1'): number {
    const family = host.includes(':') ? 'IPv6' : 'IPv4';
    return this.server.addresses.find((a) => a.proto === proto && a.family === family)!.port;
  }

  /** Where a test UA sends: sipd's listener for a protocol (on 127.0.0.1, or `host`: "::1"). */
  proxy<P extends 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS' = 'UDP'>(
    protocol: P = 'UDP' as P,
    host = '127.0.0.1',
  ): { host: string; port: number; protocol: P } {
    return { host, port: this.portOf(protocol.toLowerCase(), host), protocol };
  }

  /** A test UA of this sipd's domain (UDP unless said), closed by stop(). */
  async ua(user: string, password?: string, opts: Partial<UaOptions> = {}): Promise<TestUA> {
    const u = await TestUA.create({ user, password, domain: DOMAIN, proxy: this.proxy(), ...opts });
    this.uas.push(u);
    return u;
  }

  rpc<T = unknown>(method: string, params?: unknown[] | Record<string, unknown>): Promise<T> {
    return mgmtCall<T>(this.server.mgmtSocket, method, params);
  }

  stats(...selectors: string[]): Promise<Record<string, number>> {
    return this.rpc<Record<string, number>>('stats.fetch', selectors.length ? selectors : ['all']);
  }

  /** Stop sipd and start a new one on the same directory and database (new ports). */
  async restart(): Promise<void> {
    await this.server.stop();
    this.server = SipdHarness.newServer(this.dir, this.setup, this.errors);
    await this.server.start();
  }

  /** Stop sipd and remove everything; fails if sipd logged an error meanwhile (a bug somewhere). */
  async stop(): Promise<void> {
    await Promise.all(this.uas.splice(0).map((u) => u.close()));
    await this.server.stop();
    await this.store.close();
    cleanup(this.dir);
    if (this.errors.length > 0) throw new Error(`sipd logged errors:\n${this.errors.join('')}`);
  }
}
