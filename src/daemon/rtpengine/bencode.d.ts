// The `bencode` package (webtorrent, ESM) ships no types: what ng-codec.ts uses of it.
declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    /** byte strings come back as Uint8Array, integers as numbers; throws on malformed input */
    decode(data: Uint8Array): unknown;
  };
  export default bencode;
}
