import { Flags } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { migrateDb } from '../../../src/ctl/db.js';
import type { MigrateResult } from '../../../src/store/index.js';

export default class DbMigrate extends CtlCommand<MigrateResult> {
  static override summary = 'Upgrade older tables to the versions sipkit uses';
  static override description = `Driven by the version table: each older table is upgraded step by step, and sipkit's optional column subscriber.ha1_sha256 is added (filled from stored plaintext passwords where there are some). Back up the database first. --dry-run lists the steps without changing anything. A table newer than sipkit knows, or one without an automatic upgrade, is refused (exit 1) with what to do.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --dry-run', '<%= config.bin %> <%= command.id %>'];
  static override flags = { 'dry-run': Flags.boolean({ summary: 'only list what would be done', default: false }) };

  async run(): Promise<MigrateResult> {
    const { flags } = await this.parse(DbMigrate);
    const r = await migrateDb(this.context(flags), { dryRun: flags['dry-run'] });
    const verb = flags['dry-run'] ? 'would' : 'did';
    for (const s of r.steps) this.log(`${s.table}: ${s.from} → ${s.to} (${s.description})`);
    for (const c of r.addedColumns) this.log(`column ${c} added${r.filledSha256 ? ` (${r.filledSha256} filled)` : ''}`);
    if (r.steps.length === 0 && r.addedColumns.length === 0) this.log('nothing to migrate');
    else this.log(`${verb} ${r.steps.length} step(s)`);
    return r;
  }
}
