/**
 * The DER reader (ITU-T X.690 §10, distinguished encoding rules) for attacker-controlled bytes: every
 * hand-walked ASN.1 structure in the project (SubjectPublicKeyInfo, certificates, ECDSA signatures)
 * is read through it. It delimits elements and hands out exact byte ranges (Go keeps `cert.Raw`,
 * `RawTBSCertificate`, raw names, so do we); the fields a caller interprets are decoded by the caller,
 * next to its ASN.1 definition.
 *
 * Refused everywhere (Go's encoding/asn1 and cryptobyte refuse them too):
 * - indefinite lengths (a BER form, X.690 §8.1.3.6) and non-minimal lengths (§10.1);
 * - lengths of more than MAX_LENGTH_OCTETS octets, multi-octet tags, truncation;
 * - nesting deeper than MAX_NESTING_DEPTH (`checkNesting`).
 *
 * Two rule sets (`DerRules`): 'der' — nothing after the element read, fields exactly fill their
 * SEQUENCE, INTEGERs non-negative — and 'go-asn1-unmarshal', the extra leniency of Go's
 * `encoding/asn1.Unmarshal` into a struct that sigstore relies on to tell DER from IEEE P1363 ECDSA
 * signatures: bytes after the element and after the last field read are ignored, INTEGERs may be
 * negative. Lengths and INTEGER encodings are minimal in both.
 *
 * Work is linear in the input: each element header is read once, and `checkNesting` visits each
 * element once with recursion bounded by MAX_NESTING_DEPTH.
 */
import { integerBytesToBigInt, isMinimalInteger } from './integer.ts';

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One element: its identifier octet and the offsets of its header, content and end in the buffer. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export type DerRules = 'der' | 'go-asn1-unmarshal';

/** Length octets after 0x8N: 4 octets address 4 GiB, far beyond any request body. */
export const MAX_LENGTH_OCTETS = 4;
/**
 * Constructed elements nested inside each other. A certificate needs about 8 (Name: SEQUENCE, SET,
 * SEQUENCE, value); the cap keeps `checkNesting`'s recursion and any caller's walk shallow.
 */
export const MAX_NESTING_DEPTH = 32;

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8 = 0x0c;
export const TAG_SEQUENCE = 0x30;

/** The element starting at `pos`, which must end by `limit` (X.690 §8.1.2–8.1.3 in DER form). */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated DER element');
  const tag = buf[pos] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-octet DER tags are not supported');
  let len = buf[pos + 1] as number;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError('indefinite length is not DER');
    if (n > MAX_LENGTH_OCTETS) throw new DerError('DER length too large');
    if (p + n > limit) throw new DerError('truncated DER length');
    if (buf[p] === 0) throw new DerError('non-minimal DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    if (len < 0x80) throw new DerError('non-minimal DER length');
    p += n;
  }
  if (p + len > limit) throw new DerError('truncated DER element');
  return { tag, start: pos, contentStart: p, end: p + len };
}

/** The element at the start of `buf`: under 'der' it must span all of `buf` (no trailing data). */
export function readElement(buf: Uint8Array, rules: DerRules = 'der'): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (rules === 'der' && t.end !== buf.length) throw new DerError('trailing data after DER element');
  return t;
}

/** The elements that exactly fill `parent`'s content. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  return out;
}

/**
 * The first `count` elements of `parent`'s content, as a struct's fields: under 'der' they must fill
 * it exactly; under 'go-asn1-unmarshal' what follows them is not read.
 */
export function readFields(buf: Uint8Array, parent: Tlv, count: number, rules: DerRules): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.contentStart;
  for (let i = 0; i < count; i++) {
    const t = readTlv(buf, p, parent.end);
    out.push(t);
    p = t.end;
  }
  if (rules === 'der' && p !== parent.end) throw new DerError('unexpected data after the last field of a SEQUENCE');
  return out;
}

/** Reads every constructed element below `t`, so every length inside is checked, to MAX_NESTING_DEPTH. */
export function checkNesting(buf: Uint8Array, t: Tlv, depth = 0): void {
  if (depth > MAX_NESTING_DEPTH) throw new DerError('DER nesting too deep');
  if (t.tag & 0x20) for (const c of childrenOf(buf, t)) checkNesting(buf, c, depth + 1);
}

export const content = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.contentStart, t.end);
export const whole = (buf: Uint8Array, t: Tlv): Uint8Array => buf.subarray(t.start, t.end);

/**
 * An INTEGER's content octets (X.690 §8.3), non-empty and minimal; under 'der' also non-negative
 * (Go cryptobyte ReadASN1Integer into an unsigned value).
 */
export function readInteger(buf: Uint8Array, t: Tlv, rules: DerRules, what = 'INTEGER'): Uint8Array {
  if (t.tag !== TAG_INTEGER) throw new DerError(`${what}: expected INTEGER`);
  const c = content(buf, t);
  if (c.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (!isMinimalInteger(c)) throw new DerError(`${what}: INTEGER not minimally encoded`);
  if (rules === 'der' && ((c[0] as number) & 0x80) !== 0) throw new DerError(`${what}: negative INTEGER`);
  return c;
}

/** A positive INTEGER's magnitude (no sign octet); zero and negative values are refused. */
export function readPositiveInteger(buf: Uint8Array, t: Tlv, what: string): Uint8Array {
  const c = readInteger(buf, t, 'der', what);
  const mag = c[0] === 0 ? c.subarray(1) : c;
  if (mag.length === 0) throw new DerError(`${what}: INTEGER is zero`);
  return mag;
}

/** The value of INTEGER content octets read by `readInteger`. */
export const integerValue = integerBytesToBigInt;

/** OBJECT IDENTIFIER content (X.690 §8.19) in dotted form; subidentifiers must be minimal. */
export function decodeOid(b: Uint8Array): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as number;
    if (v === 0 && x === 0x80) throw new DerError('non-minimal OID encoding');
    v = v * 128 + (x & 0x7f);
    if (!(x & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    } else if (i === b.length - 1) throw new DerError('truncated OID');
  }
  return parts.join('.');
}
