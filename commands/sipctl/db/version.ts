import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { dbVersion } from '../../../src/ctl/db.js';
import type { SchemaReport } from '../../../src/store/index.js';

export default class DbVersion extends CtlCommand<SchemaReport> {
  static override summary = 'Show the version of each table, expected and found';
  static override description = `Reads the version table. States: ok, missing (run db init), older (run db migrate), newer (upgrade sipkit), unversioned. Exit 0 whenever the database could be read; result.ok tells whether sipd and sipctl can use it.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<SchemaReport> {
    const { flags } = await this.parse(DbVersion);
    const r = await dbVersion(this.context(flags));
    this.printTable(r.tables, [
      { header: 'TABLE', get: 'table' },
      { header: 'EXPECTED', get: 'expected', align: 'right' },
      { header: 'FOUND', get: 'found', align: 'right' },
      {
        header: 'STATE',
        get: 'state',
        style: (t, _r, c) => (t === 'ok' ? c.green(t) : c.yellow(t)),
      },
    ]);
    this.log(`${r.where}: ${r.ok ? 'ready' : 'not usable as is'}${r.ha1Sha256 ? ' (with ha1_sha256)' : ''}`);
    return r;
  }
}
