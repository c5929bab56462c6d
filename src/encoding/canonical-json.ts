/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), the form Rekor stores and hashes
 * (`jsoncanonicalizer.Transform` in pkg/types/entries.go CanonicalizeEntry): no whitespace, object
 * members sorted by UTF-16 code units, ES6 number formatting, minimal string escaping.
 *
 * The input must be I-JSON (RFC 7493): plain objects, arrays, strings without lone surrogates, finite
 * numbers, booleans and null. Object members whose value is `undefined` are omitted (the JS spelling
 * of Go's `omitempty`); anything else outside JSON is a programming error and throws TypeError.
 */
import canonicalizeModule from 'canonicalize';

// `canonicalize` is CommonJS (`module.exports = fn`) with an ES-style `export default` declaration;
// under NodeNext the default import is module.exports at run time but typed as the namespace.
type Serialize = (input: unknown) => string | undefined;
const canonicalize: Serialize =
  typeof canonicalizeModule === 'function' ? (canonicalizeModule as Serialize) : (canonicalizeModule as unknown as { default: Serialize }).default;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue | undefined };

/** RFC 8785 canonical UTF-8 bytes of `value`. */
export function canonicalJson(value: JsonValue): Uint8Array {
  const text = canonicalJsonString(value);
  const buf = Buffer.from(text, 'utf8');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** RFC 8785 canonical text of `value` (what `canonicalJson` encodes as UTF-8). */
export function canonicalJsonString(value: JsonValue): string {
  assertIJson(value, '$', 0);
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return text;
}

const MAX_DEPTH = 64;
// A lone (unpaired) UTF-16 surrogate, which UTF-8 cannot represent.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function assertIJson(v: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError(`canonicalJson: nesting deeper than ${MAX_DEPTH} at ${path}`);
  if (v === null || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: non-finite number at ${path}`);
    return;
  }
  if (typeof v === 'string') {
    if (LONE_SURROGATE.test(v)) throw new TypeError(`canonicalJson: lone surrogate in string at ${path}`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (x === undefined) throw new TypeError(`canonicalJson: undefined array element at ${path}[${i}]`);
      assertIJson(x, `${path}[${i}]`, depth + 1);
    });
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype || (typeof v === 'object' && Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (LONE_SURROGATE.test(k)) throw new TypeError(`canonicalJson: lone surrogate in key at ${path}`);
      if (x !== undefined) assertIJson(x, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw new TypeError(`canonicalJson: ${typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v} is not JSON at ${path}`);
}
