/**
 * The key of the Record-Route marks (core/proxy/route-mark.ts): `auth.secret` when configured
 * (every node of a cluster must have the same one, so that each accepts the dialogs the others
 * record-routed). With `auth.secret = ""` a single sipd generates a key once and keeps it in
 * DATA_DIR/route-mark.key (mode 0600): dialogs in progress survive a restart, which a random key
 * per start would break (their in-dialog requests would get 403 afterwards).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROUTE_KEY_FILE = 'route-mark.key';

/** At least this many characters in the file, else it is replaced (a truncated or emptied file). */
const MIN_KEY_CHARS = 32;

export function routeMarkSecret(config: { auth: { secret: string }; data_dir: string }): string {
  if (config.auth.secret !== '') return config.auth.secret;
  const file = join(config.data_dir, ROUTE_KEY_FILE);
  const existing = readKey(file);
  if (existing !== undefined) return existing;
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, key + '\n', { mode: 0o600 });
  // The mode of writeFileSync applies only to a new file (and passes through the umask).
  chmodSync(file, 0o600);
  return key;
}

function readKey(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = text.trim();
  return key.length >= MIN_KEY_CHARS ? key : undefined;
}
