/**
 * Playing a capture (SIPp's send_packets.c:send_packets): every UDP payload goes out as captured
 * (RTP header, SSRC, sequence numbers and timestamps untouched; SIPp rewrites only the UDP ports
 * and addresses), at its capture time relative to the start. The schedule is absolute, so a late
 * wake-up sends what is due at once and the stream catches up, as SIPp's do_sleep does. One timer
 * per play, re-armed for the next packet due; the payloads are sent from the parsed file, so a
 * packet costs no allocation.
 */
import type { PcapFile, PcapPacket } from './pcap-file.js';

export type PacketSink = (p: PcapPacket) => void;

export class PcapPlay {
  private next = 0;
  private t0 = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pcap: PcapFile,
    private readonly sink: PacketSink,
  ) {}

  start(): void {
    this.t0 = performance.now();
    this.tick();
  }

  get finished(): boolean {
    return this.next >= this.pcap.packets.length;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const pk = this.pcap.packets;
    const elapsedUs = (performance.now() - this.t0) * 1000;
    while (this.next < pk.length && pk[this.next]!.atUs <= elapsedUs) this.sink(pk[this.next++]!);
    if (this.next < pk.length) this.timer = setTimeout(this.tick, Math.ceil((pk[this.next]!.atUs - elapsedUs) / 1000));
  };

  /** SIPp cancels the media thread when a new play starts or the call ends. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.next = this.pcap.packets.length;
  }
}
