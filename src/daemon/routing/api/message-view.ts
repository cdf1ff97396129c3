/**
 * The request as a route reads it (RequestMessage): each part parsed on first use, from the
 * message the transaction layer parsed lazily (only the start line and the routing headers are
 * parsed before the route asks).
 */
import {
  isSipUri,
  parseSdp,
  parseUri,
  unescape,
  type NameAddr,
  type SdpSession,
  type SipRequest,
  type Uri,
} from '../../../core/index.js';
import type { Party, RequestMessage, UriParts } from './route.js';

const NO_SDP = Symbol('no sdp');

export class MessageView implements RequestMessage {
  private _from: Party | undefined;
  private _to: Party | undefined;
  private _sdp: SdpSession | undefined | typeof NO_SDP;

  constructor(private readonly req: SipRequest) {}

  get method(): string {
    return this.req.method;
  }

  get ruri(): string {
    return this.req.uri;
  }

  get from(): Party {
    return (this._from ??= partyOf(this.req.from()));
  }

  get to(): Party {
    return (this._to ??= partyOf(this.req.to()));
  }

  get callId(): string {
    return this.req.callId();
  }

  get cseq(): { seq: number; method: string } {
    const c = this.req.cseq();
    return { seq: c.seq, method: c.method };
  }

  get contacts(): string[] {
    const c = this.req.contacts();
    return c === '*' ? ['*'] : c.map((n) => n.uriText);
  }

  header(name: string): string | undefined {
    return this.req.get(name);
  }

  headers(name: string): string[] {
    return this.req.getAll(name);
  }

  has(name: string): boolean {
    return this.req.has(name);
  }

  get body(): string {
    return bodyText(this.req.body);
  }

  get contentType(): string | undefined {
    return this.req.get('content-type');
  }

  get sdp(): SdpSession | undefined {
    if (this._sdp === undefined) {
      const type = (this.contentType ?? '').split(';')[0]!.trim().toLowerCase();
      this._sdp = (type === 'application/sdp' && parseSdp(this.body)) || NO_SDP;
    }
    return this._sdp === NO_SDP ? undefined : this._sdp;
  }
}

/** A body as text: UTF-8 when it is valid UTF-8, else latin1 (every byte kept). */
export function bodyText(body: Buffer): string {
  const s = body.toString('utf8');
  return s.includes('\uFFFD') ? body.toString('latin1') : s;
}

/** A URI's parts (a SIP/SIPS URI), or undefined for another scheme or a malformed URI. */
export function parseUriParts(text: string): UriParts | undefined {
  try {
    return uriParts(parseUri(text));
  } catch {
    return undefined;
  }
}

export function uriParts(u: Uri): UriParts | undefined {
  if (!isSipUri(u)) return undefined;
  return {
    scheme: u.scheme,
    user: u.user === undefined ? undefined : unescape(u.user),
    host: u.host.toLowerCase(),
    port: u.port,
    params: u.params,
  };
}

function partyOf(n: NameAddr): Party {
  let sip: UriParts | undefined;
  try {
    sip = uriParts(n.uri);
  } catch {
    sip = undefined;
  }
  const tag = n.params.get('tag');
  return { uri: n.uriText, sip, displayName: n.displayName, tag: tag ?? undefined };
}
