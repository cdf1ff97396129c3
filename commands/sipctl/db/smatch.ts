import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { showTable, type TableDump } from '../../../src/ctl/db.js';

export default class DbSmatch extends CtlCommand<TableDump> {
  static override summary = 'Print the rows of a table whose COLUMN equals VALUE (kamctl db smatch/nmatch)';
  static override description = `As db show, limited to the rows where COLUMN = VALUE (the value is a query parameter, so quoting is never an issue; kamctl's nmatch is the same command here). An unknown table or column is exit 3; no matching row is not an error (the table is empty). JSON: {table, columns, rows}, without the password and hash columns unless --show-secrets is given.`;
  static override aliases = ['db:nmatch'];
  static override examples = [
    '<%= config.bin %> <%= command.id %> subscriber username alice',
    '<%= config.bin %> <%= command.id %> usr_preferences attribute callfwd --json',
  ];
  static override args = {
    table: Args.string({ description: 'the table', required: true }),
    column: Args.string({ description: 'a column of the table', required: true }),
    value: Args.string({ description: 'the value it must equal', required: true }),
  };

  async run(): Promise<TableDump> {
    const { args, flags } = await this.parse(DbSmatch);
    const r = await showTable(this.context(flags), args.table, { column: args.column, value: args.value });
    this.printTable(
      r.rows,
      r.columns.map((c) => ({ header: c, get: (row: Record<string, unknown>) => row[c] })),
    );
    return r;
  }
}
