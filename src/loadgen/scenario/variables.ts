/**
 * Scenario variables ([$name]) and their scopes, as SIPp: a per-call table whose parent is the
 * per-user table (<User>) whose parent is the global table (<Global>, -set). Every mention of a
 * name in the scenario counts as a reference; a variable referenced fewer than twice is a
 * scenario error (a typo guard), unless it is listed in <Reference> or named "_".
 */
export type VarScope = 0 | 1 | 2; // global, user, call

export interface VarRef {
  scope: VarScope;
  slot: number;
  name: string;
}

export class VariableAllocator {
  private readonly slots = new Map<string, number>();
  readonly names: string[] = [];
  readonly references: number[] = [];
  /** Line of the first mention, for error messages. */
  readonly firstLine: number[] = [];

  constructor(
    readonly scope: VarScope,
    readonly parent?: VariableAllocator,
  ) {}

  get size(): number {
    return this.names.length;
  }

  /** SIPp's AllocVariableTable::find: a hit counts as a reference; a miss may allocate. */
  find(name: string, allocate: boolean, line = 0): VarRef | undefined {
    const slot = this.slots.get(name);
    if (slot !== undefined) {
      this.references[slot]!++;
      return { scope: this.scope, slot, name };
    }
    const inParent = this.parent?.find(name, false, line);
    if (inParent) return inParent;
    if (!allocate) return undefined;
    const s = this.names.length;
    this.slots.set(name, s);
    this.names.push(name);
    this.references.push(1);
    this.firstLine.push(line);
    return { scope: this.scope, slot: s, name };
  }

  has(name: string): boolean {
    return this.slots.has(name) || (this.parent?.has(name) ?? false);
  }

  /** Names referenced fewer than twice (except "_"), this table and its parents. */
  underused(): Array<{ name: string; count: number; line: number }> {
    const out: Array<{ name: string; count: number; line: number }> = [];
    this.names.forEach((name, i) => {
      if (this.references[i]! < 2 && name !== '_')
        out.push({ name, count: this.references[i]!, line: this.firstLine[i]! });
    });
    return [...out, ...(this.parent?.underused() ?? [])];
  }
}

export const enum VarType {
  Undefined = 0,
  String = 1,
  Regexp = 2,
  Double = 3,
  Bool = 4,
}

/** One variable's value, with SIPp's typing rules (CCallVariable). */
export class CallVariable {
  type: VarType = VarType.Undefined;
  str = '';
  num = 0;
  bool = false;
  matches = 0;

  isSet(): boolean {
    switch (this.type) {
      case VarType.Regexp:
        return this.matches >= 1;
      case VarType.Bool:
        return this.bool;
      case VarType.Double:
        return this.num !== 0;
      default:
        return this.type !== VarType.Undefined;
    }
  }

  setMatch(v: string): void {
    this.type = VarType.Regexp;
    this.str = v;
    this.matches++;
  }

  setDouble(v: number): void {
    this.type = VarType.Double;
    this.num = v;
  }

  setString(v: string): void {
    this.type = VarType.String;
    this.str = v;
  }

  setBool(v: boolean): void {
    this.type = VarType.Bool;
    this.bool = v;
  }

  getDouble(): number {
    return this.type === VarType.Double ? this.num : 0;
  }

  getString(): string {
    return this.type === VarType.String || (this.type === VarType.Regexp && this.matches > 0) ? this.str : '';
  }

  /** SIPp's toDouble: a whole-string number, or undefined. */
  toDouble(): number | undefined {
    switch (this.type) {
      case VarType.Regexp:
      case VarType.String: {
        if (this.type === VarType.Regexp && this.matches < 1) return undefined;
        const t = this.str;
        if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^\s*0[xX][0-9a-fA-F]+$/.test(t))
          return undefined;
        return Number(t.trim());
      }
      case VarType.Double:
        return this.num;
      case VarType.Bool:
        return this.bool ? 1 : 0;
      default:
        return undefined;
    }
  }

  /** Text for [$var]: regexp match, %lf double, string, true/false. */
  render(): string {
    if (this.isSet()) {
      switch (this.type) {
        case VarType.Regexp:
        case VarType.String:
          return this.str;
        case VarType.Double:
          return this.num.toFixed(6);
        case VarType.Bool:
          return 'true';
      }
    }
    return this.type === VarType.Bool ? 'false' : '';
  }
}

export function newTable(size: number): CallVariable[] {
  const t = new Array<CallVariable>(size);
  for (let i = 0; i < size; i++) t[i] = new CallVariable();
  return t;
}
