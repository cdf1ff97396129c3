/**
 * Random high UDP ports on 127.0.0.1 for servers and sipp instances that need a port number up
 * front (they cannot be told "port 0"). Never 5060. A port is handed out once per process and
 * checked free by binding it; a race with another program remains possible, so callers report a
 * bind failure clearly rather than retrying forever.
 */
import { createSocket } from 'node:dgram';

const handedOut = new Set<number>();

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A block of `count` consecutive free UDP ports in 20000–59999; returns the first. sipp needs a
 * block: SIP port, control port (-cp), media ports (-mp and -mp + 2).
 */
export async function freeUdpBlock(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (40000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p) || p === 5060)) continue;
    const free = await Promise.all(ports.map(udpFree));
    if (free.every(Boolean)) {
      for (const p of ports) handedOut.add(p);
      return base;
    }
  }
  throw new Error(`no block of ${count} free UDP ports found on 127.0.0.1`);
}
