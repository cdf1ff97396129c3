/**
 * How twin SIPp instances frame their 3PCC commands on the TCP channel (SIPp 3.6.1 call.cpp
 * sendCmdMessage/sendCmdBuffer and socket.cpp check_for_message): each command is its text
 * followed by one ESC byte (27), nothing else: no length, no CRLF framing. The receiver cuts at
 * every ESC and drops it. Text is carried byte for byte (latin1 here, as SIPp's char buffers).
 */
export const COMMAND_END = 0x1b;

/** The bytes of one command on the wire. */
export function frameCommand(text: string): Buffer {
  const buf = Buffer.allocUnsafe(text.length + 1);
  buf.write(text, 0, 'latin1');
  buf[text.length] = COMMAND_END;
  return buf;
}

/**
 * Cuts a TCP byte stream into commands. Bytes after the last ESC wait for the next chunk; a
 * command larger than `maxBytes` without its ESC is an error (SIPp stops with "message bigger
 * than the read size" too), so a peer that never sends ESC cannot grow the buffer without end.
 */
export class CommandSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes = 1 << 20) {}

  /** The complete commands this chunk finishes, in order. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    let start = 0;
    for (let at = chunk.indexOf(COMMAND_END); at >= 0; at = chunk.indexOf(COMMAND_END, start)) {
      const piece = chunk.subarray(start, at);
      if (this.pendingBytes) {
        this.pending.push(piece);
        out.push(Buffer.concat(this.pending).toString('latin1'));
        this.pending = [];
        this.pendingBytes = 0;
      } else out.push(piece.toString('latin1'));
      start = at + 1;
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxBytes)
        throw new Error(`twin command larger than ${this.maxBytes} bytes without its end (ESC)`);
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
    return out;
  }
}
