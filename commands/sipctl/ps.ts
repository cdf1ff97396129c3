import { Flags } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { processes, type PsResult } from '../../src/ctl/runtime.js';

/** 83400 → "1m23s"; under a second "0s". */
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

export default class Ps extends CtlCommand<PsResult> {
  static override summary =
    "List sipd's processes and listeners, and with --connections its open connections (kamctl ps)";
  static override description = `sipd runs as one process. Then each SIP listener: transport, address, port, open connections, connections opened and closed since start, failed TLS handshakes, inbound connections refused at the [tcp] caps, messages in and out. With --connections, each open TCP, TLS, WS and WSS connection: id, transport, remote and local address, who opened it (in: the peer), age, idle time, messages in and out, how long a registration keeps it open although idle (KEPT, "-" for none) and its RFC 5923 aliases. Needs a running sipd (exit 5). JSON: {processes: [{idx, pid, description}], listeners: [{proto, address, port, connections, opened, closed, handshake_failures, refused, messages_in, messages_out}], connections: [{id, proto, remote, local, inbound, age_ms, idle_ms, messages_in, messages_out, kept_ms, aliases}] (with --connections)}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --connections',
  ];
  static override flags = {
    connections: Flags.boolean({ summary: 'list the open TCP, TLS, WS and WSS connections too' }),
  };

  async run(): Promise<PsResult> {
    const { flags } = await this.parse(Ps);
    const r = await processes(this.context(flags), { connections: flags.connections });
    this.printTable(r.processes, [
      { header: 'IDX', get: 'idx', align: 'right' },
      { header: 'PID', get: 'pid', align: 'right' },
      { header: 'DESCRIPTION', get: 'description' },
    ]);
    this.log('');
    this.printTable(r.listeners, [
      { header: 'PROTO', get: 'proto' },
      { header: 'ADDRESS', get: 'address' },
      { header: 'PORT', get: 'port', align: 'right' },
      { header: 'OPEN', get: 'connections', align: 'right' },
      { header: 'OPENED', get: 'opened', align: 'right' },
      { header: 'CLOSED', get: 'closed', align: 'right' },
      { header: 'HS-FAILED', get: 'handshake_failures', align: 'right' },
      { header: 'REFUSED', get: 'refused', align: 'right' },
      { header: 'MSGS-IN', get: 'messages_in', align: 'right' },
      { header: 'MSGS-OUT', get: 'messages_out', align: 'right' },
    ]);
    if (r.connections === undefined) return r;
    this.log('');
    if (r.connections.length === 0) this.log('no open connections');
    this.printTable(r.connections, [
      { header: 'ID', get: 'id', align: 'right' },
      { header: 'PROTO', get: 'proto' },
      { header: 'REMOTE', get: 'remote' },
      { header: 'LOCAL', get: 'local' },
      { header: 'DIR', get: (c) => (c.inbound ? 'in' : 'out') },
      { header: 'AGE', get: (c) => duration(c.age_ms), align: 'right' },
      { header: 'IDLE', get: (c) => duration(c.idle_ms), align: 'right' },
      { header: 'MSGS-IN', get: 'messages_in', align: 'right' },
      { header: 'MSGS-OUT', get: 'messages_out', align: 'right' },
      { header: 'KEPT', get: (c) => (c.kept_ms > 0 ? duration(c.kept_ms) : '-'), align: 'right' },
      { header: 'ALIASES', get: (c) => c.aliases.join(' ') || '-' },
    ]);
    return r;
  }
}
