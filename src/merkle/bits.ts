/**
 * Bit helpers over non-negative bigints (Go's math/bits equivalents used by
 * transparency-dev/merkle). Internal to src/merkle, not re-exported.
 */
const U32 = 0xffffffffn;

/** Number of bits needed to represent x (Go's bits.Len64). Requires x >= 0. */
export function bitLength(x: bigint): number {
  let n = 0;
  while (x > U32) {
    x >>= 32n;
    n += 32;
  }
  return n + 32 - Math.clz32(Number(x));
}

function popCount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of set bits (Go's bits.OnesCount64). Requires x >= 0. */
export function popCount(x: bigint): number {
  let c = 0;
  while (x > 0n) {
    c += popCount32(Number(x & U32));
    x >>= 32n;
  }
  return c;
}

/** Number of trailing zero bits (Go's bits.TrailingZeros64). Requires x > 0. */
export function trailingZeros(x: bigint): number {
  return bitLength(x & -x) - 1;
}

/**
 * The largest power of two strictly smaller than n: the split point k of
 * RFC 6962 §2.1 ("k < n <= 2k"). Requires n > 1.
 */
export function splitPoint(n: bigint): bigint {
  return 1n << BigInt(bitLength(n - 1n) - 1);
}
