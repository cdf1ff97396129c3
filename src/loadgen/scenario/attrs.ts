/**
 * Typed access to an element's attributes with SIPp's conversions, reporting errors as
 * "file:line: message" so users can find what to fix before any traffic is sent.
 */
import { scenarioError, SippError } from '../errors.js';
import { parseBool, parseDouble, parseLong } from '../options/values.js';
import type { XmlElement } from './xml.js';

export class Attrs {
  constructor(
    readonly el: XmlElement,
    readonly source: string,
  ) {}

  get where(): string {
    return `${this.source}:${this.el.line}`;
  }

  fail(message: string, hint?: string): SippError {
    return scenarioError(message, this.where, hint);
  }

  has(name: string): boolean {
    return this.el.attrs.has(name);
  }

  get(name: string): string | undefined {
    return this.el.attrs.get(name);
  }

  string(name: string, what: string): string {
    const v = this.el.attrs.get(name);
    if (v === undefined)
      throw this.fail(`${what} is missing the required '${name}' parameter.`, `add ${name}="..." to <${this.el.name}>`);
    return v;
  }

  private wrap<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof SippError && !e.where) throw scenarioError(e.message, this.where, e.hint);
      throw e;
    }
  }

  long(name: string, what: string, def?: number): number {
    const v = this.el.attrs.get(name);
    if (v === undefined) {
      if (def !== undefined) return def;
      throw this.fail(`${what} is missing the required '${name}' parameter.`);
    }
    return this.wrap(() => parseLong(v, `${what} '${name}' parameter`));
  }

  double(name: string, what: string): number {
    const v = this.string(name, what);
    return this.wrap(() => parseDouble(v, `${what} '${name}' parameter`));
  }

  bool(name: string, what: string, def?: boolean): boolean {
    const v = this.el.attrs.get(name);
    if (v === undefined) {
      if (def !== undefined) return def;
      throw this.fail(`${what} is missing the required '${name}' parameter.`);
    }
    return this.wrap(() => parseBool(v, `${what} '${name}' parameter`));
  }

  /** Attributes not in `known`, for warnings. */
  unknown(known: ReadonlySet<string>): string[] {
    return [...this.el.attrs.keys()].filter((k) => !known.has(k));
  }
}

/** Translate POSIX bracket classes ([[:digit:]]...) that JavaScript regexps lack. */
export function posixToJs(re: string): string {
  const classes: Record<string, string> = {
    alpha: 'a-zA-Z',
    digit: '0-9',
    alnum: 'a-zA-Z0-9',
    upper: 'A-Z',
    lower: 'a-z',
    space: ' \\t\\r\\n\\v\\f',
    blank: ' \\t',
    punct: '!-\\/:-@\\[-`{-~',
    xdigit: '0-9A-Fa-f',
    cntrl: '\\x00-\\x1f\\x7f',
    print: '\\x20-\\x7e',
    graph: '\\x21-\\x7e',
  };
  return re.replace(/\[:([a-z]+):\]/g, (m, name: string) => classes[name] ?? m);
}

/**
 * Compile a POSIX extended regular expression as SIPp does (REG_EXTENDED, no REG_NEWLINE: "."
 * matches a newline and ^ $ anchor the whole text).
 */
export function compileRegexp(re: string, flags: string, a: Attrs): RegExp {
  try {
    return new RegExp(posixToJs(re), 's' + flags);
  } catch (e) {
    throw a.fail(`recomp error : regular expression '${re}' - error '${(e as Error).message}'`);
  }
}
