import { SipctlCommand } from '../../src/cli/sipctl-command.js';
import { defaultRcFiles, redactDbUrl, type SettingName } from '../../src/cli/rc.js';
import type { StoreUrl } from '../../src/store/index.js';

export interface ConfigResult {
  dataDir: string;
  runDir: string;
  socket: string;
  /** The database URL with any password replaced by ***. */
  dbUrl: string;
  /** The database as the store sees it; a password is shown as ***. */
  db: StoreUrl;
  domain: string | null;
  verifyAcl: boolean;
  aclGroups: string[];
  storePlaintextPassword: boolean;
  files: string[];
  origins: Record<SettingName, string>;
  warnings: string[];
}

const ROWS: Array<[SettingName, string, string]> = [
  ['domain', 'SIP_DOMAIN', 'default domain'],
  ['dbUrl', 'DBENGINE, DB*', 'database'],
  ['dataDir', 'SIPD_DATA_DIR', 'data dir'],
  ['runDir', 'SIPD_RUN_DIR', 'run dir'],
  ['socket', 'SIPD_SOCKET', 'mgmt socket'],
  ['verifyAcl', 'VERIFY_ACL', 'verify ACL'],
  ['aclGroups', 'ACL_GROUPS', 'ACL groups'],
  ['storePlaintextPassword', 'STORE_PLAINTEXT_PW', 'plaintext pw'],
];

export default class ConfigCommand extends SipctlCommand<ConfigResult> {
  static override summary = 'Show the settings sipctl uses and where each one comes from';
  static override description = `sipctl reads /etc/sipkit/sipctlrc, then ~/.sipctlrc (KEY=value lines in kamctlrc style, parsed and never run), then environment variables of the same names, then the flags; a later source wins. This command prints the result, so you can check which database and management socket the other commands will use. Passwords are shown as ***.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --db-url mysql://sipkit:secret@127.0.0.1:3306/sipkit',
  ];

  async run(): Promise<ConfigResult> {
    const { flags } = await this.parse(ConfigCommand);
    const s = this.settings(flags);
    const db = s.db.kind === 'mysql' ? { ...s.db, password: s.db.password ? '***' : '' } : s.db;
    const result: ConfigResult = {
      dataDir: s.dataDir,
      runDir: s.runDir,
      socket: s.socket,
      dbUrl: redactDbUrl(s.dbUrl),
      db,
      domain: s.domain ?? null,
      verifyAcl: s.verifyAcl,
      aclGroups: s.aclGroups,
      storePlaintextPassword: s.storePlaintextPassword,
      files: s.files,
      origins: s.origins,
      warnings: s.warnings,
    };
    const value = (name: SettingName): unknown => (result as unknown as Record<string, unknown>)[name];
    this.printTable(
      ROWS.map(([name, key, label]) => ({ label, key, value: value(name), from: s.origins[name] })),
      [
        { header: 'SETTING', get: 'label' },
        { header: 'KEY', get: 'key' },
        { header: 'VALUE', get: 'value', style: (t, _r, c) => c.cyan(t) },
        { header: 'FROM', get: 'from', style: (t, _r, c) => c.dim(t) },
      ],
    );
    if (s.files.length === 0) this.log(`(no resource file found: ${defaultRcFiles().join(', ')})`);
    return result;
  }
}
