/**
 * Kamailio with its tls and websocket modules (Debian kamailio-tls-modules,
 * kamailio-websocket-modules) as the reference server of the browser softphone test:
 * test/fixtures/browser/kamailio-wss.cfg.tpl on UDP and WSS ports of 127.0.0.1, run in the
 * foreground in its own process group with every file in a temporary directory, stopped by that
 * group. What the softphone does against it shows what a WSS registrar/proxy is expected to do.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kamailioBin, kamailioModulesDir } from '../bench/lib/kamailio.js';
import { freeUdpBlock } from '../bench/lib/ports.js';
import { groupAlive, spawnGroup, stopGroup, type GroupChild } from '../bench/lib/procs.js';
import { waitForSip } from '../bench/lib/sip-probe.js';
import type { CertFiles } from './tls-certs.js';
import { fixturesDir } from './fixtures.js';
import { waitTcpListening } from './procs.js';

const TEMPLATE = join(fixturesDir, 'browser', 'kamailio-wss.cfg.tpl');
const MODULES = ['tm', 'sl', 'rr', 'registrar', 'usrloc', 'nathelper', 'tls', 'xhttp', 'websocket'];

/** Why this Kamailio cannot run here (binary or a module missing), or undefined. */
export function kamailioWssMissing(): string | undefined {
  if (!kamailioBin()) return 'kamailio is not installed (apt-get install kamailio)';
  const dir = kamailioModulesDir();
  const missing = MODULES.filter((m) => !dir || !existsSync(join(dir, `${m}.so`)));
  return missing.length
    ? `Kamailio modules missing: ${missing.join(', ')} (kamailio-tls-modules, kamailio-websocket-modules)`
    : undefined;
}

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export class KamailioWss {
  private constructor(
    readonly udpPort: number,
    readonly wssPort: number,
    private readonly group: GroupChild,
    private readonly dir: string,
    private readonly log: () => string,
  ) {}

  static async start(domain: string, cert: CertFiles): Promise<KamailioWss> {
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-kam-wss-'));
    const [udpPort, wssPort] = [await freeUdpBlock(1), await freeTcpPort()];
    const tlsCfg = join(dir, 'tls.cfg');
    writeFileSync(
      tlsCfg,
      `[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n` +
        `private_key = ${cert.key}\ncertificate = ${cert.cert}\n`,
    );
    const values: Record<string, string> = {
      MODULES_DIR: kamailioModulesDir()!,
      UDP_PORT: String(udpPort),
      WSS_PORT: String(wssPort),
      DOMAIN: domain,
      TLS_CFG: tlsCfg,
    };
    const cfg = join(dir, 'kamailio.cfg');
    writeFileSync(
      cfg,
      readFileSync(TEMPLATE, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_m, k: string) => values[k]!),
    );
    const args = ['-DD', '-E', '-f', cfg, '-Y', dir, '-w', dir, '-P', join(dir, 'kamailio.pid'), '-m', '64', '-M', '8'];
    const group = spawnGroup(kamailioBin()!, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    group.child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
    const k = new KamailioWss(udpPort, wssPort, group, dir, () => log);
    try {
      await waitForSip(udpPort, 15_000, () => groupAlive(group.pgid));
      await waitTcpListening(wssPort, 5000);
    } catch (e) {
      await k.stop();
      throw new Error(`kamailio did not start: ${(e as Error).message}\n${log}`);
    }
    return k;
  }

  /** Kamailio's last log lines (stderr), for a failing test's message. */
  get logTail(): string {
    return this.log();
  }

  async stop(): Promise<void> {
    await stopGroup(this.group, 3000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
