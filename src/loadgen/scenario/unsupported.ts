/**
 * The SIPp scenario features siptest does not implement, every one of them with its file:line,
 * found in the XML before the scenario is loaded (loading stops at the first error) and so before
 * any socket is opened: `siptest scenario validate` lists them all, and a run refuses them all.
 */
import { UnsupportedFeatures } from '../errors.js';
import type { XmlElement } from './xml.js';

/** The features of one element, each with its line (a keyword's own line inside the CDATA). */
function features(el: XmlElement): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const at = (what: string) => out.push([el.line, what]);
  if (el.name === 'setdest' && /^\s*(tcp|sctp)\s*$/i.test(el.attrs.get('protocol') ?? ''))
    at(`<setdest protocol="${el.attrs.get('protocol')}">: moving a call to another connection`);
  const text = el.cdata ?? '';
  const lineOf = (index: number) => (el.cdataLine ?? el.line) + (text.slice(0, index).match(/\n/g)?.length ?? 0);
  for (const m of text.matchAll(/\[tdmmap/g)) out.push([lineOf(m.index), '[tdmmap]: TDM circuit maps (-tdmmap)']);
  for (const m of text.matchAll(/\[authentication[^\]]*?\baka_(K|OP|AMF)=/g))
    out.push([lineOf(m.index), `[authentication aka_${m[1]}=]: AKA authentication (RFC 3310)`]);
  return out;
}

/** Every unsupported feature under `root`, as "file:line: feature", in document order. */
export function findUnsupported(root: XmlElement, source: string): string[] {
  const found: string[] = [];
  const walk = (el: XmlElement) => {
    for (const [line, what] of features(el)) found.push(`${source}:${line}: ${what}`);
    for (const c of el.children) walk(c);
  };
  walk(root);
  return found;
}

/** Throw when the scenario uses anything siptest cannot do (`also`: refused options, listed first). */
export function refuseUnsupported(root: XmlElement, source: string, also: string[] = []): void {
  const all = [...also, ...findUnsupported(root, source)];
  if (all.length) throw new UnsupportedFeatures(all);
}
