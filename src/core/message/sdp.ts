/**
 * SDP (RFC 8866) read into its session and media descriptions: what a routing decision or a
 * media relay needs (addresses, ports, protocols, formats, attributes), not a validator. Lines
 * are `<type>=<value>`; anything else is skipped, as §5 tells parsers to ignore what they do
 * not understand. The text is kept so that a rewrite can start from it.
 */

export interface SdpConnection {
  /** IN */
  readonly netType: string;
  /** IP4 or IP6 */
  readonly addrType: string;
  readonly address: string;
}

export interface SdpMedia {
  /** audio, video, application, ... */
  readonly type: string;
  readonly port: number;
  /** RTP/AVP, UDP/TLS/RTP/SAVPF, ... */
  readonly proto: string;
  readonly formats: readonly string[];
  /** the media's c= line, if any (else the session's applies, §5.7) */
  readonly connection: SdpConnection | undefined;
  /** a= lines as [name, value]; value undefined for a flag (a=sendrecv) */
  readonly attributes: ReadonlyArray<readonly [string, string | undefined]>;
}

export interface SdpSession {
  readonly origin:
    | { readonly username: string; readonly sessionId: string; readonly version: string; readonly address: string }
    | undefined;
  readonly sessionName: string;
  readonly connection: SdpConnection | undefined;
  readonly attributes: ReadonlyArray<readonly [string, string | undefined]>;
  readonly media: readonly SdpMedia[];
  readonly text: string;
}

interface MediaDraft {
  type: string;
  port: number;
  proto: string;
  formats: string[];
  connection: SdpConnection | undefined;
  attributes: Array<[string, string | undefined]>;
}

/** Parse an SDP body; undefined when it has no v= line first (not SDP). */
export function parseSdp(text: string): SdpSession | undefined {
  const lines = text.split(/\r?\n/);
  if (!/^v=/.test(lines[0] ?? '')) return undefined;
  const session = {
    origin: undefined as SdpSession['origin'],
    sessionName: '',
    connection: undefined as SdpConnection | undefined,
    attributes: [] as Array<[string, string | undefined]>,
  };
  const media: MediaDraft[] = [];
  for (const line of lines) {
    if (line.length < 2 || line[1] !== '=') continue;
    const value = line.slice(2);
    const m = media[media.length - 1];
    switch (line[0]) {
      case 'o':
        session.origin = originOf(value);
        break;
      case 's':
        session.sessionName = value;
        break;
      case 'c':
        if (m) m.connection = connectionOf(value);
        else session.connection = connectionOf(value);
        break;
      case 'a':
        (m ? m.attributes : session.attributes).push(attributeOf(value));
        break;
      case 'm': {
        const [type = '', port = '0', proto = '', ...formats] = value.split(' ');
        media.push({ type, port: parseInt(port, 10) || 0, proto, formats, connection: undefined, attributes: [] });
        break;
      }
    }
  }
  return { ...session, media, text };
}

function originOf(v: string): SdpSession['origin'] {
  const [username = '', sessionId = '', version = '', , , address = ''] = v.split(' ');
  return { username, sessionId, version, address };
}

function connectionOf(v: string): SdpConnection {
  const [netType = '', addrType = '', address = ''] = v.split(' ');
  // A multicast address carries /ttl (IP4) or /count: the address is the part before.
  return { netType, addrType, address: address.split('/')[0]! };
}

function attributeOf(v: string): [string, string | undefined] {
  const colon = v.indexOf(':');
  return colon < 0 ? [v, undefined] : [v.slice(0, colon), v.slice(colon + 1)];
}
