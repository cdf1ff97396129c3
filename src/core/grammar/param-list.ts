/**
 * A parsed parameter list (`;name=value;flag` of a Via, a URI, a name-addr, a media type): the
 * Map API over one flat array [name, value, name, value, ...]. A proxy parses a dozen such lists
 * per message, most of them with one to three entries that are read once or never; a Map spends a
 * hash table (and the hashing of every name) on each, an array of a few slots does not, and a
 * linear search over so few names costs no more than a hash lookup. Iteration order, `set` on an
 * existing name (value replaced in place) and `delete` behave as a Map's.
 */
export class ParamList implements Map<string, string | null> {
  /** names (lower-case as the parsers make them) at even indexes, each value after its name */
  private readonly kv: Array<string | null> = [];

  constructor(entries?: Iterable<readonly [string, string | null]> | null) {
    // A copy of another list (stampReceived, cloneSipUri): its array, not an iterator per entry.
    if (entries instanceof ParamList) this.kv = entries.kv.slice();
    else if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /**
   * `;name=value;flag...` as written back into a header: an index loop, where `for...of` over the
   * list took a generator and an entry array per parameter (every Via, Record-Route and URI
   * sipd writes goes through here).
   */
  format(): string {
    const kv = this.kv;
    let out = '';
    for (let i = 0; i < kv.length; i += 2) {
      const v = kv[i + 1];
      out += v === null ? ';' + kv[i] : ';' + kv[i] + '=' + v;
    }
    return out;
  }

  get size(): number {
    return this.kv.length >> 1;
  }

  private indexOf(name: string): number {
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) if (kv[i] === name) return i;
    return -1;
  }

  get(name: string): string | null | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.kv[i + 1];
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  set(name: string, value: string | null): this {
    const i = this.indexOf(name);
    if (i < 0) this.kv.push(name, value);
    else this.kv[i + 1] = value;
    return this;
  }

  delete(name: string): boolean {
    const i = this.indexOf(name);
    if (i < 0) return false;
    this.kv.splice(i, 2);
    return true;
  }

  clear(): void {
    this.kv.length = 0;
  }

  forEach(fn: (value: string | null, name: string, map: Map<string, string | null>) => void, thisArg?: unknown): void {
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) fn.call(thisArg, kv[i + 1] as string | null, kv[i] as string, this);
  }

  *entries(): IterableIterator<[string, string | null]> {
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) yield [kv[i] as string, kv[i + 1] as string | null];
  }

  *keys(): IterableIterator<string> {
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) yield kv[i] as string;
  }

  *values(): IterableIterator<string | null> {
    const kv = this.kv;
    for (let i = 0; i < kv.length; i += 2) yield kv[i + 1] as string | null;
  }

  [Symbol.iterator](): IterableIterator<[string, string | null]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'ParamList';
  }
}
