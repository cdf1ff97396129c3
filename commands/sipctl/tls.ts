import { Flags } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { daemonTarget, sipdLocateFlags } from '../../src/cli/sipctl/daemon.js';
import { configCertificates } from '../../src/cli/sipctl/tls-files.js';
import { isExpiring, tlsCertificates, type TlsReport } from '../../src/ctl/tls.js';
import type { TlsCertificateRow } from '../../src/mgmt/results.js';
import { ExitCode } from '../../src/shared/exit-codes.js';

/** Without --check-expiry, certificates with fewer days left than this are warned about. */
const WARN_DAYS = 30;

export default class Tls extends CtlCommand<TlsReport> {
  static override summary = 'List the TLS certificates sipd serves and when they expire (kamctl tls)';
  static override description = `The default certificate and one per [[tls.domain]] (SNI server name): subject, subjectAltName, issuer, validity, days left, SHA-256 fingerprint and the files. From the running sipd (tls.list: what it loaded at start or at the last SIGHUP, which may differ from the files on disk), else from the files sipd's configuration names (the first line says which). A certificate that expires within 30 days (DAYS with --check-expiry), has expired or cannot be read is warned about on stderr. Exit status 1 with --check-expiry when there is such a certificate (JSON: status 1, result.expiring names them), for monitoring; 0 otherwise. JSON: {source: "sipd"|"config", listeners, loaded_ms, certificates: [{name, certificate_file, private_key_file, subject, san, issuer, not_before, not_after, days_left, fingerprint_sha256} or {..., error}], threshold_days, expiring}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --check-expiry 21',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override flags = {
    ...sipdLocateFlags,
    'check-expiry': Flags.integer({
      summary: 'exit 1 when a certificate expires within DAYS days (or has expired, or cannot be read)',
      helpValue: 'DAYS',
      min: 0,
    }),
  };

  async run(): Promise<TlsReport> {
    const { flags } = await this.parse(Tls);
    // Read only when sipd is not running.
    const fromConfig = () => configCertificates(daemonTarget(this.settings(flags), flags).overrides);
    const days = flags['check-expiry'] ?? WARN_DAYS;
    const r = await tlsCertificates(this.context(flags), fromConfig, days);
    this.log(sourceLine(r));
    for (const c of r.certificates) {
      this.log('');
      this.printShow(details(c));
    }
    for (const c of r.certificates.filter((x) => isExpiring(x, days))) this.warn(expiryWarning(c));
    if (flags['check-expiry'] !== undefined && r.expiring.length > 0) process.exitCode = ExitCode.FAILED;
    return r;
  }

  /** The envelope's status is the exit status (1: a certificate expires within --check-expiry). */
  protected override toSuccessJson(result: unknown): unknown {
    return { status: Number(process.exitCode ?? 0), result };
  }
}

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;

function sourceLine(r: TlsReport): string {
  const n = r.certificates.length;
  const what = `${n} certificate${n === 1 ? '' : 's'}`;
  if (r.source === 'config')
    return n === 0
      ? 'sipd is not running; its configuration names no TLS certificate'
      : `sipd is not running: ${what} read from the files its configuration names`;
  if (n === 0) return 'sipd is running without a TLS listener: no certificates loaded';
  const at = new Date(r.loaded_ms ?? 0).toISOString();
  return `${what} in use by the running sipd (${r.listeners} TLS listener${r.listeners === 1 ? '' : 's'}), loaded ${at}`;
}

function details(c: TlsCertificateRow): Array<[string, unknown]> {
  const files: Array<[string, unknown]> = [
    ['certificate', c.certificate_file],
    ['private key', c.private_key_file],
  ];
  if (c.error !== undefined) return [['name', c.name], ['error', c.error], ...files];
  const left = c.days_left!;
  return [
    ['name', c.name],
    ['subject', c.subject],
    ['san', c.san!.join(', ') || '-'],
    ['issuer', c.issuer],
    ['not before', c.not_before],
    ['not after', `${c.not_after} (${left < 0 ? `expired ${days(-left)} ago` : `${days(left)} left`})`],
    ['sha-256', c.fingerprint_sha256],
    ...files,
  ];
}

function expiryWarning(c: TlsCertificateRow): string {
  if (c.error !== undefined) return `certificate ${c.name}: ${c.error}`;
  const left = c.days_left!;
  if (left < 0) return `certificate ${c.name} (${c.subject}) expired on ${c.not_after}`;
  return `certificate ${c.name} (${c.subject}) expires in ${days(left)}, on ${c.not_after}`;
}
