/**
 * A deliberately naive reference, written straight from RFC 6962 §2.1 (MTH,
 * §2.1.1 PATH, §2.1.2 PROOF/SUBPROOF) over a list of leaf inputs. It uses
 * @noble/hashes, not src/merkle/hasher.ts, so a hasher bug cannot hide.
 * The only liberty taken: MTH(D[start:end]) is memoised by (start, end) — a
 * pure function of those leaves — so thousands of proofs stay fast.
 */
import { sha256 } from '@noble/hashes/sha2.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The largest power of two smaller than n ("k < n <= 2k"). Requires n > 1. */
export function largestPow2Below(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export const refLeafHash = (d: Uint8Array): Uint8Array => sha256(concat(new Uint8Array([0]), d));
export const refNodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(concat(new Uint8Array([1]), l, r));

export class RefTree {
  private readonly memo = new Map<string, Uint8Array>();
  constructor(readonly leaves: readonly Uint8Array[]) {}

  /** MTH(D[start:end]). */
  mth(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 0) return sha256(new Uint8Array(0));
    if (n === 1) return refLeafHash(this.leaves[start]!);
    const key = `${start}:${end}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      const k = largestPow2Below(n);
      h = refNodeHash(this.mth(start, start + k), this.mth(start + k, end));
      this.memo.set(key, h);
    }
    return h;
  }

  /** PATH(m, D[start:end]) (RFC 6962 §2.1.1). */
  path(m: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n === 1) return [];
    const k = largestPow2Below(n);
    if (m < k) return [...this.path(m, start, start + k), this.mth(start + k, end)];
    return [...this.path(m - k, start + k, end), this.mth(start, start + k)];
  }

  /** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 6962 §2.1.2). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  private subproof(m: number, start: number, end: number, b: boolean): Uint8Array[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.mth(start, end)];
    const k = largestPow2Below(n);
    if (m <= k) return [...this.subproof(m, start, start + k, b), this.mth(start + k, end)];
    return [...this.subproof(m - k, start + k, end, false), this.mth(start, start + k)];
  }

  /** Hash of the complete subtree (level, index). */
  node(level: number, index: bigint): Uint8Array {
    const begin = Number(index) * 2 ** level;
    return this.mth(begin, begin + 2 ** level);
  }
}

/** Deterministic, distinct leaf inputs of varying length. */
export function makeLeaves(count: number, salt = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const d = new Uint8Array(4 + (i % 7));
    new DataView(d.buffer).setUint32(0, i ^ salt);
    d.fill(salt & 0xff, 4);
    out.push(d);
  }
  return out;
}

const lsb = (x: bigint): boolean => (x & 1n) === 1n;
const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** RFC 9162 §2.1.3.2 "Verifying an Inclusion Proof", step by step. */
export function refVerifyInclusion(
  leafIndex: bigint,
  treeSize: bigint,
  hash: Uint8Array,
  inclusionPath: readonly Uint8Array[],
  rootHash: Uint8Array,
): boolean {
  if (leafIndex >= treeSize) return false; // 1
  let fn = leafIndex; // 2
  let sn = treeSize - 1n;
  let r = hash; // 3
  for (const p of inclusionPath) {
    // 4
    if (sn === 0n) return false; // a
    if (lsb(fn) || fn === sn) {
      // b
      r = refNodeHash(p, r);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = refNodeHash(r, p);
    }
    fn >>= 1n; // c
    sn >>= 1n;
  }
  return sn === 0n && eq(r, rootHash); // 5
}

/**
 * RFC 9162 §2.1.4.2 "Verifying Consistency between Two Tree Heads", for
 * 0 < first < second (the RFC's precondition), step by step.
 */
export function refVerifyConsistency(
  first: bigint,
  second: bigint,
  firstHash: Uint8Array,
  secondHash: Uint8Array,
  consistencyPath: readonly Uint8Array[],
): boolean {
  if (!(0n < first && first < second)) throw new Error('reference precondition: 0 < first < second');
  if (consistencyPath.length === 0) return false; // 1
  const path = (first & (first - 1n)) === 0n ? [firstHash, ...consistencyPath] : [...consistencyPath]; // 2
  let fn = first - 1n; // 3
  let sn = second - 1n;
  while (lsb(fn)) {
    // 4
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!; // 5
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    // 6
    if (sn === 0n) return false; // a
    if (lsb(fn) || fn === sn) {
      // b
      fr = refNodeHash(c, fr);
      sr = refNodeHash(c, sr);
      if (!lsb(fn)) {
        while (!lsb(fn) && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = refNodeHash(sr, c);
    }
    fn >>= 1n; // c
    sn >>= 1n;
  }
  return eq(fr, firstHash) && eq(sr, secondHash) && sn === 0n; // 7
}
