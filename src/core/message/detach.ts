/**
 * Strings that outlive their message. V8 keeps a substring of 13 or more characters as a slice
 * of the string it was cut from, and a concatenation as a pair of its parts: a transaction key
 * built from a request's Via branch keeps the whole request's text alive for as long as the
 * transaction lingers (64·T1 = 32 s in RFC 6026's Accepted state and Timer J on UDP), ~1 KB per
 * transaction that nothing reads. Reading a character of a concatenation flattens it into one
 * new string (the parts, and what they were cut from, are let go); a slice is copied through a
 * concatenation. The heap-snapshot test in test/unit/core/transaction/slim.test.ts fails if a
 * V8 release stops doing this.
 */

/** `s` as a string that shares no memory with a message's text (equal, so a Map finds it). */
export function detachString(s: string): string {
  if (s.length < 13) return s; // V8 copies short substrings and concatenations anyway
  const flat = ' ' + s; // a new concatenation: a slice `s` becomes one of its parts
  flat.charCodeAt(0); // flattens it into one sequential string
  return flat.slice(1); // a slice of that copy, which holds only the key's own characters
}
