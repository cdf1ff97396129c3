import { Flags } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { dbClientCommand, runDbClient, shellLine, type DbClientCommand } from '../../../src/ctl/db-client.js';

export default class DbConnect extends CtlCommand<DbClientCommand | null> {
  static override summary = "Open the database's own client on sipctl's database (kamctl db connect)";
  static override description = `SQLite: sqlite3 FILE. MySQL/MariaDB: mariadb (or mysql) with the host, port, user and database of the URL; the password is passed in the environment variable MYSQL_PWD, never on the command line (where ps shows it). The client gets sipctl's terminal, or its stdin and stdout: echo 'SELECT COUNT(*) FROM subscriber;' | sipctl db connect. Exit 1 when the client is not installed or exits non-zero. With --print or --json the client is not run: --print prints the command line (without the password), --json the result {client, args, passwordEnv, installed}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "echo 'SELECT username, domain FROM subscriber;' | <%= config.bin %> <%= command.id %>",
    '<%= config.bin %> <%= command.id %> --print',
  ];
  static override flags = {
    print: Flags.boolean({ summary: 'print the command instead of running it', default: false }),
  };

  async run(): Promise<DbClientCommand | null> {
    const { flags } = await this.parse(DbConnect);
    const settings = this.settings(flags);
    // Under --json stdout must hold one JSON document, which a client writing to it would break.
    if (flags.print || this.jsonEnabled()) {
      const { cmd } = dbClientCommand(settings);
      this.log(cmd.passwordEnv ? `${cmd.passwordEnv}=… ${shellLine(cmd)}` : shellLine(cmd));
      return cmd;
    }
    await runDbClient(settings);
    return null;
  }
}
