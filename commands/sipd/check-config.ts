import { BaseCommand, type ErrorJson } from '../../src/cli/base-command.js';
import { daemonFlags, overridesFrom } from '../../src/cli/daemon-flags.js';
import { ConfigError, loadConfig, redactDbUrl, type SipdConfig } from '../../src/daemon/config/load.js';
import { formatListen } from '../../src/daemon/config/listen.js';
import { checkRouteFile } from '../../src/daemon/routing/route-check.js';

export interface CheckConfigResult {
  valid: true;
  configFile: string | null;
  config: SipdConfig;
}

/** usrloc.db_mode in words: what a 200 OK to REGISTER promises. */
export function locationMode(dbMode: number): string {
  return dbMode === 0
    ? 'memory only (usrloc.db_mode = 0): registrations are lost on restart'
    : 'durable (usrloc.db_mode = 1): REGISTER answered after the database commit';
}

export default class CheckConfig extends BaseCommand<CheckConfigResult> {
  static override summary = 'Validate the configuration (file and flags) and show the result';
  static override description = `Reads the config file and flags exactly as \`sipd run\` would and lists every problem
with its key (exit 2), or prints the effective configuration (exit 0). With a \`route\` file, loads it as
sipd would (a TypeScript route is also type-checked when the typescript package is available): a
route that fails gives exit 2 with one problem per error, key "route", message "FILE:LINE:COLUMN: what".
With --json, the whole resolved configuration; an invalid one gives error.problems [{key, message}].`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config ./sipd.conf --json',
  ];
  static override flags = { ...daemonFlags };

  async run(): Promise<CheckConfigResult> {
    const { flags } = await this.parse(CheckConfig);
    const config = loadConfig(overridesFrom(flags));
    const route = config.route ? await checkRouteFile(config.route) : undefined;
    if (route?.errors.length) {
      throw new ConfigError(
        route.errors.map((e) => ({ key: 'route', message: e.message })),
        config.config_file,
      );
    }
    // Never print secrets: the database password and the nonce key.
    const safe = {
      ...config,
      db_url: redactDbUrl(config.db_url),
      auth: { ...config.auth, secret: config.auth.secret ? '***' : '' },
    };
    this.log(
      `configuration OK${config.config_file ? ` (${config.config_file})` : ' (no config file: defaults and flags)'}`,
    );
    this.log(`  listen     ${config.listen.map(formatListen).join(', ')}`);
    this.log(`  domains    ${config.domains.join(', ')}`);
    this.log(`  database   ${safe.db_url}`);
    this.log(`  run dir    ${config.run_dir}`);
    this.log(`  data dir   ${config.data_dir}`);
    this.log(`  socket     ${config.mgmt.socket}`);
    this.log(`  mode       ${config.proxy.mode}`);
    this.log(`  route      ${route ? `${config.route}${route.name ? ` (${route.name})` : ''}` : 'the default route'}`);
    if (route?.note) this.log(`             ${route.note}`);
    this.log(`  location   ${locationMode(config.usrloc.db_mode)}`);
    return { valid: true, configFile: config.config_file, config: safe };
  }

  protected override toErrorJson(err: unknown): ErrorJson & { error: { problems?: unknown } } {
    const base = super.toErrorJson(err);
    return err instanceof ConfigError ? { ...base, error: { ...base.error, problems: err.problems } } : base;
  }
}
