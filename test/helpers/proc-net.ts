/**
 * Which local addresses hold a port, read from the kernel's /proc/net tables (what `ss -lnut`
 * shows): lets a test see where a process listens without connecting to it or racing its bind.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

/** 0100007F → 127.0.0.1 (the kernel prints the address in host byte order). */
function ipv4(hex: string): string {
  const bytes = (hex.match(/../g) ?? []).map((b) => parseInt(b, 16));
  return (endianness() === 'LE' ? bytes.reverse() : bytes).join('.');
}

function table(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The local addresses listening on `port`: TCP sockets in state LISTEN (0A), UDP sockets not
 * connected to a peer. IPv6 wildcard sockets are reported as "::", other IPv6 ones as "v6".
 */
export function boundAddresses(proto: 'udp' | 'tcp', port: number): string[] {
  const out: string[] = [];
  for (const v6 of [false, true]) {
    for (const line of table(`/proc/net/${proto}${v6 ? '6' : ''}`)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      const [addr, p] = (local ?? '').split(':');
      if (parseInt(p ?? '', 16) !== port) continue;
      if (proto === 'tcp' ? state !== '0A' : !remote?.endsWith(':0000')) continue;
      out.push(v6 ? (/^0+$/.test(addr ?? '') ? '::' : 'v6') : ipv4(addr ?? ''));
    }
  }
  return out;
}

/** Wait (bounded) until something is bound to `port`; returns its addresses, [] on timeout. */
export async function waitBound(proto: 'udp' | 'tcp', port: number, ms = 15000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const a = boundAddresses(proto, port);
    if (a.length || Date.now() > until) return a;
    await new Promise((r) => setTimeout(r, 50));
  }
}
