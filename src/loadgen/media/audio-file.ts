/**
 * The audio of <exec rtp_stream="file,loops,payload">: a WAV file's data chunk, or a raw file
 * (.alaw/.ulaw) as it is. SIPp 3.6.1 streamed every file raw (a WAV header went out as audio);
 * 3.7 skips the WAV header (rtpstream.cpp:get_wav_header_size), which is what siptest does. A WAV
 * file must hold what the payload type carries: 8 kHz mono 8-bit G.711 (format 6 A-law, 7 µ-law).
 * Read once when the scenario loads, so a bad file stops the run before any traffic.
 */
import { readFileSync } from 'node:fs';

export class AudioFileError extends Error {}

function fail(path: string, what: string): never {
  throw new AudioFileError(`audio file '${path}': ${what}`);
}

const WAV_FORMATS: Record<number, string> = { 6: 'A-law (PCMA)', 7: 'µ-law (PCMU)' };

/** Check a WAV "fmt " chunk: 8 kHz, mono, 8 bits, G.711. */
function checkFormat(path: string, fmt: Buffer): void {
  if (fmt.length < 16) fail(path, `truncated fmt chunk (${fmt.length} of 16 bytes)`);
  const format = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const rate = fmt.readUInt32LE(4);
  const bits = fmt.readUInt16LE(14);
  if (!WAV_FORMATS[format]) fail(path, `WAV format ${format} is not G.711 (6 = A-law, 7 = µ-law)`);
  if (channels !== 1 || rate !== 8000 || bits !== 8)
    fail(path, `${channels} channel(s), ${rate} Hz, ${bits} bits: G.711 RTP needs 1 channel, 8000 Hz, 8 bits`);
}

/** The data chunk of a RIFF/WAVE file, its format checked. */
function wavData(path: string, b: Buffer): Buffer {
  if (b.length < 12 || b.toString('latin1', 8, 12) !== 'WAVE') fail(path, 'RIFF file without a WAVE header');
  let fmtSeen = false;
  for (let at = 12; ;) {
    if (at + 8 > b.length) fail(path, fmtSeen ? 'no data chunk (truncated file?)' : 'no fmt chunk (truncated file?)');
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + size > b.length) fail(path, 'truncated fmt chunk');
      checkFormat(path, b.subarray(body, body + size));
      fmtSeen = true;
    } else if (id === 'data') {
      if (!fmtSeen) fail(path, 'data chunk before the fmt chunk');
      if (body + size > b.length) fail(path, `truncated data chunk (${b.length - body} of ${size} bytes)`);
      return b.subarray(body, body + size);
    }
    at = body + size + (size & 1);
  }
}

/** The bytes to stream: a WAV file's audio, or a raw file's whole content. */
export function parseAudio(path: string, b: Buffer): Buffer {
  const data = b.length >= 4 && b.toString('latin1', 0, 4) === 'RIFF' ? wavData(path, b) : b;
  if (data.length === 0) fail(path, 'no audio data');
  return data;
}

export function readAudio(path: string): Buffer {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new AudioFileError(`Can't open audio file '${path}': ${(e as Error).message}`);
  }
  return parseAudio(path, b);
}
