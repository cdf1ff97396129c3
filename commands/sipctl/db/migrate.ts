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
    const dry = flags['dry-run'];
    for (const s of r.steps) this.log(`${s.table}: ${s.from} → ${s.to} (${s.description})`);
    for (const c of r.addedColumns) {
      this.log(`column ${c} ${dry ? 'to add' : 'added'}${r.filledSha256 ? ` (${r.filledSha256} filled)` : ''}`);
    }
    this.log(migrateSummary(r, dry));
    return r;
  }
}

/** One closing line that counts everything listed above it: table upgrades and added columns. */
function migrateSummary(r: MigrateResult, dryRun: boolean): string {
  const steps = r.steps.length;
  const cols = r.addedColumns.length;
  if (steps === 0 && cols === 0) return 'nothing to migrate';
  const what = `${steps} table upgrade step(s) and ${cols} added column(s)`;
  return dryRun ? `would do ${what}` : `did ${what}`;
}
