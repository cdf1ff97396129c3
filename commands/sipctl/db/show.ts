import { Args } from '@oclif/core';
import { withoutSecrets } from '../../../src/cli/secrets.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { showTable, type TableDump } from '../../../src/ctl/db.js';

export default class DbShow extends CtlCommand<TableDump> {
  static override summary = 'Print every row of a table (kamctl db show)';
  static override description = `TABLE is one of sipkit's tables (version, subscriber, location, location_attrs, dbaliases, grp, usr_preferences, domain, domain_attrs); another name is exit 3. A stored plaintext password is printed as ***; the hash columns (ha1, ha1b, ha1_sha256: password equivalents) only with --show-secrets, in both output modes. JSON: {table, columns, rows}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> subscriber',
    '<%= config.bin %> <%= command.id %> grp --json',
  ];
  static override args = { table: Args.string({ description: 'the table', required: true }) };

  async run(): Promise<TableDump> {
    const { args, flags } = await this.parse(DbShow);
    const r = await showTable(this.context(flags), args.table);
    // The human table keeps the hashes out too: they are password equivalents (secrets.ts).
    const shown = this.argv.includes('--show-secrets') ? r : (withoutSecrets(r) as TableDump);
    this.printTable(
      shown.rows,
      shown.columns.map((c) => ({ header: c, get: (row: Record<string, unknown>) => row[c] })),
    );
    return r;
  }
}
