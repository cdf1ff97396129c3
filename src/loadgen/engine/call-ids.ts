/**
 * Numbering of calls: the call number ([call_number], %u of -cid_str), the Call-ID of a new
 * outgoing call, the [dynamic_id] counter, and the Call-ID as the call table keys it (-cid_str's
 * "///" prefix ignored unless -callid_slash_ign).
 */
import type { RunOptions } from '../options/run-options.js';

export interface Numbering {
  /** [pid] and %p (a worker thread gets its parent's). */
  pid?: number;
  /** Workers number calls 1, 3, 5… and 2, 4, 6… so the Call-IDs stay unique. */
  firstCallNumber?: number;
  callNumberStep?: number;
}

export class CallIds {
  readonly pid: number;
  private nextNumber: number;
  private readonly step: number;
  private dynamicId: number;
  private parts: string[] | undefined;

  constructor(
    private readonly opts: RunOptions,
    private readonly localIp: string,
    n: Numbering = {},
  ) {
    this.pid = n.pid ?? process.pid;
    this.nextNumber = n.firstCallNumber ?? 1;
    this.step = n.callNumberStep ?? 1;
    this.dynamicId = opts.dynamicStart;
  }

  takeNumber(): number {
    const n = this.nextNumber;
    this.nextNumber += this.step;
    return n;
  }

  /** -cid_str (default %u-%p@%s): the format is split once; %u is the only part that changes. */
  callIdFor(n: number): string {
    if (!this.parts) {
      const parts: string[] = [''];
      const f = this.opts.callIdFormat;
      for (let i = 0; i < f.length; i++) {
        if (f[i] !== '%' || i + 1 >= f.length) {
          parts[parts.length - 1] += f[i];
          continue;
        }
        const c = f[++i];
        if (c === 'u') parts.push('');
        else parts[parts.length - 1] += c === 'p' ? String(this.pid) : c === 's' ? this.localIp : '%';
      }
      this.parts = parts;
    }
    const parts = this.parts;
    // The default format has one %u: two concatenations instead of a join (a builtin call per call).
    if (parts.length === 2) return parts[0]! + n + parts[1]!;
    let id = parts[0]!;
    for (let i = 1; i < parts.length; i++) id += n + parts[i]!;
    return id;
  }

  /** [dynamic_id]: -dynamicStart, stepping by -dynamicStep, wrapping after -dynamicMax. */
  nextDynamicId(): number {
    const v = this.dynamicId;
    this.dynamicId += this.opts.dynamicStep;
    if (this.dynamicId > this.opts.dynamicMax) this.dynamicId = this.opts.dynamicStart;
    return v;
  }

  /** The key of a received Call-ID in the call table. */
  trim(id: string): string {
    if (this.opts.callIdSlashIgnore) return id;
    const at = id.indexOf('///');
    return at >= 0 ? id.slice(at + 3) : id;
  }
}
