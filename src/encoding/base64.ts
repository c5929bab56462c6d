/**
 * Base64 (RFC 4648 §4 standard alphabet, §5 URL alphabet) with explicit decoding rules.
 *
 * Two decoders, because two contracts exist:
 * - `decodeBase64Strict`: the canonical form only — standard alphabet, '=' padding to a multiple of
 *   4, no whitespace, zero pad bits. Use for anything we define ourselves.
 * - `decodeBase64Go`: exactly what Go's `base64.StdEncoding` / `base64.URLEncoding` `DecodeString`
 *   accept (Rekor decodes every client byte field with them): '\r' and '\n' are skipped anywhere,
 *   padding is required, and non-zero pad bits are tolerated (Go's encodings are not `.Strict()`).
 *   Callers that store what they decoded must store the *re-encoded* bytes, never the input string,
 *   which is what Rekor does (strfmt.Base64 re-marshals), so the lenience never reaches a leaf.
 *
 * Both throw `Base64Error` (carrying Go's message shape) on bad input; callers wrap it with the name
 * of the field.
 */

export class Base64Error extends Error {
  /** Offset in the input of the first byte that could not be decoded (Go's CorruptInputError). */
  readonly offset: number;
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
    this.name = 'Base64Error';
    this.offset = offset;
  }
}

const STD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL = /^[A-Za-z0-9_-]*={0,2}$/;
const STD_CHAR = /[A-Za-z0-9+/]/;
const URL_CHAR = /[A-Za-z0-9_-]/;

/** Standard base64 with padding (Go `StdEncoding.EncodeToString`). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Canonical standard base64 only; see the module comment. */
export function decodeBase64Strict(s: string): Uint8Array {
  const out = decodeBase64Std(s);
  // Zero pad bits: re-encoding must give the input back.
  if (encodeBase64(out) !== s) throw new Base64Error(Math.max(0, s.indexOf('=') - 1));
  return out;
}

/** Standard alphabet, '=' padding to a multiple of 4, no white space; pad bits are not checked. */
export function decodeBase64Std(s: string): Uint8Array {
  return decodeChecked(s, 'std');
}

/**
 * Go `base64.StdEncoding.DecodeString` (alphabet 'std') or `base64.URLEncoding.DecodeString`
 * (alphabet 'url'): skips CR and LF, requires '=' padding, tolerates non-zero pad bits.
 */
export function decodeBase64Go(s: string, alphabet: 'std' | 'url'): Uint8Array {
  const cleaned = s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, '') : s;
  try {
    return decodeChecked(cleaned, alphabet);
  } catch (e) {
    // Report the offset in the caller's string, as Go does (it counts skipped newlines too).
    if (e instanceof Base64Error && cleaned !== s) throw new Base64Error(mapOffset(s, e.offset));
    throw e;
  }
}

function decodeChecked(s: string, alphabet: 'std' | 'url'): Uint8Array {
  const shape = alphabet === 'std' ? STD : URL;
  if (s.length % 4 !== 0 || !shape.test(s)) throw new Base64Error(firstBadOffset(s, alphabet));
  // Buffer accepts both alphabets; the shape check above already pinned the alphabet.
  const buf = Buffer.from(s, alphabet === 'std' ? 'base64' : 'base64url');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Offset Go would report: the first character outside the alphabet, or where padding goes wrong. */
function firstBadOffset(s: string, alphabet: 'std' | 'url'): number {
  const ch = alphabet === 'std' ? STD_CHAR : URL_CHAR;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '=') {
      // Padding is only valid in the last quantum, as "xx==" or "xxx=".
      const quantumStart = i - (i % 4);
      const pad = s.length - i;
      if (quantumStart !== s.length - 4 || pad > 2 || i % 4 < 2 || s.slice(i) !== '='.repeat(pad)) return i;
      return s.length;
    }
    if (!ch.test(c)) return i;
  }
  return s.length; // wrong length: Go reports the end of the input
}

function mapOffset(original: string, cleanedOffset: number): number {
  let seen = 0;
  for (let i = 0; i < original.length; i++) {
    const c = original[i];
    if (c === '\r' || c === '\n') continue;
    if (seen === cleanedOffset) return i;
    seen++;
  }
  return original.length;
}
