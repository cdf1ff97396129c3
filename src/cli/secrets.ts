/**
 * Password equivalents kept out of sipctl's output (--json, and the human views of show and db
 * show) unless --show-secrets is given. A HA1
 * answers any digest challenge of its realm as well as the password does (RFC 7616 §5.4), so a
 * JSON document that lands in a log, a ticket or a CI artefact must not carry one by default.
 */

/** Hash columns, as the store (camelCase) and the database name them. */
export const HASH_KEYS: ReadonlySet<string> = new Set(['ha1', 'ha1b', 'ha1Sha256', 'ha1_sha256']);

/** What may stand in a `password` field: nothing, or the mask that says one is stored. */
const NOT_SECRET = new Set(['', '***']);

const isSecret = (key: string, value: unknown): boolean =>
  typeof value === 'string' && (HASH_KEYS.has(key) || (key === 'password' && !NOT_SECRET.has(value)));

/**
 * A copy of `value` (as JSON would see it) without secret string values at any depth: hashes and
 * unmasked passwords. A flag such as db version's `ha1Sha256: true` ("the column exists") stays;
 * a `columns` list of names (sipctl db show) loses the hash columns too.
 */
export function withoutSecrets(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const json = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof json === 'function') return withoutSecrets(json.call(value));
  if (Array.isArray(value)) return value.map(withoutSecrets);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecret(k, v)) continue;
    out[k] =
      k === 'columns' && Array.isArray(v) && v.every((c) => typeof c === 'string')
        ? v.filter((c) => !HASH_KEYS.has(c))
        : withoutSecrets(v);
  }
  return out;
}
