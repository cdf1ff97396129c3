/**
 * The state of one scenario being loaded, shared by the element readers (read-*.ts): the scenario
 * built so far, its call variables, the line being read (for error messages), the file's encoding,
 * the ordering rules' memory (optional <recv>, <timewait> seen, hiderest), and the environments
 * action and template compilers get.
 */
import { scenarioError } from '../errors.js';
import { Attrs } from './attrs.js';
import type { ActionEnv, MediaFiles } from './load-actions.js';
import { mediaPath } from './media-files.js';
import type { LoadContext, ScenarioInput } from './load-context.js';
import { compileTemplate, type MessageTemplate, type TemplateEnv } from './message-template.js';
import type { Scenario } from './model.js';
import { ScenarioIds } from './scenario-ids.js';
import { VariableAllocator, type VarRef } from './variables.js';
import type { XmlElement } from './xml.js';

export class LoadState {
  readonly callVars: VariableAllocator;
  readonly s: Scenario;
  /** Names of rtd, counters and transactions, numbered as met. */
  readonly ids: ScenarioIds;
  /** Methods of the requests sent since the last <recv response>, for its responseMethods. */
  methodList = '';
  lastRecvOptional = false;
  foundTimewait = false;
  hideDefault = false;
  encoding: 'utf8' | 'latin1' = 'utf8';
  currentLine = 1;

  constructor(
    readonly input: ScenarioInput,
    readonly ctx: LoadContext,
  ) {
    this.callVars = new VariableAllocator(2, ctx.userVars);
    this.s = {
      name: '',
      fileBase: input.fileBase,
      source: input.source,
      messages: [],
      initMessages: [],
      labels: new Map(),
      durationMs: 0,
      callVars: this.callVars,
      userVars: ctx.userVars,
      globalVars: ctx.globalVars,
      rtdNames: [],
      rtdRepartitions: [],
      counterNames: [],
      transactions: [],
      unexpectedJump: -1,
      defaultMessages: new Map(),
      mode: 'client',
      sendMode: 'client',
      commands: 'none',
      warnings: [],
      hasMedia: false,
    };
    this.ids = new ScenarioIds(this.s);
    this.media = {
      mark: () => {
        this.s.hasMedia = true;
      },
      pcap: (name) => {
        this.s.hasMedia = true;
        return ctx.media.pcap(mediaPath(name, input.dir));
      },
      audio: (name) => {
        this.s.hasMedia = true;
        return ctx.media.audio(name);
      },
      rtpPayload: ctx.rtpPayload,
    };
  }

  attrs(el: XmlElement): Attrs {
    return new Attrs(el, this.input.source);
  }

  /** Text from the file → the bytes sent, as a latin1 string. */
  private bytes(text: string): string {
    return this.encoding === 'utf8' && /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
  }

  variable = (name: string): VarRef => {
    if (name === '') throw scenarioError('Variable names may not be empty', this.where());
    if (/[$,]/.test(name)) throw scenarioError(`Variable names may not contain '$' or ',': ${name}`, this.where());
    return this.callVars.find(name, true, this.currentLine)!;
  };

  /** Media files of the scenario's actions, read now (errors before traffic); marks the scenario. */
  readonly media: MediaFiles;

  where(): string {
    return `${this.input.source}:${this.currentLine}`;
  }

  env(line: number): ActionEnv {
    return {
      variable: this.variable,
      keywords: this.ctx.keywords,
      injectionFiles: this.ctx.injectionFiles,
      defaultInjectionFile: this.ctx.defaultInjectionFile,
      authUser: this.ctx.authUser,
      authPassword: this.ctx.authPassword,
      where: `${this.input.source}:${line}`,
      attrs: (el) => this.attrs(el),
      media: this.media,
    };
  }

  template(text: string, line: number, sanity: boolean, raw?: string): MessageTemplate {
    const env = this.env(line) as TemplateEnv;
    if (raw !== undefined)
      env.whereOf = (needle: string) => {
        const at = raw.indexOf(needle.trim());
        const offset = at < 0 ? 0 : (raw.slice(0, at).match(/\n/g)?.length ?? 0);
        return `${this.input.source}:${line + offset}`;
      };
    return compileTemplate(this.bytes(text), env, sanity);
  }
}
