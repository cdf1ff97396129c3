/**
 * Management methods of the media relay (sipctl rtpengine show|ping|enable|disable): the
 * instances with their state, weight and calls; a ping of each; the operator's switch for new
 * calls. Registered only when [rtpengine] sockets are configured, like Kamailio's rtpengine.* RPCs.
 */
import { rpcNotFound } from '../../mgmt/protocol.js';
import type { MethodRegistry } from '../mgmt/registry.js';
import type { MediaRelay } from './media-relay.js';
import { RtpengineError } from './rtpengine-set.js';

const module = 'rtpengine';
const socketParam = {
  name: 'socket',
  type: 'string' as const,
  optional: true,
  help: 'one instance as configured ("udp:127.0.0.1:2223"); default all',
};

/** An unknown socket is "not found" to the caller (sipctl exits 3 as for other missing objects). */
function known<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RtpengineError) throw rpcNotFound(err.message);
    throw err;
  }
}

export function registerRtpengineMethods(rpc: MethodRegistry, media: MediaRelay): void {
  rpc.register({
    name: 'rtpengine.show',
    module,
    help: 'The rtpengine instances: {mode, on_failure, sessions, instances: [{socket, weight, enabled, up, sessions, lastError}]}.',
    handler: () => ({
      mode: media.mode,
      on_failure: media.onFailure,
      sessions: media.set.sessions,
      instances: media.set.show(),
    }),
  });
  rpc.register({
    name: 'rtpengine.ping',
    module,
    help: 'Ping the instances (or one): {instances: [{socket, up, ms, error?}]}; an answer brings an instance back up.',
    params: [socketParam],
    handler: async (p) => ({ instances: await known(() => media.set.ping(p.socket as string | undefined)) }),
  });
  for (const [verb, on] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    rpc.register({
      name: `rtpengine.${verb}`,
      module,
      help: `${on ? 'Use' : 'Stop using'} the instances (or one) for new calls: {${verb}d: [socket, ...]}.`,
      params: [socketParam],
      handler: (p) => ({ [`${verb}d`]: known(() => media.set.setEnabled(p.socket as string | undefined, on)) }),
    });
  }
}
