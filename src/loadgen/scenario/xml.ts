/**
 * Reading scenario XML into a small element tree with line numbers, using saxes (a maintained,
 * well-formedness-checking parser). Bytes are decoded as UTF-8 when they are valid UTF-8 and as
 * latin1 otherwise, so every byte of a message in the file reaches the wire unchanged (SIPp reads
 * bytes and ignores the encoding declaration).
 */
import { SaxesParser } from 'saxes';
import { scenarioError } from '../errors.js';

export interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  line: number;
  children: XmlElement[];
  /** Content of the first CDATA section directly inside this element (SIPp's xp_get_cdata). */
  cdata?: string;
  /** Line where that CDATA section starts. */
  cdataLine?: number;
}

export interface XmlDocument {
  root: XmlElement;
  /** "utf8" or "latin1": how message text becomes bytes. */
  encoding: 'utf8' | 'latin1';
  source: string;
}

export function decodeScenarioBytes(bytes: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  const utf8 = bytes.toString('utf8');
  // A round trip that changes the bytes means they were not valid UTF-8.
  if (Buffer.byteLength(utf8, 'utf8') === bytes.length && !utf8.includes('\ufffd'))
    return { text: utf8, encoding: 'utf8' };
  return { text: bytes.toString('latin1'), encoding: 'latin1' };
}

export function parseXml(text: string, source: string, encoding: 'utf8' | 'latin1' = 'utf8'): XmlDocument {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: { message: string; line: number } | undefined;
  let tagLine = 1;

  parser.on('opentagstart', () => {
    tagLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = {
      name: tag.name,
      attrs: new Map(Object.entries(tag.attributes as Record<string, string>)),
      line: tagLine,
      children: [],
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (!root) root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('cdata', (data) => {
    const el = stack[stack.length - 1];
    if (el && el.cdata === undefined) {
      el.cdata = data;
      el.cdataLine = parser.line - (data.match(/\n/g)?.length ?? 0);
    }
  });
  parser.on('error', (err) => {
    failure ??= { message: err.message.replace(/^[^:]*:\d+:\d+: /, ''), line: parser.line };
  });
  try {
    parser.write(text).close();
  } catch (e) {
    failure ??= { message: (e as Error).message, line: parser.line };
  }
  if (failure)
    throw scenarioError(
      `Invalid XML in scenario: ${failure.message}`,
      `${source}:${failure.line}`,
      'escape "&" as &amp; and "<" as &lt; (also inside attribute values), and put messages in <![CDATA[ ... ]]>',
    );
  if (!root) throw scenarioError('No element in xml scenario file', `${source}:1`);
  return { root, encoding, source };
}
