import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { backupDb, type BackupResult } from '../../../src/ctl/db-backup.js';

export default class DbBackup extends CtlCommand<BackupResult> {
  static override summary = 'Copy the database to FILE, safely while sipd runs';
  static override description = `SQLite: an online backup through SQLite's backup API, consistent while sipd writes (the database runs in WAL mode, so copying the .db file alone can miss the latest changes, which are in the -wal file). The copy is an ordinary SQLite database: to restore, stop sipd, move the copy in place of the database (or point --db-url at it) and start sipd. MySQL/MariaDB: runs mariadb-dump (or mysqldump) --single-transaction into FILE with the password in MYSQL_PWD; without the tool, exit 1 with the command to run. Restore with: mariadb DATABASE < FILE. FILE is created with mode 0600 (it holds password hashes); an existing FILE is refused (exit 4). JSON: {file, kind, bytes, pages | tool}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> /var/backups/sipkit-$(date +%F).db',
    '<%= config.bin %> <%= command.id %> sipkit.sql --db-url mysql://sip:secret@127.0.0.1/sipkit',
  ];
  static override args = { file: Args.string({ description: 'the file to write', required: true }) };

  async run(): Promise<BackupResult> {
    const { args, flags } = await this.parse(DbBackup);
    const r = await backupDb(this.context(flags), args.file);
    this.log(`backed up to ${r.file} (${r.bytes} bytes${r.tool ? `, by ${r.tool}` : ''})`);
    return r;
  }
}
