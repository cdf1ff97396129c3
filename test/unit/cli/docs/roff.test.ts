import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from '@oclif/core';
import { renderManPage, renderTemplate, type BinProse } from '../../../../src/cli/docs/man-page.js';
import { arg, esc, inline, line, pre, text } from '../../../../src/cli/docs/roff.js';

test('escaping: backslashes, dashes, control and non-ASCII characters', () => {
  assert.equal(esc('a\\b'), 'a\\eb');
  assert.equal(esc('--db-url'), '\\-\\-db\\-url');
  assert.equal(esc('zoë → x'), 'zo\\[u00EB] \\[u2192] x');
  assert.equal(esc('bell\x07'), 'bell ');
});

test('no text line can start a request', () => {
  assert.equal(line('.SH injected'), '\\&.SH injected');
  assert.equal(line("'br"), "\\&'br");
  assert.equal(text('first\n.TH evil\n\n'), 'first\n\\&.TH evil');
  assert.deepEqual(pre('.x\nok'), ['.RS 4', '.nf', '\\&.x', 'ok', '.fi', '.RE']);
  assert.equal(arg('say "hi"'), '"say ""hi"""');
});

test('prose markup: `code` bold, *word* italic; metadata text has no markup', () => {
  assert.equal(inline('run `sipctl config` *now*'), 'run \\fBsipctl config\\fR \\fInow\\fR');
  assert.equal(text('shown as *** here'), 'shown as *** here');
});

test('help templates: config.bin and command.id only; anything else fails loudly', () => {
  assert.equal(renderTemplate('<%= config.bin %> <%= command.id %> x', 'sipctl', 'alias add'), 'sipctl alias add x');
  assert.throws(() => renderTemplate('<%= config.version %>', 'sipctl', 'x'), /unsupported template/);
});

const prose: BinProse = {
  section: 8,
  name: 'test tool',
  description: ['Does things.'],
  files: [['/etc/x', 'a file']],
  environment: [['X', 'a variable']],
  exitCodes: 'sipkit',
  seeAlso: ['sipd(8)', 'kamctl(8)'],
};

test('flags several commands share are documented once, under OPTIONS', () => {
  const flag = (name: string, summary: string) => ({ name, type: 'option', summary, helpValue: 'X' });
  const cmd = (id: string, extra: Record<string, unknown>) =>
    ({ id, args: {}, flags: { config: flag('config', 'config file'), ...extra } }) as unknown as Command.Loadable;
  const page = renderManPage({
    bin: 'd',
    version: '1',
    separator: ' ',
    commands: [
      cmd('start', { timeout: flag('timeout', 'wait to start') }),
      cmd('stop', { timeout: flag('timeout', 'wait to stop') }),
    ],
    topics: [],
    prose: { ...prose, optionsIntro: ['These override the file.'] },
  });
  const options = page.slice(page.indexOf('.SH OPTIONS'), page.indexOf('.SH COMMANDS'));
  assert.match(options, /These override the file\./);
  assert.match(options, /\\-\\-config/);
  assert.doesNotMatch(options, /timeout/, 'flags that differ stay with their command');
  assert.match(page, /wait to start/);
  assert.match(page, /wait to stop/);
  assert.equal(page.match(/config file/g)?.length, 1);
});

test('a command becomes a subsection with usage, arguments, flags and examples', () => {
  const cmd = {
    id: 'alias:add',
    summary: 'Add an alias',
    description: 'Line one.\n\n.Starts with a dot.',
    args: {
      alias: { name: 'alias', required: true, description: 'the alias' },
      user: { name: 'user', required: false, description: 'the user' },
    },
    flags: {
      json: { name: 'json', type: 'boolean', helpGroup: 'GLOBAL', description: 'Format output as json.' },
      expires: {
        name: 'expires',
        type: 'option',
        helpValue: 'SECONDS',
        summary: 'lifetime',
        default: 3600,
        options: undefined,
      },
      force: { name: 'force', type: 'boolean', char: 'f', summary: 'overwrite' },
      secret: { name: 'secret', type: 'boolean', hidden: true, summary: 'hidden' },
    },
    examples: ['<%= config.bin %> <%= command.id %> bob alice'],
  } as unknown as Command.Loadable;
  const page = renderManPage({
    bin: 'tool',
    version: '1.2.3',
    separator: ' ',
    commands: [cmd],
    topics: [{ name: 'alias', description: 'manage aliases' }],
    prose,
  });
  assert.match(page, /^\.TH "TOOL" 8 "" "sipkit 1\.2\.3" "sipkit manual"$/m);
  assert.match(page, /^\.SS "alias add"$/m);
  assert.match(page, /^\\fBtool alias add\\fR \\fIALIAS\\fR \[\\fIUSER\\fR\] \[\\fIflags\\fR\]$/m);
  assert.match(page, /^\.B "alias"\nmanage aliases$/m, 'topic listed');
  assert.match(page, /^\\fB\\-\\-expires\\fR \\fISECONDS\\fR\nlifetime\.\nDefault: 3600\.$/m);
  assert.match(page, /^\\fB\\-f\\fR, \\fB\\-\\-force\\fR\noverwrite$/m);
  assert.doesNotMatch(page, /secret/, 'hidden flags are not documented');
  assert.match(page, /^\\&\.Starts with a dot\.$/m);
  assert.match(page, /^\$ tool alias add bob alice$/m);
  assert.match(page, /^\.SH OPTIONS\n\.TP\n\\fB\\-\\-json\\fR$/m, 'group flags once, under OPTIONS');
  assert.match(page, /^Also takes \\fB\\-\\-json\\fR \(see \\fBOPTIONS\\fR\)\.$/m);
  assert.match(page, /^\.BR sipd \(8\),\n\.BR kamctl \(8\)\n$/m);
});
