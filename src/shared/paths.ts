/**
 * Default locations, shared by sipd and sipctl so that `sipctl` with no flags finds the `sipd`
 * started with no flags by the same user. Root gets system paths; other users get XDG paths
 * under their home.
 *
 * | what            | root                     | other users                                        |
 * |-----------------|--------------------------|----------------------------------------------------|
 * | config file     | /etc/sipkit/sipd.conf    | $XDG_CONFIG_HOME/sipkit/sipd.conf (~/.config/...)  |
 * | data dir        | /var/lib/sipkit          | $XDG_DATA_HOME/sipkit (~/.local/share/sipkit)      |
 * | run dir         | /run/sipkit              | $XDG_RUNTIME_DIR/sipkit, else ~/.local/state/sipkit/run |
 * | SQLite database | <data dir>/sipkit.db     |                                                    |
 * | pid file        | <run dir>/sipd.pid       |                                                    |
 * | mgmt socket     | <run dir>/sipd.sock      |                                                    |
 * | log file        | <run dir>/sipd.log       |                                                    |
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Paths {
  configFile: string;
  dataDir: string;
  runDir: string;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Where a sipd keeps its pid file, socket and log: what stop/status/sipctl need to find it. */
export interface RuntimePaths {
  runDir: string;
  pidFile: string;
  socket: string;
  logFile: string;
  /** The config file read, if any. */
  configFile: string | null;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env, root = isRoot()): Paths {
  if (root) return { configFile: '/etc/sipkit/sipd.conf', dataDir: '/var/lib/sipkit', runDir: '/run/sipkit' };
  const home = env.HOME || homedir();
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const runDir = env.XDG_RUNTIME_DIR
    ? join(env.XDG_RUNTIME_DIR, 'sipkit')
    : join(home, '.local', 'state', 'sipkit', 'run');
  return { configFile: join(config, 'sipkit', 'sipd.conf'), dataDir: join(data, 'sipkit'), runDir };
}

export const dbFileIn = (dataDir: string) => join(dataDir, 'sipkit.db');
export const defaultDbUrl = (dataDir: string) => `sqlite:${dbFileIn(dataDir)}`;
export const pidFileIn = (runDir: string) => join(runDir, 'sipd.pid');
export const socketIn = (runDir: string) => join(runDir, 'sipd.sock');
export const logFileIn = (runDir: string) => join(runDir, 'sipd.log');
