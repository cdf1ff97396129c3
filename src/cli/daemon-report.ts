/**
 * The human output of the daemon commands, shared by `sipd start|stop|restart|status` and
 * `sipctl start|stop|restart|status` so that both say the same thing (the work itself is in
 * src/ctl/daemon-control.ts).
 */
import type { RestartResult, StartResult, StatusResult, StopResult } from '../ctl/daemon-control.js';

export function startLines(r: StartResult): string[] {
  return [
    `sipd started (pid ${r.pid})`,
    ...r.listen.map((l) => `  listening on ${l}`),
    `  management socket ${r.socket}`,
    `  log file ${r.logFile}`,
  ];
}

export function stopLine(r: StopResult): string {
  if (r.stalePidFile) return `sipd is not running (removed a stale pid file: ${r.stalePidFile})`;
  if (!r.wasRunning) return 'sipd is not running';
  if (r.killed) return `sipd (pid ${r.pid}) did not exit in time and was killed`;
  return `sipd stopped (pid ${r.pid}, ${((r.waitedMs ?? 0) / 1000).toFixed(1)} s)`;
}

export function restartLines(r: RestartResult): string[] {
  return [
    ...(r.stopped.wasRunning ? [`sipd stopped (pid ${r.stopped.pid})`] : []),
    `sipd started (pid ${r.started.pid})`,
    ...r.started.listen.map((l) => `  listening on ${l}`),
  ];
}

/** Lines for `status`, and a warning when sipd runs but its details could not be read. */
export function statusLines(s: StatusResult): { lines: string[]; warning?: string } {
  if (!s.running) {
    return {
      lines: [s.stalePidFile ? `sipd is not running (stale pid file: ${s.stalePidFile})` : 'sipd is not running'],
    };
  }
  const head = `sipd is running (pid ${s.pid})`;
  if (s.mgmtError) return { lines: [head], warning: `no details: ${s.mgmtError}` };
  return {
    lines: [
      head,
      `  version        ${s.version}`,
      `  up since       ${s.startedAt} (${s.uptime} s)`,
      ...(s.listen ?? []).map((l) => `  listening on   ${l}`),
      `  registrations  ${s.registrations} (${s.registeredUsers} users)`,
      `  socket         ${s.socket}`,
    ],
  };
}
