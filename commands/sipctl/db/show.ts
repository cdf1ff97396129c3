import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { showTable, type TableDump } from '../../../src/ctl/db.js';

export default class DbShow extends CtlCommand<TableDump> {
  static override summary = 'Print every row of a table (kamctl db show)';
  static override description = `TABLE is one of sipkit's tables (version, subscriber, location, location_attrs, dbaliases, grp, usr_preferences, domain, domain_attrs); another name is exit 3. A stored plaintext password is printed as ***. JSON: {table, columns, rows}, without the password and hash columns (password, ha1, ha1b, ha1_sha256) unless --show-secrets is given.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> subscriber',
    '<%= config.bin %> <%= command.id %> grp --json',
  ];
  static override args = { table: Args.string({ description: 'the table', required: true }) };

  async run(): Promise<TableDump> {
    const { args, flags } = await this.parse(DbShow);
    const r = await showTable(this.context(flags), args.table);
    this.printTable(
      r.rows,
      r.columns.map((c) => ({ header: c, get: (row: Record<string, unknown>) => row[c] })),
    );
    return r;
  }
}
