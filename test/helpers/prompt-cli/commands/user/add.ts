/** Test fixture: `prompt-fixture user add [USER] [PASSWORD]`, shaped like `sipctl add`. */
import { Args } from '@oclif/core';
import { BaseCommand } from '../../../../../src/cli/base-command.js';
import { passwordStdinFlag, yesFlag } from '../../../../../src/cli/flags.js';
import { askText, confirmOrCancel, resolvePassword } from '../../../../../src/cli/prompts.js';

export default class UserAdd extends BaseCommand<{ user: string; passwordLength: number }> {
  static override summary = 'Fixture: ask for a missing user, a password and a confirmation';
  static override args = {
    user: Args.string({ description: 'user name (asked for on a terminal when missing)' }),
    password: Args.string({ description: 'password (else --password-stdin or a hidden prompt)' }),
  };
  static override flags = { yes: yesFlag, 'password-stdin': passwordStdinFlag };

  async run() {
    const { args, flags } = await this.parse(UserAdd);
    const user = await askText({
      value: args.user,
      missing: { arg: 'USER' },
      message: 'User name',
      validate: (v) => (/^[\w.-]+$/.test(v) ? true : 'letters, digits, ".", "_" and "-" only'),
    });
    const password = await resolvePassword({ value: args.password, stdin: flags['password-stdin'] });
    await confirmOrCancel({ message: `Add ${user}?`, yes: flags.yes });
    this.log(`added ${user} (password of ${password.length} characters)`);
    return { user, passwordLength: password.length };
  }
}
