/**
 * The parts of hdr-histogram-js siptest uses, loaded from the package's own files: its index also
 * loads the WebAssembly build, pako and the log reader and writer (about a third of siptest's
 * start-up), none of which a run needs. The compressed encoding, with which worker threads hand
 * over their histograms, is loaded when first used.
 */
import { createRequire } from 'node:module';
import type * as Hdr from 'hdr-histogram-js';
import type * as HdrEncoding from 'hdr-histogram-js/dist/encoding.js';

export type Histogram = Hdr.Histogram;

const require = createRequire(import.meta.url);

type HistogramClass = new (lowest: number, highest: number, digits: number) => Histogram;

/** hdr.build() with its defaults: 32-bit counts, auto-resize, no WebAssembly. */
export function build(r: {
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  numberOfSignificantValueDigits: number;
}): Histogram {
  const Int32Histogram = (require('hdr-histogram-js/dist/Int32Histogram.js') as { default: HistogramClass }).default;
  const h = new Int32Histogram(r.lowestDiscernibleValue, r.highestTrackableValue, r.numberOfSignificantValueDigits);
  h.autoResize = true;
  return h;
}

let encoding: typeof HdrEncoding | undefined;
const enc = () => (encoding ??= require('hdr-histogram-js/dist/encoding.js') as typeof HdrEncoding);

export const encodeIntoCompressedBase64 = (h: Histogram): string => enc().encodeIntoCompressedBase64(h);
export const decodeFromCompressedBase64 = (s: string): Histogram => enc().decodeFromCompressedBase64(s);
