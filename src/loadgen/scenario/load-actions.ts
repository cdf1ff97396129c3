/**
 * Parsing <action> children of <recv>, <nop> and <recvCmd> (SIPp's scenario::parseAction).
 * Media actions (pcap play, rtp_stream, rtp_echo) are refused at load: siptest sends no RTP yet.
 */
import { compileRegexp, type Attrs } from './attrs.js';
import { DISTRIBUTION_PARAMS, makeDistribution, type Distribution } from './distribution.js';
import type { TemplateEnv } from './message-template.js';
import { compileTemplate } from './message-template.js';
import type { Action, Comparator } from './model.js';
import type { VarRef } from './variables.js';

export interface ActionEnv extends TemplateEnv {
  attrs(el: import('./xml.js').XmlElement): Attrs;
  /** Resolve a variable named by an attribute, counting the reference. */
  variable(name: string): VarRef;
}

const COMPARATORS = new Set([
  'equal',
  'not_equal',
  'greater_than',
  'less_than',
  'greater_than_equal',
  'less_than_equal',
]);

export function parseDistributionAttrs(a: Attrs, oldStyle: boolean, defaultPause: () => Distribution): Distribution {
  let name = a.get('distribution');
  if (name === undefined) {
    if (!oldStyle) throw a.fail("statistically distributed actions or pauses requires 'distribution' parameter");
    for (const legacy of ['normal', 'exponential', 'lognormal', 'weibull', 'pareto', 'gamma'])
      if (a.has(legacy)) name = legacy;
    if (name === undefined && (a.has('min') || a.has('max'))) name = 'uniform';
    if (name === undefined) {
      if (a.has('milliseconds'))
        return makeDistribution('fixed', { value: a.double('milliseconds', 'Pause milliseconds') })!;
      return defaultPause();
    }
  }
  const params = DISTRIBUTION_PARAMS[name];
  if (!params)
    throw a.fail(`Unknown distribution: ${name}`, `use one of ${Object.keys(DISTRIBUTION_PARAMS).join(', ')}`);
  const values: Record<string, number> = {};
  for (const p of params) values[p] = a.double(p, `${name} distribution`);
  return makeDistribution(name, values)!;
}

export function parseActions(actionEl: import('./xml.js').XmlElement, env: ActionEnv): Action[] {
  const out: Action[] = [];
  for (const el of actionEl.children) {
    const a = env.attrs(el);
    const v = (attr: string, what: string) => env.variable(a.string(attr, what));
    const tmpl = (attr: string, what: string) =>
      compileTemplate(a.string(attr, what), { ...env, where: a.where }, false);
    const rhs = (what: string): { value?: number; inVar?: VarRef } => {
      if (a.has('value')) {
        if (a.has('variable')) throw a.fail(`Value and variable are mutually exclusive for ${what} action!`);
        return { value: a.double('value', what) };
      }
      if (a.has('variable')) return { inVar: v('variable', what) };
      throw a.fail(`No value or variable defined for ${what} action!`);
    };
    const checks = (what: string) => {
      if (a.has('check_it') && a.has('check_it_inverse'))
        throw a.fail(`Can not have both check_it and check_it_inverse for ${what}!`);
      return { checkIt: a.bool('check_it', what, false), checkItInverse: a.bool('check_it_inverse', what, false) };
    };
    switch (el.name) {
      case 'ereg': {
        const source = a.string('regexp', 'ereg');
        const searchIn = a.get('search_in') ?? 'msg';
        let header: string | undefined;
        let inVar: VarRef | undefined;
        let occurrence = 1;
        if (searchIn === 'hdr') {
          header = a.get('header');
          if (!header) throw a.fail('search_in="hdr" requires header field', 'add header="From:" (with the colon)');
          const occ = a.get('occurrence') ?? a.get('occurence');
          if (occ !== undefined) occurrence = parseInt(occ, 10) || 0;
        } else if (searchIn === 'var') inVar = v('variable', 'ereg');
        else if (searchIn !== 'msg' && searchIn !== 'body')
          throw a.fail(`Unknown search_in value ${searchIn}`, 'use msg, hdr, body or var');
        const { checkIt, checkItInverse } = checks('ereg');
        const assign = a.string('assign_to', 'ereg').split(',');
        const assignTo = env.variable(assign[0]!);
        const subVars = assign.slice(1).map((n) => env.variable(n));
        if (subVars.length > 9) throw a.fail('You can only have nine sub expressions!');
        out.push({
          type: 'ereg',
          regexp: compileRegexp(source, '', a),
          source,
          where: searchIn as 'msg' | 'hdr' | 'body' | 'var',
          header,
          inVar,
          occurrence,
          caseIndep: a.bool('case_indep', 'ereg', false),
          headersOnly: a.bool('start_line', 'ereg', false),
          checkIt,
          checkItInverse,
          assignTo,
          subVars,
        });
        break;
      }
      case 'log':
      case 'warning':
      case 'error':
        out.push({ type: el.name, message: tmpl('message', el.name) });
        break;
      case 'assign':
      case 'add':
      case 'subtract':
      case 'multiply':
      case 'divide': {
        const assignTo = v('assign_to', el.name);
        const r = rhs(el.name);
        if (el.name === 'divide' && r.value === 0) throw a.fail('divide actions can not have a value of zero!');
        out.push({ type: el.name, assignTo, ...r });
        break;
      }
      case 'jump':
      case 'pauserestore':
        out.push({ type: el.name, ...rhs(el.name) });
        break;
      case 'assignstr':
        out.push({ type: 'assignstr', assignTo: v('assign_to', 'assignstr'), message: tmpl('value', 'assignstr') });
        break;
      case 'gettimeofday': {
        const names = a.string('assign_to', 'gettimeofday').split(',');
        if (names.length !== 2) throw a.fail('The gettimeofday action requires two output variables!');
        out.push({ type: 'gettimeofday', assignTo: env.variable(names[0]!), usecVar: env.variable(names[1]!) });
        break;
      }
      case 'index':
        out.push({ type: 'index', assignTo: v('assign_to', 'index') });
        break;
      case 'sample': {
        const assignTo = v('assign_to', 'sample');
        out.push({
          type: 'sample',
          assignTo,
          distribution: parseDistributionAttrs(a, false, () => makeDistribution('fixed', { value: 0 })!),
        });
        break;
      }
      case 'todouble':
        out.push({ type: 'todouble', assignTo: v('assign_to', 'todouble'), inVar: v('variable', 'todouble') });
        break;
      case 'test':
      case 'strcmp': {
        const c = checks(el.name);
        const assignTo =
          a.has('assign_to') || (!a.has('check_it') && !a.has('check_it_inverse'))
            ? v('assign_to', el.name)
            : undefined;
        const inVar = v('variable', el.name);
        if (a.has('value') && a.has('variable2'))
          throw a.fail(`Can not have both a value and a variable2 for ${el.name}!`);
        const inVar2 = a.has('value') ? undefined : v('variable2', el.name);
        if (el.name === 'test') {
          const compare = a.string('compare', 'test');
          if (!COMPARATORS.has(compare))
            throw a.fail(`Invalid 'compare' parameter: ${compare}`, `use one of ${[...COMPARATORS].join(', ')}`);
          const value = a.has('value') ? a.double('value', 'test') : 0;
          out.push({ type: 'test', assignTo, inVar, inVar2, value, compare: compare as Comparator, ...c });
        } else out.push({ type: 'strcmp', assignTo, inVar, inVar2, value: a.get('value') ?? '', ...c });
        break;
      }
      case 'trim':
        out.push({ type: 'trim', assignTo: v('assign_to', 'trim') });
        break;
      case 'verifyauth':
        out.push({
          type: 'verifyauth',
          assignTo: v('assign_to', 'verifyauth'),
          username: tmpl('username', 'verifyauth'),
          password: tmpl('password', 'verifyauth'),
        });
        break;
      case 'lookup':
        out.push({
          type: 'lookup',
          assignTo: v('assign_to', 'lookup'),
          file: tmpl('file', 'lookup'),
          key: tmpl('key', 'lookup'),
        });
        break;
      case 'insert':
        out.push({ type: 'insert', file: tmpl('file', 'insert'), value: tmpl('value', 'insert') });
        break;
      case 'replace':
        out.push({
          type: 'replace',
          file: tmpl('file', 'replace'),
          line: tmpl('line', 'replace'),
          value: tmpl('value', 'replace'),
        });
        break;
      case 'setdest':
        out.push({
          type: 'setdest',
          host: tmpl('host', 'setdest'),
          port: tmpl('port', 'setdest'),
          protocol: tmpl('protocol', 'setdest'),
        });
        break;
      case 'closecon':
        out.push({ type: 'closecon' });
        break;
      case 'exec': {
        const cmd = a.get('command');
        const intCmd = a.get('int_cmd');
        if (cmd !== undefined) out.push({ type: 'exec', message: tmpl('command', 'exec') });
        else if (intCmd !== undefined)
          out.push({
            type: 'int_cmd',
            cmd: intCmd === 'stop_now' ? 'stop_now' : intCmd === 'stop_gracefully' ? 'stop_gracefully' : 'stop_call',
          });
        else {
          const media = ['play_pcap_audio', 'play_pcap_video', 'play_pcap_image', 'play_dtmf', 'rtp_stream'].find((n) =>
            a.has(n),
          );
          if (media)
            throw a.fail(
              `<exec ${media}> needs RTP media, which siptest does not support yet`,
              'remove the media action (signalling still works), or run this scenario with SIPp',
            );
          throw a.fail(
            'illegal <exec> in the scenario',
            'use command="...", or int_cmd="stop_call|stop_gracefully|stop_now"',
          );
        }
        break;
      }
      case 'rtp_echo':
        throw a.fail(
          '<rtp_echo> needs RTP media, which siptest does not support yet',
          'remove the media action or run this scenario with SIPp',
        );
      default:
        throw a.fail(`Unknown action: ${el.name}`, 'see the SIPp documentation for the list of actions');
    }
  }
  return out;
}
