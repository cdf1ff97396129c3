/**
 * The run's RTP sockets (SIPp 3.6.1's setup_media_sockets and rtp_echo_thread): audio on the media
 * port and video on port + 2 (port + 1 stays free for RTCP), on the media IP. With -mp only that
 * port is tried; otherwise 6000 (or -min_rtp_port) and the next even ports, up to 100 tries or
 * -max_rtp_port. With -rtp_echo every datagram received on either socket goes back to its sender
 * (cut to -mb bytes), unless a scenario's <rtp_echo value="0"> turned echo off. Without echo the
 * sockets still drain what arrives. rtp_stream and pcap play send from these sockets when their
 * source port is theirs (per-call ports are call-media.ts's).
 */
import type { Socket } from 'node:dgram';
import { nodeDgram } from '../../core/lazy-builtins.js';
import { SippError, SippExit } from '../errors.js';

export interface MediaSocketOptions {
  ip: string;
  port: number;
  /** -mp: only this port is tried. */
  fixed: boolean;
  maxPort: number;
  echo: boolean;
  echoBufSize: number;
  bufferSize: number;
}

/** Packets and bytes counted by the media code (SIPp's rtp_pckts, rtp_bytes and friends). */
export class MediaCounters {
  receivedPackets = 0;
  receivedBytes = 0;
  echoedPackets = 0;
  echoedBytes = 0;
  sentPackets = 0;
  sentBytes = 0;
}

function bindUdp(ip: string, port: number, bufferSize: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = nodeDgram().createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4', recvBufferSize: bufferSize });
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind({ port, address: ip, exclusive: true }, () => {
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
  });
}

export class MediaSockets {
  readonly counters = new MediaCounters();
  /** <rtp_echo value="…"> (SIPp's global rtp_echo_state). */
  echoOn = true;
  /** The calls' media still open: stopped when the run ends with calls left (stop_now, Q). */
  readonly open = new Set<{ close(): void }>();

  private constructor(
    readonly ip: string,
    readonly port: number,
    readonly audio: Socket,
    readonly video: Socket,
    private readonly o: MediaSocketOptions,
  ) {
    audio.on('message', (m, r) => this.received(audio, m, r.address, r.port));
    video.on('message', (m, r) => this.received(video, m, r.address, r.port));
  }

  /** Bind audio and video as SIPp does; fatal when no pair of ports is free. */
  static async open(o: MediaSocketOptions): Promise<MediaSockets> {
    const tries = o.fixed ? 1 : 100;
    let port = o.port;
    for (let i = 0; i < tries && port + 2 <= o.maxPort; i++, port += 2) {
      const audio = await bindUdp(o.ip, port, o.bufferSize);
      if (!audio) continue;
      const video = await bindUdp(o.ip, port + 2, o.bufferSize);
      if (video) return new MediaSockets(o.ip, port, audio, video, o);
      audio.close();
    }
    throw new SippError(
      `Unable to bind audio/video RTP sockets (IP=${o.ip}, port=${o.fixed ? o.port : `${o.port}..${port}`})`,
      SippExit.BIND,
      undefined,
      o.fixed ? 'choose a free port with -mp (the port and port + 2 are bound)' : 'free a port or give -mp',
    );
  }

  private received(s: Socket, m: Buffer, address: string, port: number): void {
    this.counters.receivedPackets++;
    this.counters.receivedBytes += m.length;
    if (!this.o.echo || !this.echoOn) return;
    const out = m.length > this.o.echoBufSize ? m.subarray(0, this.o.echoBufSize) : m;
    s.send(out, port, address);
    this.counters.echoedPackets++;
    this.counters.echoedBytes += out.length;
  }

  /** The run's socket bound to `port`, if it is one of them. */
  socketFor(port: number): Socket | undefined {
    return port === this.port ? this.audio : port === this.port + 2 ? this.video : undefined;
  }

  close(): void {
    for (const m of [...this.open]) m.close();
    this.audio.close();
    this.video.close();
  }
}
