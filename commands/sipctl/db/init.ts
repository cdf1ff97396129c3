import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { redactDbUrl } from '../../../src/cli/rc.js';
import { initDb } from '../../../src/ctl/db.js';
import type { InitResult } from '../../../src/store/index.js';

export default class DbInit extends CtlCommand<InitResult> {
  static override summary = 'Create the missing tables (kamdbctl create)';
  static override description = `Creates every missing table of the Kamailio 5.x schema sipkit uses, with its indexes and version row. Idempotent: existing tables and rows are kept, so it is safe on a database Kamailio created. A SQLite file is created if needed; a MySQL/MariaDB database must exist (CREATE DATABASE) and the user needs CREATE rights.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --db-url mysql://sipkit:secret@127.0.0.1/sipkit',
  ];

  async run(): Promise<InitResult> {
    const { flags } = await this.parse(DbInit);
    const ctx = this.context(flags);
    const r = await initDb(ctx);
    const where = redactDbUrl(ctx.settings.dbUrl);
    this.log(
      r.created.length
        ? `created in ${where}: ${r.created.join(', ')}`
        : `nothing to create in ${where}: every table exists`,
    );
    return r;
  }
}
