/**
 * Base of the sipctl commands that talk to sipd or the database: BaseCommand (--json, one exit code)
 * plus the connection flags (--db-url, --data-dir, --run-dir, --socket) and the resolved settings
 * (resource files, environment, flags; src/cli/rc.ts).
 */
import { BaseCommand } from './base-command.js';
import { connectionFlags, showSecretsFlag } from './flags.js';
import { resolveSettings, type ConnectionFlags, type SipctlSettings } from './rc.js';
import { withoutSecrets } from './secrets.js';

export abstract class SipctlCommand<T> extends BaseCommand<T> {
  static override baseFlags = { ...BaseCommand.baseFlags, ...connectionFlags, 'show-secrets': showSecretsFlag };

  /** --json output carries no password hashes unless --show-secrets (read from argv, as --json is). */
  protected override toSuccessJson(result: unknown): unknown {
    return super.toSuccessJson(this.argv.includes('--show-secrets') ? result : withoutSecrets(result));
  }

  /**
   * The settings for this run. Warnings (an unreadable rc file, an unknown key) go to stderr,
   * except under --json where stdout must stay one JSON document and stderr quiet.
   */
  protected settings(flags: ConnectionFlags): SipctlSettings {
    const settings = resolveSettings(flags);
    for (const w of settings.warnings) this.warn(w);
    return settings;
  }
}
