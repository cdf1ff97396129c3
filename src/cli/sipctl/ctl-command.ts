/**
 * Base of sipctl's provisioning and runtime commands: SipctlCommand (connection flags, settings)
 * plus the CtlContext the src/ctl operations take, user arguments with the default domain (asked
 * for on a terminal when missing), and the "did sipd reload" line after a write.
 */
import type { CtlContext, ReloadOutcome } from '../../ctl/context.js';
import { parseUser, type UserRef } from '../../ctl/aor.js';
import { stderrColors } from '../output.js';
import { askText, type Missing } from '../prompts.js';
import type { ConnectionFlags } from '../rc.js';
import { SipctlCommand } from '../sipctl-command.js';
import { daemonTarget } from './daemon.js';

export abstract class CtlCommand<T> extends SipctlCommand<T> {
  /** The context for src/ctl from the parsed flags (--domain and --no-reload when the command has them). */
  protected context(flags: ConnectionFlags & { domain?: string; 'no-reload'?: boolean }): CtlContext {
    const settings = this.settings(flags);
    const defaultDomain = flags.domain ?? settings.domain;
    return {
      settings,
      ...(defaultDomain ? { defaultDomain } : {}),
      noReload: flags['no-reload'] ?? false,
      // sipd's config loader (zod, TOML) is imported only when a check needs it.
      configuredDomains: async () => {
        const { loadConfig } = await import('../../daemon/config/load.js');
        return loadConfig(daemonTarget(settings, {}).overrides).domains;
      },
    };
  }

  /** A user argument (user, user@domain, sip:user@domain); asked for on a terminal when missing. */
  protected async user(ctx: CtlContext, value: string | undefined, arg = 'USER', what = 'user'): Promise<UserRef> {
    const text = await this.ask(value, { arg }, `${what[0].toUpperCase()}${what.slice(1)} (user@domain)`);
    return parseUser(text, ctx.defaultDomain, what);
  }

  /** The value, or (on a terminal) an answer; a usage error naming `missing` otherwise. */
  protected ask(value: string | undefined, missing: Missing, message: string): Promise<string> {
    return askText({ value, missing, message });
  }

  /** Warnings of a result on stderr (human mode; under --json they are the result's `warnings`). */
  protected reportWarnings(warnings: readonly string[]): void {
    if (this.jsonEnabled()) return;
    const c = stderrColors();
    for (const w of warnings) process.stderr.write(`${c.yellow('Warning:')} ${w}\n`);
  }

  /** Prints what happened to sipd's cache after a write (human mode only). */
  protected reportReload(r: ReloadOutcome): void {
    if (r.reloaded) this.log('sipd reloaded its cache');
    else if (r.reloadNote) this.log(r.reloadNote);
  }
}
