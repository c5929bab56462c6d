/**
 * Conversions between bigint and the content octets of an ASN.1 INTEGER (X.690 §8.3: big-endian
 * two's complement, minimal). The surrounding tag and length are read by src/encoding/der.ts or
 * written by @peculiar/asn1-schema; these only translate the value.
 */

/** True when `bytes` is a minimal two's-complement encoding (X.690 §8.3.2). */
export function isMinimalInteger(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  if (bytes.length === 1) return true;
  const [b0, b1] = [bytes[0]!, bytes[1]!];
  return !((b0 === 0x00 && b1 < 0x80) || (b0 === 0xff && b1 >= 0x80));
}

/** Decodes INTEGER content octets. Requires a non-empty input. */
export function integerBytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new RangeError('empty INTEGER');
  // Through hex: one native conversion instead of a BigInt operation per octet (ECDSA r and s are
  // read on every verification).
  let n = BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
  if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** Encodes `n` as minimal INTEGER content octets. */
export function bigIntToIntegerBytes(n: bigint): Uint8Array {
  let len = 1;
  // Smallest length whose two's-complement range [-2^(8len-1), 2^(8len-1)) contains n.
  while (n >= 1n << BigInt(len * 8 - 1) || n < -(1n << BigInt(len * 8 - 1))) len++;
  let v = n < 0n ? (1n << BigInt(len * 8)) + n : n;
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
