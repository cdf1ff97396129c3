/**
 * One call's media (SIPp's play_args_a/v/i, media_thread and rtpstream_callinfo): the peer's
 * addresses from its SDP, the local ports the call's own SDP announced ([media_port] or
 * [auto_media_port] on an m=audio/video/image line), the pcap or DTMF play in progress (one per
 * call: a new play cancels the previous one, as SIPp's media_thread) and the rtp_stream.
 *
 * SIPp sends pcap packets from a raw socket with the announced port as source; siptest binds a
 * UDP socket to it (the run's audio or video socket when it is theirs, else one of the call's
 * own, closed with the call). rtp_stream sends from the run's audio socket, as SIPp 3.6.1 does.
 */
import type { Socket } from 'node:dgram';
import { nodeDgram } from '../../core/lazy-builtins.js';
import type { MediaSockets } from './media-sockets.js';
import type { PcapFile, PcapPacket } from './pcap-file.js';
import { dtmfCapture } from './dtmf.js';
import { PcapPlay } from './pcap-play.js';
import { RtpStream, type StreamSpec } from './rtp-stream.js';
import { remoteMedia, type RemoteMedia } from './sdp.js';

export type MediaKind = 'audio' | 'video' | 'image';

export class CallMedia {
  remote: RemoteMedia | undefined;
  /** Local ports announced by the call's messages, per media kind (0: none). */
  readonly from = { audio: 0, video: 0, image: 0 };
  private play: PcapPlay | undefined;
  private stream: RtpStream | undefined;
  private readonly own = new Map<number, Socket>();
  /** The next play_dtmf sequence number (SIPp's play_args_a.last_seq_no, from 1200). */
  private dtmfSeq = 1200;

  constructor(
    private readonly run: MediaSockets,
    private readonly warn: (text: string) => void,
  ) {
    run.open.add(this);
  }

  /** A received message with SDP: where the peer's media goes from now on. */
  updateRemote(text: string): void {
    const r = remoteMedia(text, this.run.ip.includes(':'));
    if (r) this.remote = r;
  }

  /** <exec play_pcap_audio|video|image>: replaces the play in progress, if any. */
  playPcap(kind: MediaKind, pcap: PcapFile): void {
    this.play?.stop();
    this.play = undefined;
    const r = this.remote;
    const to = r?.[kind] ?? 0;
    if (!r || !to) {
      this.warn(`play_pcap_${kind} ${pcap.path}: no m=${kind} port and c= address in the peer's SDP yet`);
      return;
    }
    const fromPort = this.from[kind] || this.run.port;
    const counters = this.run.counters;
    const sink = (p: PcapPacket) => {
      const diff = p.dport - pcap.base;
      this.socketFor(fromPort + diff).send(p.payload, to + diff, r.host);
      counters.sentPackets++;
      counters.sentBytes += p.payload.length;
    };
    this.play = new PcapPlay(pcap, sink);
    this.play.start();
  }

  /** <exec play_dtmf="digits[,ms]">: RFC 2833 events played as a capture on the audio stream. */
  playDtmf(value: string): void {
    const capture = dtmfCapture(value, this.dtmfSeq);
    this.dtmfSeq = (this.dtmfSeq + capture.packets.length) & 0xffff;
    this.playPcap('audio', capture);
  }

  /** <exec rtp_stream="file,loops,payload">. */
  playStream(spec: StreamSpec): void {
    this.stream ??= new RtpStream((b) => this.sendStream(b));
    this.stream.play(spec);
  }

  /** rtp_stream="pause" / "resume". */
  pauseStream(paused: boolean): void {
    if (this.stream) this.stream.paused = paused;
  }

  private sendStream(b: Buffer): boolean {
    const r = this.remote;
    if (!r?.audio) return false;
    this.run.audio.send(b, r.audio, r.host);
    this.run.counters.sentPackets++;
    this.run.counters.sentBytes += b.length;
    return true;
  }

  /** The socket that sends with source port `port`: the run's, the call's own, or a new one. */
  private socketFor(port: number): Socket {
    const s = this.run.socketFor(port) ?? this.own.get(port);
    if (s) return s;
    const own = nodeDgram().createSocket(this.run.ip.includes(':') ? 'udp6' : 'udp4');
    own.on('error', (err) => {
      // Sends queued before the bind failed are lost; later ones leave from the run's audio port.
      this.warn(`Can't bind RTP source port ${port}: ${err.message}; sending from port ${this.run.port}`);
      this.own.set(port, this.run.audio);
      own.close();
    });
    own.bind({ port, address: this.run.ip, exclusive: true });
    this.own.set(port, own);
    return own;
  }

  /** The call ended: stop playing and close the call's own sockets. */
  close(): void {
    this.run.open.delete(this);
    this.play?.stop();
    this.stream?.stop();
    for (const s of new Set(this.own.values())) if (s !== this.run.audio) s.close();
    this.own.clear();
  }
}
