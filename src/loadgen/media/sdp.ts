/**
 * Where the peer wants its media, from the SDP of a received message (SIPp's
 * call::get_remote_media_addr and extract_rtp_remote_addr): the text after "c=IN IP4 " (or IP6)
 * and after "m=audio ", "m=video ", "m=image ", each up to the next blank or line end. SIPp looks
 * for the first occurrence anywhere in the message, and so does siptest.
 */

export interface RemoteMedia {
  host: string;
  audio: number;
  video: number;
  image: number;
}

/** SIPp's find_in_sdp: the token after `pattern`, or ''. */
export function findInSdp(pattern: string, msg: string): string {
  const at = msg.indexOf(pattern);
  if (at < 0) return '';
  const begin = at + pattern.length;
  let end = begin;
  while (end < msg.length) {
    const c = msg.charCodeAt(end);
    if (c === 32 || c === 13 || c === 10) break;
    end++;
  }
  return msg.slice(begin, end);
}

const port = (msg: string, media: string) => {
  const p = parseInt(findInSdp(`m=${media} `, msg), 10);
  return p > 0 && p < 65536 ? p : 0;
};

/** The peer's media address in `msg`, or undefined when it has no c= line of the media family. */
export function remoteMedia(msg: string, ipv6: boolean): RemoteMedia | undefined {
  const host = findInSdp(ipv6 ? 'c=IN IP6 ' : 'c=IN IP4 ', msg);
  if (!host) return undefined;
  return { host, audio: port(msg, 'audio'), video: port(msg, 'video'), image: port(msg, 'image') };
}

/** The media kind of the SDP line that ends `text` (SIPp's search back for the [media_port] line). */
export function lineMediaKind(text: string): 'audio' | 'video' | 'image' | undefined {
  const line = text.slice(text.lastIndexOf('\n') + 1);
  if (line.includes('audio')) return 'audio';
  if (line.includes('image')) return 'image';
  if (line.includes('video')) return 'video';
  return undefined;
}
