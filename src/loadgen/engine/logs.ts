/**
 * SIPp's log files, named <scenario>_<pid>_<kind>.log unless -<kind>_file gives a name:
 * messages (-trace_msg), shortmessages (-trace_shortmsg), errors (-trace_err; warnings and
 * unexpected messages), calldebug (-trace_calldebug), logs (<log> actions), screen
 * (-trace_screen). Writes are synchronous appends so nothing is lost when the run stops.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { LogFileOption } from '../options/run-options.js';
import { formatTime } from '../stats/format.js';

export class LogFile {
  private fd: number | undefined;
  readonly path: string;

  constructor(
    private readonly opt: LogFileOption,
    base: string,
    pid: number,
    kind: string,
  ) {
    this.path = opt.name ?? `${base}_${pid}_${kind}.log`;
    if (opt.enabled) this.open();
  }

  /** Open the file if it is not open (SIGUSR2 creates the screen log without -trace_screen, as SIPp's). */
  open(): void {
    this.fd ??= openSync(this.path, this.opt.overwrite ? 'w' : 'a');
  }

  get enabled(): boolean {
    return this.fd !== undefined;
  }

  /** Open now (the error log opens at the first warning when -trace_err is set). */
  write(text: string): void {
    if (this.fd !== undefined) writeSync(this.fd, Buffer.from(text, 'latin1'));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export class Logs {
  readonly messages: LogFile;
  readonly shortMessages: LogFile;
  readonly errors: LogFile;
  readonly callDebug: LogFile;
  readonly actions: LogFile;
  readonly screen: LogFile;
  lastError = '';
  private errorsStarted = false;

  constructor(o: import('../options/run-options.js').RunOptions, base: string, pid: number) {
    this.messages = new LogFile(o.messages, base, pid, 'messages');
    this.shortMessages = new LogFile(o.shortMessages, base, pid, 'shortmessages');
    this.errors = new LogFile(o.errors, base, pid, 'errors');
    this.callDebug = new LogFile(o.callDebug, base, pid, 'calldebug');
    this.actions = new LogFile(o.logs, base, pid, 'logs');
    this.screen = new LogFile(o.screen, base, pid, 'screen');
  }

  /** A warning or error line: "<time>: text", kept for the screen's "Last Error". */
  error(text: string): void {
    this.lastError = `${formatTime(Date.now() * 1000)}: ${text}`;
    if (this.errors.enabled) {
      if (!this.errorsStarted) {
        this.errors.write('The following events occurred:\n');
        this.errorsStarted = true;
      }
      // SIPp writes these without a line break; siptest ends each one.
      this.errors.write(this.lastError.endsWith('\n') ? this.lastError : this.lastError + '\n');
    }
  }

  closeAll(): void {
    for (const f of [this.messages, this.shortMessages, this.errors, this.callDebug, this.actions, this.screen])
      f.close();
  }
}
