/**
 * The test softphone page (test/fixtures/browser/softphone.html + softphone.js) served over
 * plain HTTP on 127.0.0.1 port 0. softphone.js is bundled with JsSIP from node_modules by esbuild
 * when the server starts: no CDN, nothing fetched from the network. http://127.0.0.1 is a secure
 * context for Chromium, so getUserMedia and RTCPeerConnection work without a certificate here.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from './fixtures.js';

const pageDir = join(fixturesDir, 'browser');

/** softphone.js with JsSIP and its dependencies in one browser script (an IIFE). */
export async function bundleSoftphone(): Promise<string> {
  const out = await build({
    entryPoints: [join(pageDir, 'softphone.js')],
    absWorkingDir: repoRoot,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export class SoftphoneServer {
  private constructor(private readonly server: Server) {}

  /** Bundle the page's script and serve the page; resolves once listening. */
  static async start(): Promise<SoftphoneServer> {
    const files: Record<string, { type: string; body: string }> = {
      '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(pageDir, 'softphone.html'), 'utf8') },
      '/softphone.js': { type: 'text/javascript; charset=utf-8', body: await bundleSoftphone() },
    };
    const server = createServer((req, res) => {
      const f = files[new URL(req.url ?? '/', 'http://x').pathname];
      // The favicon request and anything else: 404, so the page never waits on a hanging request.
      res.writeHead(f ? 200 : 404, { 'content-type': f?.type ?? 'text/plain', 'cache-control': 'no-store' });
      res.end(f?.body ?? 'not found');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new SoftphoneServer(server);
  }

  /** The page's origin, as the browser sends it in the WebSocket upgrade's Origin header. */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `${this.origin}/`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
