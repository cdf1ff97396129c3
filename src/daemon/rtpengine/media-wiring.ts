/**
 * The media relay from sipd.conf [rtpengine]: the ng client, the instances, their statistics
 * (rtpengine.offers, answers, deletes, errors, sessions, instances_up) and management methods.
 * None without sockets.
 */
import type { SipdConfig } from '../config/load.js';
import type { Logger } from '../log.js';
import type { MethodRegistry } from '../mgmt/registry.js';
import type { StatsRegistry } from '../stats.js';
import { MediaRelay } from './media-relay.js';
import { NgClient } from './ng-client.js';
import { registerRtpengineMethods } from './rtpengine-methods.js';
import { RtpengineSet } from './rtpengine-set.js';
import { parseRtpengineSocket } from './socket-spec.js';

export function mediaRelayFor(
  c: SipdConfig,
  stats: StatsRegistry,
  log: Logger,
  rpc: MethodRegistry,
): MediaRelay | undefined {
  const r = c.rtpengine;
  if (r.sockets.length === 0 || r.mode === 'off') return undefined;
  const errors = stats.counter('rtpengine', 'errors', 'ng commands that failed (timeout, error reply, malformed)');
  const client = new NgClient({
    timeoutMs: r.timeout_ms,
    retries: r.retries,
    onStray: (why) => {
      if (why === 'malformed') errors.inc();
      log.warn({ why }, 'rtpengine: dropped a datagram that answers no request');
    },
  });
  const set = new RtpengineSet(r.sockets.map(parseRtpengineSocket), client, (socket, why) =>
    log.error({ socket, reason: why }, 'rtpengine instance is down: left out of new calls until it answers a ping'),
  );
  const counters = {
    offers: stats.counter('rtpengine', 'offers', 'ng offers sent'),
    answers: stats.counter('rtpengine', 'answers', 'ng answers sent'),
    deletes: stats.counter('rtpengine', 'deletes', 'ng deletes sent'),
    errors,
    expired: stats.counter('rtpengine', 'expired', 'calls deleted by max_call_time or found gone from rtpengine'),
  };
  stats.gauge('rtpengine', 'sessions', () => set.sessions, 'calls whose media rtpengine relays now');
  stats.gauge('rtpengine', 'instances_up', () => set.show().filter((i) => i.up && i.enabled).length);
  set.startProbing(r.disable_time * 1000);
  const media = new MediaRelay(set, r.mode, r.on_failure as '503' | 'relay', counters, log, {
    maxCallS: r.max_call_time,
    checkS: r.check_time,
  });
  set.startSweeping(r.check_time * 1000, () => media.sweep());
  registerRtpengineMethods(rpc, media);
  return media;
}
